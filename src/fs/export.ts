/**
 * Export: the upper as an OCI layer tar (sorted; `.wh.NAME` whiteouts; `.wh..wh..opq` in
 * opaque and moved directories; hard links as link entries) whose re-import gives the
 * same merged view (containerd's ChangeWriter does the same for overlay snapshots), and
 * the merged view flattened to one tar (`docker export`). Entries are sorted by path,
 * so a directory precedes its children and a hard link's first (smallest) name, which
 * carries the bytes, precedes the others.
 */
import { type TarInput, writeTar } from "../tar/mod.ts";
import { type Inode, WHITEOUT } from "./inode.ts";
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from "./layer.ts";
import type { UnionFS } from "./union_fs.ts";
import { fileBytes } from "./_file_data.ts";
import { FsError } from "./errors.ts";

const SEC = 1_000_000_000n;
type Item = [path: string, node: Inode | "whiteout" | "opaque"];

function entryOf(path: string, node: Inode, links: Map<Inode, string>): TarInput {
  const base = { path, mode: node.mode, uid: node.uid, gid: node.gid, mtime: Number(node.mtime / SEC), pax: node.pax ?? undefined };
  if (node.kind !== "dir") {
    const first = links.get(node);
    if (first !== undefined) return { ...base, type: "hardlink", linkname: first };
    links.set(node, path);
  }
  switch (node.kind) {
    case "file": return { ...base, type: "file", data: fileBytes(node) };
    case "symlink": return { ...base, type: "symlink", linkname: node.target };
    case "char": case "block": return { ...base, type: node.kind, devmajor: node.devmajor, devminor: node.devminor };
    case "dir": case "fifo": return { ...base, type: node.kind };
    // A socket lives only in a host directory (Kind has it for them); no layer or upper holds one, and tar has no type for it.
    case "socket": throw new FsError("EINVAL", path, "export");
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}/${name}` : name;
}

/** The merged view under one directory, in full (for new, moved and exported trees). */
function mergedTree(fs: UnionFS, dir: Inode, prefix: string, out: Item[]): void {
  for (const { name, node } of fs.list(dir)) {
    out.push([join(prefix, name), node]);
    if (node.kind === "dir") mergedTree(fs, node, join(prefix, name), out);
  }
}

function write(items: Item[]): Uint8Array {
  const seen = new Set<string>();
  const unique = items.filter(([p]) => (seen.has(p) ? false : (seen.add(p), true)));
  unique.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const links = new Map<Inode, string>();
  return writeTar(unique.map(([path, node]) => {
    if (node === "whiteout" || node === "opaque") return { path, type: "file", mode: 0 };
    return entryOf(path, node, links);
  }));
}

/** [path, node] for each of `paths` (without leading "/") that still shows `node` in the merged view. */
function namesShowing(fs: UnionFS, paths: readonly string[], node: Inode): Item[] {
  const out: Item[] = [];
  for (const path of paths) {
    try {
      if (fs.lookup(`/${path}`, false, "export") === node) out.push([path, node]);
    } catch {
      // gone from the merged view
    }
  }
  return out;
}

/** The upper as a layer tar. */
export function exportUpper(fs: UnionFS): Uint8Array {
  const out: Item[] = [];
  const walk = (dir: Inode, prefix: string) => {
    for (const [name, e] of dir.entries!) {
      const path = join(prefix, name);
      if (e === WHITEOUT) {
        out.push([join(prefix, `${WHITEOUT_PREFIX}${name}`), "whiteout"]);
        continue;
      }
      out.push([path, e]);
      if (e.kind !== "dir") continue;
      if (e.opaque || e.moved) out.push([`${path}/${OPAQUE_WHITEOUT}`, "opaque"]);
      if (e.moved) mergedTree(fs, e, path, out);
      else walk(e, path);
    }
  };
  walk(fs.root, ""); // every name of a copied-up lower file is in the upper tree (UnionFS.copyUpInode)
  // Every name of a lower hard-linked file that a moved directory carries into this layer
  // must carry it too: a tar links only within itself, so the names left below come along
  // as link entries.
  for (const [, node] of out.slice()) {
    if (typeof node === "string" || node.kind === "dir") continue;
    out.push(...namesShowing(fs, fs.stack.linkPaths.get(node.ino) ?? [], node));
  }
  return write(out);
}

/** The merged view as one tar (`docker export`). */
export function exportMerged(fs: UnionFS): Uint8Array {
  const out: Item[] = [];
  mergedTree(fs, fs.root, "", out);
  return write(out);
}
