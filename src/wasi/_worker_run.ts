/**
 * The engine side of a process in a worker: a worker shared with many processes where
 * they are suspendable (_shared_workers.ts: a kill ends the process, not the thread), or
 * a dedicated one from the host's pool (_worker_pool.ts: a warm worker keeps its compiled
 * modules and its rings; a killed one is terminated and never reused). `Seat` is either.
 */
import type { ProcessHandle, ProcessResult, ProcessSpec, RunOptions, WorkerHost } from "./types.ts";
import type { FileSystem } from "../fs/mod.ts";
import { joinPeers, leavePeers, type Peer, Replay } from "./_replay.ts";
import { launchOf } from "./_spec.ts";
import { canTransfer, type RootfsTransfer, transferOf, uppersOf } from "./rootfs_transfer.ts";
import { RUN_INODES } from "./change_link.ts";
import { type CachedModule, defaultModuleCache } from "./module_cache.ts";
import { findProgram } from "./program_load.ts";
import { DEFAULT_GRACE_MS, messageOf, resultOf } from "./_result.ts";
import { feedStdin } from "./stdin_pipe.ts";
import type { SyncRunResult } from "./run_sync.ts";
import { closeWorkers as closePooled, type PooledWorker, returnWorker, takeWorker } from "./_worker_pool.ts";
import { closeSharedWorkers, endWorker, joinWorker, leaveWorker, postRun, shareWorker } from "./_shared_workers.ts";
import { type FsSeat, holdsFs, joinFs } from "./_shared_fs.ts";
import type { WritableLayer } from "../fs/mod.ts";
import type { Ring } from "./_ring.ts";
import type { Control } from "./_control.ts";
import { suspendable } from "./_suspend.ts";
import { nextTask, nextTurn } from "./_replay.ts";
import type { ProgramRef } from "./worker_serve.ts";
import { ProgramTable } from "./_program_table.ts";
import type { ProgramEvent, Usage } from "./_meter.ts";

export { warmWorkers } from "./_worker_pool.ts";

/** Terminate `host`'s idle dedicated workers and its shared ones (the engine closes). */
export async function closeWorkers(host: WorkerHost): Promise<void> {
  await Promise.all([closePooled(host), closeSharedWorkers(host)]);
}

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

type Found = ReturnType<typeof findProgram>;

/** Find the program on the snapshot the engine sends (its module compiled or not). */
function find(rootfs: FileSystem, launch: ReturnType<typeof launchOf>, o: RunOptions): Found {
  return findProgram(rootfs, { ...launch, modules: o.modules ?? defaultModuleCache, memoryBytes: o.limits?.memoryBytes, sha256: o.sha256 });
}

/**
 * The program as the engine found it on the snapshot it sends, so the worker neither
 * searches PATH nor reads and hashes the file again; the module goes only to a worker
 * that has not been sent it (`modules`, its keys). Undefined when it was not found or
 * cannot run (126, 137 at start): the worker reports that itself, with the same message,
 * before it compiles anything.
 */
function refFor(loaded: Found, modules: Set<string>): ProgramRef | undefined {
  if (!loaded.ok) return undefined;
  const { argv, key, memory, pages, capped, cwdSlot } = loaded.program;
  const known = modules.has(key);
  modules.add(key);
  const ref: ProgramRef = { argv, key, capped, pages, cwdSlot, ...(memory ? { memory } : {}) };
  if (known) return ref;
  // Not compiled yet: the worker compiles it (a large module would hold this thread) and sends it back.
  return "pending" in loaded.program ? { ...ref, pending: loaded.program.pending } : { ...ref, module: loaded.program.module };
}

/**
 * A dedicated worker's program: when it runs again on its own unchanged copy (`same`)
 * with the same argv, env, cwd and cap, the last answer still holds (the same filesystem
 * gives the same answer) and the search is skipped.
 */
function programFor(w: PooledWorker, rootfs: FileSystem, launch: ReturnType<typeof launchOf>, o: RunOptions, same: boolean): ProgramRef | undefined {
  const asked = JSON.stringify([launch.argv, launch.env, launch.cwd, o.limits?.memoryBytes ?? 0]);
  if (same && w.lastProgram?.asked === asked) return w.lastProgram.ref;
  w.lastProgram = undefined;
  const loaded = find(rootfs, launch, o);
  const ref = refFor(loaded, w.modules);
  if (ref) w.lastProgram = { asked, ref: { ...ref, module: undefined, pending: undefined } };
  return ref;
}

/** How long a killed process on a shared worker has to end before its thread is ended (with every process on it). */
const KILL_GRACE_MS = 2000;

/**
 * Where a run runs: a dedicated pooled worker (_worker_pool.ts), or a place on a worker
 * shared with other processes (_shared_workers.ts). Either way: its rings and control
 * words, what its worker holds, how to reach it, and how to let it go.
 */
interface Seat {
  journal: Ring;
  inbox: Ring;
  stdin: Ring;
  control: Control;
  /** Keys of the modules and layers its worker holds. */
  modules: Set<string>;
  layers: Set<string>;
  shared: boolean;
  /** The dedicated worker (absent for a shared seat). */
  worker?: PooledWorker;
  /** Post the run request (with the rings the worker has not been sent, and a shared run's id). */
  post(req: Record<string, unknown>): void;
  listen(l: { message(m: WorkerMsg): void; error(err: unknown): void }): void;
  /** The run is over: `reuse` what it held (its thread, or its ring set) or not (a killed thread, a run that may still write). */
  release(reuse: boolean): void;
  /**
   * End a run that must end now: a dedicated worker's thread at once; a shared one's only
   * if the run has not ended KILL_GRACE_MS after its kill (`cancel` when it did).
   */
  end(): { gone: Promise<void>; cancel(): void };
  /**
   * A shared seat's place on its worker's copies of the run's filesystems, which the
   * container's other processes there share (_shared_fs.ts). A dedicated worker's run
   * has a copy of its own, and no such place.
   */
  filesystems?(uppers: ReadonlyMap<string, WritableLayer>, fail: (message: string) => void): FsSeat;
}

function dedicatedSeat(host: WorkerHost, worker: PooledWorker): Seat {
  return {
    journal: worker.journal, inbox: worker.inbox, stdin: worker.stdin, control: worker.control, modules: worker.modules, layers: worker.layers, shared: false, worker,
    post: (req) => {
      const rings = worker.ringsSent ? undefined : { journal: worker.journal.sab, inbox: worker.inbox.sab, stdin: worker.stdin.sab };
      worker.ringsSent = true;
      worker.port.postMessage({ ...req, rings });
    },
    listen: (l) => {
      worker.port.onMessage((m) => l.message(m as WorkerMsg));
      worker.port.onError(l.error);
    },
    release: (reuse) => {
      if (!reuse) return;
      worker.port.unref?.();
      returnWorker(host, worker);
    },
    end: () => ({ gone: (async () => worker.port.terminate())(), cancel: () => {} }),
  };
}

/** A place on a shared worker: the one where the container's filesystem (`fsKey`) already is, if any. */
function sharedSeat(host: WorkerHost, fsKey?: string): Seat {
  const w = shareWorker(host, fsKey === undefined ? undefined : (c) => holdsFs(c, fsKey));
  let listener: Parameters<Seat["listen"]>[0] | undefined;
  const { run, set } = joinWorker(w, { message: (m) => listener?.message(m as unknown as WorkerMsg), error: (err) => listener?.error(err) });
  return {
    journal: set.journal, inbox: set.inbox, stdin: set.stdin, control: set.control, modules: w.modules, layers: w.layers, shared: true,
    post: (req) => {
      // The control words are in the set's slab, which the worker has (_ring_sets.ts).
      const { control: _, ...rest } = req;
      postRun(w, { ...rest, run, ...w.sets.describe(set) });
    },
    listen: (l) => void (listener = l),
    release: (reuse) => leaveWorker(w, run, set, reuse),
    filesystems: (uppers, fail) => joinFs(w, uppers, fail),
    end: () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const gone = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          const others = w.runs.size - 1;
          const why = `the process did not end within ${KILL_GRACE_MS / 1000} s of its kill; its worker thread was ended${others > 0 ? `, and with it ${others} other process${others === 1 ? "" : "es"}` : ""}`;
          endWorker(w, new Error(why)).then(resolve, resolve);
        }, KILL_GRACE_MS);
      });
      return { gone, cancel: () => clearTimeout(timer) };
    },
  };
}

/**
 * Where processes are suspendable, a run shares a worker with others, unless its program
 * has no preemption points (a precompiled module, one the rewrite refused): computing, it
 * would hold the thread from the others, so it gets a thread of its own. `shared: false`
 * on the host keeps every run on a dedicated worker.
 */
function seatFor(host: WorkerHost, loaded: () => Found, fsKey: string | undefined): { seat: Seat; found?: Found } {
  if (suspendable && host.shared !== false) {
    const found = loaded();
    if (!found.ok || found.program.points) return { seat: sharedSeat(host, fsKey), found };
  }
  return { seat: dedicatedSeat(host, takeWorker(host)) };
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
  const uppers = uppersOf(rootfs);
  // The first of them is the rootfs's own: a shared run goes where the container's other processes are.
  const { seat, found } = seatFor(host, () => find(rootfs, launch, o), uppers.keys().next().value);
  const { journal, control } = seat;
  let program: ProgramRef | undefined;
  let transfer: RootfsTransfer;
  const worker = seat.worker;
  // A shared run's filesystems are its worker's copies, shared with the container's other
  // processes there; a dedicated worker's run has copies of its own (`own`), numbered and
  // forwarded to by itself.
  let fsSeat: FsSeat | undefined;
  try {
    if (worker) {
      const made = transferOf(rootfs, worker.layers, worker.kept)!;
      transfer = made.transfer;
      worker.kept = made.kept;
      program = programFor(worker, rootfs, launch, o, made.same);
    } else {
      program = refFor(found!, seat.modules);
      fsSeat = seat.filesystems!(uppers, (message) => void abandon(ended(255, "error", message)));
      transfer = transferOf(rootfs, seat.layers, undefined, fsSeat.live)!.transfer;
    }
  } catch (err) {
    if (worker) worker.kept = undefined;
    fsSeat?.leave();
    seat.release(true); // idle still: the run was never sent
    throw err;
  }
  const own = fsSeat ? new Map<string, WritableLayer>() : uppers;
  worker?.port.ref?.();
  let settle!: (r: ProcessResult) => void;
  const done = new Promise<ProcessResult>((resolve) => (settle = resolve));
  let stopping = false, timedOut = false, killing = false, ending = false;
  let feeder: { stop(): void } | undefined;
  // What it used, read from the worker's meter while it runs and kept at its end (the
  // meter is reset for its next run, or frozen with a killed thread).
  let used: Usage | undefined;
  const table = new ProgramTable(launch.argv, { nextPid: o.nextPid ?? counter(), parentPid: o.parentPid ?? 0, meter: control.meter });
  const timers: ReturnType<typeof setTimeout>[] = [];
  const self: Peer = { inbox: seat.inbox, pending: [], uppers: own };
  // Joins now, with the snapshot above: what others write from here on is forwarded.
  joinPeers(self);
  // The numbers this run's new inodes take, on each of its filesystems (change_link.ts).
  const inodes: Record<string, number> = {};
  for (const [key, upper] of own) inodes[key] = upper.reserveInodes(RUN_INODES);
  const ended = (exitCode: number, reason: ProcessResult["reason"], error?: string): ProcessResult =>
    ({ exitCode, oomKilled: false, timedOut, reason, ...(error ? { error } : {}), startedAt, finishedAt: Date.now() });
  // Applies the process's changes and hands on its output; a change that cannot be
  // applied ends the process (_replay.ts).
  const replay = new Replay({
    journal, control, sinks: [undefined, o.stdout, o.stderr], self, groups: fsSeat?.replays,
    onFailure: (message) => void abandon(ended(255, "error", message)),
  });
  // Drains while the process runs, from its first millisecond on (a run that ends sooner
  // is drained once, at its end, and never pays for a waiting pump), a bounded slice per
  // turn of the event loop. The ring outlives this run (the worker or the ring set is
  // reused), so the pump stops for good once the run is ending, and is woken to see it.
  // A shared run's worker wakes it before each system call (so before a wait) and as it
  // lets the thread go, so it looks by itself only every 30 s, a safety net: thousands of
  // them sleep, and 10,000 pumps looking once a second held the engine's thread for up to
  // 250 ms at a time (bench/sleepers.bench.ts, the HTTP p99).
  let pumping = false;
  const idleLook = seat.shared ? 30_000 : 50;
  const pump = setTimeout(() => {
    pumping = true;
    (async () => {
      // The doorbell's count before each drain: a ring while it drains or yields (a full
      // filesystem journal, a system call's wake) ends the next wait at once (_ring.ts).
      let seen = journal.bell();
      while (pumping) {
        await journal.waitForData(idleLook, seen);
        if (!pumping) return;
        seen = journal.bell();
        const more = replay.step();
        // A slice that took a shared filesystem's journal and left its own ring empty (a
        // process writing a file on a shared worker, blocked until its filesystem's 64 KiB
        // journal is taken) yields without a timer's delay; any other (a flood of output)
        // after one, which leaves the thread to the API between slices
        // (bench/file_write.bench.ts, bench/flood.bench.ts).
        await (!more && replay.groupBytes > 0 ? nextTask() : nextTurn());
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
    for (const [key, upper] of own) upper.returnInodes(inodes[key]!, RUN_INODES, replay.created.get(key) ?? -1);
    fsSeat?.leave();
    seat.release(reuse);
    const failure = replay.failure;
    settle(failure ? { ...r, exitCode: 255, reason: "error", error: failure, finishedAt: Date.now() }
      : replay.sinkError && !r.error ? { ...r, error: replay.sinkError } : r);
  };
  // Ends the run with `r` once the program saw the kill word and said it is done (nothing
  // more goes into its ring then), or once its thread is gone: a dedicated worker's is
  // ended at once (a runtime whose terminate is slow to end a thread, Deno's, still ends a
  // program that makes system calls); a shared one's only if the program does not end in
  // time. A dedicated worker is never pooled again; a shared run's ring set is reused
  // when the program said it is done.
  let quit: () => void = () => {};
  async function abandon(r: ProcessResult): Promise<ProcessResult> {
    if (!ending && !killing) {
      killing = true;
      control.requestKill();
      let error = r.error, said = false;
      const end = seat.end();
      const gone = end.gone.catch((err: unknown) => {
        error ??= `Cannot terminate the process's worker: ${messageOf(err)}`;
      });
      await Promise.race([gone, new Promise<void>((resolve) => (quit = () => (said = true, resolve())))]);
      end.cancel();
      await finish({ ...r, ...(error ? { error } : {}), finishedAt: Date.now() }, seat.shared && said);
    }
    return done;
  }
  // A program that ended by itself before the kill keeps its status: its end is on its way.
  const kill = () => (control.claimKill() ? abandon(ended(137, "kill")) : done);
  seat.listen({
    message: (msg) => {
      if (msg.type === "program") return void (!ending && table.event(msg.event));
      if (msg.type !== "done") return;
      if (msg.compiled) (o.modules ?? defaultModuleCache).put(msg.compiled);
      if (killing) quit();
      else void finish(resultOf(msg.result, startedAt, stopping), true);
    },
    error: (err) => {
      if (killing) quit();
      else void finish(ended(137, "error", err instanceof Error ? err.message : String(err)), false);
    },
  });
  if (o.limits?.timeoutMs) timers.push(setTimeout(() => { timedOut = true; void kill(); }, o.limits.timeoutMs));
  // stdin: all of it in the request, or streamed into the run's stdin ring as it arrives.
  const streamed = o.stdin instanceof ReadableStream;
  feeder = streamed ? feedStdin(o.stdin as ReadableStream<Uint8Array>, seat.stdin, control, launch.tty) : undefined;
  const stdin = streamed ? "stream" : o.stdin as Uint8Array | undefined ?? new Uint8Array(0);
  if (o.terminalSize) control.setSize(o.terminalSize.rows, o.terminalSize.cols);
  seat.post({
    type: "run", rootfs: transfer, inodes, ...(fsSeat ? { filesystems: fsSeat.fresh() } : {}), ...launch, stdin, control: control.words.buffer, program,
    memoryBytes: o.limits?.memoryBytes, outputCap: o.limits?.outputBytes ?? DEFAULT_OUTPUT_CAP,
    deadline: o.limits?.timeoutMs ? startedAt + o.limits.timeoutMs : undefined,
  });
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
