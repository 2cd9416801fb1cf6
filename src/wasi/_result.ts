/**
 * How a process's run becomes its ProcessResult, the same inline and in a worker: the
 * result of a finished synchronous run, the stdin collected before it starts, the
 * grace period of a stop, and the message of what failed.
 */
import type { ProcessResult } from "./types.ts";
import type { SyncRunResult } from "./run_sync.ts";

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

/** The message of a thrown value, for a ProcessResult's error. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
