/**
 * The public, synchronous shape of a container filesystem: what the WASI layer calls
 * (every preview1 path and fd operation maps onto one method here), what the engine
 * reads (sizes, diff, export), and the change records a replica journals across threads.
 *
 * A filesystem is first described as a value, `{ lowers, upper }` (`RootfsValue`), then
 * mounted (`new UnionFS(value)`); `mountVfs(lowers)` gives the same interface over a full
 * private copy (Docker's vfs driver).
 *
 * Paths are inside the container root (chroot semantics): an absolute path or symlink
 * target starts at the root, `..` at the root stays there. A relative path starts at
 * `opts.at` (an open directory handle, WASI's dirfd) or at the root when none is given.
 * Every method throws `FsError { code, path, op }` (errors.ts) and nothing else; the codes
 * each can throw are listed as `Errors:` (gVisor manner). Every path operation may also
 * throw the resolver's errors: ENOENT (a missing component), ENOTDIR (a non-directory
 * used as one, or a trailing "/" on a non-directory), ELOOP (more than 40 symlink hops,
 * or `follow: false` open of a symlink), ENAMETOOLONG (path > 4096 or name > 255 bytes).
 */
import type { Layer } from "./layer.ts";
import type { WritableLayer } from "./writable_layer.ts";

export type { Errno } from "./errors.ts";

/** What an inode is. */
export type Kind = "file" | "dir" | "symlink" | "char" | "block" | "fifo";

/** A container's filesystem as a value, before it is mounted: lowers top first (overlayfs lowerdir order). */
export interface RootfsValue {
  lowers: readonly Layer[];
  upper: WritableLayer;
}

/**
 * stat(2). Times are nanoseconds since the epoch. `ino` is stable for the life of the
 * container: copy-up and rename keep it, and every name of a hard link shares it.
 * Field names follow WASI's filestat (`type`, `atim`…). The object may be shared and frozen (lower inodes): do not modify it.
 */
export interface FsStat {
  dev: bigint;
  ino: bigint;
  type: Kind;
  nlink: bigint;
  /** Bytes for a file, target length for a symlink, 4096 for a directory. */
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
  /** Permission and special bits (0o7777). */
  mode: number;
  uid: number;
  gid: number;
}

/** Where a path starts and whether its last component is followed when it is a symlink. */
export interface PathOptions {
  /** The directory a relative path starts at (WASI dirfd); default the root. */
  at?: FsHandle | null;
  /** Follow a symlink in the last component. Default true for stat/utimes/chmod/chown/readFile, false for the rest. */
  follow?: boolean;
}

export interface OpenOptions {
  read: boolean;
  write: boolean;
  /** O_CREAT. */
  create: boolean;
  /** O_EXCL (with create). */
  exclusive: boolean;
  /** O_TRUNC. */
  truncate: boolean;
  /** O_DIRECTORY. */
  directory: boolean;
  /** Follow a symlink in the last component (WASI lookupflags SYMLINK_FOLLOW). */
  follow: boolean;
  /** O_APPEND: every `write` goes to the end, whatever position it is given. */
  append?: boolean;
  /** Mode of a created file (default 0o644). */
  mode?: number;
  /** The directory a relative path starts at (WASI dirfd). */
  at?: FsHandle | null;
}

/** A time to set: nanoseconds, "now", or null to leave it as it is (UTIME_OMIT). */
export type TimeSpec = bigint | "now" | null;

/** One directory entry; `next` is the cookie that resumes right after it. */
export interface FsDirent {
  name: string;
  type: Kind;
  ino: bigint;
  next: bigint;
}

/**
 * An open file or directory, bound to its inode, not its name: it keeps working after
 * its name is renamed or unlinked, and it follows the inode's copy-up. A handle opened
 * for writing (write or truncate) was copied up at open, so its writes never reach a
 * lower layer and never show in another container.
 */
export interface FsHandle {
  readonly kind: Kind;
  readonly ino: bigint;
  /** pread: bytes copied into `into` from `position`; 0 at or past the end. Errors: EISDIR. */
  read(into: Uint8Array, position: number): number;
  /** pwrite (with O_APPEND: append). Returns bytes written. Errors: EBADF (not open for writing), EISDIR, EFBIG. */
  write(data: Uint8Array, position: number): number;
  /** Write at the current end; returns the offset written at. Errors: EBADF, EISDIR, EFBIG. */
  append(data: Uint8Array): number;
  /** Current size in bytes. */
  size(): number;
  /** Grow (zero-filled) or shrink. Errors: EBADF, EISDIR, EFBIG. */
  truncate(size: number): void;
  /** fstat. */
  stat(): FsStat;
  /** futimens; copies up a lower inode. */
  utimes(times: { atime?: TimeSpec; mtime?: TimeSpec }): void;
  /** The same with WASI's form (null leaves a time as it is). */
  setTimes(atim: bigint | null, mtim: bigint | null): void;
  /** fchmod. */
  chmod(mode: number): void;
  /** fchown. */
  chown(owner: { uid: number; gid: number }): void;
  /**
   * Entries from `cookie` on (0 = start: ".", "..", then the merged names sorted), at most
   * `max`. The listing is a snapshot taken at cookie 0, so cookies stay stable while the
   * directory changes under a listing in progress. Errors: ENOTDIR.
   */
  readdir(cookie: bigint, max: number): FsDirent[];
  /** fsync/fdatasync: a no-op in memory (the journal already carried every write). */
  sync(): void;
  /** Release the handle; an unlinked inode is forgotten when its last handle closes. */
  close(): void;
}

/** The operations every storage driver (union, vfs) gives. */
export interface FileSystem {
  /**
   * stat (follow defaults to true). `opts` may be a boolean `follow`, the form the WASI
   * seam uses. Errors: ENOENT.
   */
  stat(path: string, opts?: PathOptions | boolean): FsStat;
  /** stat without following the last component. Errors: ENOENT. */
  lstat(path: string, opts?: PathOptions): FsStat;
  /**
   * Open (and with `create`, create) a file or directory.
   * Errors: ENOENT (missing and no create; or create with directory), EEXIST (create+exclusive on an existing
   * name), EISDIR (write/truncate on a directory; create with a trailing "/"), ENOTDIR (directory on a
   * non-directory), ELOOP (follow false and the name is a symlink).
   */
  open(path: string, opts: OpenOptions): FsHandle;
  /** Errors: EEXIST (any existing name, a dangling symlink included), ENOENT (parent missing). */
  mkdir(path: string, opts?: { mode?: number; at?: FsHandle | null }): void;
  /** Errors: ENOENT, ENOTDIR, ENOTEMPTY, EBUSY (the root). */
  rmdir(path: string, opts?: { at?: FsHandle | null }): void;
  /** Errors: ENOENT, EISDIR (a directory). A name that exists below leaves a whiteout. */
  unlink(path: string, opts?: { at?: FsHandle | null }): void;
  /**
   * Hard link `to` → the inode at `from` (the last component of `from` is followed only with `follow`).
   * Errors: ENOENT, EEXIST (`to` exists), EPERM (`from` is a directory).
   */
  link(from: string, to: string, opts?: { at?: FsHandle | null; toAt?: FsHandle | null; follow?: boolean }): void;
  /**
   * Rename a file or a whole directory, across layers, keeping inode identity (better than
   * overlayfs' EXDEV). Errors: ENOENT, EINVAL (a directory into itself), ENOTDIR (dir over
   * non-dir), EISDIR (non-dir over dir), ENOTEMPTY (over a non-empty dir), EBUSY (the root).
   */
  rename(from: string, to: string, opts?: { at?: FsHandle | null; toAt?: FsHandle | null }): void;
  /** Create a symlink at `path` holding `target` (stored as given). Errors: EEXIST, ENOENT. */
  symlink(target: string, path: string, opts?: { at?: FsHandle | null }): void;
  /** Errors: ENOENT, EINVAL (not a symlink). */
  readlink(path: string, opts?: { at?: FsHandle | null }): string;
  /** utimensat: "now", a time, or null (omit) for each. Copies up. Errors: ENOENT. */
  utimes(path: string, times: { atime?: TimeSpec; mtime?: TimeSpec }, opts?: PathOptions): void;
  /** The WASI seam's form of utimes (4 positional arguments, kept for it). Errors: ENOENT. */
  setTimes(path: string, follow: boolean, atim: bigint | null, mtim: bigint | null): void;
  /** Errors: ENOENT. Copies up. */
  chmod(path: string, mode: number, opts?: PathOptions): void;
  /** Errors: ENOENT. Copies up. */
  chown(path: string, owner: { uid: number; gid: number }, opts?: PathOptions): void;
  /** Merged names of a directory (whiteouts hidden), sorted, without "." and "..". Errors: ENOENT, ENOTDIR. */
  readdir(path: string, opts?: PathOptions): FsDirent[];
  /** The whole file, following symlinks; a view that must not be modified. Errors: ENOENT, EISDIR. */
  readFile(path: string, opts?: PathOptions): Uint8Array;
  /** Create or replace a whole file. Errors: ENOENT (parent missing), EISDIR. */
  writeFile(path: string, data: Uint8Array, opts?: { mode?: number; at?: FsHandle | null }): void;
  /** sync(2): a no-op in memory; persistence is the engine's (serializeUpper) and the journal's. */
  sync(): void;
}

/**
 * One mutation of a writable layer, as plain data (structured-cloneable; `encodeChange`
 * makes bytes of it). Records name inodes by number, so a replay reaches the same inode
 * whatever names it has now (an open, unlinked file included). `time` fields are the
 * values the original wrote, so a replay is exact.
 */
export type ChangeRecord =
  /** A new upper inode (create, mkdir, symlink). */
  | { op: "inode"; ino: number; kind: Kind; mode: number; uid: number; gid: number; target: string; time: bigint }
  /** The lower inode `ino` copied up (metadata; file bytes stay shared until written). */
  | { op: "copyUp"; ino: number }
  /** In upper directory `dir`, `name` now names inode `child`; -1 a whiteout; -2 nothing (removed). */
  | { op: "entry"; dir: number; name: string; child: number }
  /** Metadata of an upper inode set. */
  | { op: "attr"; ino: number; set: AttrChange }
  /**
   * Bytes written at `pos`; mtime and ctime become `time`. `inPlace`: the inode is
   * spilled and the bytes are in its file already: its byte form carries only their count
   * (`length`), and decodes with empty `data`.
   */
  | { op: "write"; ino: number; pos: number; data: Uint8Array; time: bigint; inPlace?: boolean; length?: number }
  /** The file's bytes moved out of memory into spill file `name` of the layer's space (spill.ts). */
  | { op: "spill"; ino: number; name: string }
  /** Size set (zero-filled when growing); mtime and ctime become `time`. */
  | { op: "truncate"; ino: number; size: number; time: bigint }
  /** An unlinked inode's last handle closed: forget it. */
  | { op: "release"; ino: number };

export interface AttrChange {
  mode?: number;
  uid?: number;
  gid?: number;
  nlink?: number;
  atime?: bigint;
  mtime?: bigint;
  ctime?: bigint;
  opaque?: boolean;
  moved?: boolean;
}

/** A change of the merged view, as Docker's `/containers/{id}/changes` reports it. */
export interface Change {
  Path: string;
  /** 0 modified, 1 added, 2 deleted. */
  Kind: 0 | 1 | 2;
}
