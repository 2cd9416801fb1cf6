/**
 * The inode: one shape for lower (read-only, shared by every container of an image) and
 * upper (a container's own) files, directories and links. Lower inodes are never
 * mutated after their stack is built; an upper inode copied up from a lower one keeps
 * its `ino`, so identity survives copy-up and rename.
 */
import type { FsStat, Kind } from "./types.ts";

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

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function makeInode(ino: number, kind: Kind, mode: number, time = nowNs()): Inode {
  return {
    ino, kind, mode, uid: 0, gid: 0, nlink: kind === "dir" ? 2 : 1, size: 0, data: EMPTY, shared: false, target: "",
    devmajor: 0, devminor: 0, atime: time, mtime: time, ctime: time, entries: kind === "dir" ? new Map() : null,
    lower: null, opaque: false, moved: false, path: "", pax: null, isUpper: false, st: null,
  };
}

/** A copy for the upper: same ino and metadata; file bytes shared until the first write. */
export function cloneForUpper(src: Inode): Inode {
  return {
    ...src, data: src.data, shared: src.kind === "file" ? true : src.shared,
    entries: src.kind === "dir" ? new Map() : null, lower: src.kind === "dir" ? src : null, opaque: false, moved: false, path: "",
    isUpper: true, st: null,
  };
}

/** Make `data` writable and at least `size` bytes of capacity. */
export function ensureCapacity(node: Inode, size: number): void {
  if (!node.shared && node.data.length >= size) return;
  const cap = node.data.length >= size && node.shared ? node.data.length : Math.max(size, Math.min(node.data.length * 2, size + (64 << 20)), 64);
  const grown = new Uint8Array(cap);
  grown.set(node.data.subarray(0, node.size));
  node.data = grown;
  node.shared = false;
}
