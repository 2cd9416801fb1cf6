/**
 * A container's log: stdout and stderr kept apart with the time of each write, bounded
 * by a byte cap (oldest entries dropped first), with followers for `logs -f` and attach.
 */
import type { LogEntry } from "./types.ts";

export type { LogEntry };

export class LogBuffer {
  entries: LogEntry[] = [];
  bytes = 0;
  /** Bytes dropped by the cap since the owner last reset it (the stored log is compacted when it passes the cap). */
  dropped = 0;
  #followers = new Set<(e: LogEntry | null) => void>();

  constructor(readonly cap: number) {}

  push(entry: LogEntry): void {
    this.entries.push(entry);
    this.bytes += entry.data.length;
    let drop = 0;
    while (this.bytes > this.cap && drop < this.entries.length - 1) {
      const n = this.entries[drop++]!.data.length;
      this.bytes -= n;
      this.dropped += n;
    }
    if (drop) this.entries.splice(0, drop);
    for (const f of this.#followers) f(entry);
  }

  /** Call `fn` for every new entry, and with null when the log ends (the process exited). Returns an unsubscribe. */
  follow(fn: (e: LogEntry | null) => void): () => void {
    this.#followers.add(fn);
    return () => this.#followers.delete(fn);
  }

  /** Tell followers that no more output comes from this run. */
  end(): void {
    for (const f of this.#followers) f(null);
  }

  /** Entries filtered as `docker logs` asks (since/until in seconds, tail as a count of lines). */
  select(o: { stdout?: boolean; stderr?: boolean; since?: number; until?: number; tail?: number }): LogEntry[] {
    let out = this.entries.filter((e) => (e.stream === "stdout" ? o.stdout !== false : o.stderr !== false)
      && (!o.since || e.time / 1000 >= o.since) && (!o.until || e.time / 1000 <= o.until));
    if (o.tail !== undefined && o.tail >= 0) out = tailLines(out, o.tail);
    return out;
  }
}

/** The last `n` lines of the entries: writes are joined into lines per stream, as Docker's json-file driver stores them. */
function tailLines(entries: LogEntry[], n: number): LogEntry[] {
  const lines: LogEntry[] = [];
  const open = new Map<string, LogEntry>();
  for (const e of entries) {
    let start = 0;
    for (let i = 0; i <= e.data.length; i++) {
      const end = i === e.data.length;
      if (!end && e.data[i] !== 10) continue;
      const piece = e.data.subarray(start, end ? i : i + 1);
      start = i + 1;
      if (piece.length === 0) continue;
      const partial = open.get(e.stream);
      const line = partial ? { ...partial, data: join(partial.data, piece) } : { ...e, data: piece };
      if (end) open.set(e.stream, line);
      else {
        open.delete(e.stream);
        lines.push(line);
      }
    }
  }
  for (const partial of open.values()) lines.push(partial);
  lines.sort((a, b) => a.time - b.time);
  return n === 0 ? [] : lines.slice(-n);
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
