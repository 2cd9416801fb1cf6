/**
 * Bytes as a browser's web APIs take them. A layer's bytes live in a SharedArrayBuffer
 * where the platform has one (so workers read them without a copy), and a browser's
 * TextDecoder (and WebCrypto) refuse a view of shared memory, where Node and Deno take it.
 */

/** `bytes` itself, or a copy when it views a SharedArrayBuffer. */
export function unshared(bytes: Uint8Array): Uint8Array {
  return typeof SharedArrayBuffer !== "undefined" && bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes;
}
