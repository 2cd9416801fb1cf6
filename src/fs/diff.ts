/**
 * What a container changed, as Docker's `GET /containers/{id}/changes` reports it:
 * Kind 0 modified, 1 added, 2 deleted; directories included (a directory that holds a
 * change is "modified" when it existed below, "added" when new); sorted by path.
 */
import { type Inode, WHITEOUT } from "./inode.ts";
import type { UnionFS } from "./union_fs.ts";
import type { Change } from "./types.ts";

export type { Change };

export function diff(fs: UnionFS): Change[] {
  const seen = new Map<string, Change["Kind"]>();
  const addAll = (dir: Inode, prefix: string) => {
    for (const { name, node } of fs.list(dir)) {
      seen.set(`${prefix}/${name}`, 1);
      if (node.kind === "dir") addAll(node, `${prefix}/${name}`);
    }
  };
  const walk = (dir: Inode, prefix: string) => {
    const below = dir.opaque || dir.moved ? null : dir.lower;
    for (const [name, e] of dir.entries!) {
      const path = `${prefix}/${name}`;
      if (e === WHITEOUT) {
        seen.set(path, 2);
        continue;
      }
      const existed = below?.entries!.get(name);
      const same = existed !== undefined && existed !== WHITEOUT && existed.kind === e.kind;
      if (e.kind !== "dir") seen.set(path, existed ? 0 : 1);
      else if (e.moved || !same) {
        seen.set(path, existed ? 0 : 1);
        addAll(e, path);
      } else {
        seen.set(path, 0);
        walk(e, path);
      }
    }
  };
  walk(fs.root, ""); // every copy-up is named in the upper tree (UnionFS.copyUpInode)
  const out = [...seen].map(([Path, Kind]) => ({ Path, Kind }));
  return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}
