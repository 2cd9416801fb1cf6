/**
 * A writable layer to bytes and back: for the disk store, and to hand an upper to a
 * worker thread. Lower inodes are named by their numbers, which `mergeLowers` assigns
 * deterministically from the layers, so a restored upper binds to a rebuilt stack of the
 * same layers. File bytes still shared with a layer are not copied: they are named too.
 *
 * Format: u32 (little endian) length of a JSON header, the header, then file bytes.
 */
import { type Inode, makeInode, WHITEOUT } from "./inode.ts";
import type { LowerStack } from "./lower_stack.ts";
import { WritableLayer } from "./writable_layer.ts";

interface NodeRec {
  ino: number; kind: Inode["kind"]; mode: number; uid: number; gid: number; nlink: number; size: number; target: string;
  dev: [number, number]; t: [string, string, string]; pax: Record<string, string> | null;
  /** [offset, length] in the data section, or "lower" when the bytes are the lower inode's. */
  data: [number, number] | "lower" | null;
  entries?: Array<[string, number]>; // -1 = whiteout
  lower?: number | null; opaque?: boolean; moved?: boolean;
}

interface Header {
  v: 1;
  root: number;
  nextIno: number;
  nodes: NodeRec[];
  copied: Array<[number, number]>;
}

export function serializeUpper(upper: WritableLayer): Uint8Array {
  if (!upper.root) return encode({ v: 1, root: -1, nextIno: upper.nextIno, nodes: [], copied: [] }, []);
  const index = new Map<Inode, number>();
  const nodes: NodeRec[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const visit = (n: Inode): number => {
    const known = index.get(n);
    if (known !== undefined) return known;
    const i = nodes.length;
    index.set(n, i);
    let data: NodeRec["data"] = null;
    if (n.kind === "file") {
      if (n.shared) data = "lower";
      else {
        chunks.push(n.data.subarray(0, n.size));
        data = [offset, n.size];
        offset += n.size;
      }
    }
    const rec: NodeRec = {
      ino: n.ino, kind: n.kind, mode: n.mode, uid: n.uid, gid: n.gid, nlink: n.nlink, size: n.size, target: n.target,
      dev: [n.devmajor, n.devminor], t: [String(n.atime), String(n.mtime), String(n.ctime)], pax: n.pax, data,
    };
    nodes.push(rec);
    if (n.kind === "dir") {
      rec.lower = n.lower ? n.lower.ino : null;
      rec.opaque = n.opaque;
      rec.moved = n.moved;
      rec.entries = [...n.entries!].map(([name, e]) => [name, e === WHITEOUT ? -1 : visit(e)]);
    }
    return i;
  };
  const root = visit(upper.root);
  const copied = [...upper.copied].map(([ino, n]) => [ino, visit(n)] as [number, number]);
  return encode({ v: 1, root, nextIno: upper.nextIno, nodes, copied }, chunks);
}

function encode(header: Header, chunks: Uint8Array[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const total = 4 + json.length + chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let at = 4 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A writable layer from `serializeUpper` bytes; it materializes when first mounted. */
export function deserializeUpper(bytes: Uint8Array): WritableLayer {
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))) as Header;
  const data = bytes.subarray(4 + len);
  const upper = new WritableLayer();
  upper.nextIno = header.nextIno;
  if (header.root >= 0) upper.pending = (stack) => materialize(upper, header, data, stack);
  return upper;
}

function materialize(upper: WritableLayer, h: Header, data: Uint8Array, stack: LowerStack): Inode {
  const byIno = new Map<number, Inode>();
  for (const n of stack.byPath.values()) byIno.set(n.ino, n);
  const built = h.nodes.map((r) => {
    const n = makeInode(r.ino, r.kind, r.mode);
    Object.assign(n, {
      uid: r.uid, gid: r.gid, nlink: r.nlink, size: r.size, target: r.target, devmajor: r.dev[0], devminor: r.dev[1],
      atime: BigInt(r.t[0]), mtime: BigInt(r.t[1]), ctime: BigInt(r.t[2]), pax: r.pax, isUpper: true,
      opaque: r.opaque ?? false, moved: r.moved ?? false, lower: r.lower == null ? null : byIno.get(r.lower) ?? null,
    });
    if (r.data === "lower") Object.assign(n, { data: byIno.get(r.ino)?.data ?? new Uint8Array(r.size), shared: true });
    else if (r.data) n.data = data.slice(r.data[0], r.data[0] + r.data[1]);
    return n;
  });
  h.nodes.forEach((r, i) => {
    if (r.entries) for (const [name, j] of r.entries) built[i]!.entries!.set(name, j < 0 ? WHITEOUT : built[j]!);
  });
  for (const [ino, i] of h.copied) upper.copied.set(ino, built[i]!);
  return built[h.root]!;
}
