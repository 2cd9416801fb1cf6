/**
 * A container's log: stdout and stderr kept apart with the time of each write, bounded
 * by a byte cap and a count of entries (oldest entries dropped first), with followers
 * for `logs -f` and attach.
 */
import type { LogEntry } from "./api.ts";

export type { LogEntry };

/** Entries a log keeps at most, whatever their bytes: a flood of one-byte writes is bounded too (about this many times 100 bytes). */
const MAX_LOG_ENTRIES = 16_384;
/** About the bytes a stored line adds to its data: `{"stream":"stdout","time":1700000000000,"log":""}` and a newline. */
const LINE_ENVELOPE = 50;

export class LogBuffer {
  #entries: LogEntry[] = [];
  /** Entries before this index are dropped (spliced off in batches, so a full log costs O(1) per write). */
  #first = 0;
  bytes = 0;
  /**
   * Bytes dropped by the caps since the owner last reset it, as stored (the data and its
   * line's envelope): the stored log is compacted when it passes the cap.
   */
  dropped = 0;
  #followers = new Set<(e: LogEntry | null) => void>();

  constructor(readonly cap: number, readonly maxEntries = Math.max(64, Math.min(MAX_LOG_ENTRIES, cap))) {}

  /** The entries kept, oldest first. */
  get entries(): LogEntry[] {
    if (this.#first) this.#entries.splice(0, this.#first), this.#first = 0;
    return this.#entries;
  }

  push(entry: LogEntry): void {
    const list = this.#entries;
    list.push(entry);
    this.bytes += entry.data.length;
    while ((this.bytes > this.cap || list.length - this.#first > this.maxEntries) && this.#first < list.length - 1) {
      const n = list[this.#first++]!.data.length;
      this.bytes -= n;
      this.dropped += n + LINE_ENVELOPE;
    }
    if (this.#first > 1024 && this.#first * 2 > list.length) list.splice(0, this.#first), this.#first = 0;
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
