/**
 * The handles of a host directory (host_dir.ts): a file or a directory held by its
 * descriptor, so it keeps working after its name is renamed or unlinked, as every
 * `FsHandle` does; and the conversions from node:fs (errors to FsErrors with the same
 * errno names, stats to `FsStat`, times to Node's seconds).
 */
import {
  closeSync, fchmodSync, fchownSync, fstatSync, fsyncSync, ftruncateSync, futimesSync, lstatSync, readdirSync, readSync,
  writeSync, type BigIntStats,
} from "node:fs";
import { FsError, type FsDirent, type FsHandle, type FsStat, type Kind, type TimeSpec } from "../../src/fs/mod.ts";

const ERRNOS = new Set(["ENOENT", "EEXIST", "ENOTDIR", "EISDIR", "ENOTEMPTY", "ELOOP", "ENAMETOOLONG", "EINVAL", "EXDEV", "EACCES", "EPERM", "EBADF", "EROFS", "EBUSY", "EFBIG", "ENOSPC", "EMLINK"]);

export type Times = { atime?: TimeSpec; mtime?: TimeSpec };

export function host<T>(path: string, op: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof FsError) throw err;
    const code = (err as { code?: string }).code ?? "";
    throw new FsError((ERRNOS.has(code) ? code : "EACCES") as FsError["code"], path, op);
  }
}

export function typeOf(s: BigIntStats): Kind {
  return s.isFile() ? "file" : s.isDirectory() ? "dir" : s.isSymbolicLink() ? "symlink" : s.isCharacterDevice() ? "char" : s.isBlockDevice() ? "block" : s.isFIFO() ? "fifo" : "socket";
}

export function fsStat(s: BigIntStats): FsStat {
  return { dev: s.dev, ino: s.ino, type: typeOf(s), nlink: s.nlink, size: s.size, atim: s.atimeNs, mtim: s.mtimeNs, ctim: s.ctimeNs,
    mode: Number(s.mode) & 0o7777, uid: Number(s.uid), gid: Number(s.gid) };
}

/**
 * Node's utimes calls take seconds as a number: a time is passed on to the microsecond.
 * XXX: the nanoseconds below a microsecond are lost (Node has no utimensat).
 */
export function seconds(spec: TimeSpec | undefined, was: bigint): number {
  const ns = spec === "now" ? BigInt(Date.now()) * 1_000_000n : spec ?? was;
  return Number(ns / 1000n) / 1e6;
}

/** Names (no "." or "..") of the directory the host calls `dir`, each with its type and inode. */
export function listing(dir: string): Array<{ name: string; type: Kind; ino: bigint; next: bigint }> {
  return readdirSync(dir).map((name, i) => {
    const s = lstatSync(`${dir}/${name}`, { bigint: true });
    return { name, type: typeOf(s), ino: s.ino, next: BigInt(i + 3) };
  });
}

/** What every handle knows: its descriptor, inode, the path it was opened by (for errors), and whether the bind is read-only. */
interface Held {
  fd: number;
  ino: bigint;
  path: string;
  readOnly: boolean;
}

/** The calls a file and a directory handle share: stat, times, mode, owner, sync, close. */
function common(h: Held) {
  const { fd, path } = h;
  const ro = (op: string) => {
    if (h.readOnly) throw new FsError("EROFS", path, op);
  };
  return {
    ino: h.ino,
    stat: () => host(path, "stat", () => fsStat(fstatSync(fd, { bigint: true }))),
    utimes: (times: Times) => (ro("utimes"), host(path, "utimes", () => {
      const s = fstatSync(fd, { bigint: true });
      futimesSync(fd, seconds(times.atime, s.atimeNs), seconds(times.mtime, s.mtimeNs));
    })),
    chmod: (mode: number) => (ro("chmod"), host(path, "chmod", () => fchmodSync(fd, mode & 0o7777))),
    chown: (owner: { uid: number; gid: number }) => (ro("chown"), host(path, "chown", () => fchownSync(fd, owner.uid, owner.gid))),
    sync: () => host(path, "sync", () => fsyncSync(fd)),
    close: () => host(path, "close", () => closeSync(fd)),
  };
}

export function fileHandle(h: Held, kind: Kind, writable: boolean): FsHandle {
  const { fd, path } = h;
  const writing = (op: string) => {
    if (h.readOnly) throw new FsError("EROFS", path, op);
    if (!writable) throw new FsError("EBADF", path, op);
  };
  const size = () => host(path, "stat", () => Number(fstatSync(fd).size));
  return {
    ...common(h),
    kind,
    read: (into, pos) => host(path, "read", () => readSync(fd, into, 0, into.length, pos)),
    write: (data, pos) => (writing("write"), host(path, "write", () => writeSync(fd, data, 0, data.length, pos))),
    append: (data) => {
      writing("write");
      const at = size();
      host(path, "write", () => writeSync(fd, data, 0, data.length, at));
      return at;
    },
    size,
    truncate: (n) => (writing("truncate"), host(path, "truncate", () => ftruncateSync(fd, n))),
    readdir: () => {
      throw new FsError("ENOTDIR", path, "readdir");
    },
  };
}

/**
 * A directory held by its descriptor; `name` addresses it for listing (`/proc/self/fd/N`).
 * Its listing is a snapshot taken at cookie 0 (as the union's), so cookies stay valid
 * while the directory changes; ".." of the bind's root (`isRoot`) is the root itself, as
 * at the container's root: the host's parent is not the program's to see.
 */
export function dirHandle(h: Held, name: string, isRoot: boolean): FsHandle {
  const { path } = h;
  let entries: FsDirent[] | null = null;
  const isDir = (op: string): never => {
    throw new FsError("EISDIR", path, op);
  };
  // A directory is never open for writing (EBADF, as Linux answers write(2) on one; EROFS first on a read-only bind).
  const notWritable = (op: string): never => {
    throw new FsError(h.readOnly ? "EROFS" : "EBADF", path, op);
  };
  return {
    ...common(h),
    kind: "dir",
    read: () => isDir("read"),
    write: () => notWritable("write"),
    append: () => notWritable("write"),
    size: () => 4096,
    truncate: () => notWritable("truncate"),
    readdir: (cookie, max) => {
      if (cookie === 0n || !entries) {
        entries = host(path, "readdir", () => {
          const up = isRoot ? h.ino : lstatSync(`${name}/..`, { bigint: true }).ino;
          return [{ name: ".", type: "dir", ino: h.ino, next: 1n }, { name: "..", type: "dir", ino: up, next: 2n }, ...listing(name)];
        });
      }
      return entries.slice(Number(cookie), Number(cookie) + max);
    },
  };
}
