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
import { TarRangeError, UnsupportedMediaTypeError } from "./errors.ts";

/** Default cap on the uncompressed size of one layer: 8 GiB. */
export const DEFAULT_MAX_UNCOMPRESSED = 8 * 2 ** 30;

export type Compression = "gzip" | "zstd" | "bzip2" | "xz" | "none";

const FEED_CHUNK = 1 << 20;

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
  /** Expected uncompressed size, to size the output buffer once (taken from ISIZE for whole inputs). */
  sizeHint?: number;
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
  const source = whole ? bytesStream(input) : input;
  const out = new GrowBuffer(Math.min(hint > 0 ? hint : FEED_CHUNK, max));
  const reader = (source as ReadableStream<BufferSource>).pipeThrough(new DecompressionStream("gzip")).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (out.length + value.length > max) {
        await reader.cancel().catch(() => {});
        throw new TarRangeError(name, whole ? input.length : out.length, `uncompressed size exceeds the cap of ${max} bytes`);
      }
      out.push(value);
    }
  } catch (err) {
    if (err instanceof TarRangeError) throw err;
    throw new Error(`Cannot read ${name}: corrupt or truncated gzip data (${(err as Error).message})`);
  }
  return out.bytes();
}

/** An output buffer that grows by half when full; `bytes()` trims without copying when it can. */
class GrowBuffer {
  #buf: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.#buf = new Uint8Array(Math.max(capacity, 1));
  }
  push(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.length + chunk.length, Math.ceil(this.#buf.length * 1.5)));
      next.set(this.#buf.subarray(0, this.length));
      this.#buf = next;
    }
    this.#buf.set(chunk, this.length);
    this.length += chunk.length;
  }
  bytes(): Uint8Array {
    if (this.length === this.#buf.length) return this.#buf;
    // Keep a view when the slack is small; copy when most of the buffer would be wasted.
    return this.length >= this.#buf.length * 0.9 ? this.#buf.subarray(0, this.length) : this.#buf.slice(0, this.length);
  }
}

/** Read a whole stream into one array. Errors: TarRangeError past `maxBytes`. */
export async function readAll(stream: ReadableStream<Uint8Array>, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const max = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const out = new GrowBuffer(opts.sizeHint ?? FEED_CHUNK);
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
