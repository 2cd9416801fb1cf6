/**
 * The WASI preview1 imports of one process: browser_wasi_shim's `WASI` with the calls it
 * gets wrong or lacks replaced (see docs/wasi.md for the list and why). Every call first
 * checks the stop flag, the deadline and the terminal's signals, so a stop, a timeout or
 * a ^C ends a process that makes system calls; only a worker kill ends one that makes none.
 */
import { type Fd, WASI, WASIProcExit, wasi } from "@bjorn3/browser_wasi_shim";
import type { FileSystem } from "../fs/mod.ts";
import { type Control, ProcessKilled } from "./_control.ts";
import { DirFd } from "./dir_fd.ts";
import { filetypeOf, guard } from "./fds.ts";
import { toErrno, WasiError } from "./errno.ts";
import { pollOneoff, pollOneoffSuspending } from "./_poll.ts";
import { readWhenReady } from "./_suspend.ts";
import { installPathCalls } from "./_path_calls.ts";
import { installFdCalls } from "./_fd_calls.ts";
import { MemoryViews } from "./_mem.ts";
import { type LibcCwdSlot, startIn } from "./_libc_cwd.ts";
import { closeUnlessHeld, type ProcessContext } from "./_process_fds.ts";

export interface WasiContext {
  vfs: FileSystem;
  control: Control;
  /** Memory cap in bytes, checked at system calls when the module's memory could not be capped. */
  memoryCap?: number;
  /** WASI capability rules: absolute symlink targets are refused (wasi-testsuite). Containers use chroot rules instead. */
  strictSymlinks?: boolean;
  /** Fds shared with a parent or the engine: fd_close drops them from this table without closing them. */
  inherited?: Set<Fd>;
  /** Called as each WASI call starts (a worker wakes the engine there for what it journaled since). */
  beforeCall?: () => void;
  /** The working directory, and where the program's libc keeps its own (see _libc_cwd.ts). */
  cwd?: string;
  cwdSlot?: LibcCwdSlot;
  /** Its terminal and memory cap, for /dev/tty and /proc/meminfo (_process_fds.ts). */
  proc?: ProcessContext;
  /**
   * The process is suspendable (_suspend.ts): poll_oneoff and a read of stdin that would
   * wait return a promise of their answer instead of blocking the thread.
   */
  suspend?: boolean;
  /** The `strata.spawn` host import's implementation, bound to this process. */
  spawn?: (argv: string[], env: string[], cwd: string, fds: Fd[]) => number;
}

/** The shim's WASI for these args, env and fds, with our calls installed. */
export function createWasi(args: string[], env: string[], fds: Fd[], ctx: WasiContext): WASI {
  const w = new WASI(args, env, fds, { debug: false });
  const imp = w.wasiImport;
  const mem = () => w.inst.exports.memory;
  const views = new MemoryViews(mem);
  installPathCalls(w, ctx, views);
  installFdCalls(w, views, ctx.control.meter);
  Object.assign(imp, {
    clock_res_get(id: number, ptr: number): number {
      if (id > 3) return wasi.ERRNO_INVAL;
      new DataView(mem().buffer).setBigUint64(ptr, id === wasi.CLOCKID_REALTIME ? 1_000_000n : 1_000n, true);
      return wasi.ERRNO_SUCCESS;
    },
    clock_time_get(id: number, _precision: bigint, ptr: number): number {
      if (id > 3) return wasi.ERRNO_INVAL;
      const t = id === wasi.CLOCKID_REALTIME ? BigInt(Date.now()) * 1_000_000n : BigInt(Math.round(performance.now() * 1e6));
      new DataView(mem().buffer).setBigUint64(ptr, t, true);
      return wasi.ERRNO_SUCCESS;
    },
    poll_oneoff: (inPtr: number, outPtr: number, n: number, neventsPtr: number) =>
      (ctx.suspend ? pollOneoffSuspending : pollOneoff)(new DataView(mem().buffer), { inPtr, outPtr, n, neventsPtr }, w.fds, ctx.control),
    random_get(buf: number, len: number): number {
      const out = new Uint8Array(mem().buffer, buf, len);
      const tmp = new Uint8Array(Math.min(len, 65536)); // getRandomValues refuses shared memory
      for (let at = 0; at < len; at += tmp.length) {
        const part = tmp.subarray(0, Math.min(tmp.length, len - at));
        crypto.getRandomValues(part);
        out.set(part, at);
      }
      return wasi.ERRNO_SUCCESS;
    },
    proc_raise: () => wasi.ERRNO_NOSYS,
    // A stop asked before the program's exit is a SIGTERM delivered first: 143, not its own status.
    proc_exit(code: number): never {
      if (ctx.control.killRequested) throw new ProcessKilled("kill");
      throw new WASIProcExit(ctx.control.stopRequested ? 143 : code);
    },
    sched_yield: () => wasi.ERRNO_SUCCESS,
    sock_accept: (fd: number) => (w.fds[fd] ? wasi.ERRNO_NOTSOCK : wasi.ERRNO_BADF),
    sock_recv: (fd: number) => (w.fds[fd] ? wasi.ERRNO_NOTSOCK : wasi.ERRNO_BADF),
    sock_send: (fd: number) => (w.fds[fd] ? wasi.ERRNO_NOTSOCK : wasi.ERRNO_BADF),
    sock_shutdown: (fd: number) => (w.fds[fd] ? wasi.ERRNO_NOTSOCK : wasi.ERRNO_BADF),
    fd_close(fd: number): number {
      const f = w.fds[fd];
      if (!f) return wasi.ERRNO_BADF;
      w.fds[fd] = undefined as unknown as Fd;
      return closeUnlessHeld(w.fds, f, ctx.inherited); // a dup in another slot keeps it open
    },
    fd_renumber(from: number, to: number): number {
      const f = w.fds[from];
      if (!f || !w.fds[to]) return wasi.ERRNO_BADF;
      if (from === to) return wasi.ERRNO_SUCCESS;
      const old = w.fds[to];
      w.fds[to] = f;
      w.fds[from] = undefined as unknown as Fd;
      if (old !== f) closeUnlessHeld(w.fds, old, ctx.inherited);
      return wasi.ERRNO_SUCCESS;
    },
    fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, usedPtr: number) =>
      readdir(w, views.get(), { fd, buf, len, cookie, usedPtr }),
    ...stringCalls("args", () => w.args, mem),
    ...stringCalls("environ", () => w.env, mem),
  });
  if (ctx.suspend) imp.fd_read = readWhenReady(imp.fd_read as never, w, ctx.control);
  startIn(imp, mem, ctx.cwd ?? "/", ctx.cwdSlot);
  guardAll(w, ctx);
  return w;
}

const encoder = new TextEncoder();

/**
 * `args_sizes_get` and `args_get` (or the `environ_` pair) over a list of strings, as libc
 * takes them: each string's UTF-8 bytes and a NUL, encoded once, at the first call. The
 * shim's calls count an argument by its UTF-16 length, short of its bytes for anything
 * but ASCII (libc's buffer then overflows into what follows it), and encode every string
 * anew at each call: under Node each encode allocates a buffer that counts towards the
 * garbage collector's next run.
 */
function stringCalls(name: "args" | "environ", list: () => readonly string[], mem: () => WebAssembly.Memory) {
  let bytes: Uint8Array[] | undefined;
  const encoded = () => (bytes ??= list().map((s) => encoder.encode(s)));
  return {
    [`${name}_sizes_get`](countPtr: number, sizePtr: number): number {
      const all = encoded(), view = new DataView(mem().buffer);
      view.setUint32(countPtr, all.length, true);
      view.setUint32(sizePtr, all.reduce((n, b) => n + b.length + 1, 0), true);
      return wasi.ERRNO_SUCCESS;
    },
    [`${name}_get`](ptrsPtr: number, bufPtr: number): number {
      const buffer = mem().buffer, view = new DataView(buffer), u8 = new Uint8Array(buffer);
      for (const b of encoded()) {
        view.setUint32(ptrsPtr, bufPtr, true);
        ptrsPtr += 4;
        u8.set(b, bufPtr);
        u8[bufPtr + b.length] = 0;
        bufPtr += b.length + 1;
      }
      return wasi.ERRNO_SUCCESS;
    },
  };
}

/** Entries asked of the filesystem at once (a buffer of a few KiB holds about this many). */
const READDIR_BATCH = 64;

/** fd_readdir that fills the buffer with whole entries and then the truncated head of the next (the libc contract). */
function readdir(w: WASI, m: MemoryViews, a: { fd: number; buf: number; len: number; cookie: bigint; usedPtr: number }): number {
  const f = w.fds[a.fd];
  if (!f) return wasi.ERRNO_BADF;
  if (!(f instanceof DirFd)) return wasi.ERRNO_NOTDIR;
  const head = new DataView(new ArrayBuffer(24));
  let used = 0, cookie = a.cookie;
  while (used < a.len) {
    const batch = f.handle.readdir(cookie, READDIR_BATCH);
    for (const e of batch) {
      if (used >= a.len) break;
      const name = encoder.encode(e.name);
      head.setBigUint64(0, e.next, true);
      head.setBigUint64(8, e.ino, true);
      head.setUint32(16, name.length, true);
      head.setUint32(20, filetypeOf(e.type), true); // d_type, then padding
      const room = a.len - used, headBytes = new Uint8Array(head.buffer, 0, Math.min(24, room));
      m.u8.set(headBytes, a.buf + used);
      if (room > 24) m.u8.set(name.subarray(0, room - 24), a.buf + used + 24);
      used += Math.min(room, 24 + name.length);
      cookie = e.next;
    }
    if (batch.length < READDIR_BATCH) break;
  }
  m.view.setUint32(a.usedPtr, used, true);
  return wasi.ERRNO_SUCCESS;
}

/** A thrown error as the call's errno; what ends the process goes on ending it. */
function errnoOrThrow(err: unknown): number {
  if (err instanceof WASIProcExit || err instanceof ProcessKilled) throw err;
  return toErrno(err);
}

/** Wrap every import: stop and deadline first; thrown filesystem errors become errnos (also from a suspended call). */
function guardAll(w: WASI, ctx: WasiContext): void {
  const imp = w.wasiImport;
  for (const [name, fn] of Object.entries(imp)) {
    if (name === "proc_exit") continue;
    // Nine parameters, the most a preview1 call takes (path_open): no rest array per call.
    const interruptible = INTERRUPTIBLE.has(name);
    imp[name] = (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown, g: unknown, h: unknown, i: unknown) => {
      // A program that catches interrupts sees a pending one as EINTR from its next read, write or poll.
      if (checkLimits(w, ctx) && interruptible) {
        ctx.control.takeSignal();
        return wasi.ERRNO_INTR;
      }
      try {
        const r = fn(a, b, c, d, e, f, g, h, i);
        return r instanceof Promise ? r.catch(errnoOrThrow) : r;
      } catch (err) {
        return errnoOrThrow(err);
      }
    };
  }
}

/** The calls a caught interrupt fails with EINTR (where a Linux program blocks: reads, writes, sleeps). */
const INTERRUPTIBLE = new Set(["fd_read", "fd_write", "poll_oneoff"]);

/** Stop, kill, deadline, memory cap and signals (Control.check); true when an interrupt waits for a program that catches it. */
function checkLimits(w: WASI, ctx: WasiContext): boolean {
  ctx.beforeCall?.();
  ctx.control.meter.sample();
  const interrupted = ctx.control.check();
  if (ctx.memoryCap && w.inst && w.inst.exports.memory.buffer.byteLength > ctx.memoryCap) throw new ProcessKilled("oom");
  return interrupted;
}

export { guard, WasiError };
