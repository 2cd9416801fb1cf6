/**
 * Docker's stream framings: multiplexed stdout/stderr (an 8-byte header per write:
 * stream, 0, 0, 0, size as uint32 big endian) for non-TTY logs and attach; raw bytes for
 * TTY; JSON lines for progress; newline-delimited JSON for events.
 */
export const MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
export const RAW = "application/vnd.docker.raw-stream";

export function frame(stream: "stdin" | "stdout" | "stderr", data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  out[0] = stream === "stdin" ? 0 : stream === "stdout" ? 1 : 2;
  new DataView(out.buffer).setUint32(4, data.length, false);
  out.set(data, 8);
  return out;
}

const enc = new TextEncoder();

export function jsonLine(v: unknown): Uint8Array {
  return enc.encode(`${JSON.stringify(v)}\n`);
}

/** RFC 3339 with nanoseconds, as `logs --timestamps` prefixes lines. */
export function logTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** A ReadableStream fed by a push function; `close` ends it. */
export function pushStream(onCancel?: () => void) {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (ctrl = c), cancel: () => { closed = true; onCancel?.(); } });
  return {
    stream,
    push: (b: Uint8Array) => { if (!closed) ctrl.enqueue(b); },
    close: () => { if (!closed) { closed = true; ctrl.close(); } },
  };
}
