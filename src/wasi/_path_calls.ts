/**
 * The path calls browser_wasi_shim 0.4.2 cannot do over our filesystem: path_open that
 * reuses the lowest free fd, path_symlink (hard-wired NOTSUP in the shim), path_readlink
 * that truncates to the buffer, and rename and link done by the filesystem itself
 * (the shim does them as unlink + link of an Inode). A process node's stand-in
 * (/dev/fd/N, /dev/tty…) becomes the process's own fd here (_process_fds.ts).
 */
import { type Fd, type WASI, wasi } from "@bjorn3/browser_wasi_shim";
import { DirFd, ProcessNodeFd } from "./dir_fd.ts";
import { processFd } from "./_process_fds.ts";
import { WasiError } from "./errno.ts";
import type { WasiContext } from "./wasi_import.ts";
import type { MemoryViews } from "./_mem.ts";

/** Lowest free fd number (POSIX), never below 3 once stdio exists. */
function allocFd(fds: Fd[], fd: Fd): number {
  let n = 0;
  while (fds[n] !== undefined) n++;
  fds[n] = fd;
  return n;
}

function dirAt(w: WASI, fd: number): DirFd {
  const f = w.fds[fd];
  if (!f) throw new WasiError("EBADF");
  if (!(f instanceof DirFd)) throw new WasiError("ENOTDIR");
  return f;
}

export function installPathCalls(w: WASI, ctx: WasiContext, m: MemoryViews): void {
  const str = (ptr: number, len: number) => m.get().string(ptr, len);
  const vfs = ctx.vfs;
  Object.assign(w.wasiImport, {
    path_open(fd: number, dirflags: number, p: number, l: number, oflags: number, base: bigint, inh: bigint, fdflags: number, outPtr: number) {
      const f = w.fds[fd];
      if (!f) return wasi.ERRNO_BADF;
      const { ret, fd_obj } = f.path_open(dirflags, str(p, l), oflags, base, inh, fdflags);
      if (ret !== wasi.ERRNO_SUCCESS || !fd_obj) return ret;
      // A process node (/dev/fd/N, /dev/tty…) opens as what this process has there: its fd N itself, a dup.
      const opened = fd_obj instanceof ProcessNodeFd ? processFd(fd_obj, w, ctx.proc) : fd_obj;
      m.get().view.setUint32(outPtr, allocFd(w.fds, opened), true);
      return wasi.ERRNO_SUCCESS;
    },
    path_symlink(tp: number, tl: number, fd: number, p: number, l: number) {
      const dir = dirAt(w, fd);
      const target = str(tp, tl);
      const { path, trailingSlash } = dir.at(str(p, l), wasi.RIGHTS_PATH_SYMLINK);
      if (target.startsWith("/") && ctx.strictSymlinks) throw new WasiError("EPERM");
      if (trailingSlash) {
        let exists = true;
        try { vfs.lstat(path); } catch { exists = false; }
        throw new WasiError(exists ? "EEXIST" : "ENOENT");
      }
      vfs.symlink(target, path);
      return wasi.ERRNO_SUCCESS;
    },
    path_readlink(fd: number, p: number, l: number, buf: number, bufLen: number, usedPtr: number) {
      const dir = dirAt(w, fd);
      const target = new TextEncoder().encode(vfs.readlink(dir.at(str(p, l), wasi.RIGHTS_PATH_READLINK).path));
      const n = Math.min(target.length, bufLen);
      new Uint8Array(w.inst.exports.memory.buffer, buf, n).set(target.subarray(0, n));
      new DataView(w.inst.exports.memory.buffer).setUint32(usedPtr, n, true);
      return wasi.ERRNO_SUCCESS;
    },
    path_rename(fd: number, p: number, l: number, newFd: number, np: number, nl: number) {
      const from = dirAt(w, fd).at(str(p, l), wasi.RIGHTS_PATH_RENAME_SOURCE);
      const to = dirAt(w, newFd).at(str(np, nl), wasi.RIGHTS_PATH_RENAME_TARGET);
      if (from.trailingSlash || to.trailingSlash) {
        if (vfs.lstat(from.path).type !== "dir") throw new WasiError("ENOTDIR");
      }
      vfs.rename(from.path, to.path);
      return wasi.ERRNO_SUCCESS;
    },
    path_link(fd: number, flags: number, p: number, l: number, newFd: number, np: number, nl: number) {
      const from = dirAt(w, fd).at(str(p, l), wasi.RIGHTS_PATH_LINK_SOURCE);
      const to = dirAt(w, newFd).at(str(np, nl), wasi.RIGHTS_PATH_LINK_TARGET);
      if (to.trailingSlash || from.trailingSlash) throw new WasiError(vfs.lstat(from.path).type === "dir" ? "EPERM" : "ENOENT");
      // SYMLINK_FOLLOW: the filesystem follows the source's links itself, by its own rules
      // (chroot in the union, beneath the root in a bind), never a path spelled here.
      vfs.link(from.path, to.path, { follow: (flags & 1) !== 0 });
      return wasi.ERRNO_SUCCESS;
    },
  });
}
