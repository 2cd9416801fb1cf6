/**
 * `runProcess`: run a container's process inline (this thread) or in a worker, with
 * stop (grace period, then kill), kill, a terminal's signals and size, a wall-clock
 * timeout, a memory cap and an output cap. stdin streams in worker mode (stdin_pipe.ts)
 * and inline where processes are suspendable (_stdin_queue.ts); otherwise inline, it is
 * read to its end before the program starts. In worker mode the process writes its own copy of the filesystem and journals
 * every completed mutation into shared memory; the engine replays the journal onto
 * `rootfs`, also after a kill.
 */
import type { ProcessHandle, ProcessResult, ProcessSpec, RunOptions } from "./types.ts";
import { Control } from "./_control.ts";
import { launchOf } from "./_spec.ts";
import { defaultModuleCache } from "./module_cache.ts";
import { runSuspendable, runSync, type SyncRunOptions, type SyncRunResult } from "./run_sync.ts";
import { collect, DEFAULT_GRACE_MS, messageOf, resultOf } from "./_result.ts";
import { suspendable } from "./_suspend.ts";
import { queueStdin } from "./_stdin_queue.ts";
import { OutputFd, StdinFd } from "./stdio.ts";
import { counter, runInWorker } from "./_worker_run.ts";
import { ProgramTable } from "./_program_table.ts";
import type { Usage } from "./_meter.ts";

/** How a process ends that the engine failed to run or to serve (Docker's 255 with State.Error). */
function failed(message: string, startedAt: number): ProcessResult {
  return { exitCode: 255, oomKilled: false, timedOut: false, reason: "error", error: message, startedAt, finishedAt: Date.now() };
}

/**
 * Inline: the program runs on the caller's thread. Where the platform can suspend a
 * WebAssembly stack (_suspend.ts), it runs suspendable: a sleep or a read of stdin that
 * waits frees the thread, stdin streams in as it arrives (_stdin_queue.ts), and a stop
 * or kill ends it in its wait or at its next system call. Elsewhere it runs to its end
 * on the spot (XXX: a program that never ends, or floods its output, holds the event
 * loop until its timeout, if it has one), its stdin read to its end before it starts
 * (it cannot wait for input on this thread), so the engine refuses what would never end
 * (an open stdin nobody will close). Either way a program that makes no system call
 * holds the thread until it makes one. Its output goes to the sinks as it is written;
 * the log's caps bound the memory.
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
  let stopping = false;
  const run = (stdin: StdinFd): ProcessResult | Promise<ProcessResult> => {
    control.meter.busy();
    const settle = (r: SyncRunResult): ProcessResult => {
      const result = resultOf(r, startedAt, stopping);
      return sinkError && !result.error ? { ...result, error: sinkError } : result;
    };
    const broke = (err: unknown) => failed(`Cannot run the process: ${messageOf(err)}`, startedAt);
    const finish = () => {
      control.meter.idle();
      used = control.meter.usage();
      table.end();
    };
    const opts: SyncRunOptions = {
      vfs: o.rootfs, ...launch, control, modules: o.modules ?? defaultModuleCache, memoryBytes: o.limits?.memoryBytes, sha256: o.sha256,
      stdio: [stdin, sink(o.stdout), sink(o.stderr)],
    };
    if (suspendable) return runSuspendable(opts).then(settle, broke).finally(finish);
    try {
      return settle(runSync(opts));
    } catch (err) {
      return broke(err);
    } finally {
      finish();
    }
  };
  const stdin = o.stdin ?? new Uint8Array(0);
  if (o.terminalSize) control.setSize(o.terminalSize.rows, o.terminalSize.cols);
  const common = {
    signal: (sig: "INT" | "QUIT") => control.signal(sig), resize: (rows: number, cols: number) => control.setSize(rows, cols),
    usage: () => used ?? control.meter.usage(), programs: () => table.list(),
  };
  if (suspendable) {
    control.holdsBySuspending = true;
    const queued = stdin instanceof Uint8Array ? undefined : queueStdin(stdin, control, launch.tty);
    let grace: ReturnType<typeof setTimeout> | undefined, overdue: ReturnType<typeof setTimeout> | undefined;
    // The deadline rings the doorbell (again until it ends), so a program waiting then sees it (Control.check).
    const ringOverdue = () => {
      control.ring();
      overdue = setTimeout(ringOverdue, 100);
    };
    if (o.limits?.timeoutMs) overdue = setTimeout(ringOverdue, o.limits.timeoutMs + 5);
    const done = Promise.resolve(run(new StdinFd(queued ?? stdin as Uint8Array, launch.tty))).finally(() => {
      queued?.stop();
      clearTimeout(grace);
      clearTimeout(overdue);
    });
    const kill = () => (control.requestKill(), done);
    // A pause holds it at its next preemption point or system call (_preempt.ts), suspended.
    return {
      ...common, done, kill,
      pause: () => void (!stopping && control.pause()),
      resume: () => control.resume(),
      stop: (opts = {}) => {
        if (!stopping) {
          stopping = true;
          control.requestStop();
          grace = setTimeout(kill, opts.graceMs ?? DEFAULT_GRACE_MS);
        }
        return done;
      },
    };
  }
  let killed: ProcessResult | undefined;
  const done = stdin instanceof Uint8Array
    ? Promise.resolve(run(new StdinFd(stdin, launch.tty)))
    : collect(stdin).then((bytes) => killed ?? run(new StdinFd(bytes, launch.tty)), (err: unknown) => killed ?? failed(`Cannot read the process's stdin: ${messageOf(err)}`, startedAt));
  const kill = () => {
    killed ??= { exitCode: 137, oomKilled: false, timedOut: false, reason: "kill", startedAt, finishedAt: Date.now() };
    return done;
  };
  // No pause: the program runs on the caller's thread, which cannot be held.
  return { ...common, done, kill, stop: kill };
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
