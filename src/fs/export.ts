/**
 * Export: the upper as an OCI layer tar (sorted; `.wh.NAME` whiteouts; `.wh..wh..opq` in
 * opaque directories; hard links as link entries) whose re-import gives the same merged
 * view (containerd's ChangeWriter does the same for overlay snapshots), and the merged
 * view flattened to one tar (`docker export`).
 */
import { type TarInput, writeTar } from "../tar/mod.ts";
import { type Inode, WHITEOUT } from "./inode.ts";
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from "./layer.ts";
import type { UnionFS } from "./union_fs.ts";

const SEC = 1_000_000_000n;

function entryOf(path: string, node: Inode, links: Map<Inode, string>): TarInput {
  const base = { path, mode: node.mode, uid: node.uid, gid: node.gid, mtime: Number(node.mtime / SEC), pax: node.pax ?? undefined };
  if (node.kind !== "dir") {
    const first = links.get(node);
    if (first !== undefined) return { ...base, type: "hardlink", linkname: first };
    if (node.nlink > 1) links.set(node, path);
  }
  switch (node.kind) {
    case "file": return { ...base, type: "file", data: node.data.subarray(0, node.size) };
    case "symlink": return { ...base, type: "symlink", linkname: node.target };
    case "char": case "block": return { ...base, type: node.kind, devmajor: node.devmajor, devminor: node.devminor };
    default: return { ...base, type: node.kind };
  }
}

/** The merged view of one directory, written in full (for new and moved directories). */
function mergedTree(fs: UnionFS, dir: Inode, prefix: string, out: TarInput[], links: Map<Inode, string>): void {
  for (const { name, node } of fs.list(dir)) {
    const path = prefix ? `${prefix}/${name}` : name;
    out.push(entryOf(path, node, links));
    if (node.kind === "dir") mergedTree(fs, node, path, out, links);
  }
}

/** The upper as a layer tar. */
export function exportUpper(fs: UnionFS): Uint8Array {
  const out: TarInput[] = [];
  const links = new Map<Inode, string>();
  const walk = (dir: Inode, prefix: string) => {
    for (const name of [...dir.entries!.keys()].sort()) {
      const e = dir.entries!.get(name)!;
      const path = prefix ? `${prefix}/${name}` : name;
      if (e === WHITEOUT) {
        out.push({ path: prefix ? `${prefix}/${WHITEOUT_PREFIX}${name}` : `${WHITEOUT_PREFIX}${name}`, type: "file", mode: 0 });
        continue;
      }
      out.push(entryOf(path, e, links));
      if (e.kind !== "dir") continue;
      if (e.opaque || e.moved) out.push({ path: `${path}/${OPAQUE_WHITEOUT}`, type: "file", mode: 0 });
      if (e.moved) mergedTree(fs, e, path, out, links);
      else walk(e, path);
    }
  };
  walk(fs.root, "");
  // Other names of a copied-up hard-linked lower file must point at the copy too.
  for (const [ino, paths] of fs.stack.linkPaths) {
    const u = fs.upper.copied.get(ino);
    if (!u) continue;
    for (const p of paths) {
      const loc = tryLocate(fs, p);
      if (loc === u && links.get(u) !== p && !out.some((o) => o.path === p)) out.push(entryOf(p, u, links));
    }
  }
  return writeTar(out); // walk order: sorted per directory, parents first, link targets before links
}

function tryLocate(fs: UnionFS, path: string): Inode | undefined {
  try {
    return fs.locate(path, false).node;
  } catch {
    return undefined;
  }
}

/** The merged view as one tar (`docker export`). */
export function exportMerged(fs: UnionFS): Uint8Array {
  const out: TarInput[] = [];
  mergedTree(fs, fs.root, "", out, new Map());
  return writeTar(out);
}
