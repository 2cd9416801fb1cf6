/**
 * gzip in and out through the web platform's CompressionStream and DecompressionStream,
 * with a cap on uncompressed bytes (a gzip bomb stops at the cap, not at memory's end),
 * and detection of the layer compressions we do not read.
 *
 * Memory: `gunzip` writes into one buffer sized from the gzip trailer's ISIZE (the
 * uncompressed length mod 2^32, RFC 1952 §2.3.1) when the input is whole, so a 200 MB
 * layer costs 200 MB, not its chunks plus a joined copy. The input is fed as views,
 * never copied into a Blob.
 */
import { Churn } from "./churn.ts";
import { TarRangeError, UnsupportedMediaTypeError } from "./errors.ts";

/** Default cap on the uncompressed size of one layer: 8 GiB. */
export const DEFAULT_MAX_UNCOMPRESSED = 8 * 2 ** 30;

export type Compression = "gzip" | "zstd" | "bzip2" | "xz" | "none";

const FEED_CHUNK = 1 << 20;

/**
 * An inflater: `write` each compressed chunk (resolves when it is taken in), then `end`
 * (resolves when all output is out); output goes to the `onData` it was made with, as
 * views that are valid during the call. `destroy` stops it early. Errors reject `write`
 * or `end`.
 */
export interface Inflater {
  write(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
  destroy(): void;
}
export type MakeInflater = (onData: (chunk: Uint8Array) => void) => Inflater;

/** The web platform's inflater: DecompressionStream, its output pumped to `onData`. */
export const webInflater: MakeInflater = (onData) => {
  const ds = new DecompressionStream("gzip");
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onData(value);
    }
  })();
  pump.catch(() => {}); // reported by write or end
  return {
    write: async (chunk) => await Promise.race([writer.write(chunk as Uint8Array<ArrayBuffer>), pump.then(() => {})]),
    end: async () => {
      await writer.close();
      await pump;
    },
    destroy: () => {
      reader.cancel().catch(() => {});
      writer.abort().catch(() => {});
    },
  };
};

let makeInflater: MakeInflater = webInflater;

/**
 * Inflate gzip with a platform's inflater instead of DecompressionStream (injected from
 * server/). Why: Node 20's DecompressionStream inflates ahead of its reader, so about
 * 50 MB of output chunks are alive at once while a 200 MB layer streams in, and every
 * piece of output costs a promise; node:zlib hands its output to a callback, one input
 * chunk at a time (server/platform/node_gunzip.ts).
 */
export function setInflater(make: MakeInflater): void {
  makeInflater = make;
}

/** What a blob's magic bytes say it is. */
export function detectCompression(bytes: Uint8Array): Compression {
  const b = bytes;
  if (b[0] === 0x1f && b[1] === 0x8b) return "gzip";
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return "zstd";
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return "bzip2";
  if (b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a) return "xz";
  return "none";
}

export interface GunzipOptions {
  /** Names the blob in errors. */
  name?: string;
  /** Refuse to produce more than this many bytes (default DEFAULT_MAX_UNCOMPRESSED). */
  maxBytes?: number;
  /**
   * Expected uncompressed size: sizes the output buffer once for a whole input (taken
   * from ISIZE when not given), and the address space reserved for a stream's output.
   */
  sizeHint?: number;
  /** Sees each piece of output as it is made (to hash it while the next piece inflates). */
  onData?: (piece: Uint8Array) => void;
}

/** A stream of views into `bytes` (no copy), FEED_CHUNK bytes at a time. */
export function bytesStream(bytes: Uint8Array, chunk = FEED_CHUNK): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, Math.min(bytes.length, at + chunk)));
      at += chunk;
    },
  }, { highWaterMark: 0 });
}

/** Address space to reserve for a stream's output: twice the hint, at least 256 MiB, at most the cap. */
function streamReserve(hint: number | undefined, max: number): number {
  return Math.min(max, Math.max(2 * (hint ?? 0), 256 * 2 ** 20));
}

/** The ISIZE field of a gzip trailer: the uncompressed length modulo 2^32. */
function trailerSize(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 18) return 0;
  return (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0;
}

/**
 * Decompress a gzip blob (whole, or as a stream). Errors: TarRangeError past `maxBytes`;
 * an Error naming the blob when the stream is corrupt or truncated.
 */
export async function gunzip(input: Uint8Array | ReadableStream<Uint8Array>, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const name = opts.name ?? "gzip stream";
  const max = opts.maxBytes ?? DEFAULT_MAX_UNCOMPRESSED;
  const whole = input instanceof Uint8Array;
  // ISIZE is attacker-controlled: trust it only up to a plausible ratio, then grow.
  const hint = opts.sizeHint ?? (whole ? Math.min(trailerSize(input), input.length * 64 + FEED_CHUNK) : 0);
  const out = whole && hint > 0 ? new GrowBuffer(Math.min(hint, max)) : new GrowBuffer(FEED_CHUNK, streamReserve(opts.sizeHint, max));
  let over = false;
  const churn = new Churn();
  const inflater = makeInflater((chunk) => {
    if (over) return;
    if (out.length + chunk.length > max) {
      over = true;
      return inflater.destroy();
    }
    out.push(chunk);
    opts.onData?.(chunk);
    churn.dropped(chunk.length); // the piece is garbage once copied (and so is the input that made it)
  });
  const reader = whole ? undefined : input.getReader();
  try {
    if (whole) {
      for (let at = 0; at < input.length && !over; at += FEED_CHUNK) await inflater.write(input.subarray(at, at + FEED_CHUNK));
    } else {
      for (;;) {
        const { done, value } = await reader!.read();
        if (done || over) break;
        await inflater.write(value);
      }
    }
    if (!over) await inflater.end();
  } catch (err) {
    if (!over) {
      inflater.destroy();
      await reader?.cancel().catch(() => {});
      throw new Error(`Cannot read ${name}: corrupt or truncated gzip data (${(err as Error).message})`);
    }
  }
  if (over) {
    await reader?.cancel().catch(() => {});
    throw new TarRangeError(name, whole ? input.length : out.length, `uncompressed size exceeds the cap of ${max} bytes`);
  }
  return out.bytes();
}

/** ES2024 resizable ArrayBuffers, typed here while the project's lib is older. */
type ResizableBuffer = ArrayBuffer & {
  readonly resizable: boolean;
  readonly maxByteLength: number;
  resize(length: number): void;
};
const Resizable = ArrayBuffer as unknown as new (length: number, opts: { maxByteLength: number }) => ResizableBuffer;

/**
 * An output buffer that grows in place. Its memory is a resizable ArrayBuffer where the
 * platform has them (every runtime strata supports): growing it commits address space
 * already reserved, so bytes are never copied and the peak is the output itself, not
 * old + new buffers. The reserve is a guess (`reserve`); past it, or without resizable
 * buffers, it grows by half with one copy. `bytes()` hands out the exact length.
 */
class GrowBuffer {
  #buf: Uint8Array;
  length = 0;
  readonly #reserve: number;
  constructor(capacity: number, reserve = 0) {
    this.#reserve = reserve;
    this.#buf = growable(Math.max(capacity, 1), reserve) ?? new Uint8Array(Math.max(capacity, 1));
  }
  push(chunk: Uint8Array): void {
    const need = this.length + chunk.length;
    if (need > this.#buf.length) this.#grow(need);
    this.#buf.set(chunk, this.length);
    this.length = need;
  }
  #grow(need: number): void {
    const ab = this.#buf.buffer as ResizableBuffer;
    const want = Math.max(need, Math.ceil(this.#buf.length * 1.25));
    if (ab.resizable && need <= ab.maxByteLength) {
      ab.resize(Math.min(ab.maxByteLength, want));
      this.#buf = new Uint8Array(ab, 0, ab.byteLength);
      return;
    }
    const next = growable(want, Math.max(this.#reserve, want * 4)) ?? new Uint8Array(Math.max(need, Math.ceil(this.#buf.length * 1.5)));
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
  }
  bytes(): Uint8Array {
    if (this.length === this.#buf.length) return this.#buf;
    const ab = this.#buf.buffer as ResizableBuffer;
    if (ab.resizable) {
      ab.resize(this.length);
      return new Uint8Array(ab, 0, this.length);
    }
    // Keep a view when the slack is small; copy when most of the buffer would be wasted.
    return this.length >= this.#buf.length * 0.9 ? this.#buf.subarray(0, this.length) : this.#buf.slice(0, this.length);
  }
}

/** `length` bytes in a resizable ArrayBuffer that may grow to `reserve` (0: no reserve), or undefined. */
function growable(length: number, reserve: number): Uint8Array | undefined {
  for (let max = reserve; max > length; max = Math.floor(max / 2)) {
    try {
      return new Uint8Array(new Resizable(length, { maxByteLength: max }));
    } catch {
      // Deno caps maxByteLength lower than Node; a 32-bit or sandboxed heap may refuse a large reserve.
    }
  }
  return undefined;
}

/** Read a whole stream into one array. Errors: TarRangeError past `maxBytes`. */
export async function readAll(stream: ReadableStream<Uint8Array>, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const max = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const out = new GrowBuffer(FEED_CHUNK, streamReserve(opts.sizeHint, max));
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (out.length + value.length > max) {
      await reader.cancel().catch(() => {});
      throw new TarRangeError(opts.name ?? "stream", out.length, `size exceeds the cap of ${max} bytes`);
    }
    out.push(value);
  }
  return out.bytes();
}

/** Compress with gzip. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return await readAll((bytesStream(bytes) as ReadableStream<BufferSource>).pipeThrough(new CompressionStream("gzip")), { sizeHint: Math.max(1024, bytes.length >> 2) });
}

/**
 * The uncompressed tar of a layer blob, whatever its compression.
 * Errors: UnsupportedMediaTypeError for zstd, bzip2 and xz; gunzip's errors.
 */
export async function decompressLayer(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const kind = detectCompression(bytes);
  if (kind === "none") return bytes;
  if (kind === "gzip") return await gunzip(bytes, opts);
  const types = { zstd: "application/vnd.oci.image.layer.v1.tar+zstd", bzip2: "application/x-bzip2", xz: "application/x-xz" };
  throw new UnsupportedMediaTypeError(opts.name ?? "layer", types[kind]);
}

/** Join chunks into one array of `total` bytes. */
export function concat(chunks: readonly Uint8Array[], total = chunks.reduce((n, c) => n + c.length, 0)): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === total) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
