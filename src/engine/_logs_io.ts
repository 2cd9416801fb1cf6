/**
 * A container's output as clients read it: `logs` (past entries filtered as `docker
 * logs` asks, then live ones with follow) and `attach` (output registered at once, so an
 * attach made before start loses nothing). Also the log's stored form: JSON lines in the
 * json-file driver's shape (`{"stream","time","log"}`), appended as the program writes.
 */
import type { LogBuffer } from "./logs.ts";
import { LineAssembler, logLines } from "./_log_lines.ts";
import type { AttachSession, LogEntry } from "./api.ts";
import type { AttachOptions, LogsOptions } from "./options.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

/** One stored log line (with its newline). */
export function encodeLogLine(e: LogEntry): Uint8Array {
  return enc.encode(`${JSON.stringify({ stream: e.stream, time: e.time, log: dec.decode(e.data) })}\n`);
}

/** Stored lines back to entries; a torn last line (a crash during its append) is skipped. */
export function decodeLog(bytes: Uint8Array): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of dec.decode(bytes).split("\n")) {
    if (!line) continue;
    try {
      const j = JSON.parse(line) as { stream: LogEntry["stream"]; time: number; log: string };
      out.push({ stream: j.stream, time: j.time, data: enc.encode(j.log) });
    } catch {
      // torn
    }
  }
  return out;
}

/**
 * A push-to-pull queue: producers push, one consumer iterates; ends on end() or abort.
 * With `max`, a consumer that falls behind by more items loses the oldest (a follower
 * of a flooding container holds no more than the log itself keeps).
 */
export function queue<T>(signal?: AbortSignal, max = Infinity): { push(x: T): void; end(): void; iter: AsyncIterable<T> } {
  let items: T[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const end = () => {
    ended = true;
    poke();
  };
  signal?.addEventListener("abort", end, { once: true });
  if (signal?.aborted) ended = true;
  return {
    push: (x) => {
      if (ended) return;
      items.push(x);
      if (items.length > 2 * max) items = items.slice(-max);
      poke();
    },
    end,
    iter: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (items.length) yield items.shift()!;
          if (ended) return;
          await new Promise<void>((r) => (wake = r));
        }
      },
    },
  };
}

const wanted = (o: { stdout?: boolean; stderr?: boolean }) => (e: LogEntry) => (e.stream === "stdout" ? o.stdout !== false : o.stderr !== false);

/**
 * `docker logs`: past lines, then (follow, while running) live ones until exit or abort.
 * Lines as the json-file driver logs them (_log_lines.ts): an unfinished last line shows
 * once it is finished, 16 KiB of it are logged, or its process ends.
 */
export async function* readLogs(log: LogBuffer, running: boolean, o: LogsOptions = {}): AsyncIterable<LogEntry> {
  const tail = o.tail === "all" || o.tail === undefined || o.tail < 0 ? undefined : o.tail;
  const select = { stdout: o.stdout, stderr: o.stderr, since: o.since, until: o.until, tail };
  if (!o.follow || !running) return yield* log.select({ ...select, final: !running });
  const q = queue<LogEntry>(o.signal, log.maxEntries);
  const stop = log.follow((e) => (e ? q.push(e) : q.end()));
  const keep = wanted(o);
  const lines = new LineAssembler();
  const inTime = (e: LogEntry) => (!o.since || e.time / 1000 >= o.since) && (!o.until || e.time / 1000 <= o.until);
  try {
    const past = logLines(log.entries.filter(keep), { final: false, assembler: lines }).filter(inTime);
    yield* tail === undefined ? past : tail === 0 ? [] : past.slice(-tail);
    for await (const e of q.iter) {
      if (!keep(e)) continue;
      for (const line of lines.push(e)) {
        if (o.until && line.time / 1000 > o.until) return;
        if (inTime(line)) yield line;
      }
    }
    if (!o.signal?.aborted) for (const line of lines.end()) if (inTime(line)) yield line;
  } finally {
    stop();
  }
}

/** An attach session on a log (its stdin is the caller's: containers.ts). */
export function attachTo(log: LogBuffer, o: AttachOptions): AttachSession {
  const ctl = new AbortController();
  const q = queue<LogEntry>(ctl.signal, log.maxEntries);
  if (o.logs) for (const e of log.entries) if (e.data.length) q.push(e);
  const stop = o.stream === false ? () => {} : log.follow((e) => (e ? e.data.length && q.push(e) : q.end())); // an end marker is no output
  if (o.stream === false) q.end();
  const keep = wanted(o);
  return {
    output: (async function* () {
      for await (const e of q.iter) if (keep(e)) yield e;
    })(),
    close: () => {
      stop();
      ctl.abort();
    },
  };
}
