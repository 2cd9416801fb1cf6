/**
 * UnionFS: the merged view of `{ lowers, upper }`, synchronous (the WASI shim calls it
 * synchronously), in the overlayfs model: the upper wins, directories merge, a file or
 * symlink hides the same path below, copy-up on the first write or metadata change,
 * unlink or rmdir of a lower name leaves a whiteout, a directory made over a whiteout is
 * opaque. Rename works across layers and keeps inode identity (overlayfs would say
 * EXDEV for a lower directory). Lookup says where a name is (gVisor's overlay
 * filesystem.go); every change is driven by that answer and goes through the upper's
 * journaled primitives. The methods and their `Errors:` are documented on `FileSystem`
 * (types.ts).
 */
import { fail } from "./errors.ts";
import { type Inode, nowNs, WHITEOUT } from "./inode.ts";
import { type LowerStack, mergeLowers } from "./lower_stack.ts";
import { child, type Loc, lookupFast, resolve } from "./_resolve.ts";
import { UnionHandle } from "./handle.ts";
import { toStat } from "./stat.ts";
import { fileBytes } from "./_file_data.ts";
import type { WritableLayer } from "./writable_layer.ts";
import type { FileSystem, FsDirent, FsHandle, FsStat, OpenOptions, PathOptions, RootfsValue, TimeSpec } from "./types.ts";

export type { RootfsValue };

export class UnionFS implements FileSystem {
  readonly stack: LowerStack;
  readonly root: Inode;
  readonly upper: WritableLayer;
  readonly #inodes: Map<number, Inode>;

  constructor(readonly value: RootfsValue) {
    this.stack = mergeLowers(value.lowers);
    this.upper = value.upper;
    this.root = value.upper.bind(this.stack);
    this.#inodes = value.upper.inodes;
  }

  /** Resolve a path in the merged view (see _resolve.ts). */
  locate(path: string, follow: boolean, op = "lookup"): Loc {
    return resolve(this.root, this.#inodes, path, follow, op);
  }

  /** The inode at a path; most absolute paths are answered by `lookupFast` (_resolve.ts) without the resolver. */
  lookup(path: string, follow: boolean, op: string): Inode {
    const node = lookupFast(this.root, this.stack.byPath, this.#inodes, path, follow);
    if (node !== undefined) return node;
    return this.locate(path, follow, op).node ?? fail("ENOENT", path, op);
  }

  /** The live inode for `node` (its copy-up, if it was copied up since). */
  current(node: Inode): Inode {
    return node.isUpper ? node : this.#inodes.get(node.ino) ?? node;
  }

  stat(path: string): FsStat {
    return toStat(this.lookup(path, true, "stat"));
  }
  lstat(path: string): FsStat {
    return toStat(this.lookup(path, false, "lstat"));
  }

  open(path: string, o: OpenOptions): FsHandle {
    const writes = o.write || o.truncate || o.append === true;
    if (!writes && !o.create && !o.directory) {
      // Read-only open of an existing file: no chain needed (only directory handles keep one).
      const node = lookupFast(this.root, this.stack.byPath, this.#inodes, path, o.follow);
      if (node !== undefined && node.kind !== "dir" && node.kind !== "symlink") return new UnionHandle(this, node, null, false, false);
    }
    // O_CREAT|O_EXCL never follows a symlink in the last place: the link exists, so EEXIST (POSIX open()).
    const loc = this.locate(path, o.follow && !(o.create && o.exclusive), "open");
    let node = loc.node;
    if (node && o.create && o.exclusive) fail("EEXIST", path, "open");
    if (!node) {
      if (!o.create || o.directory) fail("ENOENT", path, "open");
      if (loc.slash) fail("EISDIR", path, "open");
      const t = nowNs();
      node = this.upper.create("file", (o.mode ?? 0o644) & 0o7777, t);
      this.#insert(loc, node, t);
    }
    if (node.kind === "symlink") fail(o.directory ? "ENOTDIR" : "ELOOP", path, "open");
    if (o.directory && node.kind !== "dir") fail("ENOTDIR", path, "open");
    if (node.kind === "dir" && writes) fail("EISDIR", path, "open");
    if (writes && !node.isUpper) node = this.copyUp(loc); // a created node is upper, so here node is loc.node
    if (o.truncate && node.kind === "file" && node.size > 0) this.upper.truncate(node, 0, nowNs());
    return new UnionHandle(this, node, loc, writes, o.append === true);
  }

  mkdir(path: string, opts?: { mode?: number }): void {
    const loc = this.locate(path, false, "mkdir");
    if (loc.node) fail("EEXIST", path, "mkdir");
    const t = nowNs();
    const parent = this.upperDir(loc);
    const dir = this.upper.create("dir", (opts?.mode ?? 0o755) & 0o7777, t);
    if (parent.entries!.get(loc.name) === WHITEOUT) this.upper.setAttr(dir, { opaque: true }); // over a whiteout: hide what is below
    this.#insert(loc, dir, t, 1);
  }

  rmdir(path: string): void {
    const loc = this.locate(path, false, "rmdir");
    const node = loc.node ?? fail("ENOENT", path, "rmdir");
    if (node.kind !== "dir") fail("ENOTDIR", path, "rmdir");
    if (loc.name === "") fail("EBUSY", path, "rmdir");
    if (this.list(node).length) fail("ENOTEMPTY", path, "rmdir");
    this.#remove(loc, nowNs(), -1);
    this.#drop(node);
  }

  unlink(path: string): void {
    const loc = this.locate(path, false, "unlink");
    const node = loc.node ?? fail("ENOENT", path, "unlink");
    if (node.kind === "dir") fail("EISDIR", path, "unlink");
    const t = nowNs();
    this.#remove(loc, t, 0);
    this.#unlinkInode(node, t);
  }

  link(from: string, to: string, opts?: { follow?: boolean }): void {
    const src = this.locate(from, opts?.follow ?? false, "link");
    const node = src.node ?? fail("ENOENT", from, "link");
    if (node.kind === "dir") fail("EPERM", from, "link");
    const dst = this.locate(to, false, "link");
    if (dst.node) fail("EEXIST", to, "link");
    if (dst.slash) fail("ENOENT", to, "link");
    const t = nowNs();
    const u = this.copyUp(src);
    this.upper.setAttr(u, { nlink: u.nlink + 1, ctime: t });
    this.#insert(dst, u, t);
  }

  symlink(target: string, path: string): void {
    const loc = this.locate(path, false, "symlink");
    if (loc.node) fail("EEXIST", path, "symlink");
    if (loc.slash) fail("ENOENT", path, "symlink");
    const t = nowNs();
    this.#insert(loc, this.upper.create("symlink", 0o777, t, target), t);
  }

  readlink(path: string): string {
    const node = this.lookup(path, false, "readlink");
    return node.kind === "symlink" ? node.target : fail("EINVAL", path, "readlink");
  }

  rename(from: string, to: string): void {
    const src = this.locate(from, false, "rename");
    const node = src.node ?? fail("ENOENT", from, "rename");
    const dst = this.locate(to, false, "rename");
    if (src.name === "" || dst.name === "") fail("EBUSY", from, "rename");
    if (node.kind === "dir" && dst.dirs.some((d) => this.current(d) === node)) fail("EINVAL", to, "rename");
    if (node.kind !== "dir" && (src.slash || dst.slash)) fail("ENOTDIR", to, "rename");
    if (dst.node === node) return;
    const over = dst.node;
    if (over) {
      if (node.kind === "dir" && over.kind !== "dir") fail("ENOTDIR", to, "rename");
      if (node.kind !== "dir" && over.kind === "dir") fail("EISDIR", to, "rename");
      if (over.kind === "dir" && this.list(over).length) fail("ENOTEMPTY", to, "rename");
    }
    const t = nowNs();
    const moving = this.copyUp(src);
    const isDir = moving.kind === "dir";
    this.#remove(src, t, isDir ? -1 : 0);
    if (over && over.kind === "dir") this.#drop(over);
    else if (over) this.#unlinkInode(over, t);
    this.upper.setAttr(moving, isDir ? { moved: true, ctime: t } : { ctime: t });
    this.#insert(dst, moving, t, isDir && !over ? 1 : 0, true);
  }

  utimes(path: string, times: { atime?: TimeSpec; mtime?: TimeSpec }, opts?: PathOptions): void {
    this.touch(this.copyUp(this.locate(path, opts?.follow ?? true, "utimes")), times);
  }
  chmod(path: string, mode: number, opts?: PathOptions): void {
    const u = this.copyUp(this.locate(path, opts?.follow ?? true, "chmod"));
    this.upper.setAttr(u, { mode: mode & 0o7777, ctime: nowNs() });
  }
  chown(path: string, owner: { uid: number; gid: number }, opts?: PathOptions): void {
    const u = this.copyUp(this.locate(path, opts?.follow ?? true, "chown"));
    this.upper.setAttr(u, { uid: owner.uid, gid: owner.gid, ctime: nowNs() });
  }

  /** Set times of an upper inode ("now", a time, or null/undefined to leave one). */
  touch(u: Inode, times: { atime?: TimeSpec; mtime?: TimeSpec }): void {
    const t = nowNs();
    const pick = (s: TimeSpec | undefined) => (s === "now" ? t : s ?? undefined);
    this.upper.setAttr(u, { atime: pick(times.atime), mtime: pick(times.mtime), ctime: t });
  }

  readdir(path: string): FsDirent[] {
    const node = this.lookup(path, true, "readdir");
    if (node.kind !== "dir") fail("ENOTDIR", path, "readdir");
    return this.list(node).map(({ name, node }, i) => ({ name, type: node.kind, ino: BigInt(node.ino), next: BigInt(i + 1) }));
  }

  readFile(path: string): Uint8Array {
    const node = this.lookup(path, true, "read");
    if (node.kind === "dir") fail("EISDIR", path, "read");
    return fileBytes(node);
  }

  writeFile(path: string, data: Uint8Array, opts?: { mode?: number }): void {
    const h = this.open(path, { read: false, write: true, create: true, exclusive: false, truncate: true, directory: false, follow: true, mode: opts?.mode });
    h.write(data, 0);
    h.close();
  }

  sync(): void {}

  /** The merged children of a directory inode (following its copy-up), sorted by name. */
  list(dirNode: Inode): Array<{ name: string; node: Inode }> {
    const dir = this.current(dirNode);
    const inodes = this.#inodes;
    const out: Array<{ name: string; node: Inode }> = [];
    if (!dir.isUpper) {
      for (const [name, l] of dir.entries!) out.push({ name, node: inodes.get((l as Inode).ino) ?? (l as Inode) });
      return out; // lower directories are indexed in name order
    }
    for (const [name, e] of dir.entries!) if (e !== WHITEOUT) out.push({ name, node: e });
    if (dir.lower && !dir.opaque) {
      for (const name of dir.lower.entries!.keys()) if (!dir.entries!.has(name)) out.push({ name, node: child(dir, name, inodes)! });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Copy-up of what `loc` names (gVisor's copy_up.go): fast path if already up, parents
   * first, then the inode (metadata; bytes on first write). See `copyUpInode`.
   */
  copyUp(loc: Loc): Inode {
    const node = loc.node ?? fail("ENOENT", [...loc.parts, loc.name].join("/"), "copy-up");
    if (node.isUpper) return node;
    if (loc.name === "") return this.root;
    return this.#copy(node, loc);
  }

  /**
   * Copy-up of a lower inode reached without a name (an open handle's metadata change, the
   * other names of a hard link one name of which goes). This and `copyUp` are the one place
   * a copy is made: the copy is entered in the upper tree under the name it was reached by
   * and under every other name of it that the merged view still shows (a hard-linked lower
   * file's), the directories above copied up on the way. So the upper tree names every
   * copy, and diff and export find them all by walking it.
   * XXX: a file reached only through a renamed directory and changed through a handle has
   * no lower name that shows it: its copy is found by number, and diff and export miss it.
   */
  copyUpInode(node: Inode): Inode {
    return node.isUpper ? node : this.#copy(node, null);
  }

  #copy(node: Inode, at: Loc | null): Inode {
    const links = this.stack.linkPaths.get(node.ino);
    if (at && !links) { // the common case: one name, the one it was reached by
      const parent = this.upperDir(at);
      const u = this.upper.copyUp(node);
      this.upper.setEntry(parent, at.name, u);
      return u;
    }
    const names: Loc[] = at ? [at] : [];
    const paths = links ?? [node.path];
    for (const path of paths) {
      try {
        const loc = this.locate(`/${path}`, false, "copy-up");
        if (loc.node === node) names.push(loc);
      } catch {
        // that name is gone from the merged view
      }
    }
    const places = names.filter((loc) => loc.name !== "").map((loc) => [this.upperDir(loc), loc.name] as const); // parents first
    const u = this.upper.copyUp(node);
    for (const [parent, name] of places) if (parent.entries!.get(name) !== u) this.upper.setEntry(parent, name, u);
    return u;
  }

  /** The upper directory that holds `loc`'s name, copying up each missing one along the chain. */
  upperDir(loc: Loc): Inode {
    let cur = this.root;
    for (let i = 1; i < loc.dirs.length; i++) {
      let d = this.current(loc.dirs[i]!);
      if (!d.isUpper) {
        d = this.upper.copyUp(d);
        this.upper.setEntry(cur, loc.parts[i - 1]!, d);
      }
      cur = d;
    }
    return cur;
  }

  /** Put `node` at `loc`; the parent's times change and its link count by `dirLinks`. */
  #insert(loc: Loc, node: Inode, t: bigint, dirLinks = 0, replace = false): void {
    const parent = this.upperDir(loc);
    const e = parent.entries!.get(loc.name);
    if (!replace && e && e !== WHITEOUT) fail("EEXIST", loc.name, "create");
    this.upper.setEntry(parent, loc.name, node);
    this.upper.setAttr(parent, dirLinks ? { nlink: parent.nlink + dirLinks, mtime: t, ctime: t } : { mtime: t, ctime: t });
  }

  /** Remove a name: drop it from the upper, and leave a whiteout when it exists below. */
  #remove(loc: Loc, t: bigint, dirLinks: number): void {
    const parent = this.upperDir(loc);
    const below = parent.lower !== null && !parent.opaque && parent.lower.entries!.has(loc.name);
    this.upper.setEntry(parent, loc.name, below ? WHITEOUT : null);
    this.upper.setAttr(parent, dirLinks ? { nlink: parent.nlink + dirLinks, mtime: t, ctime: t } : { mtime: t, ctime: t });
  }

  /** One name of a non-directory is gone: count it, and forget the inode when nothing holds it. */
  #unlinkInode(node: Inode, t: bigint): void {
    // A lower inode with one name: the whiteout is all, unless it is open: then the handle
    // must see it unlinked (fstat's nlink 0), so it is copied up to carry the count.
    if (!node.isUpper && node.nlink <= 1 && !this.upper.isOpen(node.ino)) return;
    const u = this.copyUpInode(node);
    this.upper.setAttr(u, { nlink: u.nlink - 1, ctime: t });
    if (u.nlink === 0 && !this.upper.isOpen(u.ino)) this.upper.release(u);
  }

  /** A removed directory: forget its upper inode unless a handle holds it. */
  #drop(dir: Inode): void {
    if (!dir.isUpper) return;
    this.upper.setAttr(dir, { nlink: 0 });
    if (!this.upper.isOpen(dir.ino)) this.upper.release(dir);
  }
}
