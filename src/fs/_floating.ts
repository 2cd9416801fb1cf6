/**
 * Copies in the inode table that no upper directory names: a lower file whose metadata
 * changed through a handle, or one name of a hard-linked lower file. Lookups reach them
 * by number from their lower names; diff and export find them here, at each lower name
 * that still shows them.
 */
import type { Inode } from "./inode.ts";
import { lowerByIno } from "./lower_stack.ts";
import type { UnionFS } from "./union_fs.ts";

/** [path without leading "/", inode] for every name of a copied-up non-directory, whether the upper tree names it or not. */
export function copiedNames(fs: UnionFS): Array<[string, Inode]> {
  const out: Array<[string, Inode]> = [];
  const lower = lowerByIno(fs.stack);
  for (const u of fs.upper.inodes.values()) {
    if (u.kind === "dir" || u.nlink === 0) continue;
    const l = lower.get(u.ino);
    if (!l) continue;
    out.push(...namesShowing(fs, fs.stack.linkPaths.get(u.ino) ?? [l.path], u));
  }
  return out;
}

/** [path, node] for each of `paths` (without leading "/") that still shows `node` in the merged view. */
export function namesShowing(fs: UnionFS, paths: readonly string[], node: Inode): Array<[string, Inode]> {
  const out: Array<[string, Inode]> = [];
  for (const path of paths) {
    try {
      if (fs.lookup(`/${path}`, false, "export") === node) out.push([path, node]);
    } catch {
      // gone from the merged view
    }
  }
  return out;
}
