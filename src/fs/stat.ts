/** stat(2) of an inode, in the shape the WASI layer reads (bigints) plus mode and owner. */
import type { Inode, Kind } from "./inode.ts";

export interface FsStat {
  dev: bigint;
  ino: bigint;
  type: Kind;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
  mode: number;
  uid: number;
  gid: number;
}

export function toStat(n: Inode): FsStat {
  return {
    dev: 1n, ino: BigInt(n.ino), type: n.kind, nlink: BigInt(n.nlink),
    size: BigInt(n.kind === "symlink" ? n.target.length : n.kind === "dir" ? 4096 : n.size),
    atim: n.atime, mtim: n.mtime, ctim: n.ctime, mode: n.mode, uid: n.uid, gid: n.gid,
  };
}
