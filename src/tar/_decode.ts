/**
 * From header blocks to entries, shared by the two readers (`indexTar` over bytes in
 * memory, `streamTar` over a stream): typeflags, pax and GNU long-name records carried
 * to the entry they describe, and the checks that name the archive, entry and offset.
 * A header is read from `hdr` at `pos`; `offset` is where it sits in the archive (the
 * same number for indexTar, a copied block at 0 for streamTar).
 */
import { BLOCK, checksumOk, parsePax, readNumber, readString } from "./_header.ts";
import { normalizeEntryPath } from "./_path.ts";
import { TarRangeError, TarSyntaxError } from "./errors.ts";
import type { TarEntry, TarEntryType } from "./entry.ts";

const TYPES: Record<string, TarEntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink",
  "3": "char", "4": "block", "5": "dir", "6": "fifo",
};
const PAX_CONSUMED = new Set(["path", "linkpath", "size", "mtime", "uid", "gid", "uname", "gname", "atime", "ctime"]);
const EMPTY = new Uint8Array(0);

/** The records that describe the next entry: pax ('x' and 'g') and GNU long names ('L', 'K'). */
export class HeaderDecoder {
  #global: Record<string, string> = {};
  #pax: Record<string, string> = {};
  #longName: string | undefined;
  #longLink: string | undefined;
  /** Offset of the first record of the entry being assembled. */
  #start = 0;

  /** `rename`: maps each raw name (and hard link target) before it is normalized and checked. */
  constructor(readonly archive: string, readonly rename?: (raw: string) => string) {}

  /** The typeflag and body size of the header at hdr[pos]; checks its checksum and size field. */
  header(hdr: Uint8Array, pos: number, offset: number): { flag: string; size: number } {
    if (!checksumOk(hdr, pos)) throw new TarSyntaxError(this.archive, offset, "bad header checksum");
    const flag = String.fromCharCode(hdr[pos + 156]!);
    const paxSize = this.#pax["size"];
    const size = paxSize !== undefined && flag !== "x" && flag !== "g" ? Number(paxSize) : readNumber(hdr, pos + 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new TarRangeError(this.archive, offset + 124, `absurd size field in entry "${headerName(hdr, pos)}"`);
    }
    return { flag, size };
  }

  /** True for the record types that describe the next entry ('x', 'g', 'L', 'K'), whose bodies `meta` reads. */
  isMeta(flag: string): boolean {
    return flag === "x" || flag === "g" || flag === "L" || flag === "K";
  }

  /** Take in a pax or long-name record's body. */
  meta(hdr: Uint8Array, pos: number, offset: number, flag: string, body: Uint8Array): void {
    const fail = (detail: string): never => {
      throw new TarSyntaxError(this.archive, offset, detail, headerName(hdr, pos));
    };
    switch (flag) {
      case "x": this.#pax = { ...this.#pax, ...parsePax(body, fail) }; break;
      case "g": Object.assign(this.#global, parsePax(body, fail)); break;
      case "L": this.#longName = readString(body, 0, body.length); break;
      case "K": this.#longLink = readString(body, 0, body.length); break;
    }
  }

  /**
   * The entry of the header at hdr[pos], with `size` body bytes (`data` is the body for
   * a file, or empty when the caller delivers it otherwise). `next` is the offset just
   * past its body, where the next entry's records start.
   */
  entry(hdr: Uint8Array, pos: number, offset: number, flag: string, size: number, data: Uint8Array, next: number): TarEntry {
    const pax = hasKeys(this.#global) ? { ...this.#global, ...this.#pax } : this.#pax;
    const stored = pax["path"] ?? this.#longName ?? headerName(hdr, pos);
    const rawPath = this.rename ? this.rename(stored) : stored;
    const fail = (detail: string): never => {
      throw new TarSyntaxError(this.archive, offset, detail, rawPath);
    };
    const type = TYPES[flag] ?? (flag === "S" ? fail("unsupported GNU sparse entry") : "file");
    const path = normalizeEntryPath(rawPath);
    if (typeof path !== "string") return fail(`unsafe entry name: ${path.error}`);
    let linkname = pax["linkpath"] ?? this.#longLink ?? readString(hdr, pos + 157, 100);
    if (type === "hardlink") {
      if (this.rename) linkname = this.rename(linkname);
      const target = normalizeEntryPath(linkname);
      if (typeof target !== "string" || target === "") fail(`hard link target "${linkname}" escapes the archive root`);
      linkname = target as string;
    }
    const num = (key: string, off: number, len: number): number => {
      const v = pax[key] !== undefined ? Number(pax[key]) : readNumber(hdr, pos + off, len);
      return Number.isFinite(v) ? v : fail(`bad ${key} field`);
    };
    const extra: Record<string, string> = {};
    if (hasKeys(pax)) for (const k in pax) if (!PAX_CONSUMED.has(k)) extra[k] = pax[k]!;
    const entry: TarEntry = {
      path, type, linkname, pax: extra, offset: this.#start,
      mode: readNumber(hdr, pos + 100, 8) & 0o7777,
      uid: num("uid", 108, 8), gid: num("gid", 116, 8),
      uname: pax["uname"] ?? readString(hdr, pos + 265, 32),
      gname: pax["gname"] ?? readString(hdr, pos + 297, 32),
      mtime: num("mtime", 136, 12),
      size: type === "file" ? size : 0,
      devmajor: readNumber(hdr, pos + 329, 8) || 0,
      devminor: readNumber(hdr, pos + 337, 8) || 0,
      data: type === "file" ? data : EMPTY,
    };
    this.#pax = {};
    this.#longName = this.#longLink = undefined;
    this.#start = next;
    return entry;
  }
}

/** The name field of a header (prefix/name), for errors before pax is applied. */
export function headerName(hdr: Uint8Array, pos: number): string {
  const prefix = readString(hdr, pos + 345, 155);
  const base = readString(hdr, pos + 0, 100);
  return prefix ? `${prefix}/${base}` : base;
}

/** Where the entry after a header at `offset` with `size` body bytes starts. */
export function nextHeader(offset: number, size: number): number {
  return offset + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
