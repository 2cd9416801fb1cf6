/**
 * Docker's detach keys on the client side: `--detach-keys` parsed as moby/term's
 * `ToBytes` does (`ctrl-p,ctrl-q`, `ctrl-@`…`ctrl-_`, `DEL`, single characters), and
 * the escape proxy the docker CLI puts in front of stdin on a TTY session: bytes that
 * could begin the sequence are held until the next key says otherwise, and the whole
 * sequence ends the input without sending it (and without an EOF: the caller closes the
 * connection, so the container keeps its stdin). The server is told the keys as well
 * (`detachKeys=`), as the docker CLI does.
 *
 * @example
 * const { input, detached } = detachable(io.stdin(), detachKeys("ctrl-p,ctrl-q"));
 */

import { detachKeyBytes } from "../../src/engine/_detach_keys.ts";

/** ctrl-p, ctrl-q: Docker's default. */
export const DEFAULT_DETACH_KEYS = new Uint8Array([16, 17]);

/** A `--detach-keys` value that is no key sequence ("unknown character: 'x'", as moby/term says). */
export class DetachKeysError extends SyntaxError {}

/** `ctrl-p,ctrl-q` → [16, 17], parsed as the daemon parses it. Errors: DetachKeysError for an unknown name. */
export function detachKeys(spec: string): Uint8Array {
  const r = detachKeyBytes(spec);
  if ("unknown" in r) throw new DetachKeysError(`unknown character: '${r.unknown}'`);
  return r.bytes;
}

/** Stdin with the detach sequence taken out; `detached` resolves when it was typed (the input then never ends). */
interface Detachable {
  input: AsyncIterable<Uint8Array>;
  detached: Promise<void>;
}

/**
 * Wrap `src` so that `keys` typed in a row resolve `detached` instead of being sent. Bytes
 * before the sequence in the same read go out; a partial match is sent once a key breaks
 * it, or at the end of stdin.
 */
export function detachable(src: AsyncIterable<Uint8Array>, keys: Uint8Array): Detachable {
  let onDetach!: () => void;
  const detached = new Promise<void>((r) => (onDetach = r));
  async function* input(): AsyncGenerator<Uint8Array> {
    const it = src[Symbol.asyncIterator]();
    let held = 0; // keys[0..held) matched so far, not yet sent
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      const out: number[] = [];
      for (const b of r.value) {
        if (b !== keys[held] && held > 0) {
          out.push(...keys.subarray(0, held));
          held = 0;
        }
        if (b !== keys[held]) { out.push(b); continue; }
        if (++held < keys.length) continue;
        if (out.length) yield new Uint8Array(out);
        onDetach(); // stdin is left unread, not ended: the terminal is still ours to restore
        return yield* _never();
      }
      if (out.length) yield new Uint8Array(out);
    }
    if (held) yield keys.slice(0, held);
  }
  return { input: input(), detached };
}

/** An input that has nothing more and never ends: after a detach, no EOF reaches the container. */
async function* _never(): AsyncGenerator<Uint8Array> {
  await new Promise<never>(() => {});
}
