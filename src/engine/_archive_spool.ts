/**
 * Where an uploaded archive's file bodies wait between the upload and the extraction:
 * in memory (each byte reserved on the memory budget of uploads) until they reach the
 * store's spill threshold, then in one spill file of the uploads' spill space
 * (`SpoolFiles`: src/fs/spill.ts, the disk store's HOME/files/archive/uploads/), so an
 * archive as large as the upload limit costs memory only for its entries' names. Read
 * back synchronously, in any order, by offset: the extraction copies each body from here
 * into the container in slices.
 */
import type { SpillFile, SpillSpace } from "../fs/mod.ts";
import type { MemoryAccount } from "../tar/mod.ts";

/**
 * The spill space every upload of an engine spools into, and the files in use there:
 * emptied when the engine opens (an engine killed during an upload left its spool), and
 * each spool's file removed when it closes.
 */
export class SpoolFiles {
  readonly #live = new Set<string>();
  constructor(readonly space: SpillSpace) {
    space.prune(this.#live);
  }
  create(): SpillFile {
    const file = this.space.create();
    this.#live.add(file.name);
    return file;
  }
  remove(file: SpillFile): void {
    file.close();
    this.#live.delete(file.name);
    this.space.prune(this.#live);
  }
}

/** The memory spool's block size: bytes are copied into blocks of this size, whatever size the chunks arrive in. */
const BLOCK = 64 * 1024;

export class Spool {
  /** In memory: full blocks, then the one being filled. */
  #blocks: Uint8Array[] = [];
  #file: SpillFile | null = null;
  #held = 0;
  /** Bytes spooled so far. */
  size = 0;

  /** `files`: where bodies past the spill threshold go, or null to keep everything in memory. */
  constructor(readonly files: SpoolFiles | null, readonly account: MemoryAccount) {}

  /** Keep a copy of `chunk` (a view that is only valid now); returns its offset. Errors: the account's, the disk's. */
  append(chunk: Uint8Array): number {
    const at = this.size;
    if (!this.#file && this.files && this.size + chunk.length >= this.files.space.threshold) this.#toFile(this.files);
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
  #toFile(files: SpoolFiles): void {
    const file = files.create();
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
    if (this.#file) this.files!.remove(this.#file);
    this.#file = null;
  }
}
