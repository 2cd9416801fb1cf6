/**
 * The engine side of a process in a worker. Workers are pooled per host (_worker_pool.ts:
 * a warm worker keeps its compiled modules and its rings); a killed worker is terminated
 * and never reused.
 */
import type { ProcessHandle, ProcessResult, ProcessSpec, RunOptions } from "./types.ts";
import type { Vfs } from "./_vfs.ts";
import type { Ring } from "./_ring.ts";
import { OUT_INFLIGHT } from "./_control.ts";
import { applyFrame } from "./journal.ts";
import { OUTPUT_FRAME, readOutputFrame } from "./_frames.ts";
import { launchOf } from "./_spec.ts";
import { canTransfer, reuseOf, transferOf } from "./rootfs_transfer.ts";
import { defaultModuleCache, moduleKey } from "./module_cache.ts";
import { resolveProgram } from "./resolve.ts";
import { capPages } from "./_memory_cap.ts";
import { collect, DEFAULT_GRACE_MS, resultOf } from "./process.ts";
import type { SyncRunResult } from "./run_sync.ts";
import { type PooledWorker, returnWorker, takeWorker } from "./_worker_pool.ts";
import type { ProgramRef } from "./worker_serve.ts";

export { closeWorkers, warmWorkers } from "./_worker_pool.ts";

const DEFAULT_OUTPUT_CAP = 1024 * 1024;
/** When the engine starts draining a running process's ring (the ring holds far more than a millisecond of writes; a full one waits). */
const PUMP_AFTER_MS = 1;

/**
 * The processes running in workers on one rootfs (a container's main process and its
 * execs): each one's journal, replayed on the engine's copy, is forwarded to the others'
 * inboxes, so every thread's copy converges on the same filesystem. Frames that do not fit
 * an inbox now wait in `pending` for the next pump.
 */
interface Peer { inbox: Ring; pending: Uint8Array[]; worker: PooledWorker }
const peersOf = new WeakMap<Vfs, Set<Peer>>();

function forward(peer: Peer): void {
  while (peer.pending.length && peer.inbox.tryPush(peer.pending[0]!)) peer.pending.shift();
}

/** The one message a worker posts (its output and file changes travel in the ring). */
interface WorkerMsg {
  type: "done";
  result: SyncRunResult;
}

/**
 * The program as the engine found it on the snapshot it sends, so the worker neither
 * searches PATH nor reads and hashes the file again; the module goes only to a worker
 * that has not been sent it. When the worker runs again on its own unchanged copy
 * (`same`) with the same argv, env, cwd and cap, the last answer still holds (the same
 * filesystem gives the same answer) and the search is skipped here too. Undefined when
 * it was not found: the worker reports that itself, with the same message.
 */
function programFor(w: PooledWorker, rootfs: Vfs, launch: ReturnType<typeof launchOf>, o: RunOptions, same: boolean): ProgramRef | undefined {
  const maxPages = o.limits?.memoryBytes ? capPages(o.limits.memoryBytes) : undefined;
  const asked = JSON.stringify([launch.argv, launch.env, launch.cwd, maxPages ?? 0]);
  if (same && w.lastProgram?.asked === asked) return w.lastProgram.ref;
  w.lastProgram = undefined;
  const found = resolveProgram(rootfs, launch.argv, launch.env, launch.cwd);
  if (!found.ok) return undefined;
  const { module, digest, capped } = (o.modules ?? defaultModuleCache).load(found.bytes, { maxPages });
  const key = moduleKey(digest, maxPages);
  const known = w.modules.has(key);
  w.modules.add(key);
  const ref = { argv: found.argv, key, capped };
  w.lastProgram = { asked, ref };
  return known ? ref : { ...ref, module };
}

export function runInWorker(spec: ProcessSpec, o: RunOptions): ProcessHandle {
  const rootfs = o.rootfs;
  if (!canTransfer(rootfs)) throw new TypeError("Cannot run in a worker: this rootfs cannot be handed to another thread");
  const host = o.workerHost!;
  const startedAt = Date.now();
  const launch = launchOf(spec);
  const worker = takeWorker(host);
  const { port, journal, control } = worker;
  const reuse = reuseOf(transferOf(rootfs, worker.layers)!, worker.kept);
  const transfer = reuse.transfer;
  worker.kept = reuse.kept;
  const program = programFor(worker, rootfs, launch, o, transfer.kind === "same");
  port.ref?.();
  let finished: ProcessResult | undefined;
  let settle!: (r: ProcessResult) => void;
  const done = new Promise<ProcessResult>((resolve) => (settle = resolve));
  let stopping = false, timedOut = false;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const self: Peer = { inbox: worker.inbox, pending: [], worker };
  const peers = peersOf.get(rootfs) ?? new Set<Peer>();
  peersOf.set(rootfs, peers);
  peers.add(self); // now, with the snapshot above: what others write from here on is forwarded
  const sinks = [undefined, o.stdout, o.stderr];
  const settled = (n: number) => {
    if (finished) return; // the words may be the worker's next run's by now
    Atomics.sub(control.words, OUT_INFLIGHT, n);
    Atomics.notify(control.words, OUT_INFLIGHT);
  };
  const output = (frame: Uint8Array) => {
    const { fd, time, chunk } = readOutputFrame(frame);
    let wrote: void | Promise<void>;
    try {
      wrote = sinks[fd]?.write(chunk, time);
    } catch (err) {
      settled(chunk.length);
      queueMicrotask(() => { throw err; }); // the sink's failure is its caller's, as a rejection would be; the rest still goes out
      return;
    }
    if (wrote) wrote.then(() => settled(chunk.length), (err) => (settled(chunk.length), Promise.reject(err)));
    else settled(chunk.length);
  };
  // Applies the process's changes and hands on its output, in the order it made them;
  // the changes go on to the other processes of this rootfs.
  const replay = () => {
    forward(self);
    const frames = journal.drain();
    if (!frames.length) return;
    const changes: Uint8Array[] = [];
    for (const f of frames) {
      if (f.kind === OUTPUT_FRAME) output(f.bytes);
      else applyFrame(rootfs, f.bytes), changes.push(f.bytes);
    }
    if (!changes.length) return;
    worker.kept = undefined; // its copy has changed: send the whole rootfs next time
    for (const p of peers) {
      if (p === self) continue;
      p.worker.kept = undefined;
      for (const f of changes) p.pending.push(f);
      forward(p);
    }
  };
  // Drains while the process runs, from its first millisecond on (a run that ends sooner
  // is drained once, at its end, and never pays for a waiting pump). The ring outlives
  // this run (the worker is pooled), so the pump stops for good once the run has
  // finished, and is woken to see it.
  let pumping = false;
  const pump = setTimeout(async () => {
    pumping = true;
    for (;;) {
      await journal.waitForData(50);
      if (!pumping) return;
      replay();
    }
  }, PUMP_AFTER_MS);
  const finish = (r: ProcessResult, reuse: boolean) => {
    if (finished) return;
    finished = r;
    timers.forEach(clearTimeout);
    clearTimeout(pump);
    replay();
    if (pumping) pumping = false, journal.wake();
    peers.delete(self);
    if (reuse) {
      port.unref?.();
      returnWorker(host, worker);
    }
    settle(r);
  };
  const kill = async () => {
    if (!finished) {
      await port.terminate();
      finish({ exitCode: 137, oomKilled: false, timedOut, reason: "kill", startedAt, finishedAt: Date.now() }, false);
    }
    return done;
  };
  port.onMessage((m) => {
    const msg = m as WorkerMsg;
    if (msg.type === "done") finish(resultOf(msg.result, startedAt, stopping), true);
  });
  port.onError((err) => finish({ exitCode: 137, oomKilled: false, timedOut: false, reason: "error", error: String(err), startedAt, finishedAt: Date.now() }, false));
  if (o.limits?.timeoutMs) timers.push(setTimeout(() => { timedOut = true; kill(); }, o.limits.timeoutMs));
  const rings = worker.ringsSent ? undefined : { journal: journal.sab, inbox: worker.inbox.sab };
  worker.ringsSent = true;
  const start = (stdin: Uint8Array) => port.postMessage({
    type: "run", rootfs: transfer, ...launch, stdin, control: control.words.buffer, rings, program,
    memoryBytes: o.limits?.memoryBytes, outputCap: o.limits?.outputBytes ?? DEFAULT_OUTPUT_CAP,
    deadline: o.limits?.timeoutMs ? startedAt + o.limits.timeoutMs : undefined,
  });
  if (!o.stdin || o.stdin instanceof Uint8Array) start(o.stdin ?? new Uint8Array(0));
  else collect(o.stdin).then(start);
  return {
    done,
    kill,
    stop: (opts = {}) => {
      if (!finished) {
        stopping = true;
        control.requestStop();
        timers.push(setTimeout(kill, opts.graceMs ?? DEFAULT_GRACE_MS));
      }
      return done;
    },
  };
}
