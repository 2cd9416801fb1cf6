/**
 * Docker's stream framings: multiplexed stdout/stderr (an 8-byte header per write:
 * stream, 0, 0, 0, size as uint32 big endian) for non-TTY logs and attach; raw bytes for
 * TTY; JSON lines for progress (load) and events.
 */
export const MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
export const RAW = "application/vnd.docker.raw-stream";

const STREAM_IDS = { stdin: 0, stdout: 1, stderr: 2 } as const;
const enc = new TextEncoder();

/**
 * One write in the multiplexed framing.
 * @example frame("stdout", bytes("hi\n")) // [1,0,0,0, 0,0,0,3, 104,105,10]
 */
export function frame(stream: "stdin" | "stdout" | "stderr", data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  out[0] = STREAM_IDS[stream];
  new DataView(out.buffer).setUint32(4, data.length, false);
  out.set(data, 8);
  return out;
}

/** Split a multiplexed byte stream back into stdout and stderr text (tests and the CLI). */
export function demultiplex(bytes: Uint8Array): { stdout: string; stderr: string } {
  const out = { stdout: "", stderr: "" };
  const dec = new TextDecoder();
  for (let at = 0; at + 8 <= bytes.length;) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0, false);
    const text = dec.decode(bytes.subarray(at + 8, at + 8 + size));
    if (bytes[at] === 2) out.stderr += text;
    else out.stdout += text;
    at += 8 + size;
  }
  return out;
}

/** One JSON-lines message. */
export function jsonLine(v: unknown): Uint8Array {
  return enc.encode(`${JSON.stringify(v)}\n`);
}

/** RFC 3339 with nanoseconds, as `logs --timestamps` prefixes lines. */
export function logTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** A ReadableStream fed by `push`; `close` ends it; `onCancel` runs when the client goes away. */
export function pushStream(onCancel?: () => void) {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (ctrl = c),
    cancel: () => {
      closed = true;
      onCancel?.();
    },
  });
  return {
    stream,
    push: (b: Uint8Array) => {
      if (!closed) ctrl.enqueue(b);
    },
    close: () => {
      if (closed) return;
      closed = true;
      ctrl.close();
    },
  };
}

/**
 * A streaming Response over an async iterable: headers go out at once (the client may
 * block on them, as `docker run` does on wait), each item is encoded as it comes, and a
 * client that goes away aborts the iteration through `abort`.
 */
export function iterResponse<T>(items: AsyncIterable<T>, encode: (x: T) => Uint8Array | null, o: { contentType: string; abort?: AbortController; status?: number }): Response {
  const { stream, push, close } = pushStream(() => o.abort?.abort());
  void (async () => {
    try {
      for await (const x of items) {
        const b = encode(x);
        if (b) push(b);
      }
    } catch (err) {
      if (o.contentType === "application/json") push(jsonLine(streamError(err)));
    } finally {
      close();
    }
  })();
  return new Response(stream, { status: o.status ?? 200, headers: { "Content-Type": o.contentType } });
}

/**
 * An error inside a JSON-message stream: the CLI prints `message` and exits 1, or with
 * `code` when there is one (a failed RUN's exit status in a build, moby's jsonstream.Error).
 */
export function streamError(err: unknown): { errorDetail: { code?: number; message: string }; error: string } {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  return { errorDetail: typeof code === "number" && code !== 0 ? { code, message } : { message }, error: message };
}
