/**
 * Tar for layers: `indexTar` reads an archive into an entry index whose bodies are views
 * into the input (no copy); `writeTar` writes deterministic archives; gzip goes through
 * the web platform's compression streams, with a cap against gzip bombs.
 *
 * Why our own reader (read in their published sources): nanotar 0.3 returns views, but
 * it reads `data.buffer` from offset 0 (wrong for any subarray input), checks no header
 * checksum, never reads the linkname field (symlink and hard-link targets are lost),
 * stores a GNU long *link* as the entry's path, and stops 512 bytes before the end, so
 * the last entry of a tar without end blocks (umoci writes those) is dropped.
 * modern-tar 0.8's buffer reader copies every body into a new Uint8Array, so an index
 * of a 200 MB layer would cost 200 MB more. Layers need a zero-copy index that keeps
 * pax records (xattrs), GNU long names and links, and tolerates a missing trailer and
 * final padding; that is a few hundred lines.
 *
 * @example
 * ```ts
 * import { indexTar, writeTar } from "./mod.ts";
 * const bytes = writeTar([{ path: "etc", type: "dir" }, { path: "etc/hostname", type: "file", data: new TextEncoder().encode("box\n") }]);
 * const [, file] = indexTar(bytes);
 * console.log(file.path, file.size); // "etc/hostname" 4
 * ```
 */
export type { TarEntry, TarEntryType } from "./entry.ts";
export { indexTar, type IndexOptions } from "./reader.ts";
export { streamTar, type StreamedEntry, type StreamTarOptions } from "./stream_reader.ts";
export { TAR_END, tarHeader, tarPadding, writeTar, type TarInput, type WriteOptions } from "./writer.ts";
export { bytesStream, concat, decompressLayer, detectCompression, DEFAULT_MAX_UNCOMPRESSED, gunzip, gzip, readAll, webInflater, type Compression, type GunzipOptions, type InflateSink, type Inflater, type MakeInflater, type MemoryAccount } from "./gzip.ts";
export { Churn, CHURN_BYTES } from "./churn.ts";
export { InflateLimitError, TarRangeError, TarSyntaxError, UnsupportedMediaTypeError } from "./errors.ts";
export { normalizeEntryPath } from "./_path.ts";
export { unshared } from "./unshared.ts";
