/**
 * `PUT /containers/{id}/archive`, first step: the uploaded archive read to its end
 * before anything of it is written. A plain tar, or a gzip one (moby decompresses before
 * it extracts; bzip2, xz and zstd are refused by name). Every entry is checked for what
 * the archive alone can tell: its name (absolute names and `..` are refused by the tar
 * reader), its type (strata's filesystems make no device nodes or fifos), and its place
 * among the entries before it: nothing may be written through a symlink the archive
 * itself makes, or below a non-directory it makes, and a hard link must name a
 * non-directory (its target beyond the archive is checked against the container next,
 * _archive_plan.ts). File bodies go to a `Spool`; entries are kept as a list, each charged
 * to the memory budget of uploads, so an archive of millions of empty files is refused at
 * the budget instead of growing the heap.
 */
import { type MemoryAccount, streamTar, type TarEntryType } from "../tar/mod.ts";
import type { Spool } from "./_archive_spool.ts";
import { FsError } from "../fs/mod.ts";
import { EngineError, invalid } from "./errors.ts";

/** One entry to extract: where it goes below the extraction directory, and for a file where its body is. */
export interface UploadEntry {
  /** "a/b" (never "", never absolute, never with ".."). */
  path: string;
  type: Exclude<TarEntryType, "char" | "block" | "fifo">;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** A symlink's target as stored; a hard link's target path below the extraction directory. */
  linkname: string;
  /** A file's body: its offset in the spool and its size. */
  at: number;
  size: number;
}

/** Memory an entry is charged beyond its names: the object, its list slot, its map entry. */
const ENTRY_COST = 256;

const COMPRESSED: Record<string, number[]> = {
  bzip2: [0x42, 0x5a, 0x68], xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a], zstd: [0x28, 0xb5, 0x2f, 0xfd],
};

/**
 * Read `body` to its end (see the top of this file): the entries in archive order, their
 * bodies in `spool`. Errors: invalid (a compression strata does not read, an entry that
 * is refused, naming it), TarSyntaxError/TarRangeError (not a tar, truncated, past `maxBytes`), the account's.
 */
export async function readUpload(body: ReadableStream<Uint8Array>, o: { spool: Spool; account: MemoryAccount; maxBytes: number }): Promise<UploadEntry[]> {
  const tar = await decompressed(body);
  try {
    return await readEntries(tar, o);
  } catch (err) {
    if (err instanceof EngineError || err instanceof SyntaxError || err instanceof RangeError || err instanceof FsError) throw err;
    // The inflater's or the request's own failure (corrupt gzip data, a client gone).
    throw invalid(`Cannot read the archive: ${err instanceof Error ? err.message : String(err)}; nothing was extracted`);
  }
}

async function readEntries(tar: ReadableStream<Uint8Array>, o: { spool: Spool; account: MemoryAccount; maxBytes: number }): Promise<UploadEntry[]> {
  const entries: UploadEntry[] = [];
  const kinds = new Map<string, UploadEntry["type"]>();
  for await (const { entry, body: data } of streamTar(tar, { name: "the archive", maxBytes: o.maxBytes })) {
    if (entry.path === "") continue; // "." or "./": the extraction directory itself, which moby skips
    if (entry.type === "char" || entry.type === "block" || entry.type === "fifo") {
      throw refused(entry.path, `is a ${entry.type === "fifo" ? "fifo" : `${entry.type} device`}: strata's filesystems hold no device nodes or fifos`);
    }
    checkParents(entry.path, kinds);
    if (entry.type === "hardlink") checkLinkTarget(entry.path, entry.linkname, kinds);
    o.account.reserve(ENTRY_COST + 2 * (entry.path.length + entry.linkname.length));
    const at = o.spool.size;
    for await (const piece of data) o.spool.append(piece);
    entries.push({
      path: entry.path, type: entry.type, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: Math.floor(entry.mtime),
      linkname: entry.linkname, at, size: entry.type === "file" ? entry.size : 0,
    });
    kinds.set(entry.path, entry.type);
  }
  return entries;
}

/** The error for an entry the archive may not hold. */
function refused(path: string, why: string) {
  return invalid(`Cannot extract the archive: entry "${path}" ${why}; nothing was extracted`);
}

/** No entry is written through a symlink the archive made, or below a file it made. */
function checkParents(path: string, kinds: ReadonlyMap<string, UploadEntry["type"]>): void {
  for (let i = path.indexOf("/"); i > 0; i = path.indexOf("/", i + 1)) {
    const parent = path.slice(0, i), kind = kinds.get(parent);
    if (kind === "symlink") throw refused(path, `would be written through the symlink "${parent}" that the archive itself makes`);
    if (kind !== undefined && kind !== "dir") throw refused(path, `is below "${parent}", which the archive makes a non-directory`);
  }
}

/** A hard link names something other than itself that is no directory, reached through no symlink of the archive. */
function checkLinkTarget(path: string, target: string, kinds: ReadonlyMap<string, UploadEntry["type"]>): void {
  if (target === path) throw refused(path, "is a hard link to itself");
  if (kinds.get(target) === "dir") throw refused(path, `is a hard link to the directory "${target}"`);
  try {
    checkParents(target, kinds);
  } catch {
    throw refused(path, `is a hard link to "${target}", which is reached through a symlink or a non-directory of the archive`);
  }
}

/** The tar inside `body`: itself, or its gzip inflated as it is read. Errors: invalid for another compression. */
async function decompressed(body: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  let head: Uint8Array = new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  while (head.length < 6) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    head = concat([head, value]);
  }
  for (const [name, magic] of Object.entries(COMPRESSED)) {
    if (magic.every((b, i) => head[i] === b)) {
      await reader.cancel().catch(() => {}); // the client's stream: its cancel can only fail with the client's own error
      throw invalid(`Cannot extract the archive: it is compressed with ${name}, which strata does not read; send a plain or gzip tar`);
    }
  }
  const replay = new ReadableStream<Uint8Array>({
    pull: async (c) => {
      if (chunks.length) return c.enqueue(chunks.shift()!);
      const { done, value } = await reader.read();
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel: (why) => reader.cancel(why),
  }, { highWaterMark: 0 });
  if (head[0] !== 0x1f || head[1] !== 0x8b) return replay;
  return (replay as ReadableStream<Uint8Array<ArrayBuffer>>).pipeThrough(new DecompressionStream("gzip")) as ReadableStream<Uint8Array>;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}
