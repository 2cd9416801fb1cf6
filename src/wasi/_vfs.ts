/**
 * What the WASI layer needs from a filesystem: synchronous, absolute paths inside the
 * container root, errors thrown with errno names. src/fs's UnionFS implements it as it
 * is, and so does MemVfs (the flat tree of tests and the conformance oracle); keeping
 * the seam here lets the WASI calls stay the same whatever serves them.
 */

export type VType = "file" | "dir" | "symlink" | "char" | "block" | "fifo" | "socket";

/** stat(2) as WASI reports it; times in ns since the epoch. */
export interface VStat {
  dev: bigint;
  ino: bigint;
  type: VType;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

/** One directory entry; `next` is the cookie that resumes after it (stable while the directory changes). */
export interface VDirent {
  name: string;
  type: VType;
  ino: bigint;
  next: bigint;
}

/**
 * An open file or directory, bound to its inode (it survives rename and unlink of its name).
 * `read` may be handed a view of the program's memory to fill, and `write` a view of the
 * program's memory to take from: copy what is kept, never hold on to the view.
 */
export interface VHandle {
  read(into: Uint8Array, position: number): number;
  write(data: Uint8Array, position: number): number;
  truncate(size: number): void;
  stat(): VStat;
  /** null leaves a time as it is. */
  setTimes(atim: bigint | null, mtim: bigint | null): void;
  /** Entries from `cookie` on (0 = start), at most `max`. */
  readdir(cookie: bigint, max: number): VDirent[];
  close(): void;
}

export interface VOpenOptions {
  read: boolean;
  write: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  directory: boolean;
  /** Follow a symlink in the last component. */
  follow: boolean;
}

export interface Vfs {
  /** Errors: ENOENT, ENOTDIR, ELOOP. */
  stat(path: string, follow: boolean): VStat;
  /** Errors: ENOENT, EEXIST (exclusive), EISDIR (write on a dir), ENOTDIR (directory), ELOOP (no follow on a symlink). */
  open(path: string, opts: VOpenOptions): VHandle;
  /** Errors: EEXIST, ENOENT. */
  mkdir(path: string): void;
  /** Errors: ENOTEMPTY, ENOTDIR, ENOENT. */
  rmdir(path: string): void;
  /** Errors: EISDIR, ENOENT. */
  unlink(path: string): void;
  /** Errors: ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EINVAL (dir into itself). */
  rename(from: string, to: string): void;
  /** Hard link. Errors: EEXIST, ENOENT, EPERM (directory). */
  link(from: string, to: string): void;
  /** Errors: EEXIST, ENOENT. */
  symlink(target: string, path: string): void;
  /** Errors: EINVAL (not a symlink), ENOENT. */
  readlink(path: string): string;
  setTimes(path: string, follow: boolean, atim: bigint | null, mtim: bigint | null): void;
  /** The whole file (following symlinks); a view that must not be modified. */
  readFile(path: string): Uint8Array;
}
