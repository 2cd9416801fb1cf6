/**
 * The nodes of a MemVfs (mem_vfs.ts) and what is done to one node: stat, resize,
 * times, and the handle an open gives, which is bound to the node, not its name.
 */
import { type Errno, FsError, type FsHandle, type FsStat, type Kind, type TimeSpec } from "../fs/mod.ts";

/** Now, in nanoseconds since the epoch. */
export const now = (): bigint => BigInt(Date.now()) * 1_000_000n;
/** Largest file (as the union's handle: a Uint8Array is not a u64 filesize). */
const MAX_FILE = 2 ** 31;
const fail = (code: Errno, path: string, op: string): never => {
  throw new FsError(code, path, op);
};

/** One inode of a MemVfs. */
export interface Node {
  ino: bigint;
  type: Kind;
  nlink: bigint;
  data: Uint8Array;
  size: number;
  target: string;
  /** Directory entries in creation order; the value is [ino, cookie]. */
  entries: Map<string, [bigint, bigint]>;
  parent: bigint;
  mode: number;
  uid: number;
  gid: number;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

/** stat(2) of a node: 4096 for a directory's size, the target's length for a symlink's. */
export function statOf(n: Node): FsStat {
  const size = n.type === "symlink" ? n.target.length : n.type === "dir" ? 4096 : n.size;
  return { dev: 1n, ino: n.ino, type: n.type, nlink: n.nlink, size: BigInt(size), atim: n.atim, mtim: n.mtim, ctim: n.ctim,
    mode: n.mode, uid: n.uid, gid: n.gid };
}

/** Set a file's size (zero-filled when growing); mtime and ctime become now. */
export function resize(n: Node, size: number): void {
  if (size > n.data.length) {
    const grown = new Uint8Array(Math.max(size, n.data.length * 2));
    grown.set(n.data.subarray(0, n.size));
    n.data = grown;
  } else n.data.fill(0, size, n.size);
  n.size = size;
  n.mtim = n.ctim = now();
}
/** utimes: "now", a time, or null/absent to leave it; ctime becomes now. */
export function touch(n: Node, times: { atime?: TimeSpec; mtime?: TimeSpec }): void {
  const t = now();
  if (times.atime != null) n.atim = times.atime === "now" ? t : times.atime;
  if (times.mtime != null) n.mtim = times.mtime === "now" ? t : times.mtime;
  n.ctim = t;
}
/** An open file or directory of a MemVfs: bound to its node, so it works on after a rename or unlink of the name. */
export function nodeHandle(n: Node, o: { writable: boolean; appending: boolean; readdir: FsHandle["readdir"] }): FsHandle {
const { writable, appending } = o;
  const where = `#${n.ino}`;
  const file = (op: string) => (n.type === "dir" ? fail("EISDIR", where, op) : n);
  const writing = (op: string, end: number) => {
    if (!writable) fail("EBADF", where, op);
    file(op);
    if (end > MAX_FILE) fail("EFBIG", where, op);
  };
  const h: FsHandle = {
    kind: n.type,
    ino: n.ino,
    read: (into, pos) => {
      file("read");
      const end = Math.min(n.size, pos + into.length);
      if (end <= pos) return 0;
      into.set(n.data.subarray(pos, end));
      return end - pos;
    },
    write: (data, pos) => {
      const at = appending ? n.size : pos;
      writing("write", at + data.length);
      if (at + data.length > n.size) resize(n, at + data.length);
      n.data.set(data, at);
      n.mtim = n.ctim = now();
      return data.length;
    },
    append: (data) => {
      const at = n.size;
      writing("write", at + data.length);
      h.write(data, at);
      return at;
    },
    size: () => n.size,
    truncate: (size) => {
      writing("truncate", size);
      resize(n, size);
    },
    stat: () => statOf(n),
    utimes: (times) => touch(n, times),
    chmod: (mode) => { n.mode = mode & 0o7777; n.ctim = now(); },
    chown: (owner) => { n.uid = owner.uid; n.gid = owner.gid; n.ctim = now(); },
    readdir: o.readdir,
    sync: () => {},
    close: () => {},
  };
  return h;
}
