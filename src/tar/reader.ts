/**
 * The tar reader: `indexTar` walks the headers once and returns every entry with its
 * body as a view into the input (no copy). It reads ustar, GNU (long names 'L', long
 * links 'K', base-256 numbers) and pax ('x' per entry, 'g' global), and it accepts the
 * archives real tools write, including umoci's that end without the two zero blocks and
 * even without the final padding (see docs/images.md).
 */
import { HeaderDecoder, headerName, nextHeader } from "./_decode.ts";
import { BLOCK, isZeroBlock } from "./_header.ts";
import { TarSyntaxError } from "./errors.ts";
import type { TarEntry } from "./entry.ts";

export interface IndexOptions {
  /** Names the archive in errors ("layer sha256:…"). Default "tar archive". */
  name?: string;
}

/**
 * Index every entry of an uncompressed tar archive.
 * Errors: TarSyntaxError (bad checksum, truncated header or body, unsafe name, bad
 * pax record, unsupported entry type), TarRangeError (an absurd size field). Each says
 * the archive, the entry and the byte offset.
 */
export function indexTar(bytes: Uint8Array, opts: IndexOptions = {}): TarEntry[] {
  const name = opts.name ?? "tar archive";
  const entries: TarEntry[] = [];
  const decoder = new HeaderDecoder(name);
  let at = 0;
  while (at < bytes.length) {
    if (at + BLOCK > bytes.length) {
      if (isZeroTail(bytes, at)) break; // a short run of zero padding at the very end
      throw new TarSyntaxError(name, at, `truncated header (${bytes.length - at} of 512 bytes)`);
    }
    if (isZeroBlock(bytes, at)) break; // end of archive (one zero block is enough)
    const { flag, size } = decoder.header(bytes, at, at);
    const bodyStart = at + BLOCK;
    if (bodyStart + size > bytes.length) {
      throw new TarSyntaxError(name, at, `truncated body: size ${size} but ${bytes.length - bodyStart} bytes left`, headerName(bytes, at));
    }
    const body = bytes.subarray(bodyStart, bodyStart + size);
    const header = at;
    at = nextHeader(at, size); // may pass the end: umoci omits the last padding
    if (decoder.isMeta(flag)) decoder.meta(bytes, header, header, flag, body);
    else entries.push(decoder.entry(bytes, header, header, flag, size, body, at));
  }
  return entries;
}

function isZeroTail(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
