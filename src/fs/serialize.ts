/**
 * A writable layer to bytes and back: for the disk store, and to hand an upper to a
 * worker thread. The whole inode table goes, in table order (so a replay on a restored
 * copy ends byte-identical to the original), unlinked-but-open inodes included. Lower
 * inodes are named by their numbers, which `mergeLowers` assigns deterministically from
 * the layers, so a restored upper binds to a rebuilt stack of the same layers. File
 * bytes still shared with a layer are not copied: they are named too, and so is the
 * file of a spilled inode (spill.ts), which the restored upper opens in its own space.
 *
 * Format: u32 (little endian) length of a JSON header, the header, then file bytes.
 */
import { FsError } from "./errors.ts";
import { type Inode, makeInode, WHITEOUT } from "./inode.ts";
import { type LowerStack, lowerByIno } from "./lower_stack.ts";
import { WritableLayer } from "./writable_layer.ts";
import { fileBytes } from "./_file_data.ts";

interface NodeRec {
  ino: number; kind: Inode["kind"]; mode: number; uid: number; gid: number; nlink: number; size: number; target: string;
  dev: [number, number]; t: [string, string, string]; pax: Record<string, string> | null;
  /** [offset, length] in the data section, "lower" when the bytes are the lower inode's, or the spill file holding them. */
  data: [number, number] | "lower" | { spill: string } | null;
  entries?: Array<[string, number]>; // -1 = whiteout
  lower?: number | null; opaque?: boolean; moved?: boolean;
}

interface Header {
  v: 2;
  nextIno: number;
  nodes: NodeRec[];
}

function recordOf(n: Inode, chunks: Uint8Array[], at: { offset: number }): NodeRec {
  let data: NodeRec["data"] = null;
  if (n.kind === "file") {
    if (n.spill !== null) data = { spill: n.spill.name };
    else if (n.shared && n.pages === null) data = "lower";
    else {
      chunks.push(fileBytes(n));
      data = [at.offset, n.size];
      at.offset += n.size;
    }
  }
  const rec: NodeRec = {
    ino: n.ino, kind: n.kind, mode: n.mode, uid: n.uid, gid: n.gid, nlink: n.nlink, size: n.size, target: n.target,
    dev: [n.devmajor, n.devminor], t: [String(n.atime), String(n.mtime), String(n.ctime)], pax: n.pax, data,
  };
  if (n.kind === "dir") {
    Object.assign(rec, { lower: n.lower ? n.lower.ino : null, opaque: n.opaque, moved: n.moved });
    rec.entries = [...n.entries!].map(([name, e]) => [name, e === WHITEOUT ? -1 : e.ino]);
  }
  return rec;
}

const encoder = new TextEncoder(), decoder = new TextDecoder();

/** Restored uppers not mounted yet: their bytes are still their serialization. */
const unmounted = new WeakMap<WritableLayer, Uint8Array>();

export function serializeUpper(upper: WritableLayer): Uint8Array {
  if (upper.pending) return unmounted.get(upper)!;
  const chunks: Uint8Array[] = [];
  const at = { offset: 0 };
  const nodes = [...upper.inodes.values()].map((n) => recordOf(n, chunks, at));
  const json = encoder.encode(JSON.stringify({ v: 2, nextIno: upper.nextIno, nodes } satisfies Header));
  const out = new Uint8Array(4 + json.length + at.offset);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let pos = 4 + json.length;
  for (const c of chunks) out.set(c, pos), pos += c.length;
  return out;
}

function fail(what: string): never {
  throw new FsError("EINVAL", what, "deserialize upper");
}

/** A writable layer from `serializeUpper` bytes; it materializes when first mounted. Errors: EINVAL (not such bytes). */
export function deserializeUpper(bytes: Uint8Array): WritableLayer {
  const len = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true) : -1;
  if (len < 0 || 4 + len > bytes.length) fail(`${bytes.length} bytes are not a serialized upper`);
  // A copy of the header only where it views shared memory, which a browser's TextDecoder refuses.
  const head = bytes.subarray(4, 4 + len);
  const header = JSON.parse(decoder.decode(head.buffer instanceof ArrayBuffer ? head : head.slice())) as Header;
  if (header.v !== 2) fail(`unknown version ${header.v}`);
  const data = bytes.subarray(4 + len);
  const upper = new WritableLayer();
  upper.nextIno = header.nextIno;
  if (header.nodes.length) {
    upper.pending = (stack) => materialize(upper, header, data, stack);
    unmounted.set(upper, bytes);
  }
  return upper;
}

function materialize(upper: WritableLayer, h: Header, data: Uint8Array, stack: LowerStack): void {
  const byIno = lowerByIno(stack);
  for (const r of h.nodes) {
    const n = makeInode(r.ino, r.kind, r.mode);
    Object.assign(n, {
      uid: r.uid, gid: r.gid, nlink: r.nlink, size: r.size, target: r.target, devmajor: r.dev[0], devminor: r.dev[1],
      atime: BigInt(r.t[0]), mtime: BigInt(r.t[1]), ctime: BigInt(r.t[2]), pax: r.pax, isUpper: true,
      opaque: r.opaque ?? false, moved: r.moved ?? false, lower: r.lower == null ? null : byIno.get(r.lower) ?? null,
    });
    if (r.data === "lower") Object.assign(n, { data: byIno.get(r.ino)?.data ?? new Uint8Array(r.size), shared: true });
    else if (Array.isArray(r.data)) n.data = data.slice(r.data[0], r.data[0] + r.data[1]);
    else if (r.data) n.spill = (upper.spill ?? fail(`inode ${r.ino} is spilled and this upper has no spill space`)).open(r.data.spill);
    upper.inodes.set(n.ino, n);
  }
  for (const r of h.nodes) {
    const n = upper.inodes.get(r.ino)!;
    if (r.entries) for (const [name, j] of r.entries) n.entries!.set(name, j < 0 ? WHITEOUT : upper.inodes.get(j)!);
  }
  upper.root = upper.inodes.get(stack.root.ino) ?? fail("no root inode");
}
