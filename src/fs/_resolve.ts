/**
 * The one path resolver (chroot semantics): symlinks resolve inside the container root,
 * an absolute target is relative to that root, `..` at the root stays there, ELOOP after
 * 40 hops, ENAMETOOLONG past PATH_MAX or NAME_MAX, ENOTDIR when a non-directory is used
 * as one. It answers *where* the name is: its canonical parent path, the merged parent
 * directory, and the inode if any.
 */
import { fail } from "./errors.ts";
import { type Inode, WHITEOUT } from "./inode.ts";

export const MAX_SYMLINK_HOPS = 40;
export const PATH_MAX = 4096;
export const NAME_MAX = 255;

export interface Loc {
  /** Canonical path of the parent directory, as components. */
  parts: string[];
  /** The merged parent directory (upper or lower inode). */
  parent: Inode;
  /** The last component ("" for the root itself). */
  name: string;
  node: Inode | undefined;
  /** The path ended with "/". */
  slash: boolean;
}

/** A merged child lookup: upper entries first (a whiteout hides), then the lower beneath. */
export function child(dir: Inode, name: string, copied: Map<number, Inode>): Inode | undefined {
  let l: Inode | typeof WHITEOUT | undefined;
  if (dir.isUpper) {
    const e = dir.entries!.get(name);
    if (e === WHITEOUT) return undefined;
    if (e) return e;
    if (!dir.lower) return undefined;
    l = dir.lower.entries!.get(name);
  } else l = dir.entries!.get(name);
  if (!l || l === WHITEOUT) return undefined;
  return copied.get(l.ino) ?? l;
}

export function resolve(root: Inode, copied: Map<number, Inode>, path: string, follow: boolean, op: string): Loc {
  if (path.length > PATH_MAX) fail("ENAMETOOLONG", path, op);
  const todo = path.split("/").reverse();
  const slash = path.length > 1 && path.endsWith("/");
  const parts: string[] = [];
  const dirs: Inode[] = [root];
  let hops = 0;
  while (todo.length) {
    const name = todo.pop()!;
    if (name === "" || name === ".") {
      if (todo.length === 0) break;
      continue;
    }
    if (name.length > NAME_MAX) fail("ENAMETOOLONG", path, op);
    const last = !todo.some((p) => p !== "" && p !== ".");
    if (name === "..") {
      if (parts.length) {
        parts.pop();
        dirs.pop();
      }
      if (last) break;
      continue;
    }
    const dir = dirs[dirs.length - 1]!;
    const node = child(dir, name, copied);
    if (node?.kind === "symlink" && (!last || follow || slash)) {
      if (++hops > MAX_SYMLINK_HOPS) fail("ELOOP", path, op);
      const target = node.target;
      if (target.startsWith("/")) {
        parts.length = 0;
        dirs.length = 1;
      }
      if (last && slash) todo.push("");
      for (const p of target.split("/").reverse()) todo.push(p);
      if (target === "") fail("ENOENT", path, op);
      continue;
    }
    if (last) {
      if (slash && node && node.kind !== "dir") fail("ENOTDIR", path, op);
      return { parts, parent: dir, name, node, slash };
    }
    if (!node) fail("ENOENT", path, op);
    if (node.kind !== "dir") fail("ENOTDIR", path, op);
    parts.push(name);
    dirs.push(node);
  }
  // The path named a directory by "/", "." or "..": the result is that directory itself.
  const node = dirs[dirs.length - 1]!;
  if (parts.length === 0) return { parts: [], parent: root, name: "", node: root, slash };
  return { parts: parts.slice(0, -1), parent: dirs[dirs.length - 2]!, name: parts[parts.length - 1]!, node, slash };
}
