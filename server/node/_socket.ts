/**
 * What every socket taken from node:http's `upgrade` event needs, so no client behaviour
 * throws out of the server: an error listener set first (a reset is the client leaving,
 * not a crash), stdin as a stream that pauses the socket instead of buffering without
 * bound and drops what arrives after it was cancelled or ended, and writes that wait
 * for a slow reader (or drop one that lets too much pile up).
 */
import type { Duplex } from "node:stream";

/** A client that leaves: these end its connection quietly. */
const GONE = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ETIMEDOUT", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"]);
/** Buffered output beyond which a client that does not read is dropped (writers that cannot wait). */
const MAX_BUFFERED = 16 << 20;
/** Unread stdin beyond which the socket is paused. */
const STDIN_HIGH_WATER = 1 << 20;

/** Listen for errors before anything else: a reset destroys the socket, anything else is logged too. */
export function guardSocket(socket: Duplex, log: (line: string) => void): void {
  socket.on("error", (err: NodeJS.ErrnoException) => {
    if (!GONE.has(err.code ?? "")) log(`strata: connection error: ${err.message}`);
    socket.destroy();
  });
}

/** An HTTP error response for a raw socket (Docker's `{ message }`), with Connection: close. */
export function errorHead(status: number, message: string): string {
  const body = JSON.stringify({ message });
  return `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

const REASONS: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 413: "Payload Too Large", 426: "Upgrade Required", 500: "Internal Server Error" };

/**
 * Write; a promise while the socket's buffer is above its high-water mark (resolved at
 * 'drain' or 'close'), so a reader's pace holds the writer back. A client that lets
 * MAX_BUFFERED pile up anyway (a writer that does not wait) is dropped.
 */
export function writeOrWait(socket: Duplex, bytes: Uint8Array): Promise<void> | undefined {
  if (socket.destroyed || socket.writableEnded) return undefined;
  if (socket.write(bytes)) return undefined;
  if (socket.writableLength > MAX_BUFFERED) {
    socket.destroy();
    return undefined;
  }
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

/** Resolves once everything written has been handed to the system (or the socket is gone). */
export function flushed(socket: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed || socket.writableLength === 0) return resolve();
    socket.write(new Uint8Array(0), () => resolve()); // called once all earlier writes are flushed
  });
}

export interface StdinPipe {
  /** What the program reads. */
  stream: ReadableStream<Uint8Array>;
  /** Queue bytes (dropped once the stream is cancelled or ended); pauses the socket when enough wait unread. */
  push(bytes: Uint8Array): void;
  /** End the stream (the client's half-close); again is nothing. */
  end(): void;
  /** Read the socket from now on: each chunk to `onData` (default: push), its end ends the stream, then `onEnd`. */
  take(onData?: (bytes: Uint8Array) => void, onEnd?: () => void): void;
}

/** The client's stdin from a socket, with backpressure. */
export function socketStdin(socket: Duplex): StdinPipe {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (ctrl = c),
    pull: () => void socket.resume(),
    cancel: () => {
      done = true;
      socket.resume(); // keep reading (and dropping) so a close is still seen
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: STDIN_HIGH_WATER }));
  const pipe: StdinPipe = {
    stream,
    push: (bytes) => {
      if (done) return;
      ctrl.enqueue(bytes);
      if ((ctrl.desiredSize ?? 1) <= 0) socket.pause();
    },
    end: () => {
      if (done) return;
      done = true;
      ctrl.close();
    },
    take: (onData = pipe.push, onEnd) => {
      socket.on("data", (d: Buffer) => onData(new Uint8Array(d)));
      socket.on("end", () => {
        pipe.end();
        onEnd?.();
      });
    },
  };
  return pipe;
}
