/**
 * File names of store keys, bounded whatever the key. A key is named by its
 * `encodeURIComponent` form with "." escaped too (so a name never starts with ".", and
 * never is "." or ".."), exactly as earlier versions named every key, while that name
 * fits in NAME_MAX (255 bytes: Linux, macOS and Windows file systems). A longer key is
 * named `long.<sha256 of the key>`: the "." marks it as hashed, since the plain form never
 * holds one, and the record inside such a file carries its key (see disk_store.ts), so
 * listing still gives keys back.
 */
import { createHash } from "node:crypto";

/** The longest file name the file systems we run on accept, in bytes. */
const NAME_MAX = 255;
/** The prefix of a hashed name. */
const HASHED_PREFIX = "long.";

const encode = (key: string) => encodeURIComponent(key).replace(/\./g, "%2E");

/** The file name for `key`, `suffix` appended (".json" for records), at most NAME_MAX bytes. */
export function fileName(key: string, suffix = ""): string {
  const plain = encode(key);
  if (plain.length + suffix.length <= NAME_MAX) return plain + suffix;
  return `${HASHED_PREFIX}${createHash("sha256").update(key).digest("hex")}${suffix}`;
}

/** Is this name (suffix removed) a hashed one, whose key is inside the file? */
export function isHashed(base: string): boolean {
  return base.includes(".");
}

/** The key of a plain name (suffix removed). Errors: URIError when it does not decode. */
export function keyOf(base: string): string {
  return decodeURIComponent(base);
}
