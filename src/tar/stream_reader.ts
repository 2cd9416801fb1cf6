/**
 * The streaming tar reader: `streamTar` reads an archive as it arrives (a request body, a
 * file stream) and hands out each entry with its body as a stream of views, so a caller
 * can hash, inflate or copy a 200 MB member without the archive ever being whole in
 * memory. It decodes headers exactly as `indexTar` does (src/tar/_decode.ts) and raises
 * the same errors at the same offsets.
 */
import { HeaderDecoder, headerName, nextHeader } from "./_decode.ts";
import { BLOCK, isZeroBlock } from "./_header.ts";
import { TarRangeError, TarSyntaxError } from "./errors.ts";
import type { TarEntry } from "./entry.ts";

export interface StreamTarOptions {
  /** Names the archive in errors. Default "tar archive". */
  name?: string;
  /** Refuse an archive longer than this many bytes. */
  maxBytes?: number;
  /**
   * Map each name as stored (and each hard link's target) before it is normalized and
   * checked: a client that rebases an archive's top entry (`docker cp`'s "/" → "out/")
   * does it here; what the mapping gives is refused like any name (absolute, `..`).
   */
  rename?: (raw: string) => string;
}

/** One entry of a streamed archive: its metadata (`data` is empty) and, for a file, its body. */
export interface StreamedEntry {
  entry: TarEntry;
  /**
   * The file's body as views into the stream's chunks, valid until the next chunk is
   * read: copy what you keep. Read it before asking for the next entry; what is left
   * unread is skipped. Throws TarSyntaxError when the archive ends inside the body.
   */
  body: AsyncIterable<Uint8Array>;
}

/** The largest pax or GNU long-name record accepted (they are held whole). */
const MAX_META = 1 << 20;
const EMPTY = new Uint8Array(0);

/**
 * Read a tar archive from a stream, entry by entry.
 * Errors: those of indexTar (TarSyntaxError, TarRangeError), and TarRangeError past `maxBytes`.
 */
export async function* streamTar(stream: ReadableStream<Uint8Array>, opts: StreamTarOptions = {}): AsyncGenerator<StreamedEntry> {
  const name = opts.name ?? "tar archive";
  const src = new ChunkSource(stream.getReader(), name, opts.maxBytes ?? Number.MAX_SAFE_INTEGER);
  const decoder = new HeaderDecoder(name, opts.rename);
  try {
    for (;;) {
      const at = src.offset;
      const hdr = (await src.read(BLOCK)).slice(); // kept for errors after its chunk is gone
      if (hdr.length < BLOCK) {
        if (hdr.every((b) => b === 0)) break; // the stream ended: nothing more, or a short zero tail
        throw new TarSyntaxError(name, at, `truncated header (${hdr.length} of 512 bytes)`);
      }
      if (isZeroBlock(hdr, 0)) break; // end of archive (one zero block is enough)
      const { flag, size } = decoder.header(hdr, 0, at);
      // Refused at its header: a body that cannot fit under the cap is never waited for.
      if (at + BLOCK + size > src.max) throw new TarRangeError(name, at + 124, `entry "${headerName(hdr, 0)}" declares ${size} bytes, past the archive's cap of ${src.max} bytes`);
      const next = nextHeader(at, size);
      const truncated = (present: number) => new TarSyntaxError(name, at, `truncated body: size ${size} but ${present} bytes left`, headerName(hdr, 0));
      if (decoder.isMeta(flag)) {
        if (size > MAX_META) throw new TarRangeError(name, at + 124, `a ${flag} record of ${size} bytes is larger than ${MAX_META} in entry "${headerName(hdr, 0)}"`);
        const body = await src.read(size);
        if (body.length < size) throw truncated(body.length);
        decoder.meta(hdr, 0, at, flag, body);
        await src.skip(next - src.offset); // padding; umoci may omit the last
        continue;
      }
      const entry = decoder.entry(hdr, 0, at, flag, size, EMPTY, next);
      let left = size;
      const body = async function* (): AsyncGenerator<Uint8Array> {
        while (left > 0) {
          const chunk = await src.take(left);
          if (!chunk) throw truncated(size - left);
          left -= chunk.length;
          yield chunk;
        }
      };
      yield { entry, body: entry.type === "file" ? body() : (async function* () {})() };
      while (left > 0) {
        const skipped = await src.skip(left);
        if (skipped === 0) throw truncated(size - left);
        left -= skipped;
      }
      await src.skip(next - src.offset);
    }
  } finally {
    await src.close();
  }
}

/** Bytes from a stream reader, in views where a request fits in one chunk. */
class ChunkSource {
  #chunk: Uint8Array = EMPTY;
  #pos = 0;
  /** Bytes handed out or skipped so far: the archive offset of the next byte. */
  offset = 0;
  #received = 0;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>, private readonly name: string, readonly max: number) {}

  /** Make at least one unread byte available; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    while (this.#pos >= this.#chunk.length) {
      const { done, value } = await this.reader.read();
      if (done) return false;
      this.#received += value.length;
      if (this.#received > this.max) throw new TarRangeError(this.name, this.offset, `the archive exceeds the cap of ${this.max} bytes`);
      this.#chunk = value;
      this.#pos = 0;
    }
    return true;
  }

  /** The next `n` bytes (fewer only at the end): a view when one chunk holds them, else a copy. */
  async read(n: number): Promise<Uint8Array> {
    if (!(await this.#fill())) return EMPTY;
    if (this.#chunk.length - this.#pos >= n) {
      const v = this.#chunk.subarray(this.#pos, this.#pos + n);
      this.#pos += n;
      this.offset += n;
      return v;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n && (await this.#fill())) {
      const k = Math.min(n - got, this.#chunk.length - this.#pos);
      out.set(this.#chunk.subarray(this.#pos, this.#pos + k), got);
      this.#pos += k;
      got += k;
    }
    this.offset += got;
    return got === n ? out : out.subarray(0, got);
  }

  /** A view of up to `n` bytes from the current chunk, or undefined at the end. */
  async take(n: number): Promise<Uint8Array | undefined> {
    if (!(await this.#fill())) return undefined;
    const k = Math.min(n, this.#chunk.length - this.#pos);
    const v = this.#chunk.subarray(this.#pos, this.#pos + k);
    this.#pos += k;
    this.offset += k;
    return v;
  }

  /** Skip up to `n` bytes; returns how many were skipped (fewer only at the end). */
  async skip(n: number): Promise<number> {
    let done = 0;
    while (done < n && (await this.#fill())) {
      const k = Math.min(n - done, this.#chunk.length - this.#pos);
      this.#pos += k;
      done += k;
    }
    this.offset += done;
    return done;
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}
