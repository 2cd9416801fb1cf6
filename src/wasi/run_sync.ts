/**
 * Runs one program to its end in the calling thread: resolve it in the rootfs, take its
 * compiled module from the cache, instantiate it with our WASI imports and the
 * `strata` host imports (docs/wasi-host.md: spawn, and the terminal's), and start it.
 * Children started through spawn run here too, recursively, sharing the filesystem and
 * the inherited fds.
 */
import { type Fd, type WASI, WASIProcExit } from "@bjorn3/browser_wasi_shim";
import type { FileSystem } from "../fs/mod.ts";
import { type Control, ProcessKilled } from "./_control.ts";
import type { ModuleCache, Sha256Sync } from "./module_cache.ts";
import type { MemoryLimits } from "./module_info.ts";
import { createWasi } from "./wasi_import.ts";
import { loadProgram } from "./program_load.ts";
import { DirFd } from "./dir_fd.ts";
import { capPages } from "./_memory_cap.ts";
import { trapSignal } from "./_trap.ts";
import { spawnImport } from "./_spawn.ts";
import { terminalImports } from "./_terminal_calls.ts";
import type { LibcCwdSlot } from "./_libc_cwd.ts";
import { startSuspendable, suspending } from "./_suspend.ts";
import { preemptImport } from "./_preempt.ts";
import { OutputFd } from "./stdio.ts";
import { FUEL_EXPORT, PREEMPT_IMPORT } from "./_preempt_rewrite.ts";

export interface SyncRunOptions {
  vfs: FileSystem;
  argv: readonly string[];
  env: readonly string[];
  cwd: string;
  /** The fds to become 0, 1 and 2. */
  stdio: [Fd, Fd, Fd];
  control: Control;
  modules: ModuleCache;
  memoryBytes?: number;
  /** SHA-256 of a program file a container wrote (module_cache.ts); the pure-JS one without it. */
  sha256?: Sha256Sync;
  strictSymlinks?: boolean;
  /** Run through `strata.spawn`: a missing program is the caller's to report (sh prints "sh: X: not found"). */
  child?: boolean;
  /**
   * The program already found and loaded by the caller (the engine does it for a
   * worker, on the same snapshot): no second PATH search, file read or hash. A child
   * started through spawn never inherits it.
   */
  program?: LoadedProgram;
  /** Called as each WASI call starts (WasiContext.beforeCall). */
  beforeCall?: () => void;
  /** Give the program the preopen "/" as fd 3 (default true; the wasi-testsuite runs some tests without one). */
  preopen?: boolean;
  /** stdio are a terminal (-t): /dev/tty reads stdin and writes stdout as given here. */
  tty?: boolean;
  /** The terminal a child started through spawn keeps: its parent's (runSync sets it). */
  terminal?: readonly [Fd, Fd];
  /**
   * Suspendable in a worker shared by many processes (_shared_workers.ts): before a write
   * to an output fd, a promise while the pipe is full (the engine has not taken what was
   * written yet), which settles with an errno to answer instead (EINTR) or undefined to
   * write; undefined when there is room. The write then suspends instead of holding the thread.
   */
  awaitRoom?: () => Promise<number | undefined> | undefined;
  /** Called as a suspendable program lets the thread go at a preemption point. */
  onYield?: () => void;
}

/** A resolved program: its argv (with a `#!` interpreter in front, if any) and compiled module. */
export interface LoadedProgram {
  argv: string[];
  module: WebAssembly.Module;
  /** Its module cache key (the file's identity). */
  key: string;
  /** The memory it imports (`env.memory`), made at each run with the cap as its maximum. */
  memory?: MemoryLimits;
  /** The pages of memory it starts with. */
  pages: number;
  /** Its memory is made with the cap (false for precompiled modules: checked at system calls). */
  capped: boolean;
  /** Where its libc keeps the working directory (_libc_cwd.ts); absent when it keeps none. */
  cwdSlot?: LibcCwdSlot;
  /** It has preemption points (module_cache.ts). */
  points?: boolean;
}

export interface SyncRunResult {
  exitCode: number;
  oomKilled: boolean;
  timedOut: boolean;
  /**
   * What went wrong in the engine. Not set for what a program's exit status says (127,
   * 126, a trap, an OOM kill): those messages go to the program's stderr, as a shell's would.
   */
  error?: string;
}

const encoder = new TextEncoder();

/** Run to completion (or until a kill, timeout or stop reaches a system call). */
export function runSync(o: SyncRunOptions): SyncRunResult {
  const run = begin(o, false);
  if ("result" in run) return notStarted(o, run.result);
  try {
    return run.end(run.start() as number);
  } catch (err) {
    return run.fail(err);
  } finally {
    run.close();
  }
}

/**
 * The same run, suspendable (_suspend.ts; only where `suspendable` is true): a call
 * that would wait (a sleep, a read of stdin with nothing yet, a child that waits)
 * suspends the program and frees the thread until it can go on. Children started
 * through spawn run suspendable too.
 */
export async function runSuspendable(o: SyncRunOptions): Promise<SyncRunResult> {
  const run = begin(o, true);
  if ("result" in run) return notStarted(o, run.result);
  try {
    return run.end(await run.start());
  } catch (err) {
    return run.fail(err);
  } finally {
    run.close();
  }
}

/** A run whose program could not start (127, 126, 137 at start): its end, recorded as its own (Control.recordEnd) as any other. */
function notStarted(o: SyncRunOptions, r: SyncRunResult): SyncRunResult {
  if (!o.child) o.control.recordEnd(r.exitCode);
  return r;
}

/** A program set up to run: `start` it, then `end` with its status or `fail` with what it threw; `close` in any case. */
interface Begun {
  start(): number | Promise<number>;
  end(exitCode: number): SyncRunResult;
  fail(err: unknown): SyncRunResult;
  close(): void;
}

/** Find and load the program and make its process (fds, WASI imports); `{ result }` when it cannot start. */
function begin(o: SyncRunOptions, suspend: boolean): Begun | { result: SyncRunResult } {
  const maxPages = o.memoryBytes ? capPages(o.memoryBytes) : undefined;
  let program = o.program;
  if (!program) {
    const loaded = loadProgram(o.vfs, o);
    if (!loaded.ok) {
      if (!(o.child && loaded.exitCode === 127)) o.stdio[2].fd_write(encoder.encode(`${loaded.message}\n`));
      return { result: { exitCode: loaded.exitCode, oomKilled: loaded.oomKilled, timedOut: false } };
    }
    program = loaded.program;
  }
  const { module, capped } = program;
  const root = new DirFd(o.vfs, "/", o.vfs.open("/", { read: true, write: false, create: false, exclusive: false, truncate: false, directory: true, follow: true }), "/");
  const fds: Fd[] = o.preopen === false ? [...o.stdio] : [...o.stdio, root];
  const inherited = new Set<Fd>(o.stdio);
  const terminal = o.terminal ?? (o.tty ? [o.stdio[0], o.stdio[1]] as const : undefined);
  const w = createWasi(program.argv, [...o.env], fds, {
    vfs: o.vfs, control: o.control, strictSymlinks: o.strictSymlinks, inherited, beforeCall: o.beforeCall, cwd: o.cwd, cwdSlot: program.cwdSlot,
    memoryCap: capped ? undefined : o.memoryBytes, proc: { terminal, memoryBytes: o.memoryBytes }, suspend,
  });
  let memory: WebAssembly.Memory | undefined;
  let poke: (() => void) | undefined;
  // This program is the one a signal reaches until it ends (its children push over it).
  const depth = o.control.catching.push(false);
  // …and the innermost of the programs the process runs now (_meter.ts: docker top, stats).
  const level = o.control.meter.enter(program.argv);
  const child = { ...o, child: true, program: undefined, terminal };
  return {
    start: () => {
      const strata = {
        spawn: spawnImport(w, suspend
          ? (c) => runSuspendable({ ...child, ...c }).then((r) => r.exitCode)
          : (c) => runSync({ ...child, ...c }).exitCode),
        ...terminalImports(w, o.control, !!terminal),
        [PREEMPT_IMPORT.name]: preemptImport(o.control, suspend, o.onYield),
      };
      const room = suspend && o.awaitRoom;
      const wasiImport = room ? { ...w.wasiImport, fd_write: roomFirst(w, room) } : w.wasiImport;
      const imports: WebAssembly.Imports = suspend
        ? { wasi_snapshot_preview1: suspending(wasiImport, room ? ["poll_oneoff", "fd_read", "fd_write"] : ["poll_oneoff", "fd_read"]), strata: suspending(strata, ["spawn", PREEMPT_IMPORT.name]) }
        : { wasi_snapshot_preview1: w.wasiImport, strata };
      if (program.memory) {
        memory = new WebAssembly.Memory({ initial: program.memory.initial, maximum: Math.min(program.memory.maximum ?? 65536, maxPages ?? 65536) });
        imports.env = { memory };
      }
      const instance = new WebAssembly.Instance(module, imports);
      memory = (instance.exports.memory as WebAssembly.Memory | undefined) ?? memory;
      // On this thread a ring (a stop, a pause, a signal) ends the countdown, so the program looks at its next point.
      const fuel = instance.exports[FUEL_EXPORT] as WebAssembly.Global | undefined;
      if (suspend && fuel) o.control.pokes.add(poke = () => void (fuel.value = 0));
      o.control.meter.attach(level, memory);
      return suspend ? startSuspendable(w, instance) : w.start(instance as unknown as Parameters<typeof w.start>[0]);
    },
    end: (exitCode) => {
      // main returned (wasi-libc calls proc_exit only for a non-zero status) after a stop
      // was asked: the SIGTERM came first, so the process ends as one it killed.
      if (o.control.stopRequested) exitCode = 143;
      // A kill asked before, or claimed before this end was recorded, came first.
      if (o.control.killRequested || !(o.child || o.control.recordEnd(exitCode))) throw new ProcessKilled("kill");
      return { exitCode: exitCode & 0xff, oomKilled: nearCap(memory, o.memoryBytes) && exitCode !== 0, timedOut: false };
    },
    fail: (err) => {
      const r = ended(err, memory, o);
      // An end of its own (proc_exit, a stop honoured, a trap) stands against a later kill.
      if (!o.child && !(err instanceof ProcessKilled)) o.control.recordEnd(r.exitCode);
      return r;
    },
    close: () => {
      if (poke) o.control.pokes.delete(poke);
      o.control.meter.leave(level);
      o.control.catching.length = depth - 1;
      for (const f of new Set(w.fds)) if (f && !inherited.has(f)) f.fd_close(); // a dup's open file once
      if (o.preopen === false) root.fd_close();
    },
  };
}

type FdWrite = (fd: number, iovs: number, len: number, outPtr: number) => number;

/** fd_write that first waits (suspended) for room in a full output pipe (`awaitRoom`); other fds write at once. */
function roomFirst(w: WASI, awaitRoom: NonNullable<SyncRunOptions["awaitRoom"]>): (...a: Parameters<FdWrite>) => number | Promise<number> {
  const write = w.wasiImport.fd_write as FdWrite;
  return (fd, iovs, len, outPtr) => {
    const wait = w.fds[fd] instanceof OutputFd ? awaitRoom() : undefined;
    if (!wait) return write(fd, iovs, len, outPtr);
    return wait.then((errno) => errno ?? write(fd, iovs, len, outPtr));
  };
}

/**
 * How a run that threw ended: a kill or timeout (137), exit through a stop (143), a trap
 * as the signal it stands for (_trap.ts; 137 and oomKilled when the memory was at the
 * cap), a module whose imports do not link (126). The message goes to stderr.
 */
function ended(err: unknown, memory: WebAssembly.Memory | undefined, o: SyncRunOptions): SyncRunResult {
  if (err instanceof WASIProcExit) return { exitCode: err.code & 0xff, oomKilled: false, timedOut: false };
  if (err instanceof ProcessKilled) {
    return { exitCode: 137, oomKilled: err.reason === "oom", timedOut: err.reason === "timeout" };
  }
  const say = (message: string) => o.stdio[2].fd_write(encoder.encode(`${o.argv[0]}: ${message}\n`));
  const signal = trapSignal(err);
  if (signal) {
    const oom = nearCap(memory, o.memoryBytes);
    say(`${(err as Error).message} (${oom ? "out of memory: killed" : signal.name})`);
    return { exitCode: oom ? 137 : signal.status, oomKilled: oom, timedOut: false };
  }
  if (err instanceof WebAssembly.LinkError) {
    say(`exec format error: ${err.message}`);
    return { exitCode: 126, oomKilled: false, timedOut: false };
  }
  if (err instanceof RangeError && /memory/i.test(err.message) && o.memoryBytes) {
    say(`${err.message} (out of memory: killed)`);
    return { exitCode: 137, oomKilled: true, timedOut: false };
  }
  throw err;
}

/** XXX: WebAssembly cannot report a failed memory.grow, so "out of memory" means the memory ended within 2 MiB of the cap. */
function nearCap(memory: WebAssembly.Memory | undefined, cap: number | undefined): boolean {
  if (!memory || !cap) return false;
  return memory.buffer.byteLength + 2 * 1024 * 1024 > capPages(cap) * 65536;
}
