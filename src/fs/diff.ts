/**
 * What a container changed, as Docker's `GET /containers/{id}/changes` reports it:
 * Kind 0 modified, 1 added, 2 deleted; directories included (a directory that holds a
 * change is "modified" when it existed below, "added" when new); sorted by path.
 */
import { type Inode, WHITEOUT } from "./inode.ts";
import type { UnionFS } from "./union_fs.ts";

export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

export function diff(fs: UnionFS): Change[] {
  const out: Change[] = [];
  const addAll = (dir: Inode, prefix: string) => {
    for (const { name, node } of fs.list(dir)) {
      out.push({ Path: `${prefix}/${name}`, Kind: 1 });
      if (node.kind === "dir") addAll(node, `${prefix}/${name}`);
    }
  };
  const walk = (dir: Inode, prefix: string) => {
    const below = dir.opaque || dir.moved ? null : dir.lower;
    for (const [name, e] of dir.entries!) {
      const path = `${prefix}/${name}`;
      if (e === WHITEOUT) {
        out.push({ Path: path, Kind: 2 });
        continue;
      }
      const existed = below?.entries!.get(name);
      const same = existed && existed !== WHITEOUT && existed.kind === e.kind;
      if (e.kind === "dir") {
        if (e.moved || !same) {
          if (existed && !same) out.push({ Path: path, Kind: 0 });
          else out.push({ Path: path, Kind: 1 });
          addAll(e, path);
        } else {
          out.push({ Path: path, Kind: 0 });
          walk(e, path);
        }
      } else out.push({ Path: path, Kind: existed ? 0 : 1 });
    }
  };
  walk(fs.root, "");
  return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}
