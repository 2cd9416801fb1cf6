/**
 * Watches a tar stream as it passes (`docker save` output) and reports each layer
 * blob's progress: reads every 512-byte header (name, size) and counts body bytes, so
 * the bytes are never held. A layer is an entry named by its digest
 * (`blobs/sha256/<hex>`, `<hex>.tar`, `<hex>/layer.tar`) that is not a JSON document.
 */

interface TarEntryProgress {
  /** The first 12 hex digits of the digest in the entry's name. */
  id: string;
  current: number;
  total: number;
  done: boolean;
}

const BLOCK = 512;

export class TarProgress {
  #header = new Uint8Array(BLOCK);
  #headerFill = 0;
  /** Bytes of the current entry's body (with padding) still to skip. */
  #left = 0;
  #entry: { id: string; size: number; seen: number } | undefined;

  constructor(private readonly report: (p: TarEntryProgress) => void) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#left > 0) {
        const n = Math.min(this.#left, chunk.length - at);
        this.#left -= n;
        at += n;
        this.#body(n);
        continue;
      }
      const n = Math.min(BLOCK - this.#headerFill, chunk.length - at);
      this.#header.set(chunk.subarray(at, at + n), this.#headerFill);
      this.#headerFill += n;
      at += n;
      if (this.#headerFill === BLOCK) {
        this.#headerFill = 0;
        this.#onHeader();
      }
    }
  }

  #onHeader(): void {
    const h = this.#header;
    if (h.every((b) => b === 0)) return;
    const str = (from: number, len: number) => new TextDecoder().decode(h.subarray(from, from + len)).replace(/\0.*$/s, "");
    const size = parseInt(str(124, 12).trim() || "0", 8) || 0;
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    this.#left = Math.ceil(size / BLOCK) * BLOCK;
    const hex = name.match(/([0-9a-f]{64})(?:\.tar|\/layer\.tar)?$/)?.[1];
    const type = String.fromCharCode(h[156]!);
    this.#entry = hex && size > 0 && (type === "0" || type === "\0") && !name.endsWith(".json") && size >= 1024
      ? { id: hex.slice(0, 12), size, seen: 0 } : undefined;
    if (this.#entry) this.report({ id: this.#entry.id, current: 0, total: size, done: false });
  }

  #body(n: number): void {
    const e = this.#entry;
    if (!e) return;
    const before = e.seen;
    e.seen = Math.min(e.size, e.seen + n);
    if (e.seen === before) return;
    this.report({ id: e.id, current: e.seen, total: e.size, done: e.seen === e.size });
    if (e.seen === e.size) this.#entry = undefined;
  }
}
