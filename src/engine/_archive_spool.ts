/**
 * Where an uploaded archive's file bodies wait between the upload and the extraction:
 * in memory (each byte reserved on the memory budget of uploads) until they reach the
 * store's spill threshold, then in one spill file (src/fs/spill.ts: the disk store's
 * HOME/files/<kind>/<key>/), so an archive as large as the upload limit costs memory only
 * for its entries' names. Read back synchronously, in any order, by offset: the
 * extraction copies each body from here into the container in slices.
 */
import type { SpillFile, SpillSpace } from "../fs/mod.ts";
import type { MemoryAccount } from "../tar/mod.ts";

/** The memory spool's block size: bytes are copied into blocks of this size, whatever size the chunks arrive in. */
const BLOCK = 64 * 1024;

export class Spool {
  /** In memory: full blocks, then the one being filled. */
  #blocks: Uint8Array[] = [];
  #file: SpillFile | null = null;
  #held = 0;
  /** Bytes spooled so far. */
  size = 0;

  /** `space`: a spill space for this spool alone (emptied at `close`), or null to keep everything in memory. */
  constructor(readonly space: SpillSpace | null, readonly account: MemoryAccount) {}

  /** Keep a copy of `chunk` (a view that is only valid now); returns its offset. Errors: the account's, the disk's. */
  append(chunk: Uint8Array): number {
    const at = this.size;
    if (!this.#file && this.space && this.size + chunk.length >= this.space.threshold) this.#toFile(this.space);
    if (this.#file) this.#file.write(chunk, at);
    else {
      for (let done = 0; done < chunk.length;) {
        const pos = at + done, off = pos % BLOCK;
        if (off === 0) {
          this.account.reserve(BLOCK);
          this.#held += BLOCK;
          this.#blocks.push(new Uint8Array(BLOCK));
        }
        const n = Math.min(BLOCK - off, chunk.length - done);
        this.#blocks[this.#blocks.length - 1]!.set(chunk.subarray(done, done + n), off);
        done += n;
      }
    }
    this.size += chunk.length;
    return at;
  }

  /** Move what memory holds into a spill file; from then on every byte goes there. */
  #toFile(space: SpillSpace): void {
    const file = space.create();
    this.#blocks.forEach((b, i) => file.write(b.subarray(0, Math.min(BLOCK, this.size - i * BLOCK)), i * BLOCK));
    this.#file = file;
    this.#blocks = [];
    this.account.release(this.#held);
    this.#held = 0;
  }

  /** Fill `into` with the bytes at `pos` (they were appended). */
  read(into: Uint8Array, pos: number): void {
    if (this.#file) return void this.#file.read(into, pos);
    for (let got = 0; got < into.length;) {
      const at = pos + got, block = this.#blocks[Math.floor(at / BLOCK)]!, off = at % BLOCK;
      const n = Math.min(BLOCK - off, into.length - got);
      into.set(block.subarray(off, off + n), got);
      got += n;
    }
  }

  /** Drop everything: memory given back, the spill file closed and removed. */
  close(): void {
    this.#blocks = [];
    this.account.release(this.#held);
    this.#held = 0;
    this.#file?.close();
    this.#file = null;
    this.space?.prune(new Set());
  }
}
