/**
 * Warm workers, pooled per host. A pooled worker keeps, across the runs it serves, what
 * is costly to make again: its journal, inbox and stdin rings (a SharedArrayBuffer of a few MiB
 * takes longer to allocate than a small program takes to run, and a fresh pair per run
 * kept the garbage collector busy), the rings' being known to the worker, and the
 * compiled modules it has been sent. A killed worker is terminated and never pooled
 * again, so nothing it held is reused.
 */
import type { WorkerHost, WorkerPort } from "./types.ts";
import { Ring } from "./_ring.ts";
import { Control } from "./_control.ts";
import type { KeptRootfs } from "./rootfs_transfer.ts";
import type { ProgramRef } from "./worker_serve.ts";

/** Room for journal frames a process pushes before the engine drains them (a frame carries at most this much minus a header). */
const JOURNAL_BYTES = 4 * 1024 * 1024;

/** Room for stdin the process has not read yet (a pipe's buffer is 64 KiB on Linux). */
const STDIN_BYTES = 64 * 1024;

export interface PooledWorker {
  port: WorkerPort;
  /** The process's completed mutations, for the engine to replay. */
  journal: Ring;
  /** Other processes' mutations on the same rootfs, for the process to apply. */
  inbox: Ring;
  /** The process's stdin as it arrives (stdin_pipe.ts). */
  stdin: Ring;
  /** The worker has been sent the rings (it keeps them). */
  ringsSent: boolean;
  /** Keys ("digest" or "digest@pages") of the modules the worker has been sent. */
  modules: Set<string>;
  /** Keys of the layers the worker holds (rootfs_transfer.ts). */
  layers: Set<string>;
  /** The stop and output words of its runs (reset before each). */
  control: Control;
  /** What the worker's copy of its last run's rootfs was made from, while unchanged (rootfs_transfer.ts). */
  kept?: KeptRootfs;
  /** The program found for its last run, and for what argv, env, cwd and cap (_worker_run.ts). */
  lastProgram?: { asked: string; ref: ProgramRef };
}

const pools = new WeakMap<WorkerHost, PooledWorker[]>();

function spawn(host: WorkerHost): PooledWorker {
  return {
    port: host.spawn(), journal: new Ring(JOURNAL_BYTES), inbox: new Ring(JOURNAL_BYTES), stdin: new Ring(STDIN_BYTES), ringsSent: false,
    modules: new Set(), layers: new Set(), control: new Control(),
  };
}

/** A warm worker from the pool, or a new one; its rings start empty, its control words at zero. */
export function takeWorker(host: WorkerHost): PooledWorker {
  const w = pools.get(host)?.pop() ?? spawn(host);
  w.journal.clear();
  w.inbox.clear();
  w.stdin.clear();
  w.control.reset();
  return w;
}

/** Put back a worker that finished its run by itself (its thread is idle). */
export function returnWorker(host: WorkerHost, w: PooledWorker): void {
  pools.get(host)?.push(w) ?? pools.set(host, [w]);
}

/** Start `n` workers ahead of time, so the first processes do not pay a worker's start. */
export function warmWorkers(host: WorkerHost, n: number): void {
  const pool = pools.get(host) ?? [];
  pools.set(host, pool);
  while (pool.length < n) pool.push(spawn(host));
}

/** Terminate the idle pooled workers of `host` (a web Worker cannot be unref'd: an idle one keeps Deno alive). */
export async function closeWorkers(host: WorkerHost): Promise<void> {
  const pool = pools.get(host) ?? [];
  pools.delete(host);
  await Promise.all(pool.map((w) => w.port.terminate()));
}
