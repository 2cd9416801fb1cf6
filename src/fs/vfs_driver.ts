/**
 * The `vfs` storage driver, as Docker's: every container gets a full copy of the merged
 * image tree (bytes included) and no lowers. It is a storage driver, not an adapter: the
 * result is a `UnionFS` (the one `FileSystem`), so the conformance suite runs it beside
 * the union, and bench/union.bench.ts measures the union against it (the
 * copy-everything baseline).
 */
import type { Inode } from "./inode.ts";
import type { Layer } from "./layer.ts";
import { UnionFS } from "./union_fs.ts";
import { WritableLayer } from "./writable_layer.ts";
import { fileBytes } from "./_file_data.ts";

/** A container filesystem that owns a private copy of the whole merged view of `lowers`. */
export function mountVfs(lowers: readonly Layer[]): UnionFS {
  const source = new UnionFS({ lowers, upper: new WritableLayer() });
  const upper = new WritableLayer();
  const fs = new UnionFS({ lowers: [], upper });
  const copies = new Map<Inode, Inode>();
  const copy = (node: Inode): Inode => {
    const known = copies.get(node);
    if (known) return known;
    const u: Inode = { ...node, isUpper: true, shared: false, pages: null, lower: null, opaque: false, moved: false, path: "", st: null,
      data: node.kind === "file" ? fileBytes(node).slice() : node.data, entries: node.kind === "dir" ? new Map() : null };
    copies.set(node, u);
    upper.inodes.set(u.ino, u);
    return u;
  };
  const walk = (from: Inode, to: Inode) => {
    for (const { name, node } of source.list(from)) {
      const u = copy(node);
      to.entries!.set(name, u);
      if (node.kind === "dir") walk(node, u);
    }
  };
  const r = source.root;
  Object.assign(fs.root, { mode: r.mode, uid: r.uid, gid: r.gid, mtime: r.mtime, atime: r.atime, ctime: r.ctime, nlink: r.nlink });
  walk(r, fs.root);
  upper.nextIno = Math.max(upper.nextIno, source.stack.nextIno);
  return fs;
}
