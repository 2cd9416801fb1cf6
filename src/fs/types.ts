/**
 * The one synchronous shape of a container filesystem, `FileSystem` and its `FsHandle`:
 * what the WASI layer calls (every preview1 path and fd operation maps onto one method
 * here), what the engine reads (sizes, diff, export), and the change records a replica
 * journals across threads. Every filesystem a process can see implements it as it is,
 * with no adapter between: the union (`UnionFS`, and `mountVfs`'s full copy), the flat
 * `MemVfs` (src/wasi; the tests' oracle), the mount table and its read-only views
 * (`MountedVfs`, `readOnly`), and a host directory behind a bind (server/platform).
 * One conformance suite (tests/fs/_vfs_suite.ts) runs the same cases over all of them.
 *
 * A filesystem is first described as a value, `{ lowers, upper }` (`RootfsValue`), then
 * mounted (`new UnionFS(value)`); `mountVfs(lowers)` gives the same interface over a full
 * private copy (Docker's vfs driver).
 *
 * Paths are inside the container root (chroot semantics): an absolute path or symlink
 * target starts at the root, `..` at the root stays there; a relative path starts at the
 * root too (the WASI layer resolves a dirfd-relative path to an absolute one itself).
 * Every method throws `FsError { code, path, op }` (errors.ts) and nothing else; the codes
 * each can throw are listed as `Errors:` (gVisor manner). Every path operation may also
 * throw the resolver's errors: ENOENT (a missing component), ENOTDIR (a non-directory
 * used as one, or a trailing "/" on a non-directory), ELOOP (more than 40 symlink hops,
 * or `follow: false` open of a symlink), ENAMETOOLONG (path > 4096 or name > 255 bytes).
 */
import type { Layer } from "./layer.ts";
import type { WritableLayer } from "./writable_layer.ts";

export type { Errno } from "./errors.ts";

/** What an inode is. Layers and the union make no sockets; a host directory can hold one. */
export type Kind = "file" | "dir" | "symlink" | "char" | "block" | "fifo" | "socket";

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

/** Whether the last component is followed when it is a symlink (utimensat's AT_SYMLINK_NOFOLLOW). */
export interface PathOptions {
  /** Follow a symlink in the last component. Default true (utimes, chmod, chown). */
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
 *
 * `read` may be handed a view of a program's memory to fill, and `write` a view to take
 * from: an implementation copies what it keeps and never holds on to the view.
 */
export interface FsHandle {
  readonly kind: Kind;
  readonly ino: bigint;
  /**
   * Set on a handle that stands for something of the process that opens it rather than
   * for a file of this filesystem (/dev/fd/N, /dev/stdin, /dev/tty, /proc/self/…): the
   * WASI layer, which alone knows the process, hands out that instead (src/wasi/_process_fds.ts).
   * Absent on every ordinary handle.
   */
  readonly process?: ProcessNode;
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
  /** futimens: "now", a time, or null/absent to leave it. Copies up a lower inode. */
  utimes(times: { atime?: TimeSpec; mtime?: TimeSpec }): void;
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
  /** fsync/fdatasync: a no-op in memory (the journal already carried every write); fsync(2) on a host file. */
  sync(): void;
  /** Release the handle; an unlinked inode is forgotten when its last handle closes. */
  close(): void;
}

/**
 * What a process node opens as, in the process that opens it (`FsHandle.process`):
 * - `fd`: its own descriptor `fd`, duplicated (one open file, one offset; /dev/fd/N,
 *   /dev/stdin, /proc/self/fd/N); ENOENT when it has no such descriptor, as Linux's
 *   /proc/self/fd/N is then missing;
 * - `fds`: a directory listing its descriptors (/dev/fd, /proc/self/fd);
 * - `tty`: its controlling terminal (/dev/tty), or ENXIO when it has none;
 * - `file`: a read-only file whose bytes `render` makes from the process (/proc/self/cmdline, /proc/meminfo).
 */
export type ProcessNode =
  | { kind: "fd"; fd: number }
  | { kind: "fds" }
  | { kind: "tty" }
  | { kind: "file"; render: (p: ProcessInfo) => Uint8Array };

/** What a process node's `render` is told about the process opening it. */
export interface ProcessInfo {
  args: readonly string[];
  env: readonly string[];
  /** Bytes of linear memory the program has now, and its cap (absent: none but WebAssembly's 4 GiB). */
  memory: { used: number; limit?: number };
}

/**
 * A container filesystem: what every implementation gives (see the top of this file).
 * One form per operation: `stat`/`lstat` rather than a follow flag (two calls on the
 * WASI hot path with no options object), `utimes` with `TimeSpec`s for paths and handles.
 */
export interface FileSystem {
  /** stat(2), following a symlink in the last component. Errors: ENOENT. */
  stat(path: string): FsStat;
  /** lstat(2): the last component itself, symlink or not. Errors: ENOENT. */
  lstat(path: string): FsStat;
  /**
   * Open (and with `create`, create) a file or directory.
   * Errors: ENOENT (missing and no create; or create with directory), EEXIST (create+exclusive on an existing
   * name), EISDIR (write/truncate on a directory; create with a trailing "/"), ENOTDIR (directory on a
   * non-directory), ELOOP (follow false and the name is a symlink).
   */
  open(path: string, opts: OpenOptions): FsHandle;
  /** Errors: EEXIST (any existing name, a dangling symlink included), ENOENT (parent missing). */
  mkdir(path: string, opts?: { mode?: number }): void;
  /** Errors: ENOENT, ENOTDIR, ENOTEMPTY, EBUSY (the root). */
  rmdir(path: string): void;
  /** Errors: ENOENT, EISDIR (a directory). A name that exists below leaves a whiteout. */
  unlink(path: string): void;
  /**
   * Hard link `to` → the inode at `from` (the last component of `from` is followed only with `follow`).
   * Errors: ENOENT, EEXIST (`to` exists), EPERM (`from` is a directory).
   */
  link(from: string, to: string, opts?: { follow?: boolean }): void;
  /**
   * Rename a file or a whole directory, across layers, keeping inode identity (better than
   * overlayfs' EXDEV). Errors: ENOENT, EINVAL (a directory into itself), ENOTDIR (dir over
   * non-dir), EISDIR (non-dir over dir), ENOTEMPTY (over a non-empty dir), EBUSY (the root).
   */
  rename(from: string, to: string): void;
  /** Create a symlink at `path` holding `target` (stored as given). Errors: EEXIST, ENOENT. */
  symlink(target: string, path: string): void;
  /** Errors: ENOENT, EINVAL (not a symlink). */
  readlink(path: string): string;
  /** utimensat: "now", a time, or null/absent (UTIME_OMIT) for each. Copies up. Errors: ENOENT. */
  utimes(path: string, times: { atime?: TimeSpec; mtime?: TimeSpec }, opts?: PathOptions): void;
  /** Errors: ENOENT. Copies up. */
  chmod(path: string, mode: number, opts?: PathOptions): void;
  /** Errors: ENOENT. Copies up. */
  chown(path: string, owner: { uid: number; gid: number }, opts?: PathOptions): void;
  /** Names of a directory (following symlinks; whiteouts hidden), sorted, without "." and "..". Errors: ENOENT, ENOTDIR. */
  readdir(path: string): FsDirent[];
  /** The whole file, following symlinks; a view that must not be modified. Errors: ENOENT, EISDIR. */
  readFile(path: string): Uint8Array;
  /** Create or replace a whole file. Errors: ENOENT (parent missing), EISDIR. */
  writeFile(path: string, data: Uint8Array, opts?: { mode?: number }): void;
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
