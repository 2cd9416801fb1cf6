/**
 * `runProcess`: run a container's process inline (this thread) or in a worker, with
 * stop (grace period, then kill), kill, a terminal's signals and size, a wall-clock
 * timeout, a memory cap and an output cap. stdin streams in worker mode (stdin_pipe.ts);
 * inline, it is read to its end before the program starts. In worker mode the process writes its own copy of the filesystem and journals
 * every completed mutation into shared memory; the engine replays the journal onto
 * `rootfs`, also after a kill.
 */
import type { ProcessHandle, ProcessResult, ProcessSpec, RunOptions } from "./types.ts";
import { Control } from "./_control.ts";
import { launchOf } from "./_spec.ts";
import { defaultModuleCache } from "./module_cache.ts";
import { runSync } from "./run_sync.ts";
import { collect, messageOf, resultOf } from "./_result.ts";
import { OutputFd, StdinFd } from "./stdio.ts";
import { counter, runInWorker } from "./_worker_run.ts";
import { ProgramTable } from "./_program_table.ts";
import type { Usage } from "./_meter.ts";

/** How a process ends that the engine failed to run or to serve (Docker's 255 with State.Error). */
function failed(message: string, startedAt: number): ProcessResult {
  return { exitCode: 255, oomKilled: false, timedOut: false, reason: "error", error: message, startedAt, finishedAt: Date.now() };
}

/**
 * XXX: inline, the program runs on the caller's thread to its end: a program that never
 * ends (or floods its output) holds the event loop until its timeout, if it has one. Its
 * stdin is read to its end before it starts (it cannot wait for input on this thread),
 * so the engine refuses what would never end (an open stdin nobody will close).
 * Its output goes to the sinks as it is written; the log's caps bound the memory.
 */
function runInline(spec: ProcessSpec, o: RunOptions): ProcessHandle {
  const control = new Control();
  const startedAt = Date.now();
  if (o.limits?.timeoutMs) control.deadline = startedAt + o.limits.timeoutMs;
  const launch = launchOf(spec);
  // A sink that fails is recorded and its output dropped (Docker's log driver drops what it cannot write).
  let sinkError: string | undefined;
  const sinkFailed = (err: unknown) => void (sinkError ??= `Cannot log the process's output: ${messageOf(err)}`);
  const sink = (s: RunOptions["stdout"]) => new OutputFd((c) => {
    try {
      s?.write(c.slice(), Date.now())?.then(undefined, sinkFailed);
    } catch (err) {
      sinkFailed(err);
    }
  }, launch.tty);
  const table = new ProgramTable(launch.argv, { nextPid: o.nextPid ?? counter(), parentPid: o.parentPid ?? 0, meter: control.meter });
  control.meter.announce = (e) => table.event(e);
  let used: Usage | undefined;
  const run = (stdin: Uint8Array): ProcessResult => {
    control.meter.busy();
    try {
      const r = resultOf(runSync({
        vfs: o.rootfs, ...launch, control, modules: o.modules ?? defaultModuleCache, memoryBytes: o.limits?.memoryBytes, sha256: o.sha256,
        stdio: [new StdinFd(stdin, launch.tty), sink(o.stdout), sink(o.stderr)],
      }), startedAt, false);
      return sinkError && !r.error ? { ...r, error: sinkError } : r;
    } catch (err) {
      return failed(`Cannot run the process: ${messageOf(err)}`, startedAt);
    } finally {
      control.meter.idle();
      used = control.meter.usage();
      table.end();
    }
  };
  const stdin = o.stdin ?? new Uint8Array(0);
  if (o.terminalSize) control.setSize(o.terminalSize.rows, o.terminalSize.cols);
  let killed: ProcessResult | undefined;
  const done = stdin instanceof Uint8Array
    ? Promise.resolve(run(stdin))
    : collect(stdin).then((bytes) => killed ?? run(bytes), (err: unknown) => killed ?? failed(`Cannot read the process's stdin: ${messageOf(err)}`, startedAt));
  const kill = () => {
    killed ??= { exitCode: 137, oomKilled: false, timedOut: false, reason: "kill", startedAt, finishedAt: Date.now() };
    return done;
  };
  // No pause: the program runs on the caller's thread, which cannot be held.
  return {
    done, kill, stop: kill, signal: (sig) => control.signal(sig), resize: (rows, cols) => control.setSize(rows, cols),
    usage: () => used ?? control.meter.usage(), programs: () => table.list(),
  };
}

/** Start a process; see `ProcessHandle` for how to end and await it. */
export function runProcess(spec: ProcessSpec, opts: RunOptions): ProcessHandle {
  // With a worker host, never on this thread: a rootfs the worker cannot rebuild (host
  // files its host cannot open) fails to start, with a message, rather than stall the engine.
  const mode = opts.mode ?? (opts.workerHost ? "worker" : "inline");
  if (mode === "worker") {
    if (!opts.workerHost) throw new TypeError("Cannot run a process in worker mode without a workerHost");
    // What fails while handing the process to a worker (its module will not compile…) ends
    // this process, not its caller.
    try {
      return runInWorker(spec, opts);
    } catch (err) {
      const r = failed(`Cannot run the process: ${messageOf(err)}`, Date.now());
      const done = Promise.resolve(r);
      const none = { cpuMs: 0, memoryBytes: 0, readBytes: 0, writtenBytes: 0 };
      return { done, kill: () => done, stop: () => done, signal: () => {}, resize: () => {}, usage: () => none, programs: () => [] };
    }
  }
  return runInline(spec, opts);
}
