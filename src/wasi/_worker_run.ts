/**
 * The engine side of a process in a worker. Workers are pooled per host (a warm worker
 * keeps its compiled modules); a killed worker is terminated and never reused.
 */
import type { ProcessHandle, ProcessResult, ProcessSpec, RunOptions, WorkerHost, WorkerPort } from "./types.ts";
import type { Vfs } from "./_vfs.ts";
import { Control, OUT_INFLIGHT } from "./_control.ts";
import { Ring } from "./_ring.ts";
import { applyFrame } from "./journal.ts";
import { launchOf } from "./_spec.ts";
import { transferOf } from "./rootfs_transfer.ts";
import { defaultModuleCache } from "./module_cache.ts";
import { resolveProgram } from "./resolve.ts";
import { capPages } from "./_memory_cap.ts";
import { collect, DEFAULT_GRACE_MS, resultOf } from "./process.ts";
import type { SyncRunResult } from "./run_sync.ts";

const JOURNAL_BYTES = 4 * 1024 * 1024;
const DEFAULT_OUTPUT_CAP = 1024 * 1024;
const pools = new WeakMap<WorkerHost, WorkerPort[]>();

/**
 * The processes running in workers on one rootfs (a container's main process and its
 * execs): each one's journal, replayed on the engine's copy, is forwarded to the others'
 * inboxes, so every thread's copy converges on the same filesystem. Frames that do not fit
 * an inbox now wait in `pending` for the next pump.
 */
interface Peer { inbox: Ring; pending: Uint8Array[] }
const peersOf = new WeakMap<Vfs, Set<Peer>>();

function forward(peer: Peer): void {
  while (peer.pending.length && peer.inbox.tryPush(peer.pending[0]!)) peer.pending.shift();
}

interface WorkerMsg {
  type: "out" | "done";
  fd?: number;
  chunk?: Uint8Array;
  time?: number;
  result?: SyncRunResult;
}

function takeWorker(host: WorkerHost): WorkerPort {
  return pools.get(host)?.pop() ?? host.spawn();
}

/** Start `n` workers ahead of time, so the first processes do not pay a worker's start. */
export function warmWorkers(host: WorkerHost, n: number): void {
  const pool = pools.get(host) ?? [];
  pools.set(host, pool);
  while (pool.length < n) pool.push(host.spawn());
}

/** Terminate the idle pooled workers of `host` (a web Worker cannot be unref'd: an idle one keeps Deno alive). */
export async function closeWorkers(host: WorkerHost): Promise<void> {
  const pool = pools.get(host) ?? [];
  pools.delete(host);
  await Promise.all(pool.map((port) => port.terminate()));
}

export function runInWorker(spec: ProcessSpec, o: RunOptions): ProcessHandle {
  const rootfs = o.rootfs;
  const transfer = transferOf(rootfs);
  if (!transfer) throw new TypeError("Cannot run in a worker: this rootfs cannot be handed to another thread");
  const host = o.workerHost!;
  const control = new Control();
  const journal = new Ring(JOURNAL_BYTES);
  const startedAt = Date.now();
  const launch = launchOf(spec);
  const modules = o.modules ?? defaultModuleCache;
  const maxPages = o.limits?.memoryBytes ? capPages(o.limits.memoryBytes) : undefined;
  const found = resolveProgram(rootfs, launch.argv, launch.env, launch.cwd);
  const preload = found.ok ? { ...modules.load(found.bytes, { maxPages }), maxPages } : undefined;
  const port = takeWorker(host);
  port.ref?.();
  let finished: ProcessResult | undefined;
  let settle!: (r: ProcessResult) => void;
  const done = new Promise<ProcessResult>((resolve) => (settle = resolve));
  let stopping = false, timedOut = false;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const self: Peer = { inbox: new Ring(JOURNAL_BYTES), pending: [] };
  const peers = peersOf.get(rootfs) ?? new Set<Peer>();
  peersOf.set(rootfs, peers);
  peers.add(self); // now, with the snapshot above: what others write from here on is forwarded
  const replay = () => {
    forward(self);
    const frames = journal.drain();
    if (!frames.length) return;
    for (const f of frames) applyFrame(rootfs, f);
    for (const p of peers) {
      if (p === self) continue;
      for (const f of frames) p.pending.push(f);
      forward(p);
    }
  };
  let pumping = true;
  (async () => { while (pumping) { await journal.waitForData(50); replay(); } })();
  const finish = (r: ProcessResult, reuse: boolean) => {
    if (finished) return;
    finished = r;
    pumping = false;
    timers.forEach(clearTimeout);
    replay();
    peers.delete(self);
    if (reuse) {
      port.unref?.();
      pools.get(host)?.push(port) ?? pools.set(host, [port]);
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
  const sinks = [undefined, o.stdout, o.stderr];
  port.onMessage(async (m) => {
    const msg = m as WorkerMsg;
    if (msg.type === "out") {
      await sinks[msg.fd!]?.write(msg.chunk!, msg.time!);
      Atomics.sub(control.words, OUT_INFLIGHT, msg.chunk!.length);
      Atomics.notify(control.words, OUT_INFLIGHT);
    } else if (msg.type === "done") finish(resultOf(msg.result!, startedAt, stopping), true);
  });
  port.onError((err) => finish({ exitCode: 137, oomKilled: false, timedOut: false, reason: "error", error: String(err), startedAt, finishedAt: Date.now() }, false));
  if (o.limits?.timeoutMs) timers.push(setTimeout(() => { timedOut = true; kill(); }, o.limits.timeoutMs));
  const start = (stdin: Uint8Array) => port.postMessage({
    type: "run", rootfs: transfer, ...launch, stdin, control: control.words.buffer, journal: journal.sab, inbox: self.inbox.sab,
    memoryBytes: o.limits?.memoryBytes, outputCap: o.limits?.outputBytes ?? DEFAULT_OUTPUT_CAP,
    deadline: o.limits?.timeoutMs ? startedAt + o.limits.timeoutMs : undefined,
    preload: preload && { digest: preload.digest, maxPages: preload.maxPages, module: preload.module },
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
