/**
 * gzip in and out through the web platform's CompressionStream and DecompressionStream,
 * with a cap on uncompressed bytes (a gzip bomb stops at the cap, not at memory's end),
 * and detection of the layer compressions we do not read.
 */
import { TarRangeError, UnsupportedMediaTypeError } from "./errors.ts";

/** Default cap on the uncompressed size of one layer: 8 GiB. */
export const DEFAULT_MAX_UNCOMPRESSED = 8 * 2 ** 30;

export type Compression = "gzip" | "zstd" | "bzip2" | "xz" | "none";

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
}

/**
 * Decompress a gzip blob. Errors: TarRangeError past `maxBytes`; TarSyntaxError-like
 * `Error` naming the blob when the stream is corrupt or truncated.
 */
export async function gunzip(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const name = opts.name ?? "gzip stream";
  const max = opts.maxBytes ?? DEFAULT_MAX_UNCOMPRESSED;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        await reader.cancel();
        throw new TarRangeError(name, bytes.length, `uncompressed size exceeds the cap of ${max} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof TarRangeError) throw err;
    throw new Error(`Cannot read ${name}: corrupt or truncated gzip data (${(err as Error).message})`);
  }
  return concat(chunks, total);
}

/** Compress with gzip. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
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
