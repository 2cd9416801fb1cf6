/**
 * The persistence interface: content-addressed blobs (keyed by digest, verified) and
 * small JSON records (by kind and key). The engine keeps everything through it: layers,
 * configs, image records, containers, volumes, and opaque byte blobs such as a
 * container's writable-layer snapshot.
 *
 * Atomicity: each call is atomic on its own — after a crash a blob or record is either
 * wholly there (the new value) or as it was before. `commit` applies a batch of record
 * writes and deletes together: all or none. A load stages its blobs first and writes
 * the records that make them reachable in one `commit`, so a failed load leaves nothing
 * reachable; `deleteBlob` of the staged blobs then removes them.
 *
 * Nothing stored bricks a store: a record that cannot be read (bad JSON, a name that
 * does not decode, a batch that cannot be applied) is set aside when the store opens or
 * meets it, and so is one the engine finds inconsistent (`quarantine`: an image naming a
 * missing blob); each is reported in `warnings()` and the rest stays usable.
 */
import type { SpillSpace } from "../fs/mod.ts";

export interface Store {
  /** True when the blob is present. */
  hasBlob(digest: string): Promise<boolean>;
  /** The blob's bytes, verified against `digest` (throws DigestMismatchError if corrupt), or undefined. */
  getBlob(digest: string): Promise<Uint8Array | undefined>;
  /**
   * Store bytes under their sha256; returns the digest. With `expected`, a mismatch throws
   * and stores nothing. `verified: true` says the caller has just hashed these very bytes
   * to `expected` (a load does), so they are not hashed twice; reads still verify.
   */
  putBlob(bytes: Uint8Array, expected?: string, opts?: { verified?: boolean }): Promise<string>;
  deleteBlob(digest: string): Promise<void>;
  /** Every stored blob digest. */
  listBlobs(): Promise<string[]>;

  getRecord<T = unknown>(kind: string, key: string): Promise<T | undefined>;
  putRecord(kind: string, key: string, value: unknown): Promise<void>;
  deleteRecord(kind: string, key: string): Promise<void>;
  /** All records of a kind, as [key, value] pairs sorted by key. */
  listRecords<T = unknown>(kind: string): Promise<Array<[string, T]>>;
  /** Apply record changes all together (value undefined = delete). */
  commit(changes: ReadonlyArray<{ kind: string; key: string; value: unknown }>): Promise<void>;

  /** Mutable byte values by kind and key (logs, writable-layer snapshots): atomic replace, and append. */
  getBytes(kind: string, key: string): Promise<Uint8Array | undefined>;
  putBytes(kind: string, key: string, bytes: Uint8Array): Promise<void>;
  /** Append bytes durably (a journal); returns when they are stored. */
  appendBytes(kind: string, key: string, bytes: Uint8Array): Promise<void>;
  deleteBytes(kind: string, key: string): Promise<void>;

  /**
   * Set a record aside: it leaves the live set (no longer found or listed) but is kept
   * where a person can look at it (DiskStore: HOME/quarantine/), and `warnings()` says so.
   * For records that are malformed or name something missing. An absent record is no error.
   */
  quarantine(kind: string, key: string, reason: string): Promise<void>;
  /** What was set aside since the store opened, one sentence each (`docker info` shows them as Warnings). */
  warnings(): string[];

  /**
   * Where the writable layer stored as bytes `<kind>/<key>` keeps its large files out of
   * memory (src/fs/spill.ts). Absent (MemoryStore): every file stays in memory.
   */
  spillSpace?(kind: string, key: string): SpillSpace;

  /**
   * A blob written while its bytes arrive, so a pull writes a layer as it downloads rather
   * than after (optional: DiskStore has it; without it the caller uses putBlob).
   */
  blobWriter?(): BlobWriter;

  /** Release locks and files. */
  close(): Promise<void>;
}

/**
 * A blob being written: `write` each piece in order (it returns at once; the piece must not
 * change until `done` or `abort` has settled); `done(digest)` makes the pieces the blob
 * `digest` (the caller has verified them), atomically and durably, and returns the digest;
 * `abort()` drops them. Nothing is visible before `done`, and a `done` that fails leaves
 * nothing behind.
 */
export interface BlobWriter {
  write(piece: Uint8Array): void;
  done(digest: string): Promise<string>;
  abort(): Promise<void>;
}
