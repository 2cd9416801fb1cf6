/**
 * The change journal: replay of a writable layer's `ChangeRecord`s, and their bytes.
 * An upper reports every change through `upper.onChange`; the engine's write-through
 * journal (src/engine/_persist.ts) stores them, and `applyChange` replays them in order
 * onto a copy that started from the same snapshot, which ends identical to the upper,
 * inode numbers and times included (records carry them). A process in a worker sends
 * its changes the same way, in the same bytes (src/wasi/change_link.ts): the one format
 * of every change that travels, to the store or between threads.
 *
 * Byte form (`encodeChange`): u32 little-endian length of a JSON header (bigints as
 * decimal strings), the header, then a write's payload.
 */
import { FsError } from "./errors.ts";
import { type Inode, WHITEOUT } from "./inode.ts";
import { lowerByIno } from "./lower_stack.ts";
import type { ChangeRecord } from "./types.ts";
import type { WritableLayer } from "./writable_layer.ts";

function inodeOf(upper: WritableLayer, ino: number, op: string): Inode {
  return upper.inodes.get(ino) ?? fail(`no upper inode ${ino}`, op);
}

function fail(what: string, op: string): never {
  throw new FsError("EINVAL", what, `replay ${op}`);
}

/** Replay one record on `upper`, which must be mounted (bound to its lower stack). Errors: EINVAL (a record that does not fit this upper). */
export function applyChange(upper: WritableLayer, rec: ChangeRecord): void {
  const stack = upper.stack ?? fail("upper not mounted", rec.op);
  switch (rec.op) {
    case "inode": {
      upper.create(rec.kind, rec.mode, rec.time, rec.target, rec.ino, { uid: rec.uid, gid: rec.gid });
      return;
    }
    case "copyUp": {
      upper.copyUp(lowerByIno(stack).get(rec.ino) ?? fail(`no lower inode ${rec.ino}`, rec.op));
      return;
    }
    case "entry": {
      const child = rec.child === -1 ? WHITEOUT : rec.child === -2 ? null : inodeOf(upper, rec.child, rec.op);
      upper.setEntry(inodeOf(upper, rec.dir, rec.op), rec.name, child);
      return;
    }
    case "attr": return upper.setAttr(inodeOf(upper, rec.ino, rec.op), rec.set);
    case "write": {
      const node = inodeOf(upper, rec.ino, rec.op);
      if (!rec.inPlace || rec.data.length > 0) return upper.write(node, rec.pos, rec.data, rec.time);
      // The bytes are in the spilled file already: only the size and times change.
      if (node.spill === null) fail(`inode ${rec.ino} is not spilled`, rec.op);
      node.size = Math.max(node.size, rec.pos + (rec.length ?? 0));
      node.mtime = node.ctime = rec.time;
      upper.report(rec);
      return;
    }
    case "spill": {
      const space = upper.spill ?? fail("no spill space", rec.op);
      return upper.useSpill(inodeOf(upper, rec.ino, rec.op), space.open(rec.name), false);
    }
    case "truncate": return upper.truncate(inodeOf(upper, rec.ino, rec.op), rec.size, rec.time);
    case "release": {
      // Forgetting is idempotent, and waits for this copy's own handles and names: an
      // inode another copy let go of may still be open or linked here.
      const node = upper.inodes.get(rec.ino);
      if (node && node.nlink === 0 && !upper.isOpen(rec.ino)) upper.release(node);
      return;
    }
  }
}

const encoder = new TextEncoder(), decoder = new TextDecoder();

/**
 * A record as bytes: one frame of a store's journal, or of a worker's ring, where `fs`
 * says which of the process's filesystems it changes (its rootfs or a volume:
 * src/wasi/change_link.ts).
 */
export function encodeChange(rec: ChangeRecord, fs?: string): Uint8Array {
  const payload = rec.op === "write" && !rec.inPlace ? rec.data : null;
  let head: object = rec.op === "write" ? { ...rec, data: payload?.length ?? 0, length: rec.inPlace ? rec.data.length : undefined } : rec;
  if (fs !== undefined) head = { ...head, fs };
  const json = encoder.encode(JSON.stringify(head, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
  const out = new Uint8Array(4 + json.length + (payload?.length ?? 0));
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  if (payload) out.set(payload, 4 + json.length);
  return out;
}

/**
 * `rec` as records whose frames stay under `max` bytes: a write of more bytes goes as
 * several writes of consecutive ranges, each with the same time (the last leaves the
 * file as the one write did).
 */
export function splitChange(rec: ChangeRecord, max: number): ChangeRecord[] {
  const room = max - 512;
  if (rec.op !== "write" || rec.inPlace || rec.data.length <= room) return [rec];
  const out: ChangeRecord[] = [];
  for (let i = 0; i < rec.data.length; i += room) out.push({ ...rec, pos: rec.pos + i, data: rec.data.subarray(i, i + room) });
  return out;
}

/** A record from `encodeChange` bytes (a write's data is a view into `bytes`). Errors: EINVAL (not a record). */
export function decodeChange(bytes: Uint8Array): ChangeRecord {
  return decodeTagged(bytes).rec;
}

/** A record and the filesystem it was tagged with, from `encodeChange` bytes. Errors: EINVAL (not a record). */
export function decodeTagged(bytes: Uint8Array): { rec: ChangeRecord; fs: string | undefined } {
  const len = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true) : 0;
  if (bytes.length < 4 || 4 + len > bytes.length) fail(`truncated frame of ${bytes.length} bytes`, "decode");
  // deno-lint-ignore no-explicit-any
  let r: any;
  try {
    r = JSON.parse(decoder.decode(bytes.subarray(4, 4 + len)));
  } catch {
    fail(`a frame of ${bytes.length} bytes is not a change record`, "decode");
  }
  switch (r.op) {
    case "inode": case "truncate": r.time = BigInt(r.time); break;
    case "write": r.time = BigInt(r.time); r.data = bytes.subarray(4 + len, 4 + len + r.data); break;
    case "attr": for (const k of ["atime", "mtime", "ctime"]) if (r.set[k] !== undefined) r.set[k] = BigInt(r.set[k]); break;
  }
  const fs = r.fs as string | undefined;
  delete r.fs;
  return { rec: r as ChangeRecord, fs };
}

/** What a record does, for a message: `write of 5 bytes at 0 to inode 812`. */
export function describeChange(rec: ChangeRecord): string {
  switch (rec.op) {
    case "inode": return `create ${rec.kind} inode ${rec.ino}`;
    case "entry": return `set name "${rec.name}" in directory inode ${rec.dir}`;
    case "write": return `write of ${rec.inPlace ? rec.length ?? rec.data.length : rec.data.length} bytes at ${rec.pos} to inode ${rec.ino}`;
    default: return `${rec.op} of inode ${rec.ino}`;
  }
}
