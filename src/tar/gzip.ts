/**
 * gzip in and out through the web platform's CompressionStream and DecompressionStream,
 * with a limit on uncompressed bytes checked as each piece of output arrives (a gzip bomb
 * stops at the limit, not at memory's end), and detection of the layer compressions we
 * do not read.
 *
 * Memory: `gunzip` writes into one buffer sized from the gzip trailer's ISIZE (the
 * uncompressed length mod 2^32, RFC 1952 §2.3.1) when the input is whole, so a 200 MB
 * layer costs 200 MB, not its chunks plus a joined copy. The input is fed as views,
 * never copied into a Blob. A caller's `MemoryAccount` sees every byte kept, so a budget
 * shared by several loads can refuse one as it inflates (src/oci/load_budget.ts).
 */
import { Churn } from "./churn.ts";
import { InflateLimitError, TarRangeError, UnsupportedMediaTypeError } from "./errors.ts";
import { GrowBuffer } from "./_grow_buffer.ts";

/**
 * Default limit on the uncompressed size of one layer: 1 GiB. A layer is one buffer in
 * memory, and this is half the engine's default load budget (src/oci DEFAULT_LOAD_MEMORY),
 * so two layers this large can load at once and a lone gzip bomb meets this limit, with
 * its own message, before the budget. Layers larger than this are rare outside machine
 * learning images; raise it (the engine's maxLayerBytes) for those.
 */
export const DEFAULT_MAX_UNCOMPRESSED = 2 ** 30;

export type Compression = "gzip" | "zstd" | "bzip2" | "xz" | "none";

const FEED_CHUNK = 1 << 20;
/** Room past a whole input's ISIZE that its buffer may grow into in place (see InflateSink). */
const SPACE_SLACK = 8 << 20;
/**
 * The web inflater takes its input in slices of this size: DecompressionStream inflates
 * a whole written chunk before its reader can refuse any of it, and deflate's ratio is at
 * most 1032:1 (RFC 1951: 258 bytes from a code of 2 bits), so a slice inflates to 16.5
 * MiB at most past a limit.
 */
const WEB_SLICE = 16 << 10;

/**
 * An inflater: `write` each compressed chunk (resolves when it is taken in), then `end`
 * (resolves when all output is out); output goes to the `onData` it was made with, as
 * views that are valid during the call. `destroy` stops it early. Errors reject `write`
 * or `end`. `consumed`, where known, is how many compressed bytes it has taken in.
 */
export interface Inflater {
  write(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
  destroy(): void;
  consumed?(): number;
}
/**
 * Where an inflater may put its output in place instead of in pieces of its own:
 * `space(min)` is a writable view of at least `min` bytes just past the output kept so
 * far; the inflater writes into it and hands `onData` a view of what it wrote there (from
 * the view's start), which the caller keeps without a copy. An inflater writes into a
 * space only while one of its `write` or `end` calls is pending, and asks for a new one
 * after each `onData` (the caller may have moved or dropped the last).
 */
export interface InflateSink {
  /** undefined: the output has failed (the inflater is being destroyed); write nothing more. */
  space(min: number): Uint8Array | undefined;
}
export type MakeInflater = (onData: (chunk: Uint8Array) => void, sink?: InflateSink) => Inflater;

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
  let consumed = 0, destroyed = false;
  return {
    write: async (chunk) => {
      for (let at = 0; at < chunk.length && !destroyed; at += WEB_SLICE) {
        const slice = chunk.subarray(at, at + WEB_SLICE);
        consumed += slice.length; // its output arrives before the write resolves
        await Promise.race([writer.write(slice as Uint8Array<ArrayBuffer>), pump.then(() => {})]);
      }
    },
    end: async () => {
      await writer.close();
      await pump;
    },
    destroy: () => {
      destroyed = true;
      reader.cancel().catch(() => {});
      writer.abort().catch(() => {});
    },
    consumed: () => consumed,
  };
};

/** What a blob's magic bytes say it is. */
export function detectCompression(bytes: Uint8Array): Compression {
  const b = bytes;
  if (b[0] === 0x1f && b[1] === 0x8b) return "gzip";
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return "zstd";
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return "bzip2";
  if (b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a) return "xz";
  return "none";
}

/**
 * Memory a caller accounts for: `reserve` is called before bytes are kept and throws to
 * refuse them; `release` gives back bytes that were dropped.
 */
export interface MemoryAccount {
  reserve(bytes: number): void;
  release(bytes: number): void;
}

export interface GunzipOptions {
  /** Names the blob in errors. */
  name?: string;
  /**
   * Refuse to produce more than this many bytes (default DEFAULT_MAX_UNCOMPRESSED),
   * checked as each piece of output arrives: the inflater is stopped there.
   */
  maxBytes?: number;
  /** Sees every byte of output before it is kept; what it refuses ends the inflation with its error. */
  account?: MemoryAccount;
  /**
   * Expected uncompressed size: sizes the output buffer once for a whole input (taken
   * from ISIZE when not given), and the address space reserved for a stream's output.
   */
  sizeHint?: number;
  /**
   * Sees each piece of output as it is made (to hash it while the next piece inflates), in
   * order, all before gunzip resolves; a piece the inflater wrote in place is seen once the
   * inflater's callback has returned (it has started on the next piece by then).
   */
  onData?: (piece: Uint8Array) => void;
  /**
   * A platform's inflater instead of DecompressionStream (default `webInflater`). Why:
   * Node 20's DecompressionStream inflates ahead of its reader, so about 50 MB of output
   * chunks are alive at once while a 200 MB layer streams in, and every piece of output
   * costs a promise; node:zlib hands its output to a callback, one input chunk at a time
   * (server/platform/node_gunzip.ts).
   */
  inflater?: MakeInflater;
  /** The platform's collection hint, given as inflated pieces are dropped (churn.ts). */
  collectHint?: () => void;
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
 * Decompress a gzip blob (whole, or as a stream). Errors: InflateLimitError (a
 * TarRangeError) as soon as the output would pass `maxBytes`; what `account` throws;
 * an Error naming the blob when the stream is corrupt or truncated. On an error, what
 * `account` reserved for this output is released.
 */
export async function gunzip(input: Uint8Array | ReadableStream<Uint8Array>, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const name = opts.name ?? "gzip stream";
  const max = opts.maxBytes ?? DEFAULT_MAX_UNCOMPRESSED;
  const whole = input instanceof Uint8Array;
  // ISIZE is attacker-controlled: trust it only up to a plausible ratio, then grow.
  const hint = opts.sizeHint ?? (whole ? Math.min(trailerSize(input), input.length * 64 + FEED_CHUNK) : 0);
  // A whole input's buffer is sized from ISIZE, with room to grow in place: an inflater that
  // writes in place asks for space past the last byte before it knows the output has ended.
  const out = whole && hint > 0 ? new GrowBuffer(Math.min(hint, max), Math.min(hint, max) + SPACE_SLACK) : new GrowBuffer(FEED_CHUNK, streamReserve(opts.sizeHint, max));
  let stop: unknown, fed = 0, inflated = 0, placed = false;
  const churn = new Churn(opts.collectHint);
  // The output is dropped the moment it is refused, and its pages given back then, so the
  // memory an account released is free for others at once (src/oci/load_budget.ts).
  const fail = (err: unknown) => {
    stop = err;
    inflater.destroy(); // no byte past the limit is inflated on purpose
    const held = out.length;
    out.free();
    opts.account?.release(held);
  };
  // The output goes straight into `out` when the inflater can write in place (no piece to
  // copy or collect); else each piece is copied in. Growing `out` for a space can fail as
  // a push can: said as memory, not as corrupt data.
  const sink = {
    space: (min: number) => {
      if (stop !== undefined) return undefined;
      try {
        return out.space(min);
      } catch (err) {
        fail(new TarRangeError(name, inflater.consumed?.() ?? fed, `cannot hold ${out.length + min} inflated bytes in memory (${(err as Error).message})`));
        return undefined;
      }
    },
  };
  const inflater = (opts.inflater ?? webInflater)((chunk) => {
    if (stop !== undefined) return;
    inflated += chunk.length;
    try {
      if (out.length + chunk.length > max) throw new InflateLimitError(name, max, inflater.consumed?.() ?? fed, inflated);
      opts.account?.reserve(chunk.length);
    } catch (err) {
      return fail(err);
    }
    const inPlace = out.holds(chunk);
    placed ||= inPlace;
    try {
      if (inPlace) out.advance(chunk.length);
      else out.push(chunk);
    } catch (err) {
      // The platform could not hold it (Node 20's typed arrays stop at 4 GiB): said as such, not as corrupt data.
      opts.account?.release(chunk.length);
      return fail(new TarRangeError(name, inflater.consumed?.() ?? fed, `cannot hold ${out.length + chunk.length} inflated bytes in memory (${(err as Error).message})`));
    }
    if (!inPlace) {
      opts.onData?.(chunk);
      churn.dropped(chunk.length); // the piece is garbage once copied (and so is the input that made it)
    } else if (opts.onData) {
      // Kept in place, the piece stays valid: it is seen once this turn ends, by when the
      // inflater has started on the next piece, so (on Node) the two run side by side.
      const see = opts.onData;
      queueMicrotask(() => stop === undefined && see(chunk));
    }
  }, sink);
  const reader = whole ? undefined : input.getReader();
  const feed = async (chunk: Uint8Array) => {
    fed += chunk.length;
    await inflater.write(chunk);
    // Inflated in place, no output piece is dropped, but the input chunk is (a download's
    // chunks are malloc'ed too): the collection hint counts those.
    if (placed) churn.dropped(chunk.length);
  };
  try {
    if (whole) {
      for (let at = 0; at < input.length && stop === undefined; at += FEED_CHUNK) await feed(input.subarray(at, at + FEED_CHUNK));
    } else {
      // The next chunk is asked for before this one is fed, so the source (a download, its
      // digest) works while the inflater does; a read that fails is seen at its turn.
      let next = reader!.read();
      for (;;) {
        const { done, value } = await next;
        if (done || stop !== undefined) break;
        next = reader!.read();
        next.catch(() => {});
        await feed(value);
      }
    }
    if (stop === undefined) await inflater.end();
  } catch (err) {
    if (stop === undefined) fail(new Error(`Cannot read ${name}: corrupt or truncated gzip data (${(err as Error).message})`));
  }
  if (stop !== undefined) {
    await reader?.cancel().catch(() => {});
    throw stop;
  }
  return out.bytes();
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
