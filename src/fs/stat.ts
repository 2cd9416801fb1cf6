/** stat(2) of an inode, in the shape the WASI layer reads (bigints) plus mode and owner. */
import type { Inode } from "./inode.ts";
import type { FsStat } from "./types.ts";

export type { FsStat };

function make(n: Inode): FsStat {
  return {
    dev: 1n, ino: BigInt(n.ino), type: n.kind, nlink: BigInt(n.nlink),
    size: BigInt(n.kind === "symlink" ? n.target.length : n.kind === "dir" ? 4096 : n.size),
    atim: n.atime, mtim: n.mtime, ctim: n.ctime, mode: n.mode, uid: n.uid, gid: n.gid,
  };
}

/** A lower inode never changes, so its stat is made once and shared (frozen). */
export function toStat(n: Inode): FsStat {
  if (n.isUpper) return make(n);
  return n.st ??= Object.freeze(make(n));
}
