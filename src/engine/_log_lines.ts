/**
 * A container's writes as the lines `docker logs` shows, made the way moby's log copier
 * makes them for the json-file driver (daemon/logger/copier.go): per stream, the bytes up
 * to each newline are one entry, timed when its newline was written — a program that
 * writes `ls: ` and `cannot access…` in two writes logs one line, with one timestamp.
 * A line longer than 16 KiB is cut into 16 KiB partial entries (no newline) as its
 * bytes arrive, and every piece of it carries the time of its first piece; a line left
 * unfinished when its process ends is flushed as a partial entry of its own.
 *
 * The log itself keeps the writes as they came (attach shows them as they come, and
 * every completed write is stored at once); an empty entry in it marks the end of a
 * run's stream (LogBuffer.end), where an unfinished line is flushed.
 */
import type { LogEntry } from "./api.ts";

/** The json-file driver's line buffer (moby's defaultBufSize): a longer line is logged in pieces of this size. */
export const MAX_LINE_PIECE = 16 * 1024;

interface Open {
  chunks: Uint8Array[];
  length: number;
  /** The time of the line's first piece, once one was logged (moby's partialTS). */
  pieceTime?: number;
}

/** Turns writes into line entries, one stream at a time; keep one per reader (the unfinished lines are its state). */
export class LineAssembler {
  readonly #open = new Map<LogEntry["stream"], Open>();

  /** The line entries a write (or an end marker: empty data) completes. */
  push(e: LogEntry): LogEntry[] {
    if (e.data.length === 0) return this.end(e.stream, e.time);
    const out: LogEntry[] = [];
    let rest = e.data;
    while (rest.length) {
      const nl = rest.indexOf(10);
      const seg = nl < 0 ? rest : rest.subarray(0, nl + 1);
      rest = nl < 0 ? rest.subarray(rest.length) : rest.subarray(nl + 1);
      const open = this.#open.get(e.stream) ?? { chunks: [], length: 0 };
      open.chunks.push(seg);
      open.length += seg.length;
      const done = nl >= 0;
      // Whole pieces first: 16 KiB of a line with no newline in them (a finished line's own newline is not counted).
      while (open.length - (done ? 1 : 0) >= MAX_LINE_PIECE) {
        const all = join(open.chunks, open.length);
        open.pieceTime ??= e.time;
        out.push({ stream: e.stream, time: open.pieceTime, data: all.subarray(0, MAX_LINE_PIECE) });
        open.chunks = [all.subarray(MAX_LINE_PIECE)];
        open.length -= MAX_LINE_PIECE;
      }
      if (done) {
        out.push({ stream: e.stream, time: open.pieceTime ?? e.time, data: join(open.chunks, open.length) });
        this.#open.delete(e.stream);
      } else this.#open.set(e.stream, open);
    }
    return out;
  }

  /** Flush the unfinished line of a stream (or of every stream) as a partial entry, timed `time` unless a piece of it was logged. */
  end(stream?: LogEntry["stream"], time = Date.now()): LogEntry[] {
    const out: LogEntry[] = [];
    for (const [s, open] of this.#open) {
      if (stream && s !== stream) continue;
      if (open.length) out.push({ stream: s, time: open.pieceTime ?? time, data: join(open.chunks, open.length) });
      this.#open.delete(s);
    }
    return out;
  }
}

/** The line entries of a log's writes; `final` flushes the lines left unfinished at the end (a process that is no longer running). */
export function logLines(entries: readonly LogEntry[], o: { final: boolean; assembler?: LineAssembler }): LogEntry[] {
  const lines = o.assembler ?? new LineAssembler();
  const out: LogEntry[] = [];
  for (const e of entries) out.push(...lines.push(e));
  if (o.final) out.push(...lines.end());
  return out;
}

function join(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) out.set(c, at), at += c.length;
  return out;
}
