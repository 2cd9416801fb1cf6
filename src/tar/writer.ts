/**
 * The tar writer: ustar headers, with a pax extended header only when a field does not
 * fit ustar (a long or non-ASCII name or link, a size of 8 GiB or more, large ids,
 * fractional times, extra records such as xattrs). Output is deterministic: the same
 * entries give the same bytes, and with `sort` the order does not depend on the input.
 */
import { BLOCK } from "./_header.ts";
import type { TarEntryType } from "./entry.ts";

/** One entry to write; only `path` and `type` are required. */
export interface TarInput {
  path: string;
  type: TarEntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime?: number;
  linkname?: string;
  data?: Uint8Array;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export interface WriteOptions {
  /** Sort entries by path (byte order) so parents come before children. */
  sort?: boolean;
  /** Use this mtime (seconds) for every entry, e.g. 0 for reproducible layers. */
  mtime?: number;
}

const FLAG: Record<TarEntryType, string> = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" };
const utf8 = new TextEncoder();
const MAX_OCTAL_8 = 0o7777777, MAX_OCTAL_12 = 0o77777777777;

/** Write a complete archive (with the two zero blocks at the end). */
export function writeTar(entries: Iterable<TarInput>, opts: WriteOptions = {}): Uint8Array {
  let list = [...entries];
  if (opts.sort) list = list.slice().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks: Uint8Array[] = [];
  for (const e of list) encodeEntry(e, opts, chunks);
  chunks.push(new Uint8Array(BLOCK * 2));
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function encodeEntry(e: TarInput, opts: WriteOptions, out: Uint8Array[]): void {
  const data = e.type === "file" ? e.data ?? new Uint8Array(0) : new Uint8Array(0);
  out.push(tarHeader(opts.mtime === undefined ? e : { ...e, mtime: opts.mtime }, data.length));
  if (data.length) out.push(pad(data));
}

/**
 * The header blocks of one entry whose body is `size` bytes (a pax extended header first
 * when a field does not fit ustar): what a streaming writer sends before the body, which
 * it then pads to a multiple of 512 bytes (`tarPadding`). `e.data` is not read.
 * @example tarHeader({ path: "etc/hostname", type: "file" }, 4).length // 512
 */
export function tarHeader(e: TarInput, size: number): Uint8Array {
  const out: Uint8Array[] = [];
  const name = e.type === "dir" && e.path !== "" && !e.path.endsWith("/") ? `${e.path}/` : e.path === "" ? "./" : e.path;
  const mtime = e.mtime ?? 0;
  const linkname = e.linkname ?? "";
  const pax: Record<string, string> = { ...(e.pax ?? {}) };
  const split = splitName(name);
  if (!split) pax["path"] = name;
  if (!fitsAscii(linkname, 100)) pax["linkpath"] = linkname;
  if (size > MAX_OCTAL_12) pax["size"] = String(size);
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > MAX_OCTAL_12) pax["mtime"] = String(mtime);
  if ((e.uid ?? 0) > MAX_OCTAL_8) pax["uid"] = String(e.uid);
  if ((e.gid ?? 0) > MAX_OCTAL_8) pax["gid"] = String(e.gid);
  if (!fitsAscii(e.uname ?? "", 32)) pax["uname"] = e.uname!;
  if (!fitsAscii(e.gname ?? "", 32)) pax["gname"] = e.gname!;
  if (Object.keys(pax).length > 0) {
    const body = paxBody(pax);
    const pname = `PaxHeaders/${name.slice(0, 80).replace(/[^\x20-\x7e]/g, "_")}`;
    out.push(header({ name: pname, prefix: "", flag: "x", size: body.length, mode: 0o644, mtime: 0 }), pad(body));
  }
  out.push(header({
    name: split ? split[1] : asciiTrunc(name, 100), prefix: split ? split[0] : "", flag: FLAG[e.type], size,
    mode: e.mode ?? (e.type === "dir" ? 0o755 : 0o644), uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname,
    mtime: Number.isInteger(mtime) && mtime >= 0 && mtime <= MAX_OCTAL_12 ? mtime : Math.max(0, Math.min(MAX_OCTAL_12, Math.floor(mtime))),
    linkname: fitsAscii(linkname, 100) ? linkname : asciiTrunc(linkname, 100), devmajor: e.devmajor, devminor: e.devminor,
  }));
  return out.length === 1 ? out[0]! : concatBlocks(out);
}

/** The zero bytes that pad a body of `size` bytes to a whole number of 512-byte blocks. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The end of an archive: two zero blocks. */
export const TAR_END: Uint8Array = new Uint8Array(BLOCK * 2);

function concatBlocks(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

function fitsAscii(s: string, max: number): boolean {
  return s.length <= max && /^[\x00-\x7f]*$/.test(s);
}

function asciiTrunc(s: string, max: number): string {
  return s.replace(/[^\x20-\x7e]/g, "_").slice(0, max);
}

/** ustar's name/prefix split: name ≤ 100 bytes, prefix ≤ 155, split at a "/". */
function splitName(name: string): [string, string] | null {
  if (!/^[\x00-\x7f]*$/.test(name)) return null;
  if (name.length <= 100) return ["", name];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] === "/" && i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) return [name.slice(0, i), name.slice(i + 1)];
  }
  return null;
}

function paxBody(pax: Record<string, string>): Uint8Array {
  let text = "";
  for (const key of Object.keys(pax).sort()) {
    const rec = ` ${key}=${pax[key]}\n`;
    const recLen = utf8.encode(rec).length;
    let len = recLen + String(recLen).length;
    if (String(len).length !== String(recLen).length) len = recLen + String(len).length;
    text += `${len}${rec}`;
  }
  return utf8.encode(text);
}

function pad(data: Uint8Array): Uint8Array {
  const padded = Math.ceil(data.length / BLOCK) * BLOCK;
  if (padded === data.length) return data;
  const out = new Uint8Array(padded);
  out.set(data);
  return out;
}

interface HeaderFields {
  name: string; prefix: string; flag: string; size: number; mode: number; mtime: number;
  uid?: number; gid?: number; uname?: string; gname?: string; linkname?: string; devmajor?: number; devminor?: number;
}

function header(h: HeaderFields): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const str = (s: string, off: number, len: number) => b.set(utf8.encode(s).subarray(0, len), off);
  const oct = (n: number, off: number, len: number) => str(Math.min(n, 8 ** (len - 1) - 1).toString(8).padStart(len - 1, "0"), off, len - 1);
  str(h.name, 0, 100);
  oct(h.mode & 0o7777, 100, 8);
  oct(h.uid ?? 0, 108, 8);
  oct(h.gid ?? 0, 116, 8);
  oct(Math.min(h.size, MAX_OCTAL_12), 124, 12);
  oct(h.mtime, 136, 12);
  b.fill(0x20, 148, 156);
  b[156] = h.flag.charCodeAt(0);
  str(h.linkname ?? "", 157, 100);
  str("ustar\u000000", 257, 8);
  str(h.uname ?? "", 265, 32);
  str(h.gname ?? "", 297, 32);
  oct(h.devmajor ?? 0, 329, 8);
  oct(h.devminor ?? 0, 337, 8);
  str(h.prefix, 345, 155);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  str(sum.toString(8).padStart(6, "0") + "\u0000 ", 148, 8);
  return b;
}
