/**
 * Digests as the OCI image-spec defines them (descriptor.md, config.md): "sha256:<hex>"
 * through WebCrypto; diffId = digest of the uncompressed layer tar; chainId of a stack =
 * diffId for the first layer, then sha256(chainId(parent) + " " + diffId).
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** A SHA-256 implementation: bytes → "sha256:<hex>". */
export type Sha256Impl = (bytes: Uint8Array) => Promise<string>;

/** WebCrypto's SHA-256, available on every platform strata runs on. */
export const webCryptoSha256: Sha256Impl = async (bytes) => {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of hash) hex += HEX[b];
  return `sha256:${hex}`;
};

/** An incremental SHA-256: `update` with each piece, then `digest()` once ("sha256:<hex>"). */
export interface Sha256Hasher {
  update(bytes: Uint8Array): void;
  digest(): string;
}

/**
 * A platform's SHA-256, handed in where digests are made (a load's options, the engine's
 * platform); WebCrypto where none is. `sha256Hasher` is an incremental one, which lets a
 * streamed load drop a compressed layer as it inflates instead of holding it until it
 * can be hashed (WebCrypto has none).
 * Why: Node's WebCrypto copies its input before hashing, so a 200 MB layer costs
 * 200 MB more at its peak; node:crypto hashes the view in place, about twice as fast.
 */
export interface Digester {
  sha256?: Sha256Impl;
  sha256Hasher?: () => Sha256Hasher;
}

/** "sha256:<hex>" of the bytes, through WebCrypto. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  return await webCryptoSha256(bytes);
}

/** True for a well-formed sha256 digest string. */
export function isDigest(s: unknown): s is string {
  return typeof s === "string" && DIGEST_RE.test(s);
}

/** The hex part of a digest ("sha256:ab…" → "ab…"). */
export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}

/** A blob whose bytes do not hash to the digest that names it. */
export class DigestMismatchError extends Error {
  override name = "DigestMismatchError";
  constructor(readonly what: string, readonly expected: string, readonly actual: string) {
    super(`Cannot verify ${what}: digest mismatch, expected ${expected} but the content hashes to ${actual}`);
  }
}

/** Hash `bytes` (with `hash`, WebCrypto by default) and throw DigestMismatchError unless it equals `expected`. Returns the digest. */
export async function verifyDigest(bytes: Uint8Array, expected: string, what: string, hash: Sha256Impl = sha256): Promise<string> {
  const actual = await hash(bytes);
  if (actual !== expected) throw new DigestMismatchError(what, expected, actual);
  return actual;
}

/** The chainIds of a layer stack, bottom first (image-spec config.md "Layer ChainID"). */
export async function chainIds(diffIds: readonly string[], hash: Sha256Impl = sha256): Promise<string[]> {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : await hash(new TextEncoder().encode(`${parent} ${diffId}`)));
  }
  return out;
}
