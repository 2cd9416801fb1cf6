/**
 * Process nodes made real for the process that opens them (`FsHandle.process`; devfs.ts,
 * procfs.ts). A filesystem cannot know which process opens /dev/stdout, so it names the
 * node and path_open asks the process here:
 *
 * - /dev/fd/N, /dev/stdin, /dev/stdout, /dev/stderr, /proc/self/fd/N: the process's fd N
 *   itself, put in a second slot of its table: a dup (one open file, one offset; the
 *   flags and rights are the open file's, whatever the open asked). ENOENT when it has no
 *   fd N, as Linux's /proc/self/fd/N is then missing. XXX: Linux reopens a regular file
 *   there (a new offset, O_TRUNC honoured), BSD and Solaris dup it; a dup is what a
 *   program writing to "/dev/stdout" expects of a redirected stdout, and the same for pipes.
 * - /dev/tty: the process's terminal (reads its stdin, writes its stdout as given at
 *   its start, whatever it redirected since); ENXIO without one, as Linux answers.
 * - /dev/fd/, /proc/self/fd/: a directory listing the fds the process has.
 * - /proc/self/cmdline, environ, /proc/meminfo: a file made of the process's argv, env, memory.
 *
 * A descriptor is closed when the last slot holding it lets it go (`closeUnlessHeld`):
 * closing one of two dups, or the dup a child was given, leaves the open file open.
 */
import { type Fd, type WASI, wasi } from "@bjorn3/browser_wasi_shim";
import { type FsDirent, FsError, type FsHandle, type FsStat, type ProcessInfo } from "../fs/mod.ts";
import { BaseFd, DIR_RIGHTS } from "./fds.ts";
import { DirFd, ProcessNodeFd } from "./dir_fd.ts";
import { FileFd } from "./file_fd.ts";
import { WasiError } from "./errno.ts";

/** What a process is beyond its fds, for the nodes that show it. */
export interface ProcessContext {
  /** Its terminal (-t): [the fd it reads, the fd it writes], its stdin and stdout at start. Absent without one. */
  terminal?: readonly [Fd, Fd];
  /** Its memory cap in bytes (/proc/meminfo's MemTotal). */
  memoryBytes?: number;
}

/** Fds handed out a second time (a dup): only these are looked for in the other slots at a close. */
const duplicated = new WeakSet<Fd>();

/** The fd that `ref` opens as in process `w`. Errors: ENOENT (no such fd), ENXIO (no terminal). */
export function processFd(ref: ProcessNodeFd, w: WASI, ctx: ProcessContext = {}): Fd {
  const node = ref.node, o = ref.opened;
  switch (node.kind) {
    case "fd": {
      const f = w.fds[node.fd];
      if (!f) throw new WasiError("ENOENT");
      duplicated.add(f);
      return f;
    }
    case "tty":
      if (!ctx.terminal) throw new WasiError("ENXIO");
      return new TerminalFd(ctx.terminal[0], ctx.terminal[1], o.rights);
    case "fds": {
      const dir = new DirFd(o.vfs, o.path, fdListing(w, o.path, o));
      dir.rightsBase = o.rights & DIR_RIGHTS;
      dir.rightsInheriting = o.inheriting;
      return dir;
    }
    case "file": {
      const memory = w.inst?.exports.memory;
      const info: ProcessInfo = { args: w.args, env: w.env, memory: { used: memory ? memory.buffer.byteLength : 0, limit: ctx.memoryBytes } };
      return new FileFd(renderedHandle(node.render(info), o.stat, o.path), o.path, o.rights, o.flags);
    }
  }
}

/** Close `f`, just taken out of a slot of `fds`, unless another slot (a dup) or the parent still holds it. */
export function closeUnlessHeld(fds: readonly (Fd | undefined)[], f: Fd, inherited?: Set<Fd>): number {
  return inherited?.has(f) || (duplicated.has(f) && fds.includes(f)) ? wasi.ERRNO_SUCCESS : f.fd_close();
}

const refuse = (code: "EBADF" | "EACCES" | "ENOTDIR" | "EISDIR", path: string, op: string): never => {
  throw new FsError(code, path, op);
};

/** A read-only file of `bytes`, made at open (fstat shows its length; a path's stat, 0, as Linux's /proc). */
function renderedHandle(bytes: Uint8Array, stat: FsStat, path: string): FsHandle {
  return {
    kind: "file", ino: stat.ino,
    read: (into, pos) => {
      const part = bytes.subarray(Math.min(pos, bytes.length), pos + into.length);
      into.set(part);
      return part.length;
    },
    write: () => refuse("EBADF", path, "write"), append: () => refuse("EBADF", path, "write"),
    truncate: () => refuse("EBADF", path, "truncate"),
    size: () => bytes.length, stat: () => ({ ...stat, size: BigInt(bytes.length) }),
    utimes: () => refuse("EACCES", path, "utimes"), chmod: () => refuse("EACCES", path, "chmod"), chown: () => refuse("EACCES", path, "chown"),
    readdir: () => refuse("ENOTDIR", path, "readdir"), sync: () => {}, close: () => {},
  };
}

/** The fd directory's handle: its entries are the fds `w` has when the listing starts (cookie 0). */
function fdListing(w: WASI, path: string, o: ProcessNodeFd["opened"]): FsHandle {
  let entries: Array<Omit<FsDirent, "next">> = [];
  const dir = renderedHandle(new Uint8Array(0), o.stat, path);
  return {
    ...dir, kind: "dir", stat: () => o.stat,
    read: () => refuse("EISDIR", path, "read"),
    readdir: (cookie, max) => {
      if (cookie === 0n) {
        entries = [{ name: ".", type: "dir", ino: o.stat.ino }, { name: "..", type: "dir", ino: o.stat.ino }];
        w.fds.forEach((f, n) => f && entries.push({ name: String(n), type: "char", ino: o.vfs.lstat(`${path}/${n}`).ino }));
      }
      const from = Number(cookie);
      return entries.slice(from, from + max).map((e, i) => ({ ...e, next: BigInt(from + i + 1) }));
    },
  };
}

const TERMINAL_RIGHTS = BigInt(wasi.RIGHTS_FD_READ | wasi.RIGHTS_FD_WRITE | wasi.RIGHTS_POLL_FD_READWRITE |
  wasi.RIGHTS_FD_FDSTAT_SET_FLAGS | wasi.RIGHTS_FD_FILESTAT_GET);

/**
 * /dev/tty opened: reads go to the terminal's input fd, writes to its output fd. A
 * character device with no seek rights, so isatty() is true. Closing it leaves the
 * terminal open.
 */
class TerminalFd extends BaseFd {
  filetype: number = wasi.FILETYPE_CHARACTER_DEVICE;
  constructor(readonly input: Fd, readonly output: Fd, rights: bigint) {
    super();
    this.rightsBase = rights & TERMINAL_RIGHTS;
  }
  override fd_read(size: number): { ret: number; data: Uint8Array } {
    if (!this.can(wasi.RIGHTS_FD_READ)) return { ret: wasi.ERRNO_BADF, data: new Uint8Array() };
    return this.input.fd_read(size);
  }
  override fd_write(data: Uint8Array): { ret: number; nwritten: number } {
    if (!this.can(wasi.RIGHTS_FD_WRITE)) return { ret: wasi.ERRNO_BADF, nwritten: 0 };
    return this.output.fd_write(data);
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    return this.output.fd_filestat_get();
  }
  /** Would a read return at once (poll_oneoff, a suspendable read)? The terminal's input says. */
  ready(): boolean {
    const input = this.input as Fd & { ready?: () => boolean };
    return input.ready ? input.ready() : true;
  }
  override fd_seek(): { ret: number; offset: bigint } {
    return { ret: wasi.ERRNO_SPIPE, offset: 0n };
  }
  override fd_tell(): { ret: number; offset: bigint } {
    return { ret: wasi.ERRNO_SPIPE, offset: 0n };
  }
}
