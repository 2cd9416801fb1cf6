/**
 * An open directory of the container filesystem; the preopen "/" is one. Path calls
 * resolve relative to it (see _path.ts) and go to the filesystem by absolute path.
 * fd_readdir uses the filesystem's cookies, which stay valid while the directory changes.
 */
import { type Fd, wasi } from "@bjorn3/browser_wasi_shim";
import type { FileSystem, FsHandle, FsStat, OpenOptions, ProcessNode } from "../fs/mod.ts";
import { BaseFd, DIR_RIGHTS, FILE_RIGHTS, Filestat, filetypeOf, guard, UnionInode } from "./fds.ts";
import { FileFd, timesFrom } from "./file_fd.ts";
import { toErrno, WasiError } from "./errno.ts";
import { resolveAt } from "./_path.ts";

const LOOKUP_SYMLINK_FOLLOW = 1;
const READ_RIGHTS = BigInt(wasi.RIGHTS_FD_READ | wasi.RIGHTS_FD_READDIR);
const WRITE_RIGHTS = BigInt(wasi.RIGHTS_FD_WRITE | wasi.RIGHTS_FD_ALLOCATE | wasi.RIGHTS_FD_FILESTAT_SET_SIZE);

export class DirFd extends BaseFd {
  filetype: number = wasi.FILETYPE_DIRECTORY;

  constructor(readonly vfs: FileSystem, readonly path: string, readonly handle: FsHandle, readonly preopenName?: string) {
    super();
    this.rightsBase = DIR_RIGHTS;
    this.rightsInheriting = DIR_RIGHTS | FILE_RIGHTS;
  }

  /** Absolute path of `rel`, requiring the right `bit` on this directory. */
  at(rel: string, bit?: number): { path: string; trailingSlash: boolean } {
    if (bit !== undefined && !this.can(bit)) throw new WasiError("ENOTCAPABLE");
    return resolveAt(this.path, rel);
  }

  override fd_prestat_get(): { ret: number; prestat: wasi.Prestat | null } {
    if (this.preopenName === undefined) return { ret: wasi.ERRNO_BADF, prestat: null };
    return { ret: wasi.ERRNO_SUCCESS, prestat: wasi.Prestat.dir(this.preopenName) };
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    try {
      return { ret: wasi.ERRNO_SUCCESS, filestat: new Filestat(this.handle.stat()) };
    } catch (err) {
      return { ret: toErrno(err), filestat: null };
    }
  }
  override fd_filestat_set_times(atim: bigint, mtim: bigint, fstFlags: number): number {
    return guard(() => (this.handle.utimes(timesFrom(atim, mtim, fstFlags)), wasi.ERRNO_SUCCESS));
  }
  override fd_readdir_single(cookie: bigint): { ret: number; dirent: wasi.Dirent | null } {
    try {
      const [entry] = this.handle.readdir(cookie, 1);
      if (!entry) return { ret: wasi.ERRNO_SUCCESS, dirent: null };
      return { ret: wasi.ERRNO_SUCCESS, dirent: new wasi.Dirent(entry.next, entry.ino, entry.name, filetypeOf(entry.type)) };
    } catch (err) {
      return { ret: toErrno(err), dirent: null };
    }
  }
  override fd_read(): { ret: number; data: Uint8Array } {
    return { ret: wasi.ERRNO_ISDIR, data: new Uint8Array() };
  }
  override fd_pread(): { ret: number; data: Uint8Array } {
    return { ret: wasi.ERRNO_ISDIR, data: new Uint8Array() };
  }
  override fd_write(): { ret: number; nwritten: number } {
    return { ret: wasi.ERRNO_BADF, nwritten: 0 };
  }
  override fd_pwrite(): { ret: number; nwritten: number } {
    return { ret: wasi.ERRNO_BADF, nwritten: 0 };
  }
  override fd_seek(): { ret: number; offset: bigint } {
    return { ret: wasi.ERRNO_BADF, offset: 0n };
  }
  override fd_tell(): { ret: number; offset: bigint } {
    return { ret: wasi.ERRNO_BADF, offset: 0n };
  }
  override fd_allocate(): number {
    return wasi.ERRNO_BADF;
  }
  override fd_filestat_set_size(): number {
    return wasi.ERRNO_BADF;
  }
  override fd_close(): number {
    return guard(() => (this.handle.close(), wasi.ERRNO_SUCCESS));
  }

  override path_create_directory(rel: string): number {
    return guard(() => (this.vfs.mkdir(this.at(rel, wasi.RIGHTS_PATH_CREATE_DIRECTORY).path), wasi.ERRNO_SUCCESS));
  }
  /** stat of `rel` (path_filestat_get). Throws errno-named errors. */
  statAt(flags: number, rel: string): FsStat {
    const { path, trailingSlash } = this.at(rel, wasi.RIGHTS_PATH_FILESTAT_GET);
    const st = (flags & LOOKUP_SYMLINK_FOLLOW) !== 0 || trailingSlash ? this.vfs.stat(path) : this.vfs.lstat(path);
    if (trailingSlash && st.type !== "dir") throw new WasiError("ENOTDIR");
    return st;
  }
  override path_filestat_get(flags: number, rel: string): { ret: number; filestat: wasi.Filestat | null } {
    try {
      return { ret: wasi.ERRNO_SUCCESS, filestat: new Filestat(this.statAt(flags, rel)) };
    } catch (err) {
      return { ret: toErrno(err), filestat: null };
    }
  }
  override path_filestat_set_times(flags: number, rel: string, atim: bigint, mtim: bigint, fstFlags: number): number {
    return guard(() => {
      const { path } = this.at(rel, wasi.RIGHTS_PATH_FILESTAT_SET_TIMES);
      this.vfs.utimes(path, timesFrom(atim, mtim, fstFlags), { follow: (flags & LOOKUP_SYMLINK_FOLLOW) !== 0 });
      return wasi.ERRNO_SUCCESS;
    });
  }
  override path_lookup(rel: string, dirflags: number): { ret: number; inode_obj: UnionInode | null } {
    try {
      const { path } = this.at(rel);
      return { ret: wasi.ERRNO_SUCCESS, inode_obj: new UnionInode(this.vfs, path, (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0) };
    } catch (err) {
      return { ret: toErrno(err), inode_obj: null };
    }
  }
  override path_readlink(rel: string): { ret: number; data: string | null } {
    try {
      const { path } = this.at(rel, wasi.RIGHTS_PATH_READLINK);
      return { ret: wasi.ERRNO_SUCCESS, data: this.vfs.readlink(path) };
    } catch (err) {
      return { ret: toErrno(err), data: null };
    }
  }
  override path_remove_directory(rel: string): number {
    return guard(() => (this.vfs.rmdir(this.at(rel, wasi.RIGHTS_PATH_REMOVE_DIRECTORY).path), wasi.ERRNO_SUCCESS));
  }
  override path_unlink_file(rel: string): number {
    return guard(() => {
      const { path, trailingSlash } = this.at(rel, wasi.RIGHTS_PATH_UNLINK_FILE);
      if (trailingSlash) throw new WasiError(this.vfs.lstat(path).type === "dir" ? "EISDIR" : "ENOTDIR");
      this.vfs.unlink(path);
      return wasi.ERRNO_SUCCESS;
    });
  }
  override path_open(dirflags: number, rel: string, oflags: number, base: bigint, inheriting: bigint, fdflags: number): { ret: number; fd_obj: Fd | null } {
    try {
      return { ret: wasi.ERRNO_SUCCESS, fd_obj: this.#open(dirflags, rel, oflags, base, inheriting, fdflags) };
    } catch (err) {
      return { ret: toErrno(err), fd_obj: null };
    }
  }
  #open(dirflags: number, rel: string, oflags: number, base: bigint, inheriting: bigint, fdflags: number): BaseFd {
    const { path, trailingSlash } = this.at(rel, wasi.RIGHTS_PATH_OPEN);
    const create = (oflags & wasi.OFLAGS_CREAT) !== 0;
    if (create && !this.can(wasi.RIGHTS_PATH_CREATE_FILE)) throw new WasiError("ENOTCAPABLE");
    if ((oflags & wasi.OFLAGS_TRUNC) && !this.can(wasi.RIGHTS_PATH_FILESTAT_SET_SIZE)) throw new WasiError("ENOTCAPABLE");
    const granted = base & this.rightsInheriting;
    const opts: OpenOptions = {
      read: (granted & READ_RIGHTS) !== 0n,
      write: (granted & WRITE_RIGHTS) !== 0n ||
        (fdflags & wasi.FDFLAGS_APPEND) !== 0 || (oflags & wasi.OFLAGS_TRUNC) !== 0,
      create, exclusive: (oflags & wasi.OFLAGS_EXCL) !== 0, truncate: (oflags & wasi.OFLAGS_TRUNC) !== 0,
      directory: (oflags & wasi.OFLAGS_DIRECTORY) !== 0 || trailingSlash,
      follow: (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0,
    };
    if (trailingSlash && create) throw new WasiError("EISDIR");
    const handle = this.vfs.open(path, opts);
    if (handle.process) {
      const stat = handle.stat();
      handle.close();
      return new ProcessNodeFd(handle.process, { vfs: this.vfs, path, stat, rights: granted, inheriting: inheriting & this.rightsInheriting, flags: fdflags });
    }
    if (handle.stat().type === "dir") {
      if (opts.write) throw (handle.close(), new WasiError("EISDIR"));
      const dir = new DirFd(this.vfs, path, handle);
      dir.rightsBase = granted & DIR_RIGHTS;
      dir.rightsInheriting = inheriting & this.rightsInheriting;
      return dir;
    }
    if (opts.directory) throw (handle.close(), new WasiError("ENOTDIR"));
    return new FileFd(handle, path, granted, fdflags);
  }
}

/**
 * What a process node (/dev/fd/N, /dev/tty, /proc/self/…; `FsHandle.process`) opens as
 * here: a stand-in that names the node, which the path_open call turns into the
 * process's own fd (_process_fds.ts), since only the process knows its fds and its
 * terminal. It never reaches the fd table.
 */
export class ProcessNodeFd extends BaseFd {
  filetype: number = wasi.FILETYPE_UNKNOWN;
  constructor(readonly node: ProcessNode, readonly opened: ProcessNodeOpen) {
    super();
  }
}

/** How a process node was opened: where, what it is, and the rights and flags asked. */
interface ProcessNodeOpen {
  vfs: FileSystem;
  path: string;
  stat: FsStat;
  rights: bigint;
  inheriting: bigint;
  flags: number;
}
