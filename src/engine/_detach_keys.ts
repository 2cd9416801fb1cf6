/**
 * Docker's detach keys: the key sequence that, typed into an attached terminal, detaches
 * the client and leaves the container running. The spec is parsed as moby/term's
 * `ToBytes` parses it, and input is scanned as its `EscapeProxy` scans it.
 */
import { invalid } from "./errors.ts";

/** moby's default when `detachKeys` is empty (daemon/internal/stream/attach.go). */
const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";
/** The names of control keys, at their codes: `ctrl-@` is 0, `ctrl-a` 1, … `ctrl-_` 31 (moby/term ascii.go). */
const CTRL_NAMES = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
const DEL = 0x7f;

/**
 * The bytes of a detach-keys spec: comma-separated keys, each a single ASCII character,
 * `ctrl-X` for X in a–z, @, [, \, ], ^, _ (lower case only, as moby/term matches them), or
 * `DEL`. An empty spec is Docker's default, `ctrl-p,ctrl-q`.
 *
 * Throws EngineError "invalid" with the daemon's message for `attach` (moby
 * daemon/attach.go): "Invalid detach keys (SPEC) provided".
 *
 * @example
 * ```ts
 * parseDetachKeys("ctrl-x,x"); // Uint8Array [0x18, 0x78]
 * ```
 */
export function parseDetachKeys(spec: string): Uint8Array {
  const r = detachKeyBytes(spec === "" ? DEFAULT_DETACH_KEYS : spec);
  if ("unknown" in r) throw invalid(`Invalid detach keys (${spec}) provided`);
  return r.bytes;
}

/**
 * The one parse of a detach-keys spec, for the daemon's side (above) and the CLI's
 * (server/cli/_detach_keys.ts), which say what was wrong each in their own words: the
 * bytes, or the first key that is none.
 */
export function detachKeyBytes(spec: string): { bytes: Uint8Array } | { unknown: string } {
  const keys = spec.split(",");
  const bytes = new Uint8Array(keys.length);
  for (const [i, key] of keys.entries()) {
    const code = keyCode(key);
    if (code === null) return { unknown: key };
    bytes[i] = code;
  }
  return { bytes };
}

function keyCode(key: string): number | null {
  // Go's len(key) == 1 is one byte: one ASCII character.
  if (key.length === 1 && key.charCodeAt(0) < 0x80) return key.charCodeAt(0);
  if (key === "DEL") return DEL;
  const ctrl = key.length === 6 && key.startsWith("ctrl-") ? CTRL_NAMES.indexOf(key[5]!) : -1;
  return ctrl < 0 ? null : ctrl;
}

/**
 * Watches a terminal's input for the detach keys, as moby/term's EscapeProxy does: bytes
 * that could begin the sequence are held back; once all of it has been typed, `detached`
 * is true and none of it passes (bytes before it do; bytes after it, and every later
 * push, are dropped). When a held prefix stops matching, it is released in order with the
 * rest. As in moby, the byte that broke a match does not start a new one: with ctrl-p,ctrl-q,
 * typing ctrl-p ctrl-p ctrl-q passes all three and does not detach.
 */
export class DetachScanner {
  readonly #keys: Uint8Array;
  /** How many bytes of the sequence are held. */
  #matched = 0;
  #detached = false;

  constructor(keys: Uint8Array) {
    this.#keys = keys;
  }

  /** The bytes of `bytes` to pass on to the container, and whether the sequence is complete. */
  push(bytes: Uint8Array): { pass: Uint8Array; detached: boolean } {
    const keys = this.#keys;
    if (this.#detached) return { pass: new Uint8Array(0), detached: true };
    if (keys.length === 0) return { pass: bytes, detached: false };
    const pass = new Uint8Array(this.#matched + bytes.length);
    let n = 0;
    for (const b of bytes) {
      if (b === keys[this.#matched]) {
        if (++this.#matched < keys.length) continue;
        this.#detached = true;
        return { pass: pass.subarray(0, n), detached: true };
      }
      pass.set(keys.subarray(0, this.#matched), n);
      n += this.#matched;
      this.#matched = 0;
      pass[n++] = b;
    }
    return { pass: pass.subarray(0, n), detached: false };
  }
}
