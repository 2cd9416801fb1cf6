/**
 * A container's log: stdout and stderr kept apart with the time of each write, bounded
 * by a byte cap and a count of entries (oldest entries dropped first), with followers
 * for `logs -f` and attach. `docker logs` reads it as lines (_log_lines.ts); the end of
 * each run's unfinished line is marked in it (`end`), so a line never runs on into the
 * next start's output.
 */
import type { LogEntry } from "./api.ts";
import { logLines } from "./_log_lines.ts";

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
  /** The streams whose last write did not end its line. */
  #unfinished = new Set<LogEntry["stream"]>();

  constructor(readonly cap: number, readonly maxEntries = Math.max(64, Math.min(MAX_LOG_ENTRIES, cap))) {}

  /** The entries kept, oldest first. */
  get entries(): LogEntry[] {
    if (this.#first) this.#entries.splice(0, this.#first), this.#first = 0;
    return this.#entries;
  }

  push(entry: LogEntry): void {
    const list = this.#entries;
    list.push(entry);
    if (entry.data.length === 0) this.#unfinished.delete(entry.stream);
    else if (entry.data[entry.data.length - 1] === 10) this.#unfinished.delete(entry.stream);
    else this.#unfinished.add(entry.stream);
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

  /**
   * Tell followers that no more output comes from this run; a stream whose last line is
   * unfinished gets an end marker (an empty entry), where readers flush that line.
   */
  end(time = Date.now()): void {
    for (const stream of [...this.#unfinished]) this.push({ stream, time, data: new Uint8Array(0) });
    for (const f of this.#followers) f(null);
  }

  /**
   * Lines filtered as `docker logs` asks (since/until in seconds, tail as a count of
   * lines); `final` flushes an unfinished last line (the process is not running).
   */
  select(o: { stdout?: boolean; stderr?: boolean; since?: number; until?: number; tail?: number; final?: boolean }): LogEntry[] {
    const wanted = this.entries.filter((e) => (e.stream === "stdout" ? o.stdout !== false : o.stderr !== false));
    const out = logLines(wanted, { final: o.final ?? true }).filter((e) => (!o.since || e.time / 1000 >= o.since) && (!o.until || e.time / 1000 <= o.until));
    return o.tail !== undefined && o.tail >= 0 ? (o.tail === 0 ? [] : out.slice(-o.tail)) : out;
  }
}
