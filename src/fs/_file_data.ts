/**
 * File bytes of upper inodes. A file copied up from a layer keeps reading the layer's
 * bytes (`shared`), and its writes copy only the pages they touch (`pages`, PAGE bytes
 * each), the block copy-on-write of btrfs and ZFS, where overlayfs copies the whole
 * file at the first write: the first 1-byte write to a 200 KB binary copies 4 KiB, not
 * 200 KB. A file gets one buffer of its own (`ensureCapacity`) when a write or truncate
 * grows it, when more than half its pages would be copies, or when someone needs its bytes as
 * one view (`fileBytes`: readFile, export, serialize). A file moved out of memory
 * (`spill`, spill.ts) is read and written in its file instead.
 */
import type { Inode } from "./inode.ts";
import type { SpillFile } from "./spill.ts";

/** Bytes per copied page of a file that still shares its layer's bytes. */
const PAGE = 4096;

/**
 * Pages are cut from slabs of SLAB_PAGES pages shared by every upper, so a first write
 * does not make an ArrayBuffer of its own (the GC sweeps far fewer, larger buffers). A
 * slab lives while any of its pages does; pages never leave this file (reads copy out,
 * `ensureCapacity` copies them into the file's own buffer).
 */
const SLAB_PAGES = 16;
let slab = new Uint8Array(0), slabUsed = SLAB_PAGES;

/** A page holding bytes [k * PAGE, (k + 1) * PAGE) of the layer's bytes of `n`. */
function copyPage(n: Inode, k: number): Uint8Array {
  if (slabUsed === SLAB_PAGES) slab = new Uint8Array(PAGE * SLAB_PAGES), slabUsed = 0;
  const page = slab.subarray(slabUsed * PAGE, ++slabUsed * PAGE);
  page.set(n.data.subarray(k * PAGE, Math.min((k + 1) * PAGE, n.size)));
  return page;
}

/** pread: bytes [pos, pos + into.length) of a file copied into `into`; 0 at or past the end. */
export function readData(n: Inode, into: Uint8Array, pos: number): number {
  const end = Math.min(n.size, pos + into.length);
  if (end <= pos) return 0;
  if (n.spill !== null) return n.spill.read(into.subarray(0, end - pos), pos);
  const pages = n.pages;
  if (pages === null) {
    into.set(n.data.subarray(pos, end));
    return end - pos;
  }
  // Runs of layer bytes in one copy; copied pages one by one.
  let run = pos;
  for (let k = Math.floor(pos / PAGE); k * PAGE < end; k++) {
    const page = pages.get(k);
    if (page === undefined) continue;
    const from = Math.max(pos, k * PAGE), to = Math.min(end, (k + 1) * PAGE);
    if (run < from) into.set(n.data.subarray(run, from), run - pos);
    into.set(page.subarray(from - k * PAGE, to - k * PAGE), from - pos);
    run = to;
  }
  if (run < end) into.set(n.data.subarray(run, end), run - pos);
  return end - pos;
}

/** pwrite into an upper file (grows it, zero-filling any gap). */
export function writeData(n: Inode, pos: number, data: Uint8Array): void {
  const end = pos + data.length;
  if (data.length === 0 && end <= n.size) return;
  if (n.spill !== null) {
    if (pos > n.size) n.spill.truncate(n.size); // the gap reads as zeros, whatever the file held past the size
    n.spill.write(data, pos);
    if (end > n.size) n.size = end;
    return;
  }
  if (n.shared && end <= n.size && data.length > 0 && pagesAfter(n, pos, end) * 2 <= Math.ceil(n.size / PAGE)) {
    const pages = n.pages ??= new Map();
    for (let k = Math.floor(pos / PAGE); k * PAGE < end; k++) {
      let page = pages.get(k);
      if (page === undefined) pages.set(k, page = copyPage(n, k));
      const from = Math.max(pos, k * PAGE), to = Math.min(end, (k + 1) * PAGE);
      page.set(data.subarray(from - pos, to - pos), from - k * PAGE);
    }
    return;
  }
  ensureCapacity(n, end); // bytes past the size are zero in a buffer of its own
  n.data.set(data, pos);
  if (end > n.size) n.size = end;
}

/** Copied pages a write of [pos, end) leaves. */
function pagesAfter(n: Inode, pos: number, end: number): number {
  let count = n.pages?.size ?? 0;
  for (let k = Math.floor(pos / PAGE); k * PAGE < end; k++) if (!n.pages?.has(k)) count++;
  return count;
}

/** Set a file's size, zero-filled when it grows. Shrinking a file that shares its layer's bytes copies nothing. */
export function truncateData(n: Inode, size: number): void {
  if (n.spill !== null) n.spill.truncate(size);
  else if (size > n.size) {
    ensureCapacity(n, size);
    n.data.fill(0, n.size, size);
  } else if (!n.shared) n.data.fill(0, size, n.size);
  else if (n.pages !== null) for (const k of n.pages.keys()) if (k * PAGE >= size) n.pages.delete(k);
  n.size = size;
}

/** The bytes of a file as one view (bytes [0, size)); a file with copied pages gets its own buffer first. Do not modify. */
export function fileBytes(n: Inode): Uint8Array {
  if (n.spill !== null) { // a copy in memory: export and commit of a spilled file hold it whole
    const out = new Uint8Array(n.size);
    n.spill.read(out, 0);
    return out;
  }
  if (n.pages !== null) ensureCapacity(n, n.size);
  return n.data.subarray(0, n.size);
}

/**
 * Move a file's bytes into `file` (spill.ts); from now on they are read and written there.
 * `fill: false` takes the file as it is (a replay: it holds these bytes and any written since).
 */
export function spillData(n: Inode, file: SpillFile, fill: boolean): void {
  if (fill) {
    if (n.size > 0) file.write(fileBytes(n), 0);
    file.truncate(n.size);
  }
  n.spill = file;
  n.data = new Uint8Array(0);
  n.shared = false;
  n.pages = null;
}

/** Make `data` the file's own, merging its copied pages, with at least `size` bytes of capacity. */
function ensureCapacity(n: Inode, size: number): void {
  if (!n.shared && n.data.length >= size) return;
  const cap = n.shared && size <= n.size ? n.size : Math.max(size, Math.min(n.data.length * 2, size + (64 << 20)), 64);
  const grown = new Uint8Array(cap);
  grown.set(n.data.subarray(0, n.size));
  if (n.pages !== null) {
    for (const [k, page] of n.pages) grown.set(page.subarray(0, Math.max(0, Math.min(PAGE, n.size - k * PAGE))), k * PAGE);
  }
  n.data = grown;
  n.shared = false;
  n.pages = null;
}
