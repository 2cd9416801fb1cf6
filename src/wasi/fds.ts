/**
 * WASI file descriptors over the container filesystem: `FileFd` and `DirFd` subclass
 * browser_wasi_shim's `Fd`, and `UnionInode` its `Inode`, so the shim's own dispatch
 * (fd_read, fd_write, fd_seek, ...) drives them. Each fd keeps its rights, flags and
 * offset; the handle under it is bound to the inode, so it survives rename and unlink.
 */
import { Fd, Inode, wasi } from "@bjorn3/browser_wasi_shim";
import type { FileSystem, FsStat, Kind } from "../fs/mod.ts";
import { toErrno } from "./errno.ts";

const R = (...bits: number[]) => bits.reduce((a, b) => a | BigInt(b), 0n);
/** Rights a regular file fd may hold (WASI preview1 `rights`). */
export const FILE_RIGHTS = R(wasi.RIGHTS_FD_DATASYNC, wasi.RIGHTS_FD_READ, wasi.RIGHTS_FD_SEEK,
  wasi.RIGHTS_FD_FDSTAT_SET_FLAGS, wasi.RIGHTS_FD_SYNC, wasi.RIGHTS_FD_TELL, wasi.RIGHTS_FD_WRITE,
  wasi.RIGHTS_FD_ADVISE, wasi.RIGHTS_FD_ALLOCATE, wasi.RIGHTS_FD_FILESTAT_GET,
  wasi.RIGHTS_FD_FILESTAT_SET_SIZE, wasi.RIGHTS_FD_FILESTAT_SET_TIMES, wasi.RIGHTS_POLL_FD_READWRITE);
/** Rights a directory fd may hold. */
export const DIR_RIGHTS = R(wasi.RIGHTS_FD_FDSTAT_SET_FLAGS, wasi.RIGHTS_FD_SYNC, wasi.RIGHTS_FD_ADVISE,
  wasi.RIGHTS_PATH_CREATE_DIRECTORY, wasi.RIGHTS_PATH_CREATE_FILE, wasi.RIGHTS_PATH_LINK_SOURCE,
  wasi.RIGHTS_PATH_LINK_TARGET, wasi.RIGHTS_PATH_OPEN, wasi.RIGHTS_FD_READDIR, wasi.RIGHTS_PATH_READLINK,
  wasi.RIGHTS_PATH_RENAME_SOURCE, wasi.RIGHTS_PATH_RENAME_TARGET, wasi.RIGHTS_PATH_FILESTAT_GET,
  wasi.RIGHTS_PATH_FILESTAT_SET_SIZE, wasi.RIGHTS_PATH_FILESTAT_SET_TIMES, wasi.RIGHTS_FD_FILESTAT_GET,
  wasi.RIGHTS_FD_FILESTAT_SET_TIMES, wasi.RIGHTS_PATH_SYMLINK, wasi.RIGHTS_PATH_REMOVE_DIRECTORY,
  wasi.RIGHTS_PATH_UNLINK_FILE, wasi.RIGHTS_POLL_FD_READWRITE);

const FILETYPES: Record<Kind, number> = {
  file: wasi.FILETYPE_REGULAR_FILE, dir: wasi.FILETYPE_DIRECTORY, symlink: wasi.FILETYPE_SYMBOLIC_LINK,
  char: wasi.FILETYPE_CHARACTER_DEVICE, block: wasi.FILETYPE_BLOCK_DEVICE, fifo: wasi.FILETYPE_UNKNOWN,
  socket: wasi.FILETYPE_SOCKET_STREAM,
};

/** WASI filetype of a filesystem type. */
export function filetypeOf(type: Kind): number {
  return FILETYPES[type];
}

/** A Filestat that writes its times at the offsets of WASI preview1 (40/48/56; 0.4.2 used 38/46/52). */
export class Filestat extends wasi.Filestat {
  constructor(st: FsStat) {
    super(st.ino, filetypeOf(st.type), st.size);
    this.dev = st.dev;
    this.nlink = st.nlink;
    this.atim = st.atim;
    this.mtim = st.mtim;
    this.ctim = st.ctim;
  }
  override write_bytes(view: DataView, ptr: number): void {
    view.setBigUint64(ptr, this.dev, true);
    view.setBigUint64(ptr + 8, this.ino, true);
    view.setUint8(ptr + 16, this.filetype);
    view.setBigUint64(ptr + 24, this.nlink, true);
    view.setBigUint64(ptr + 32, this.size, true);
    view.setBigUint64(ptr + 40, this.atim, true);
    view.setBigUint64(ptr + 48, this.mtim, true);
    view.setBigUint64(ptr + 56, this.ctim, true);
  }
}

/** The parts every fd of ours shares: rights and flags, settable (shrinking only, for rights). */
export abstract class BaseFd extends Fd {
  abstract filetype: number;
  rightsInheriting: bigint = 0n;
  flags = 0;
  #rightsBase = 0n;
  /** The low 32 bits of rightsBase (every WASI right is below bit 29): `can` runs on each read and write. */
  #baseBits = 0;

  get rightsBase(): bigint {
    return this.#rightsBase;
  }
  set rightsBase(rights: bigint) {
    this.#rightsBase = rights;
    this.#baseBits = Number(BigInt.asUintN(32, rights));
  }

  override fd_fdstat_get(): { ret: number; fdstat: wasi.Fdstat | null } {
    const fdstat = new wasi.Fdstat(this.filetype, this.flags);
    fdstat.fs_rights_base = this.rightsBase;
    fdstat.fs_rights_inherited = this.rightsInheriting;
    return { ret: wasi.ERRNO_SUCCESS, fdstat };
  }
  override fd_fdstat_set_flags(flags: number): number {
    this.flags = flags;
    return wasi.ERRNO_SUCCESS;
  }
  override fd_fdstat_set_rights(base: bigint, inheriting: bigint): number {
    if ((base & ~this.rightsBase) !== 0n || (inheriting & ~this.rightsInheriting) !== 0n) return wasi.ERRNO_NOTCAPABLE;
    this.rightsBase = base;
    this.rightsInheriting = inheriting;
    return wasi.ERRNO_SUCCESS;
  }
  /** True when this fd holds the right `bit` (a RIGHTS_* constant). */
  can(bit: number): boolean {
    return (this.#baseBits & bit) !== 0;
  }
}

/** Run `body`, turning a thrown filesystem error into its WASI errno. */
export function guard(body: () => number): number {
  try {
    return body();
  } catch (err) {
    return toErrno(err);
  }
}

/** A path in the container, as the shim's `path_lookup` hands to `path_link`. */
export class UnionInode extends Inode {
  constructor(readonly vfs: FileSystem, readonly path: string, readonly follow: boolean) {
    super();
    this.ino = (follow ? vfs.stat(path) : vfs.lstat(path)).ino;
  }
  override path_open(): { ret: number; fd_obj: Fd | null } {
    return { ret: wasi.ERRNO_NOTSUP, fd_obj: null };
  }
  override stat(): wasi.Filestat {
    return new Filestat(this.follow ? this.vfs.stat(this.path) : this.vfs.lstat(this.path));
  }
}
