/**
 * MemoryStore: the Store in memory, the default for browsers, edge workers and tests.
 * Blobs are kept as given (no copy: a layer stays a view into the archive it came in),
 * so callers must not modify bytes after `putBlob`. Byte values are copied.
 */
import { sha256, verifyDigest } from "../oci/mod.ts";
import type { Store } from "./types.ts";

export class MemoryStore implements Store {
  #blobs = new Map<string, Uint8Array>();
  #records = new Map<string, Map<string, string>>();
  /** Byte values with room to grow: an append (a journal, a log) copies only what it adds, amortized. */
  #bytes = new Map<string, { buf: Uint8Array; len: number }>();
  #quarantined = new Map<string, string>();
  #warnings: string[] = [];

  async hasBlob(digest: string): Promise<boolean> {
    return this.#blobs.has(digest);
  }
  async getBlob(digest: string): Promise<Uint8Array | undefined> {
    return this.#blobs.get(digest);
  }
  async putBlob(bytes: Uint8Array, expected?: string, opts: { verified?: boolean } = {}): Promise<string> {
    const digest = expected && opts.verified ? expected : expected ? await verifyDigest(bytes, expected, `blob ${expected}`) : await sha256(bytes);
    if (!this.#blobs.has(digest)) this.#blobs.set(digest, bytes);
    return digest;
  }
  async deleteBlob(digest: string): Promise<void> {
    this.#blobs.delete(digest);
  }
  async listBlobs(): Promise<string[]> {
    return [...this.#blobs.keys()].sort();
  }
  async getRecord<T>(kind: string, key: string): Promise<T | undefined> {
    const raw = this.#records.get(kind)?.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  async putRecord(kind: string, key: string, value: unknown): Promise<void> {
    await this.commit([{ kind, key, value }]);
  }
  async deleteRecord(kind: string, key: string): Promise<void> {
    this.#records.get(kind)?.delete(key);
  }
  async listRecords<T>(kind: string): Promise<Array<[string, T]>> {
    const m = this.#records.get(kind);
    if (!m) return [];
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, JSON.parse(v) as T]);
  }
  async commit(changes: ReadonlyArray<{ kind: string; key: string; value: unknown }>): Promise<void> {
    // Serialize everything first so a value that cannot be stored changes nothing.
    const encoded = changes.map((c) => ({ ...c, raw: c.value === undefined ? undefined : JSON.stringify(c.value) }));
    for (const c of encoded) {
      let m = this.#records.get(c.kind);
      if (!m) this.#records.set(c.kind, (m = new Map()));
      if (c.raw === undefined) m.delete(c.key);
      else m.set(c.key, c.raw);
    }
  }
  async getBytes(kind: string, key: string): Promise<Uint8Array | undefined> {
    const v = this.#bytes.get(`${kind}/${key}`);
    return v && v.buf.subarray(0, v.len); // appends write past len only: this view never changes under its reader
  }
  async putBytes(kind: string, key: string, bytes: Uint8Array): Promise<void> {
    this.#bytes.set(`${kind}/${key}`, { buf: bytes.slice(), len: bytes.length });
  }
  async appendBytes(kind: string, key: string, bytes: Uint8Array): Promise<void> {
    const v = this.#bytes.get(`${kind}/${key}`) ?? { buf: new Uint8Array(0), len: 0 };
    const end = v.len + bytes.length;
    if (end > v.buf.length) {
      const grown = new Uint8Array(Math.max(end, v.buf.length * 2, 4096));
      grown.set(v.buf.subarray(0, v.len));
      v.buf = grown;
    }
    v.buf.set(bytes, v.len);
    v.len = end;
    this.#bytes.set(`${kind}/${key}`, v);
  }
  async deleteBytes(kind: string, key: string): Promise<void> {
    this.#bytes.delete(`${kind}/${key}`);
  }
  async quarantine(kind: string, key: string, reason: string): Promise<void> {
    const raw = this.#records.get(kind)?.get(key);
    if (raw === undefined) return;
    this.#records.get(kind)!.delete(key);
    this.#quarantined.set(`${kind}/${key}`, raw);
    this.#warnings.push(`Store record ${kind} ${JSON.stringify(key)} was set aside: ${reason}`);
  }
  warnings(): string[] {
    return [...this.#warnings];
  }
  async close(): Promise<void> {}
}
