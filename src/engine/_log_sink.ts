/**
 * A running container's output on its way to the store: each write is kept in the
 * container's log buffer and appended to the stored log (JSON lines) as it arrives. Each
 * entry's stored line is made once, as it is appended: compacting the stored log (each
 * time a cap's worth of writes has been dropped) copies the lines, not encodes them again.
 */
import type { Store } from "../store/mod.ts";
import { encodeLogLine } from "./_logs_io.ts";
import { Appender, concat } from "./_persist.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import type { LogEntry } from "./api.ts";

const storedLines = new WeakMap<LogEntry, Uint8Array>();

function storedLog(entries: readonly LogEntry[]): Uint8Array {
  return concat(entries.map((e) => storedLines.get(e) ?? encodeLogLine(e)));
}

/** The sink of one output stream of a container's process. */
export function logSink(store: Store, rt: ContainerRuntime, stream: LogEntry["stream"]) {
  return {
    write: (data: Uint8Array, time: number) => {
      if (data.length === 0) return; // nothing to log; an empty entry marks a run's end (LogBuffer.end)
      const e = { stream, time, data };
      const line = encodeLogLine(e);
      storedLines.set(e, line);
      rt.logs.push(e);
      rt.logWriter ??= new Appender(store, "logs", rt.rec.Id);
      if (rt.logs.dropped > 0 && rt.logs.dropped >= rt.logs.cap) { // compact the stored log as often as the cap is passed
        rt.logs.dropped = 0;
        rt.logWriter.replace(storedLog(rt.logs.entries));
      } else rt.logWriter.push(line);
    },
  };
}

/** The whole log, stored again; a writer that failed is replaced (the whole log has no gap), and its failure thrown. */
export async function storeLog(store: Store, rt: ContainerRuntime): Promise<void> {
  const earlier = await rt.logWriter!.flushed().then(() => null, (err: unknown) => ({ err }));
  if (earlier) rt.logWriter = new Appender(store, "logs", rt.rec.Id);
  rt.logWriter!.replace(storedLog(rt.logs.entries));
  await rt.logWriter!.flushed();
  if (earlier) throw earlier.err;
}
