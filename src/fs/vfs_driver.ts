/**
 * The `vfs` storage driver, as Docker's: every container gets a full copy of the merged
 * image tree (bytes included) and no lowers. Same interface as the union; it is the
 * oracle in tests and the baseline in benchmarks.
 */
import type { Inode } from "./inode.ts";
import type { Layer } from "./layer.ts";
import { UnionFS } from "./union_fs.ts";
import { WritableLayer } from "./writable_layer.ts";

/** A container filesystem that owns a private copy of the whole merged view of `lowers`. */
export function mountVfs(lowers: readonly Layer[]): UnionFS {
  const source = new UnionFS({ lowers, upper: new WritableLayer() });
  const fs = new UnionFS({ lowers: [], upper: new WritableLayer() });
  const copies = new Map<Inode, Inode>();
  const copy = (node: Inode): Inode => {
    const known = copies.get(node);
    if (known) return known;
    const u: Inode = { ...node, isUpper: true, shared: false, lower: null, opaque: false, moved: false, path: "",
      data: node.kind === "file" ? node.data.slice(0, node.size) : node.data, entries: node.kind === "dir" ? new Map() : null };
    copies.set(node, u);
    return u;
  };
  const walk = (from: Inode, to: Inode) => {
    for (const { name, node } of source.list(from)) {
      const u = copy(node);
      to.entries!.set(name, u);
      if (node.kind === "dir") walk(node, u);
    }
  };
  Object.assign(fs.root, { mode: source.root.mode, mtime: source.root.mtime, atime: source.root.atime, ctime: source.root.ctime });
  walk(source.root, fs.root);
  return fs;
}
