/**
 * `runProcess`: run a container's process inline (this thread) or in a worker, with
 * stop (grace period, then kill), kill, a wall-clock timeout, a memory cap and an output
 * cap. In worker mode the process writes its own copy of the filesystem and journals
 * every completed mutation into shared memory; the engine replays the journal onto
 * `rootfs`, also after a kill.
 */
import type { ProcessHandle, ProcessResult, ProcessSpec, RunOptions } from "./types.ts";
import { Control } from "./_control.ts";
import { launchOf } from "./_spec.ts";
import { defaultModuleCache } from "./module_cache.ts";
import { runSync, type SyncRunResult } from "./run_sync.ts";
import { OutputFd, StdinFd } from "./stdio.ts";
import { runInWorker } from "./_worker_run.ts";

/** Docker's default stop timeout. */
export const DEFAULT_GRACE_MS = 10_000;

/** Read a whole stream (inline mode has no thread to block on). XXX: an endless stdin stream never starts an inline process. */
export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

/** The ProcessResult of a finished synchronous run. */
export function resultOf(r: SyncRunResult, startedAt: number, stopped: boolean): ProcessResult {
  const reason = r.exitCode === 137 && (r.timedOut || !r.oomKilled) ? "kill" : stopped && r.exitCode === 143 ? "stop" : "exit";
  return { exitCode: r.exitCode, oomKilled: r.oomKilled, timedOut: r.timedOut, reason, error: r.error, startedAt, finishedAt: Date.now() };
}

function runInline(spec: ProcessSpec, o: RunOptions): ProcessHandle {
  const control = new Control();
  const startedAt = Date.now();
  if (o.limits?.timeoutMs) control.deadline = startedAt + o.limits.timeoutMs;
  const launch = launchOf(spec);
  const sink = (s: RunOptions["stdout"]) => new OutputFd((c) => void s?.write(c.slice(), Date.now()));
  const run = (stdin: Uint8Array): ProcessResult => resultOf(runSync({
    vfs: o.rootfs, ...launch, control, modules: o.modules ?? defaultModuleCache, memoryBytes: o.limits?.memoryBytes,
    stdio: [new StdinFd(stdin), sink(o.stdout), sink(o.stderr)],
  }), startedAt, false);
  const stdin = o.stdin ?? new Uint8Array(0);
  let killed: ProcessResult | undefined;
  const done = stdin instanceof Uint8Array
    ? Promise.resolve(run(stdin))
    : collect(stdin).then((bytes) => killed ?? run(bytes));
  const kill = () => {
    killed ??= { exitCode: 137, oomKilled: false, timedOut: false, reason: "kill", startedAt, finishedAt: Date.now() };
    return done;
  };
  return { done, kill, stop: kill };
}

/** Start a process; see `ProcessHandle` for how to end and await it. */
export function runProcess(spec: ProcessSpec, opts: RunOptions): ProcessHandle {
  const mode = opts.mode ?? (opts.workerHost ? "worker" : "inline");
  if (mode === "worker") {
    if (!opts.workerHost) throw new TypeError("Cannot run a process in worker mode without a workerHost");
    return runInWorker(spec, opts);
  }
  return runInline(spec, opts);
}
