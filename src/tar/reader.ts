/**
 * The tar reader: `indexTar` walks the headers once and returns every entry with its
 * body as a view into the input (no copy). It reads ustar, GNU (long names 'L', long
 * links 'K', base-256 numbers) and pax ('x' per entry, 'g' global), and it accepts the
 * archives real tools write, including umoci's that end without the two zero blocks and
 * even without the final padding (see docs/images.md).
 */
import { BLOCK, checksumOk, isZeroBlock, parsePax, readNumber, readString } from "./_header.ts";
import { normalizeEntryPath } from "./_path.ts";
import { TarRangeError, TarSyntaxError } from "./errors.ts";
import type { TarEntry, TarEntryType } from "./entry.ts";

export interface IndexOptions {
  /** Names the archive in errors ("layer sha256:…"). Default "tar archive". */
  name?: string;
}

const TYPES: Record<string, TarEntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink",
  "3": "char", "4": "block", "5": "dir", "6": "fifo",
};
const PAX_CONSUMED = new Set(["path", "linkpath", "size", "mtime", "uid", "gid", "uname", "gname", "atime", "ctime"]);

interface Pending {
  pax: Record<string, string>;
  longName?: string;
  longLink?: string;
  start: number;
}

/**
 * Index every entry of an uncompressed tar archive.
 * Errors: TarSyntaxError (bad checksum, truncated header or body, unsafe name, bad
 * pax record, unsupported entry type), TarRangeError (an absurd size field). Each says
 * the archive, the entry and the byte offset.
 */
export function indexTar(bytes: Uint8Array, opts: IndexOptions = {}): TarEntry[] {
  const name = opts.name ?? "tar archive";
  const entries: TarEntry[] = [];
  const global: Record<string, string> = {};
  let pending: Pending = { pax: {}, start: 0 };
  let at = 0;
  while (at < bytes.length) {
    if (at + BLOCK > bytes.length) {
      if (isZeroTail(bytes, at)) break; // a short run of zero padding at the very end
      throw new TarSyntaxError(name, at, `truncated header (${bytes.length - at} of 512 bytes)`);
    }
    if (isZeroBlock(bytes, at)) break; // end of archive (one zero block is enough)
    if (!checksumOk(bytes, at)) throw new TarSyntaxError(name, at, "bad header checksum");
    const flag = String.fromCharCode(bytes[at + 156]!);
    const size = readSize(bytes, at, name, pending, flag);
    const bodyStart = at + BLOCK;
    if (bodyStart + size > bytes.length) {
      throw new TarSyntaxError(name, at, `truncated body: size ${size} but ${bytes.length - bodyStart} bytes left`, headerName(bytes, at));
    }
    const body = bytes.subarray(bodyStart, bodyStart + size);
    const header = at;
    at = bodyStart + Math.ceil(size / BLOCK) * BLOCK; // may pass the end: umoci omits the last padding
    const fail = (detail: string): never => {
      throw new TarSyntaxError(name, header, detail, headerName(bytes, header));
    };
    switch (flag) {
      case "x": pending.pax = { ...pending.pax, ...parsePax(body, fail) }; continue;
      case "g": Object.assign(global, parsePax(body, fail)); continue;
      case "L": pending.longName = readString(body, 0, body.length); continue;
      case "K": pending.longLink = readString(body, 0, body.length); continue;
    }
    const pax = hasKeys(global) ? { ...global, ...pending.pax } : pending.pax;
    entries.push(makeEntry(bytes, pending.start, bodyStart - BLOCK, pax, pending, flag, body, name));
    pending = { pax: {}, start: at };
  }
  return entries;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

function isZeroTail(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

function headerName(bytes: Uint8Array, at: number): string {
  const prefix = readString(bytes, at + 345, 155);
  const base = readString(bytes, at + 0, 100);
  return prefix ? `${prefix}/${base}` : base;
}

function readSize(bytes: Uint8Array, at: number, name: string, pending: Pending, flag: string): number {
  const paxSize = pending.pax["size"];
  const size = paxSize !== undefined && flag !== "x" && flag !== "g" ? Number(paxSize) : readNumber(bytes, at + 124, 12);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TarRangeError(name, at + 124, `absurd size field in entry "${headerName(bytes, at)}"`);
  }
  return size;
}

function makeEntry(
  bytes: Uint8Array, start: number, at: number, pax: Record<string, string>,
  pending: Pending, flag: string, body: Uint8Array, name: string,
): TarEntry {
  const rawPath = pax["path"] ?? pending.longName ?? headerName(bytes, at);
  const fail = (detail: string): never => {
    throw new TarSyntaxError(name, at, detail, rawPath);
  };
  const type = TYPES[flag] ?? (flag === "S" ? fail("unsupported GNU sparse entry") : "file");
  const path = normalizeEntryPath(rawPath);
  if (typeof path !== "string") return fail(`unsafe entry name: ${path.error}`);
  let linkname = pax["linkpath"] ?? pending.longLink ?? readString(bytes, at + 157, 100);
  if (type === "hardlink") {
    const target = normalizeEntryPath(linkname);
    if (typeof target !== "string" || target === "") fail(`hard link target "${linkname}" escapes the archive root`);
    linkname = target as string;
  }
  const num = (key: string, off: number, len: number): number => {
    const v = pax[key] !== undefined ? Number(pax[key]) : readNumber(bytes, at + off, len);
    return Number.isFinite(v) ? v : fail(`bad ${key} field`);
  };
  const extra: Record<string, string> = {};
  if (hasKeys(pax)) for (const k in pax) if (!PAX_CONSUMED.has(k)) extra[k] = pax[k]!;
  return {
    path, type, linkname, pax: extra, offset: start,
    mode: readNumber(bytes, at + 100, 8) & 0o7777,
    uid: num("uid", 108, 8), gid: num("gid", 116, 8),
    uname: pax["uname"] ?? readString(bytes, at + 265, 32),
    gname: pax["gname"] ?? readString(bytes, at + 297, 32),
    mtime: num("mtime", 136, 12),
    size: type === "file" ? body.length : 0,
    devmajor: readNumber(bytes, at + 329, 8) || 0,
    devminor: readNumber(bytes, at + 337, 8) || 0,
    data: type === "file" ? body : body.subarray(0, 0),
  };
}
