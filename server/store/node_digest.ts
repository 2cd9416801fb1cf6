/**
 * SHA-256 through node:crypto (Node and Deno): hashes a view in place, where Node's
 * WebCrypto first copies its input, and runs about twice as fast on large layers; and
 * it hashes incrementally, so a streamed load can drop a compressed layer as it inflates.
 * The engine uses it when its platform hands it in (server/platform/runtime.ts); the disk
 * store uses it for the blobs it verifies.
 */
import { createHash } from "node:crypto";
import type { Sha256Hasher, Sha256Impl } from "../../src/oci/mod.ts";

export const nodeSha256: Sha256Impl = async (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** An incremental node:crypto SHA-256. */
export function nodeSha256Hasher(): Sha256Hasher {
  const h = createHash("sha256");
  return { update: (bytes) => void h.update(bytes), digest: () => `sha256:${h.digest("hex")}` };
}

/** The same, synchronously: a program a process worker loads itself (src/wasi's module cache). */
export function nodeSha256Sync(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
