/**
 * The calls a file-heavy program makes most, done without the shim's per-call garbage
 * (see _mem.ts): reads go from the file straight into the program's memory, writes hand
 * the fd a view of it (our fds and handles copy what they keep; another Fd gets a copy,
 * as the shim gives it), stats and fdstats are written where the program asked. The fd
 * classes still decide everything (rights, offsets, APPEND); only the marshalling moved.
 */
import { type WASI, wasi } from "@bjorn3/browser_wasi_shim";
import { BaseFd, filetypeOf } from "./fds.ts";
import { FileFd } from "./file_fd.ts";
import { DirFd } from "./dir_fd.ts";
import { StdinFd } from "./stdio.ts";
import { type MemoryViews, writeFilestat } from "./_mem.ts";
import type { Meter } from "./_meter.ts";

type Imports = Record<string, (...args: never[]) => unknown>;

/** Read the iovecs at `iovs` into the file; `at` for pread. Returns the errno; the count goes to `outPtr`. */
function readv(m: MemoryViews, f: FileFd, iovs: number, n: number, outPtr: number, at?: bigint): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const buf = m.view.getUint32(iovs + i * 8, true), len = m.view.getUint32(iovs + i * 8 + 4, true);
    const got = f.readInto(m.u8.subarray(buf, buf + len), at === undefined ? undefined : at + BigInt(total));
    if (got < 0) {
      m.view.setUint32(outPtr, total, true);
      return -got;
    }
    total += got;
    if (got < len) break;
  }
  m.view.setUint32(outPtr, total, true);
  return wasi.ERRNO_SUCCESS;
}

/**
 * Read stdin as a pipe or terminal reads: block until some input is there, then take
 * only what is already buffered for the later iovecs (libc reads into two: the caller's
 * buffer and its FILE buffer), so a line is returned as soon as it arrives.
 */
function readStream(m: MemoryViews, f: StdinFd, iovs: number, n: number, outPtr: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && !f.buffered) break;
    const buf = m.view.getUint32(iovs + i * 8, true), len = m.view.getUint32(iovs + i * 8 + 4, true);
    const { ret, data } = f.fd_read(len);
    if (ret !== wasi.ERRNO_SUCCESS) {
      m.view.setUint32(outPtr, total, true);
      return ret;
    }
    m.u8.set(data, buf);
    total += data.length;
    if (data.length < len) break;
  }
  m.view.setUint32(outPtr, total, true);
  return wasi.ERRNO_SUCCESS;
}

function writev(m: MemoryViews, f: BaseFd, iovs: number, n: number, outPtr: number, at?: bigint): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const buf = m.view.getUint32(iovs + i * 8, true), len = m.view.getUint32(iovs + i * 8 + 4, true);
    const data = m.u8.subarray(buf, buf + len);
    const { ret, nwritten } = at === undefined ? f.fd_write(data) : f.fd_pwrite(data, at + BigInt(total));
    if (ret !== wasi.ERRNO_SUCCESS) {
      m.view.setUint32(outPtr, total, true);
      return ret;
    }
    total += nwritten;
    if (nwritten < len) break;
  }
  m.view.setUint32(outPtr, total, true);
  return wasi.ERRNO_SUCCESS;
}

/**
 * The calls above, installed on `w`. Bytes read from and written to files (FileFd: not
 * pipes, terminals or the stdio the engine gives) are counted on `meter`: a container's
 * block I/O.
 */
export function installFdCalls(w: WASI, m: MemoryViews, meter?: Meter): void {
  const shim = { ...w.wasiImport } as Imports;
  const fd = (n: number) => w.fds[n];
  const counted = (f: BaseFd, outPtr: number, errno: number, read: boolean) => {
    if (meter && f instanceof FileFd) {
      const n = m.view.getUint32(outPtr, true);
      if (read) meter.read(n);
      else meter.wrote(n);
    }
    return errno;
  };
  Object.assign(w.wasiImport, {
    fd_read(n: number, iovs: number, len: number, outPtr: number): number {
      const f = fd(n);
      if (f instanceof StdinFd) return readStream(m.get(), f, iovs, len, outPtr);
      if (!(f instanceof FileFd)) return shim.fd_read!(n as never, iovs as never, len as never, outPtr as never) as number;
      return counted(f, outPtr, readv(m.get(), f, iovs, len, outPtr), true);
    },
    fd_pread(n: number, iovs: number, len: number, offset: bigint, outPtr: number): number {
      const f = fd(n);
      if (!(f instanceof FileFd)) return shim.fd_pread!(n as never, iovs as never, len as never, offset as never, outPtr as never) as number;
      return counted(f, outPtr, readv(m.get(), f, iovs, len, outPtr, offset), true);
    },
    fd_write(n: number, iovs: number, len: number, outPtr: number): number {
      const f = fd(n);
      if (!(f instanceof BaseFd)) return shim.fd_write!(n as never, iovs as never, len as never, outPtr as never) as number;
      return counted(f, outPtr, writev(m.get(), f, iovs, len, outPtr), false);
    },
    fd_pwrite(n: number, iovs: number, len: number, offset: bigint, outPtr: number): number {
      const f = fd(n);
      if (!(f instanceof BaseFd)) return shim.fd_pwrite!(n as never, iovs as never, len as never, offset as never, outPtr as never) as number;
      return counted(f, outPtr, writev(m.get(), f, iovs, len, outPtr, offset), false);
    },
    fd_fdstat_get(n: number, ptr: number): number {
      const f = fd(n);
      if (!(f instanceof BaseFd)) return shim.fd_fdstat_get!(n as never, ptr as never) as number;
      const { view } = m.get();
      view.setUint8(ptr, f.filetype);
      view.setUint16(ptr + 2, f.flags, true);
      view.setBigUint64(ptr + 8, f.rightsBase, true);
      view.setBigUint64(ptr + 16, f.rightsInheriting, true);
      return wasi.ERRNO_SUCCESS;
    },
    fd_filestat_get(n: number, ptr: number): number {
      const f = fd(n);
      if (!(f instanceof FileFd || f instanceof DirFd)) return shim.fd_filestat_get!(n as never, ptr as never) as number;
      const st = f.handle.stat();
      writeFilestat(m.get().view, ptr, st, filetypeOf(st.type));
      return wasi.ERRNO_SUCCESS;
    },
    path_filestat_get(n: number, flags: number, p: number, l: number, ptr: number): number {
      const f = fd(n);
      if (!(f instanceof DirFd)) return shim.path_filestat_get!(n as never, flags as never, p as never, l as never, ptr as never) as number;
      const st = f.statAt(flags, m.get().string(p, l));
      writeFilestat(m.view, ptr, st, filetypeOf(st.type));
      return wasi.ERRNO_SUCCESS;
    },
    path_unlink_file(n: number, p: number, l: number): number {
      const f = fd(n);
      if (!(f instanceof DirFd)) return shim.path_unlink_file!(n as never, p as never, l as never) as number;
      return f.path_unlink_file(m.get().string(p, l));
    },
    path_create_directory(n: number, p: number, l: number): number {
      const f = fd(n);
      if (!(f instanceof DirFd)) return shim.path_create_directory!(n as never, p as never, l as never) as number;
      return f.path_create_directory(m.get().string(p, l));
    },
    path_remove_directory(n: number, p: number, l: number): number {
      const f = fd(n);
      if (!(f instanceof DirFd)) return shim.path_remove_directory!(n as never, p as never, l as never) as number;
      return f.path_remove_directory(m.get().string(p, l));
    },
  });
}
