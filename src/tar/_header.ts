/** Decoding of the fixed 512-byte ustar header fields (POSIX.1-1988 ustar, GNU and pax variants). */
import { unshared } from "./unshared.ts";

export const BLOCK = 512;
const utf8 = new TextDecoder("utf-8");

/** A NUL-terminated string field; ASCII fast path, UTF-8 otherwise. */
export function readString(buf: Uint8Array, start: number, len: number): string {
  let end = start;
  const max = start + len;
  let ascii = true;
  while (end < max && buf[end] !== 0) {
    if (buf[end]! >= 0x80) ascii = false;
    end++;
  }
  if (end === start) return "";
  if (!ascii) return utf8.decode(unshared(buf.subarray(start, end)));
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

/**
 * A numeric field: octal digits (space/NUL padded), or GNU base-256 when the first
 * byte has its high bit set. Returns NaN when the field holds anything else.
 */
export function readNumber(buf: Uint8Array, start: number, len: number): number {
  const first = buf[start]!;
  if (first & 0x80) {
    if (first === 0xff) return NaN; // negative base-256: never a valid size, id or time here
    let value = first & 0x7f;
    for (let i = start + 1; i < start + len; i++) value = value * 256 + buf[i]!;
    return value;
  }
  let value = 0, i = start;
  const end = start + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return NaN;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : value;
}

/** The header checksum rule: the sum of all bytes with the checksum field read as spaces. */
export function checksumOk(buf: Uint8Array, at: number): boolean {
  const stored = readNumber(buf, at + 148, 8);
  let unsigned = 0, signed = 0;
  for (let i = at; i < at + BLOCK; i++) {
    const b = i >= at + 148 && i < at + 156 ? 0x20 : buf[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** True when the block at `at` is all zeros (an end-of-archive marker). */
export function isZeroBlock(buf: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Parse a pax extended header body: "<len> <key>=<value>\n" records. */
export function parsePax(body: Uint8Array, onError: (detail: string) => never): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    if (body[i] === 0) break;
    let sp = i;
    while (sp < body.length && body[sp] !== 0x20) sp++;
    const len = Number(readString(body, i, sp - i));
    if (!Number.isInteger(len) || len <= 0 || i + len > body.length) onError(`bad pax record length at record offset ${i}`);
    const rec = utf8.decode(unshared(body.subarray(sp + 1, i + len - 1)));
    const eq = rec.indexOf("=");
    if (eq <= 0) onError(`bad pax record "${rec.slice(0, 40)}"`);
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}
