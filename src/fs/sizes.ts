/**
 * Sizes as Docker reports them: `sizeRw`, the bytes in the writable layer (SizeRw), and
 * `sizeRootFs`, the bytes of the whole merged view (SizeRootFs; each inode once, so hard
 * links count once, as `du` counts them).
 */
import type { Inode } from "./inode.ts";
import type { UnionFS } from "./union_fs.ts";

function bytesOf(n: Inode): number {
  return n.kind === "file" ? n.size : n.kind === "symlink" ? n.target.length : 0;
}

export function sizes(fs: UnionFS): { sizeRw: number; sizeRootFs: number } {
  const seen = new Set<number>();
  let total = 0;
  const walk = (dir: Inode) => {
    for (const { node } of fs.list(dir)) {
      if (node.kind === "dir") walk(node);
      else if (!seen.has(node.ino)) {
        seen.add(node.ino);
        total += bytesOf(node);
      }
    }
  };
  walk(fs.root);
  return { sizeRw: fs.upper.size(), sizeRootFs: total };
}
