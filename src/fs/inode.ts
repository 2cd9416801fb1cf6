/**
 * The inode: one shape for lower (read-only, shared by every container of an image) and
 * upper (a container's own) files, directories and links. Lower inodes are never
 * mutated after their stack is built; an upper inode copied up from a lower one keeps
 * its `ino`, so identity survives copy-up and rename.
 */
import type { FsStat, Kind } from "./types.ts";
import type { SpillFile } from "./spill.ts";

export type { Kind };

/** Marks a name deleted in the upper (a whiteout). */
export const WHITEOUT: unique symbol = Symbol("whiteout");
export type Whiteout = typeof WHITEOUT;

export interface Inode {
  ino: number;
  kind: Kind;
  /** Permission and special bits (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  /** File bytes (capacity may exceed `size`). A view into a layer while `shared`. */
  data: Uint8Array;
  /** `data` belongs to someone else (a layer): copy before writing. */
  shared: boolean;
  /** Upper files while `shared`: pages written since the copy-up, by index (PAGE bytes each, _file_data.ts), over the layer's bytes. */
  pages: Map<number, Uint8Array> | null;
  /** Upper files moved out of memory (spill.ts): the bytes are there, `data` is empty. */
  spill: SpillFile | null;
  /** Symlink target. */
  target: string;
  devmajor: number;
  devminor: number;
  atime: bigint;
  mtime: bigint;
  ctime: bigint;
  /** Directories: children. In the upper a child may be a whiteout. */
  entries: Map<string, Inode | Whiteout> | null;
  /** Upper directories: the lower directory merged beneath (null: nothing). */
  lower: Inode | null;
  /** Upper directories: created over a whiteout: lower children hidden. */
  opaque: boolean;
  /** Upper directories: renamed here, so `lower` is not the lower dir at this path. */
  moved: boolean;
  /** Lower inodes: the canonical path in the stack ("" for the root). */
  path: string;
  /** Extra pax records (xattrs) to keep on export. */
  pax: Record<string, string> | null;
  /** Belongs to a writable layer (else it is a shared, read-only lower inode). */
  isUpper: boolean;
  /** Lower inodes: their stat, made once (they never change). */
  st: FsStat | null;
}

const EMPTY = new Uint8Array(0);

let lastMs = -1, lastNs = 0n;

/** The time now in nanoseconds (millisecond resolution; the bigint is reused within a millisecond). */
export function nowNs(): bigint {
  const ms = Date.now();
  if (ms !== lastMs) lastMs = ms, lastNs = BigInt(ms) * 1_000_000n;
  return lastNs;
}

export function makeInode(ino: number, kind: Kind, mode: number, time = nowNs()): Inode {
  return {
    ino, kind, mode, uid: 0, gid: 0, nlink: kind === "dir" ? 2 : 1, size: 0, data: EMPTY, shared: false, pages: null, spill: null, target: "",
    devmajor: 0, devminor: 0, atime: time, mtime: time, ctime: time, entries: kind === "dir" ? new Map() : null,
    lower: null, opaque: false, moved: false, path: "", pax: null, isUpper: false, st: null,
  };
}

/** A copy for the upper: same ino and metadata; file bytes shared until the first write. */
export function cloneForUpper(src: Inode): Inode {
  return {
    ...src, data: src.data, shared: src.kind === "file" ? true : src.shared, pages: null, spill: null,
    entries: src.kind === "dir" ? new Map() : null, lower: src.kind === "dir" ? src : null, opaque: false, moved: false, path: "",
    isUpper: true, st: null,
  };
}
