/**
 * The one path resolver (chroot semantics): symlinks resolve inside the container root,
 * an absolute target is relative to that root, `..` at the root stays there, ELOOP after
 * 40 hops, ENAMETOOLONG past PATH_MAX or NAME_MAX, ENOTDIR when a non-directory is used
 * as one (a trailing "/" included). It answers *where* the name is: the chain of merged
 * directories down to its parent, the names along it, and the inode if any.
 *
 * It scans the path in place (no split, no arrays unless a chain is needed), and the
 * caller's fast path (`lookupFast`) answers most absolute lookups with one hash of the
 * whole path in the merged lower index.
 */
import { fail } from "./errors.ts";
import { type Inode, WHITEOUT } from "./inode.ts";

export const MAX_SYMLINK_HOPS = 40;
export const PATH_MAX = 4096;
export const NAME_MAX = 255;

/** Bytes of `s` in UTF-8, as the limits count them (only computed for long strings). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) n += 4, i++; // a surrogate pair
    else n += 3;
  }
  return n;
}

export interface Loc {
  /** Merged directories from the root down to the parent (dirs[0] is the root). */
  dirs: Inode[];
  /** Names along the chain: parts[i] names dirs[i + 1] in dirs[i]; it is the parent's canonical path. */
  parts: string[];
  /** The merged parent directory (dirs at its end). */
  parent: Inode;
  /** The last component ("" for the root itself). */
  name: string;
  node: Inode | undefined;
  /** The path ended with "/" (or "/."): the name must be a directory. */
  slash: boolean;
}

/** A merged child lookup: upper entries first (a whiteout hides), then the lower beneath. */
export function child(dir: Inode, name: string, inodes: Map<number, Inode>): Inode | undefined {
  let l: Inode | typeof WHITEOUT | undefined;
  if (dir.isUpper) {
    const e = dir.entries!.get(name);
    if (e === WHITEOUT) return undefined;
    if (e) return e;
    if (!dir.lower || dir.opaque) return undefined;
    l = dir.lower.entries!.get(name);
  } else l = dir.entries!.get(name);
  if (!l || l === WHITEOUT) return undefined;
  return inodes.get(l.ino) ?? l;
}

/**
 * The fast path: the inode at an absolute `path` without the resolver, or undefined when
 * the resolver must answer (any error, a symlink to follow, ".", "..", "//", a trailing
 * "/", a long path). It walks the upper directories the path goes through (usually none
 * or one or two: the upper tree is sparse), and where the upper stops naming the path it
 * looks the rest up with one hash in the merged lower index (`byPath`), whose keys are
 * canonical absolute paths through lower directories only; unless a renamed directory
 * was on the way, that key is `path` itself. That is sound because a lower directory
 * that was copied up is always named in the upper tree where it shows (copy-up is
 * parents first), so below the last upper directory nothing was copied up except
 * files, whose copies the inode table gives.
 */
export function lookupFast(root: Inode, byPath: Map<string, Inode>, inodes: Map<number, Inode>, path: string, follow: boolean): Inode | undefined {
  // A path of at most PATH_MAX / 3 UTF-16 units is within PATH_MAX bytes of UTF-8.
  if (path.charCodeAt(0) !== 47 || path.length > PATH_MAX / 3) return undefined;
  let dir = root, i = 1, moved = false;
  for (;;) {
    const slash = path.indexOf("/", i);
    const e = dir.entries!.get(slash < 0 ? path.slice(i) : path.slice(i, slash));
    let node: Inode | undefined;
    if (e === undefined) {
      const lower = dir.lower;
      if (lower === null || dir.opaque) return undefined;
      // Not moved: the upper directories had the names of the path, so their lower is at the same path.
      const l = byPath.get(!moved ? path : lower.path === "" ? path.slice(i - 1) : `/${lower.path}/${path.slice(i)}`);
      if (l === undefined) return undefined;
      node = inodes.get(l.ino) ?? l;
    } else if (e === WHITEOUT) return undefined;
    else if (slash < 0 || e.kind !== "dir") {
      if (slash >= 0) return undefined;
      node = e;
    } else {
      dir = e;
      moved ||= e.moved;
      i = slash + 1;
      continue;
    }
    return node.kind === "symlink" && follow ? undefined : node;
  }
}

/** Only slashes and "." components from `i` on. */
function onlyTail(p: string, i: number): boolean {
  for (; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 47) continue;
    if (c === 46 && p.charCodeAt(i - 1) === 47 && (i + 1 === p.length || p.charCodeAt(i + 1) === 47)) continue;
    return false;
  }
  return true;
}

/** Resolve `path` from the root (a relative path starts there too). */
export function resolve(root: Inode, inodes: Map<number, Inode>, path: string, follow: boolean, op: string): Loc {
  if (path.length > PATH_MAX / 3 && utf8Length(path) > PATH_MAX) fail("ENAMETOOLONG", path, op);
  if (path === "") fail("ENOENT", path, op);
  const dirs: Inode[] = [root];
  const parts: string[] = [];
  let p = path, i = 0, hops = 0;
  for (;;) {
    while (i < p.length && p.charCodeAt(i) === 47) i++;
    if (i >= p.length) break;
    let j = p.indexOf("/", i);
    if (j < 0) j = p.length;
    const name = p.slice(i, j);
    i = j;
    if (name === ".") continue;
    if (name === "..") {
      if (dirs.length > 1) dirs.pop(), parts.pop();
      continue;
    }
    if (name.length > NAME_MAX / 3 && utf8Length(name) > NAME_MAX) fail("ENAMETOOLONG", path, op);
    const last = j === p.length || onlyTail(p, j);
    const slash = j < p.length;
    const dir = dirs[dirs.length - 1]!;
    const node = child(dir, name, inodes);
    if (node !== undefined && node.kind === "symlink" && (!last || follow || slash)) {
      if (++hops > MAX_SYMLINK_HOPS) fail("ELOOP", path, op);
      if (node.target === "") fail("ENOENT", path, op);
      if (node.target.charCodeAt(0) === 47) dirs.length = 1, parts.length = 0;
      p = node.target + p.slice(j);
      i = 0;
      continue;
    }
    if (last) {
      if (slash && node && node.kind !== "dir") fail("ENOTDIR", path, op);
      return { dirs, parts, parent: dir, name, node, slash };
    }
    if (!node) fail("ENOENT", path, op);
    if (node.kind !== "dir") fail("ENOTDIR", path, op);
    dirs.push(node);
    parts.push(name);
  }
  // The path named a directory by "/", "." or "..": the result is that directory itself.
  if (dirs.length === 1) return { dirs, parts, parent: root, name: "", node: dirs[0], slash: true };
  const node = dirs.pop()!, name = parts.pop()!;
  return { dirs, parts, parent: dirs[dirs.length - 1]!, name, node, slash: true };
}
