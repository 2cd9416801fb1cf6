/**
 * The shapes the engine codes against: what a process is (`ProcessSpec`), how it is run
 * (`RunOptions`), what comes back (`ProcessHandle`, `ProcessResult`), and the platform
 * ability a worker needs (`WorkerHost`), which server/worker/ supplies on Node.
 */
import type { FileSystem } from "../fs/mod.ts";
import type { ModuleCache, Sha256Sync } from "./module_cache.ts";
import type { Usage } from "./_meter.ts";

/** What to run, as an image config and a container config give it (Docker semantics). */
export interface ProcessSpec {
  /** Image (or container override) Entrypoint; argv = entrypoint + cmd. */
  entrypoint?: readonly string[];
  /** Cmd; argv = entrypoint + cmd. Must not leave argv empty. */
  cmd?: readonly string[];
  /** Image Env, "NAME=value" each. */
  imageEnv?: readonly string[];
  /** Container Env, "NAME=value" each; a name here replaces the image's. */
  env?: readonly string[];
  /** WorkingDir: the process's working directory (its libc starts there; see _libc_cwd.ts). Default "/". Not exported as PWD (Docker does not). */
  workingDir?: string;
  /** The container's hostname: HOSTNAME in the env, as Docker sets it. */
  hostname?: string;
  /** HOME when the env sets none: the user's home from the image's /etc/passwd (Docker's runtime does the same). Default "/root". */
  home?: string;
  /** A terminal (-t): stdin, stdout and stderr are ttys to the program, and TERM=xterm when the env has no TERM. Without it they are pipes. */
  tty?: boolean;
}

/** Where a program's output goes. `time` is the wall clock in ms since the epoch (Date.now()). */
export interface OutputSink {
  /** Called once per write of the program; the chunk is the sink's to keep. A returned promise is backpressure (worker mode waits for it once the output cap is in flight). */
  write(chunk: Uint8Array, time: number): void | Promise<void>;
}

/**
 * Standard input: all of it as bytes, or a byte stream the program reads as it arrives
 * (worker mode; inline mode reads it to its end first). For a terminal (-t), an empty
 * chunk is an end of file for one read (^D), and the terminal stays open.
 */
export type StdinSource = Uint8Array | ReadableStream<Uint8Array>;

/** Docker's cgroup analogues. */
export interface ProcessLimits {
  /** WebAssembly memory cap in bytes (rounded down to 64 KiB pages). Reaching it sets `oomKilled`. */
  memoryBytes?: number;
  /** Wall-clock limit in ms; when it passes the process is killed (exit 137). */
  timeoutMs?: number;
  /** Most output bytes (stdout + stderr) in flight to sinks at once; the program blocks past it, like a full pipe. Default 256 KiB (what a kill still hands to the sinks). */
  outputBytes?: number;
}

/**
 * The container's filesystem as the WASI layer sees it. Worker mode needs one that can
 * be handed to the worker (`MemVfs`, or a `UnionFS` as its layers and serialized upper:
 * rootfs_transfer.ts).
 */
type RootfsSpec = FileSystem;

/** Everything `runProcess` needs besides the spec. */
export interface RunOptions {
  rootfs: RootfsSpec;
  stdin?: StdinSource;
  /** The terminal's size at start (with `tty`); `ProcessHandle.resize` changes it. */
  terminalSize?: { rows: number; cols: number };
  stdout?: OutputSink;
  stderr?: OutputSink;
  limits?: ProcessLimits;
  /** "inline": in this thread (browser main thread, edge). "worker": in a worker (needs `workerHost`). Default: "worker" when a host is given. */
  mode?: "inline" | "worker";
  workerHost?: WorkerHost;
  /** Compiled-module cache; default: the process-wide `defaultModuleCache`. */
  modules?: ModuleCache;
  /**
   * The numbering of the programs it runs (its main program first, then each child
   * spawned), for `ProcessHandle.programs`; default 1, 2, 3… per process.
   */
  nextPid?: () => number;
  /** The pid its main program's parent has (0: none, as a container's first process). */
  parentPid?: number;
  /**
   * A synchronous SHA-256 ("sha256:<hex>", the platform's: node:crypto) for a program file
   * the container wrote; a file in an image layer is never hashed. Default: a pure-JS one.
   */
  sha256?: Sha256Sync;
}

/** How a process ended. */
export interface ProcessResult {
  /**
   * 0..255; 137 after a kill, a timeout or an OOM kill, 143 after a stop the process
   * honoured, 127 not found, 126 not a WASI command, 128 + n for a trap as signal n
   * (134 abort, 136 arithmetic, 139 memory fault; docs/wasi.md).
   */
  exitCode: number;
  /** True when the program reached the memory cap (Docker's State.OOMKilled). */
  oomKilled: boolean;
  /** True when the wall-clock timeout ended it. */
  timedOut: boolean;
  /** "exit": it ended by itself; "stop": it honoured a stop; "kill": killed (kill(), grace expired, timeout). */
  reason: "exit" | "stop" | "kill" | "error";
  /**
   * What went wrong in the engine (the run ends 255, or its output could not be logged);
   * Docker's State.Error. What an exit status says (127, 126, a trap) is not an error: its
   * message went to the program's stderr.
   */
  error?: string;
  /** Wall clock, ms since the epoch. */
  startedAt: number;
  finishedAt: number;
}

/** One program a process runs now (its main program, or a child spawned over it). */
export interface ProgramInfo {
  /** From RunOptions.nextPid. */
  pid: number;
  /** The spawning program's pid; RunOptions.parentPid for the main program. */
  ppid: number;
  argv: string[];
  /** ms since the epoch. */
  startedAt: number;
  /** CPU time it has used itself (its children's not counted), ms. */
  cpuMs: number;
  /** Its linear memory now, bytes (0 when not known: a program nested deeper than eight). */
  memoryBytes: number;
  /** It runs now (the innermost program, not in a wait); else it sleeps or waits for its child. */
  running: boolean;
}

export type { Usage } from "./_meter.ts";

/** A running process. */
export interface ProcessHandle {
  /** Resolves when it has ended; never rejects. By then every write it completed is in `rootfs`. */
  readonly done: Promise<ProcessResult>;
  /** Ask it to end (SIGTERM analogue: it exits 143 at its next system call), then kill after `graceMs` (default 10 000). */
  stop(opts?: { graceMs?: number }): Promise<ProcessResult>;
  /** End it now (SIGKILL analogue, exit 137). Ends even a loop with no system calls in worker mode. */
  kill(): Promise<ProcessResult>;
  /**
   * The terminal's ^C ("INT") or ^\ ("QUIT") for the foreground program: it ends with
   * 130/131 at its next system call (a blocked read too), unless it catches interrupts
   * (docs/wasi-host.md). Inline mode: taken at the program's next system call only.
   */
  signal(sig: "INT" | "QUIT"): void;
  /** The terminal's new size, read by the program through strata.winsize. */
  resize(rows: number, cols: number): void;
  /** What it has used so far; once it has ended, what it used in all (_meter.ts says how each figure is counted). */
  usage(): Usage;
  /** The programs it runs now, outermost first; none once it has ended. */
  programs(): ProgramInfo[];
  /**
   * Hold every program of the process at its next system call (or in the wait it is in),
   * until `resume`; a kill or a stop still ends it. Absent for an inline process (its
   * thread is the caller's, which cannot be held).
   */
  pause?(): void;
  resume?(): void;
}

/** A compiled-module cache; registered (precompiled) modules are keyed by the sha256 of the program file ("sha256:<hex>"). */
export interface ModuleCacheLike {
  get(digest: string): WebAssembly.Module | undefined;
  /** Register a precompiled module (for runtimes that cannot compile at run time). */
  register(digest: string, module: WebAssembly.Module): void;
}

/** One side of a message channel to a worker (web Worker, Node worker_threads). */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Install the one message listener. */
  onMessage(listener: (message: unknown) => void): void;
  /** Install the one error listener (an uncaught error in the worker). */
  onError(listener: (error: unknown) => void): void;
  /** Stop the worker now, whatever it is executing. */
  terminate(): void | Promise<void>;
  /** Where the platform has it (Node): keep the runtime alive while the worker runs a process. */
  ref?(): void;
  /** …and let it exit while the worker idles in the pool. */
  unref?(): void;
}

/** The platform ability to start a worker that runs `serveProcessWorker` (src/wasi/worker_serve.ts). */
export interface WorkerHost {
  spawn(): WorkerPort;
  /** Its workers open host files themselves: bind mounts' directories and spill spaces (serveProcessWorker's `host`). */
  hostFiles?: boolean;
  /**
   * Where processes are suspendable (JSPI), a few workers (one per core) each run many
   * processes (src/wasi/_shared_workers.ts); false gives every process a worker of its own,
   * as where they are not.
   */
  shared?: boolean;
}
