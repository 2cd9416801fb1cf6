/**
 * The program's memory as the WASI calls read and write it. The shim makes a DataView, a
 * Uint8Array, a TextDecoder and a copy of every path and buffer on each call; a process
 * making thousands of calls spent as long on that garbage as on its files. Here the views
 * are made again only when the memory grows (which replaces its buffer), paths are
 * decoded in place by one decoder, and stats are written from the filesystem's answer
 * with no object in between. Layouts: WASI preview1 `filestat`, `fdstat`, `iovec`.
 */
import type { FsStat } from "../fs/mod.ts";

const decoder = new TextDecoder();

export class MemoryViews {
  #buffer: ArrayBufferLike | null = null;
  view!: DataView;
  u8!: Uint8Array;

  constructor(readonly memory: () => WebAssembly.Memory) {}

  /** Current views (call at the start of each WASI call: the memory may have grown since). */
  get(): this {
    const b = this.memory().buffer;
    if (b !== this.#buffer) {
      this.#buffer = b;
      this.view = new DataView(b);
      this.u8 = new Uint8Array(b);
    }
    return this;
  }

  /** The string at `ptr` (`len` bytes of UTF-8). One decoder for all (the shim made one per call). */
  string(ptr: number, len: number): string {
    return decoder.decode(this.u8.subarray(ptr, ptr + len));
  }
}

/** WASI `filestat` (64 bytes: dev, ino, filetype, nlink, size, atim, mtim, ctim at 0/8/16/24/32/40/48/56). */
export function writeFilestat(view: DataView, ptr: number, st: FsStat, filetype: number): void {
  view.setBigUint64(ptr, st.dev, true);
  view.setBigUint64(ptr + 8, st.ino, true);
  view.setUint8(ptr + 16, filetype);
  view.setBigUint64(ptr + 24, st.nlink, true);
  view.setBigUint64(ptr + 32, st.size, true);
  view.setBigUint64(ptr + 40, st.atim, true);
  view.setBigUint64(ptr + 48, st.mtim, true);
  view.setBigUint64(ptr + 56, st.ctim, true);
}
