/**
 * The engine side of a process in a worker. Workers are pooled per host (_worker_pool.ts:
 * a warm worker keeps its compiled modules and its rings); a killed worker is terminated
 * and never reused.
 */
import type { ProcessHandle, ProcessResult, ProcessSpec, RunOptions } from "./types.ts";
import type { FileSystem } from "../fs/mod.ts";
import { joinPeers, leavePeers, type Peer, Replay } from "./_replay.ts";
import { launchOf } from "./_spec.ts";
import { canTransfer, transferOf, uppersOf } from "./rootfs_transfer.ts";
import { RUN_INODES } from "./change_link.ts";
import { type CachedModule, defaultModuleCache } from "./module_cache.ts";
import { findProgram } from "./program_load.ts";
import { DEFAULT_GRACE_MS, messageOf, resultOf } from "./_result.ts";
import { feedStdin } from "./stdin_pipe.ts";
import type { SyncRunResult } from "./run_sync.ts";
import { type PooledWorker, returnWorker, takeWorker } from "./_worker_pool.ts";
import { nextTurn } from "./_replay.ts";
import type { ProgramRef } from "./worker_serve.ts";
import { ProgramTable } from "./_program_table.ts";
import type { ProgramEvent, Usage } from "./_meter.ts";

export { closeWorkers, warmWorkers } from "./_worker_pool.ts";

const DEFAULT_OUTPUT_CAP = 256 * 1024;

/** When the engine starts draining a running process's ring (the ring holds far more than a millisecond of writes; a full one waits). */
const PUMP_AFTER_MS = 1;

/** The messages a worker posts: a program's start or end, and the run's end (its output and file changes travel in the ring). */
type WorkerMsg = { type: "program"; event: ProgramEvent } | {
  type: "done";
  result: SyncRunResult;
  /** The module the worker compiled for this run, for the engine's cache. */
  compiled?: CachedModule;
};

/**
 * The program as the engine found it on the snapshot it sends, so the worker neither
 * searches PATH nor reads and hashes the file again; the module goes only to a worker
 * that has not been sent it. When the worker runs again on its own unchanged copy
 * (`same`) with the same argv, env, cwd and cap, the last answer still holds (the same
 * filesystem gives the same answer) and the search is skipped here too. Undefined when
 * it was not found or cannot run (126, 137 at start): the worker reports that itself,
 * with the same message, before it compiles anything.
 */
function programFor(w: PooledWorker, rootfs: FileSystem, launch: ReturnType<typeof launchOf>, o: RunOptions, same: boolean): ProgramRef | undefined {
  const asked = JSON.stringify([launch.argv, launch.env, launch.cwd, o.limits?.memoryBytes ?? 0]);
  if (same && w.lastProgram?.asked === asked) return w.lastProgram.ref;
  w.lastProgram = undefined;
  const loaded = findProgram(rootfs, { ...launch, modules: o.modules ?? defaultModuleCache, memoryBytes: o.limits?.memoryBytes, sha256: o.sha256 });
  if (!loaded.ok) return undefined;
  const { argv, key, memory, pages, capped, cwdSlot } = loaded.program;
  const known = w.modules.has(key);
  w.modules.add(key);
  const ref: ProgramRef = { argv, key, capped, pages, cwdSlot, ...(memory ? { memory } : {}) };
  w.lastProgram = { asked, ref };
  if (known) return ref;
  // Not compiled yet: the worker compiles it (a large module would hold this thread) and sends it back.
  return "pending" in loaded.program ? { ...ref, pending: loaded.program.pending } : { ...ref, module: loaded.program.module };
}

export function runInWorker(spec: ProcessSpec, o: RunOptions): ProcessHandle {
  const rootfs = o.rootfs;
  if (!canTransfer(rootfs, o.workerHost?.hostFiles)) {
    throw new TypeError(canTransfer(rootfs, true)
      ? "Cannot run in a worker: the container's filesystem needs host files (a bind mount, or large files kept on disk) that this worker host cannot open"
      : "Cannot run in a worker: this rootfs cannot be handed to another thread");
  }
  const host = o.workerHost!;
  const startedAt = Date.now();
  const launch = launchOf(spec);
  const worker = takeWorker(host);
  const { port, journal, control } = worker;
  const made = transferOf(rootfs, worker.layers, worker.kept)!;
  const transfer = made.transfer;
  worker.kept = made.kept;
  let program: ProgramRef | undefined;
  try {
    program = programFor(worker, rootfs, launch, o, made.same);
  } catch (err) {
    worker.kept = undefined;
    returnWorker(host, worker); // idle still: the run was never sent
    throw err;
  }
  port.ref?.();
  let settle!: (r: ProcessResult) => void;
  const done = new Promise<ProcessResult>((resolve) => (settle = resolve));
  let stopping = false, timedOut = false, killing = false, ending = false;
  let feeder: { stop(): void } | undefined;
  // What it used, read from the worker's meter while it runs and kept at its end (the
  // worker's meter is reset for its next run, or frozen with a killed thread).
  let used: Usage | undefined;
  const table = new ProgramTable(launch.argv, { nextPid: o.nextPid ?? counter(), parentPid: o.parentPid ?? 0, meter: control.meter });
  const timers: ReturnType<typeof setTimeout>[] = [];
  const uppers = uppersOf(rootfs);
  const self: Peer = { inbox: worker.inbox, pending: [], worker, uppers };
  // Joins now, with the snapshot above: what others write from here on is forwarded.
  joinPeers(self);
  // The numbers this run's new inodes take, on each of its filesystems (change_link.ts).
  const inodes: Record<string, number> = {};
  for (const [key, upper] of uppers) inodes[key] = upper.reserveInodes(RUN_INODES);
  const ended = (exitCode: number, reason: ProcessResult["reason"], error?: string): ProcessResult =>
    ({ exitCode, oomKilled: false, timedOut, reason, ...(error ? { error } : {}), startedAt, finishedAt: Date.now() });
  // Applies the process's changes and hands on its output; a change that cannot be
  // applied ends the process (_replay.ts).
  const replay = new Replay({
    journal, control, sinks: [undefined, o.stdout, o.stderr], self,
    onFailure: (message) => void abandon(ended(255, "error", message)),
  });
  // Drains while the process runs, from its first millisecond on (a run that ends sooner
  // is drained once, at its end, and never pays for a waiting pump), a bounded slice per
  // turn of the event loop. The ring outlives this run (the worker is pooled), so the pump
  // stops for good once the run is ending, and is woken to see it.
  let pumping = false;
  const pump = setTimeout(() => {
    pumping = true;
    (async () => {
      while (pumping) {
        await journal.waitForData(50);
        if (!pumping) return;
        replay.step();
        await nextTurn();
      }
    })().catch((err: unknown) => abandon(ended(255, "error", `Cannot take the process's output and changes: ${messageOf(err)}`)));
  }, PUMP_AFTER_MS);
  // The end of a run: what the ring still holds is taken (in slices), then the result goes
  // out. A run whose changes could not all be applied ends 255 with the reason.
  const finish = async (r: ProcessResult, reuse: boolean) => {
    if (ending) return;
    ending = true;
    used = control.meter.usage();
    table.end();
    feeder?.stop();
    timers.forEach(clearTimeout);
    clearTimeout(pump);
    if (pumping) pumping = false, journal.wake();
    try {
      await replay.drainAll();
    } catch (err) {
      replay.failure ??= `Cannot take the process's output and changes: ${messageOf(err)}`;
    }
    replay.closed = true;
    leavePeers(self);
    for (const [key, upper] of uppers) upper.returnInodes(inodes[key]!, RUN_INODES, replay.created.get(key) ?? -1);
    if (reuse) {
      port.unref?.();
      returnWorker(host, worker);
    }
    const failure = replay.failure;
    settle(failure ? { ...r, exitCode: 255, reason: "error", error: failure, finishedAt: Date.now() }
      : replay.sinkError && !r.error ? { ...r, error: replay.sinkError } : r);
  };
  // Ends the worker (never pooled again) and then the run with `r`: once the thread is
  // gone, or sooner if the program saw the kill word and said it is done (nothing more
  // goes into its ring then; a runtime whose terminate is slow to end a thread, Deno's,
  // still ends a program that makes system calls).
  let quit: () => void = () => {};
  async function abandon(r: ProcessResult): Promise<ProcessResult> {
    if (!ending && !killing) {
      killing = true;
      control.requestKill();
      let error = r.error;
      const gone = (async () => port.terminate())().catch((err: unknown) => {
        error ??= `Cannot terminate the process's worker: ${messageOf(err)}`;
      });
      await Promise.race([gone, new Promise<void>((resolve) => (quit = resolve))]);
      await finish({ ...r, ...(error ? { error } : {}), finishedAt: Date.now() }, false);
    }
    return done;
  }
  const kill = () => abandon(ended(137, "kill"));
  port.onMessage((m) => {
    const msg = m as WorkerMsg;
    if (msg.type === "program") return void (!ending && table.event(msg.event));
    if (msg.type !== "done") return;
    if (msg.compiled) (o.modules ?? defaultModuleCache).put(msg.compiled);
    if (killing) quit();
    else void finish(resultOf(msg.result, startedAt, stopping), true);
  });
  port.onError((err) => void finish(ended(137, "error", String(err)), false));
  if (o.limits?.timeoutMs) timers.push(setTimeout(() => { timedOut = true; void kill(); }, o.limits.timeoutMs));
  // stdin: all of it in the request, or streamed into the worker's stdin ring as it arrives.
  const streamed = o.stdin instanceof ReadableStream;
  feeder = streamed ? feedStdin(o.stdin as ReadableStream<Uint8Array>, worker.stdin, control, launch.tty) : undefined;
  const stdin = streamed ? "stream" : o.stdin as Uint8Array | undefined ?? new Uint8Array(0);
  if (o.terminalSize) control.setSize(o.terminalSize.rows, o.terminalSize.cols);
  {
    const rings = worker.ringsSent ? undefined : { journal: journal.sab, inbox: worker.inbox.sab, stdin: worker.stdin.sab };
    worker.ringsSent = true;
    port.postMessage({
      type: "run", rootfs: transfer, inodes, ...launch, stdin, control: control.words.buffer, rings, program,
      memoryBytes: o.limits?.memoryBytes, outputCap: o.limits?.outputBytes ?? DEFAULT_OUTPUT_CAP,
      deadline: o.limits?.timeoutMs ? startedAt + o.limits.timeoutMs : undefined,
    });
  }
  return {
    done,
    kill,
    signal: (sig) => void (!ending && !killing && control.signal(sig)),
    resize: (rows, cols) => control.setSize(rows, cols),
    usage: () => used ?? control.meter.usage(),
    programs: () => table.list(),
    pause: () => void (!ending && !killing && control.pause()),
    resume: () => control.resume(),
    stop: (opts = {}) => {
      if (!ending && !killing) {
        stopping = true;
        control.requestStop();
        timers.push(setTimeout(kill, opts.graceMs ?? DEFAULT_GRACE_MS));
      }
      return done;
    },
  };
}

/** Pids 1, 2, 3… for a process whose caller numbers none. */
export function counter(): () => number {
  let n = 0;
  return () => ++n;
}
