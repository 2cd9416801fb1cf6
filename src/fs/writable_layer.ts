/**
 * WritableLayer (the upper): a container's own changes. Directories form a sparse tree
 * that mirrors only the paths that changed; each upper directory points at the lower
 * directory merged beneath it. `copied` maps a lower inode number to its copy-up, so
 * every name of a hard-linked lower file sees the copy (hard links stay linked after
 * copy-up, as overlayfs' index gives them) and open handles follow the copy.
 */
import { cloneForUpper, type Inode, makeInode, WHITEOUT } from "./inode.ts";
import type { LowerStack } from "./lower_stack.ts";

export class WritableLayer {
  /** The upper root; bound to a lower stack at the first mount. */
  root: Inode | null = null;
  readonly copied = new Map<number, Inode>();
  nextIno = 0;
  /** The stack this upper was first mounted on. */
  stack: LowerStack | null = null;
  /** Set by `deserializeUpper`: builds the root once the lower stack is known. */
  pending: ((stack: LowerStack) => Inode) | null = null;

  /**
   * Bind to `stack`. An upper belongs to one image; binding it again to a stack of the
   * same layers (rebuilt after a restart) is fine, as lower inode numbers are assigned
   * deterministically from the layers.
   */
  bind(stack: LowerStack): Inode {
    this.stack = stack;
    if (!this.root && this.pending) {
      this.root = this.pending(stack);
      this.pending = null;
    }
    if (!this.root) {
      this.root = cloneForUpper(stack.root);
      this.copied.set(stack.root.ino, this.root);
    }
    this.nextIno = Math.max(this.nextIno, stack.nextIno);
    return this.root;
  }

  /** A new upper inode. */
  create(kind: Inode["kind"], mode: number): Inode {
    const node = makeInode(this.nextIno++, kind, mode);
    node.isUpper = true;
    return node;
  }

  /** Bytes in the upper: Docker's SizeRw (each inode once). */
  size(): number {
    if (!this.root) return 0;
    const seen = new Set<Inode>();
    let total = 0;
    const walk = (dir: Inode) => {
      for (const e of dir.entries!.values()) {
        if (e === WHITEOUT || seen.has(e)) continue;
        seen.add(e);
        if (e.kind === "dir") walk(e);
        else total += e.kind === "file" ? e.size : e.kind === "symlink" ? e.target.length : 0;
      }
    };
    walk(this.root);
    for (const n of this.copied.values()) if (!seen.has(n) && n.kind === "file") total += n.size;
    return total;
  }

  /** True when nothing was changed. */
  isEmpty(): boolean {
    return !this.root || (this.root.entries!.size === 0 && this.copied.size <= 1);
  }
}
