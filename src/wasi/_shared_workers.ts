/**
 * Workers shared by many processes (issue 19). Where processes are suspendable (JSPI:
 * _suspend.ts), a host gets a small pool of workers, one per core, and each runs many
 * processes at once: a process that waits (a sleep, a read of stdin, a full output pipe)
 * is suspended and frees the thread, and one that computes lets the others have it at
 * its preemption points (_preempt.ts). So a thread holds thousands of sleepers, and a
 * server still uses every core.
 *
 * Each process on a shared worker has its own ring set (journal, stdin) and control words,
 * and so does each copy of a container's filesystems the worker keeps (journal, inbox:
 * _shared_fs.ts). They are taken from the worker's free sets of that kind and given back
 * when done, and carved out of large shared buffers (_ring_sets.ts: a small
 * SharedArrayBuffer takes longer to allocate than a short program takes to run); they are
 * smaller than a dedicated worker's, as thousands of them may be live. Messages carry the
 * run's id.
 * A kill is the kill word, which the process sees at its next system call, wait or point;
 * a thread is ended only when that does not happen in time (a program without points),
 * and with it every process on it (_worker_run.ts).
 */
import type { WorkerHost, WorkerPort } from "./types.ts";
import { type RingSet, RingSets, type SetKind } from "./_ring_sets.ts";

export type { RingSet } from "./_ring_sets.ts";

/**
 * Idle ring sets of each kind a worker keeps for good. Past that many, an idle set is let
 * go once it has sat unused through a whole TRIM_MS (the fewest idle sets seen in that
 * time, less FREE_SETS, go: the ones that were never taken again), so a burst of starts
 * that follows another reuses its sets, and a worker that once ran 10,000 processes does
 * not keep 10,000 sets for long.
 *
 * Why reuse matters, measured here (Deno 2.9, 1,000 `sh -c 'sleep 1; echo done'` started
 * together, bench/preempt.bench.ts): a set carved anew touches fresh pages of its slab, and
 * the kernel faults each in on first touch; the engine's thread spent 120–150 ms of each
 * burst in those faults, and its last start returned at 0.45–0.8 s. Reusing the sets of the
 * burst before, it returned at 0.3–0.4 s.
 */
const FREE_SETS = 64;
const TRIM_MS = 10_000;

/** What a run hears from its worker. */
export interface RunListener {
  message(msg: { type: string; run: number }): void;
  /** The worker failed or was ended: the run is over. */
  error(err: unknown): void;
}

export interface SharedWorker {
  port: WorkerPort;
  /** Keys of the modules the worker has been sent, and of the layers it holds (as a dedicated worker's). */
  modules: Set<string>;
  layers: Set<string>;
  runs: Map<number, RunListener>;
  /** Idle sets, by kind: the longest idle first. */
  free: Record<SetKind, RingSet[]>;
  /** The fewest idle sets of each kind since the last trim, and the timer of the next (while there are more than FREE_SETS). */
  trim: { fewest: Record<SetKind, number>; timer?: ReturnType<typeof setTimeout> };
  /** Where its sets are carved from. */
  sets: RingSets;
  /** What it is to be told with its next run (`tellAside`), and the timer that sends it alone meanwhile. */
  aside: { messages: object[]; timer?: ReturnType<typeof setTimeout> };
  gone: boolean;
  /** The host's pool it is in (until it is ended). */
  pool: SharedWorker[];
}

const pools = new WeakMap<WorkerHost, SharedWorker[]>();
let nextRun = 0;

/** Workers per host: one per core the platform reports (2 where it reports none). */
function poolSize(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, n ?? 2);
}

function spawn(host: WorkerHost, pool: SharedWorker[]): SharedWorker {
  const w: SharedWorker = { port: host.spawn(), modules: new Set(), layers: new Set(), runs: new Map(), free: { run: [], fs: [] }, trim: { fewest: { run: 0, fs: 0 } }, sets: new RingSets(), aside: { messages: [] }, gone: false, pool };
  w.port.onMessage((m) => w.runs.get((m as { run?: number }).run ?? -1)?.message(m as { type: string; run: number }));
  w.port.onError((err) => void endWorker(w, err));
  w.port.unref?.();
  pool.push(w);
  return w;
}

/**
 * The host's shared worker that `prefer`s (the one that holds the container's filesystem:
 * _shared_fs.ts), or the one with the fewest runs; a new one while there are fewer than
 * one per core and all have some.
 */
export function shareWorker(host: WorkerHost, prefer?: (w: SharedWorker) => boolean): SharedWorker {
  const pool = pools.get(host) ?? [];
  pools.set(host, pool);
  if (prefer) for (const w of pool) if (prefer(w)) return w;
  let best: SharedWorker | undefined;
  for (const w of pool) if (!best || w.runs.size < best.runs.size) best = w;
  if (!best || (best.runs.size > 0 && pool.length < poolSize())) best = spawn(host, pool);
  return best;
}

/**
 * A ring set of `w`'s whose rings start empty and whose words start at zero (a run's, or a
 * filesystem copy's: _shared_fs.ts): an idle one emptied, or a new one (fresh memory,
 * zero already: its pages are not touched here).
 */
export function takeSet(w: SharedWorker, kind: SetKind): RingSet {
  const free = w.free[kind];
  const set = free.pop();
  if (!set) return w.sets.carve(kind);
  w.trim.fewest[kind] = Math.min(w.trim.fewest[kind], free.length);
  set.journal.clear();
  set.inbox.clear();
  set.stdin.clear();
  set.control.reset();
  return set;
}

/** `set` is free again, unless its writer may still be writing into it (`reuse` false): then it is let go. */
export function giveSet(w: SharedWorker, set: RingSet, reuse: boolean): void {
  if (!reuse || w.gone) return letGo(w, set);
  const free = w.free[set.place.kind];
  free.push(set);
  if (free.length > FREE_SETS && w.trim.timer === undefined) {
    w.trim.fewest = { run: w.free.run.length, fs: w.free.fs.length };
    scheduleTrim(w);
  }
}

/** The worker is told to let go of `set` (and of its slab, when it was the slab's last). */
function letGo(w: SharedWorker, set: RingSet): void {
  const slab = w.sets.letGo(set);
  if (set.sent || slab !== undefined) tellAside(w, { type: "forget", ringSet: set.sent ? set.id : undefined, slab });
}

/**
 * Tell `w` something that can wait for its next run (a set let go, a filesystem copy to
 * drop: _shared_fs.ts): it goes with that run's message, before it, or alone at the next
 * turn of the event loop. A container's end told the worker of its copies in messages of
 * their own, and a round trip of two messages cost 30 µs of CPU here (Deno).
 */
export function tellAside(w: SharedWorker, message: object): void {
  if (w.gone) return;
  w.aside.messages.push(message);
  w.aside.timer ??= setTimeout(() => {
    w.aside.timer = undefined;
    if (!w.gone && w.aside.messages.length) w.port.postMessage({ type: "aside", messages: w.aside.messages.splice(0) });
  }, 0);
}

/** Post a run's request to `w`, with what was set aside for it (handled first: worker_serve.ts). */
export function postRun(w: SharedWorker, req: Record<string, unknown>): void {
  const aside = w.aside.messages.splice(0);
  w.port.postMessage(aside.length ? { ...req, aside } : req);
}

/** In TRIM_MS, trim `w`'s idle sets; again while more than FREE_SETS of a kind are idle. */
function scheduleTrim(w: SharedWorker): void {
  w.trim.timer = setTimeout(() => {
    w.trim.timer = undefined;
    if (!w.gone && trimIdleSets(w)) scheduleTrim(w);
  }, TRIM_MS);
  // A pending trim alone does not keep a process alive (Node's timers have unref).
  (w.trim.timer as { unref?: () => void }).unref?.();
}

/**
 * Let go of the idle sets beyond FREE_SETS that no run took since the last trim (the
 * longest idle: the bottom of each free list, below the fewest it held meanwhile). True
 * while more than FREE_SETS of a kind are still idle (they may go at the next trim).
 */
export function trimIdleSets(w: SharedWorker): boolean {
  let more = false;
  for (const kind of ["run", "fs"] as const) {
    const free = w.free[kind];
    const unused = Math.min(w.trim.fewest[kind], free.length) - FREE_SETS;
    if (unused > 0) for (const set of free.splice(0, unused)) letGo(w, set);
    w.trim.fewest[kind] = free.length;
    more ||= free.length > FREE_SETS;
  }
  return more;
}

/** A run joins `w`: its id, and its ring set. */
export function joinWorker(w: SharedWorker, listener: RunListener): { run: number; set: RingSet } {
  const set = takeSet(w, "run");
  const run = ++nextRun;
  if (w.runs.size === 0) w.port.ref?.();
  w.runs.set(run, listener);
  return { run, set };
}

/** A run leaves `w`, and gives back its ring set (`reuse`: see giveSet). */
export function leaveWorker(w: SharedWorker, run: number, set: RingSet, reuse: boolean): void {
  if (!w.runs.delete(run)) return;
  giveSet(w, set, reuse);
  if (w.runs.size === 0) w.port.unref?.();
}

/** End `w`'s thread (a run that would not end): every run on it ends with `err`. */
export async function endWorker(w: SharedWorker, err: unknown): Promise<void> {
  if (w.gone) return;
  w.gone = true;
  clearTimeout(w.trim.timer);
  clearTimeout(w.aside.timer);
  const at = w.pool.indexOf(w);
  if (at >= 0) w.pool.splice(at, 1);
  const runs = [...w.runs.values()];
  w.runs.clear();
  try {
    await w.port.terminate();
  } finally {
    for (const r of runs) r.error(err);
  }
}

/** Terminate `host`'s shared workers (the engine closes: its processes have ended). */
export async function closeSharedWorkers(host: WorkerHost): Promise<void> {
  const pool = pools.get(host) ?? [];
  pools.delete(host);
  await Promise.all(pool.map((w) => endWorker(w, new Error("the engine closed"))));
}
