/**
 * An open regular file (or device) of the container filesystem. Reads and writes go to
 * the handle at the fd's own offset; APPEND writes at the end every time (POSIX), also
 * after fd_fdstat_set_flags turns it on.
 */
import { wasi } from "@bjorn3/browser_wasi_shim";
import type { FsHandle, TimeSpec } from "../fs/mod.ts";
import { BaseFd, FILE_RIGHTS, Filestat, filetypeOf, guard } from "./fds.ts";
import { toErrno } from "./errno.ts";

const MAX_FILE = 2n ** 53n;

/**
 * Reads land in one scratch buffer, reused: the shim copies what fd_read/fd_pread return
 * into the program's memory at once, so a fresh, zeroed buffer per read (the program's
 * whole iovec, however little the file holds) was pure cost. Larger reads get their own.
 */
const SCRATCH_MAX = 1 << 20;
let scratch = new Uint8Array(64 * 1024);
function readBuffer(size: number): Uint8Array {
  if (size > SCRATCH_MAX) return new Uint8Array(size);
  if (scratch.length < size) scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(size, scratch.length * 2)));
  return scratch.subarray(0, size);
}

export class FileFd extends BaseFd {
  position = 0n;
  #filetype: number | undefined;

  constructor(readonly handle: FsHandle, readonly path: string, rights: bigint, flags: number) {
    super();
    this.rightsBase = rights & FILE_RIGHTS;
    this.rightsInheriting = 0n;
    this.flags = flags;
  }

  /** Asked for rarely (fd_fdstat_get), so not stat'ed at open. */
  get filetype(): number {
    return this.#filetype ??= filetypeOf(this.handle.stat().type);
  }

  override fd_read(size: number): { ret: number; data: Uint8Array } {
    if (!this.can(wasi.RIGHTS_FD_READ)) return { ret: wasi.ERRNO_BADF, data: new Uint8Array() };
    const r = this.fd_pread(size, this.position);
    this.position += BigInt(r.data.length);
    return r;
  }
  override fd_pread(size: number, offset: bigint): { ret: number; data: Uint8Array } {
    if (!this.can(wasi.RIGHTS_FD_READ)) return { ret: wasi.ERRNO_BADF, data: new Uint8Array() };
    try {
      const into = readBuffer(size);
      const n = this.handle.read(into, Number(offset));
      return { ret: wasi.ERRNO_SUCCESS, data: n === size ? into : into.subarray(0, n) }; // valid until the next read
    } catch (err) {
      return { ret: toErrno(err), data: new Uint8Array() };
    }
  }
  /**
   * Read into `into` (a view of the program's memory: no buffer in between) at the fd's
   * offset, advancing it, or at `at`. The count, or a negated errno.
   */
  readInto(into: Uint8Array, at?: bigint): number {
    if (!this.can(wasi.RIGHTS_FD_READ)) return -wasi.ERRNO_BADF;
    try {
      const n = this.handle.read(into, Number(at ?? this.position));
      if (at === undefined) this.position += BigInt(n);
      return n;
    } catch (err) {
      return -toErrno(err);
    }
  }
  override fd_write(data: Uint8Array): { ret: number; nwritten: number } {
    if (!this.can(wasi.RIGHTS_FD_WRITE)) return { ret: wasi.ERRNO_BADF, nwritten: 0 };
    if (this.flags & wasi.FDFLAGS_APPEND) this.position = BigInt(this.handle.size());
    const r = this.#pwrite(data, this.position);
    this.position += BigInt(r.nwritten);
    return r;
  }
  override fd_pwrite(data: Uint8Array, offset: bigint): { ret: number; nwritten: number } {
    if (!this.can(wasi.RIGHTS_FD_WRITE)) return { ret: wasi.ERRNO_BADF, nwritten: 0 };
    // Linux ignores the offset of pwrite on an O_APPEND fd and appends.
    if (this.flags & wasi.FDFLAGS_APPEND) offset = BigInt(this.handle.size());
    return this.#pwrite(data, offset);
  }
  #pwrite(data: Uint8Array, offset: bigint): { ret: number; nwritten: number } {
    try {
      if (offset + BigInt(data.length) > MAX_FILE) return { ret: wasi.ERRNO_FBIG, nwritten: 0 };
      return { ret: wasi.ERRNO_SUCCESS, nwritten: this.handle.write(data, Number(offset)) };
    } catch (err) {
      return { ret: toErrno(err), nwritten: 0 };
    }
  }
  override fd_seek(offset: bigint, whence: number): { ret: number; offset: bigint } {
    let base: bigint;
    if (whence === wasi.WHENCE_SET) base = 0n;
    else if (whence === wasi.WHENCE_CUR) base = this.position;
    else if (whence === wasi.WHENCE_END) base = BigInt(this.handle.size());
    else return { ret: wasi.ERRNO_INVAL, offset: this.position };
    const next = base + offset;
    if (next < 0n) return { ret: wasi.ERRNO_INVAL, offset: this.position };
    this.position = next;
    return { ret: wasi.ERRNO_SUCCESS, offset: next };
  }
  override fd_tell(): { ret: number; offset: bigint } {
    return { ret: wasi.ERRNO_SUCCESS, offset: this.position };
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    try {
      return { ret: wasi.ERRNO_SUCCESS, filestat: new Filestat(this.handle.stat()) };
    } catch (err) {
      return { ret: toErrno(err), filestat: null };
    }
  }
  override fd_filestat_set_size(size: bigint): number {
    if (!this.can(wasi.RIGHTS_FD_FILESTAT_SET_SIZE) || !this.can(wasi.RIGHTS_FD_WRITE)) return wasi.ERRNO_BADF;
    if (size > MAX_FILE) return wasi.ERRNO_FBIG;
    return guard(() => (this.handle.truncate(Number(size)), wasi.ERRNO_SUCCESS));
  }
  override fd_allocate(offset: bigint, len: bigint): number {
    if (!this.can(wasi.RIGHTS_FD_WRITE)) return wasi.ERRNO_BADF;
    return guard(() => {
      const end = offset + len;
      if (end > MAX_FILE) return wasi.ERRNO_FBIG;
      if (end > BigInt(this.handle.size())) this.handle.truncate(Number(end));
      return wasi.ERRNO_SUCCESS;
    });
  }
  override fd_filestat_set_times(atim: bigint, mtim: bigint, fstFlags: number): number {
    return guard(() => (this.handle.utimes(timesFrom(atim, mtim, fstFlags)), wasi.ERRNO_SUCCESS));
  }
  override fd_sync(): number {
    return wasi.ERRNO_SUCCESS;
  }
  override fd_close(): number {
    return guard(() => (this.handle.close(), wasi.ERRNO_SUCCESS));
  }
}

/** The times a fst_flags asks for: a time, "now", or null = leave; EINVAL when both a time and NOW are set. */
export function timesFrom(atim: bigint, mtim: bigint, fstFlags: number): { atime: TimeSpec; mtime: TimeSpec } {
  const both = (set: number, now: number) => (fstFlags & set) !== 0 && (fstFlags & now) !== 0;
  if (both(wasi.FSTFLAGS_ATIM, wasi.FSTFLAGS_ATIM_NOW) || both(wasi.FSTFLAGS_MTIM, wasi.FSTFLAGS_MTIM_NOW)) {
    throw Object.assign(new Error("EINVAL"), { code: "EINVAL" });
  }
  const pick = (set: number, nowBit: number, t: bigint): TimeSpec => fstFlags & nowBit ? "now" : fstFlags & set ? t : null;
  return { atime: pick(wasi.FSTFLAGS_ATIM, wasi.FSTFLAGS_ATIM_NOW, atim), mtime: pick(wasi.FSTFLAGS_MTIM, wasi.FSTFLAGS_MTIM_NOW, mtim) };
}
