/**
 * Persistence: the `Store` interface (content-addressed blobs, JSON records, byte values)
 * and `MemoryStore`. The disk store lives in server/store (it needs the platform's files).
 *
 * @example
 * ```ts
 * import { MemoryStore } from "./mod.ts";
 * const store = new MemoryStore();
 * const digest = await store.putBlob(new TextEncoder().encode("hello"));
 * await store.putRecord("tag", "demo:latest", { id: digest });
 * ```
 */
export type { BlobWriter, Store } from "./types.ts";
export { MemoryStore } from "./memory_store.ts";
