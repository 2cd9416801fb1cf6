/**
 * The merged lower index: an image's layers applied once, bottom to top, into one
 * read-only tree shared by every container of the image. A lookup then costs the same
 * at 1 layer and at 128. Each layer's whiteouts and opaque markers apply to the layers
 * below it only, before its own entries (image-spec layer.md), whatever their tar order.
 */
import type { TarEntry } from "../tar/mod.ts";
import { FsError } from "./errors.ts";
import { type Inode, type Kind, makeInode } from "./inode.ts";
import type { Layer } from "./layer.ts";

/** The kernel's OVL_MAX_STACK. */
export const MAX_LOWER_DEPTH = 500;

export interface LowerStack {
  /** The layers, top first (like overlayfs lowerdir). */
  readonly lowers: readonly Layer[];
  readonly root: Inode;
  /** Canonical absolute path → inode, for every entry ("/" is the root), so a lookup can hash the caller's own string. */
  readonly byPath: Map<string, Inode>;
  /** Paths of inodes with more than one name (hard links). */
  readonly linkPaths: Map<number, string[]>;
  /** Bytes of all files in the merged view (each inode once). */
  readonly bytes: number;
  /** Inode numbers at or above this are free for uppers. */
  readonly nextIno: number;
}

const byInoCache = new WeakMap<LowerStack, Map<number, Inode>>();

/** Lower inodes by number (made on first use: replays and restores need it, lookups do not). */
export function lowerByIno(stack: LowerStack): Map<number, Inode> {
  let map = byInoCache.get(stack);
  if (!map) {
    map = new Map();
    for (const n of stack.byPath.values()) map.set(n.ino, n);
    byInoCache.set(stack, map);
  }
  return map;
}

const cache = new WeakMap<Layer, LowerStack[]>();

/** The stack of no layers, built once. */
let empty: LowerStack | undefined;

/** Merge `lowers` (top first), reusing the stack already built for the same list. */
export function mergeLowers(lowers: readonly Layer[]): LowerStack {
  if (lowers.length > MAX_LOWER_DEPTH) {
    throw new FsError("EINVAL", `${lowers.length} layers`, `mount (more than ${MAX_LOWER_DEPTH} lower layers, overlayfs' OVL_MAX_STACK)`);
  }
  const top = lowers[0];
  if (!top) return (empty ??= build([])); // volumes and a container's own files: one shared empty stack, as an image's is shared
  const hit = cache.get(top)?.find((s) => s.lowers.length === lowers.length && s.lowers.every((l, i) => l === lowers[i]));
  if (hit) return hit;
  const stack = build(lowers);
  cache.set(top, [...(cache.get(top) ?? []), stack]);
  return stack;
}

function build(lowers: readonly Layer[]): LowerStack {
  let ino = 2;
  const root = makeInode(1, "dir", 0o755, 0n);
  for (let i = lowers.length - 1; i >= 0; i--) {
    const layer = lowers[i]!;
    for (const dir of layer.opaques) {
      const d = find(root, dir);
      if (d?.kind === "dir") d.entries = new Map();
    }
    for (const path of layer.whiteouts) {
      const slash = path.lastIndexOf("/");
      find(root, slash < 0 ? "" : path.slice(0, slash))?.entries?.delete(path.slice(slash + 1));
    }
    for (const e of layer.entries) ino = apply(root, e, ino);
  }
  return index(lowers, root, ino);
}

function find(root: Inode, path: string): Inode | undefined {
  let node: Inode | undefined = root;
  if (path === "") return root;
  for (const part of path.split("/")) {
    const next: Inode | symbol | undefined = node?.entries?.get(part);
    if (!next || typeof next === "symbol") return undefined;
    node = next;
  }
  return node;
}

/** The parent directory of `path`, created (mode 0755) where the tar left it implicit. */
function parentOf(root: Inode, path: string, ino: { n: number }): Inode {
  let node = root;
  const parts = path.split("/");
  for (let i = 0; i < parts.length - 1; i++) {
    let next = node.entries!.get(parts[i]!) as Inode | undefined;
    if (!next || next.kind !== "dir") {
      next = makeInode(ino.n++, "dir", 0o755, 0n);
      node.entries!.set(parts[i]!, next);
    }
    node = next;
  }
  return node;
}

function apply(root: Inode, e: TarEntry, nextIno: number): number {
  const t = BigInt(Math.round(e.mtime * 1000)) * 1_000_000n;
  const counter = { n: nextIno };
  if (e.path === "") {
    Object.assign(root, { mode: e.mode, uid: e.uid, gid: e.gid, atime: t, mtime: t, ctime: t });
    return counter.n;
  }
  const parent = parentOf(root, e.path, counter);
  const name = e.path.slice(e.path.lastIndexOf("/") + 1);
  const existing = parent.entries!.get(name) as Inode | undefined;
  if (e.type === "hardlink") {
    const target = find(root, e.linkname);
    if (target && target.kind !== "dir") parent.entries!.set(name, target);
    return counter.n;
  }
  if (e.type === "dir" && existing?.kind === "dir") {
    Object.assign(existing, { mode: e.mode, uid: e.uid, gid: e.gid, atime: t, mtime: t, ctime: t, pax: hasKeys(e.pax) ? e.pax : null });
    return counter.n;
  }
  const node = makeInode(counter.n++, e.type as Kind, e.mode, t);
  Object.assign(node, {
    uid: e.uid, gid: e.gid, size: e.type === "symlink" ? e.linkname.length : e.size, data: e.data, shared: true,
    target: e.type === "symlink" ? e.linkname : "", devmajor: e.devmajor, devminor: e.devminor, pax: hasKeys(e.pax) ? e.pax : null,
  });
  parent.entries!.set(name, node);
  return counter.n;
}

function hasKeys(o: Record<string, string>): boolean {
  for (const _ in o) return true;
  return false;
}

/** Paths, link counts and sizes, once the tree is final; each directory's entries put in name order (listings need no sort). */
function index(lowers: readonly Layer[], root: Inode, nextIno: number): LowerStack {
  const byPath = new Map<string, Inode>([["/", root]]);
  const names = new Map<Inode, string[]>();
  let bytes = 0;
  const walk = (dir: Inode, prefix: string): number => {
    let subdirs = 0;
    dir.entries = new Map([...dir.entries!].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    for (const [name, child] of dir.entries) {
      const node = child as Inode;
      const path = prefix ? `${prefix}/${name}` : name;
      byPath.set(`/${path}`, node);
      if (node.kind === "dir") {
        subdirs++;
        node.path = path;
        node.nlink = 2 + walk(node, path);
      } else {
        const list = names.get(node);
        if (list) list.push(path);
        else {
          node.path = path;
          names.set(node, [path]);
          bytes += node.kind === "file" ? node.size : 0;
        }
      }
    }
    return subdirs;
  };
  root.nlink = 2 + walk(root, "");
  const linkPaths = new Map<number, string[]>();
  for (const [node, paths] of names) {
    node.nlink = paths.length;
    if (paths.length > 1) linkPaths.set(node.ino, paths);
  }
  return { lowers, root, byPath, linkPaths, bytes, nextIno };
}
