/**
 * WritableLayer (the upper): a container's own changes. Directories form a sparse tree
 * that mirrors only the paths that changed; each upper directory points at the lower
 * directory merged beneath it. `inodes` is the inode table: every upper inode by number.
 * A copy-up keeps the lower inode's number, so `inodes.get(lower.ino)` is its copy:
 * every name of a hard-linked lower file sees the copy (hard links stay linked after
 * copy-up, as overlayfs' index gives them), and open handles follow it.
 *
 * Every change goes through the primitives below, which report it to `onChange` as a
 * `ChangeRecord` before returning; `applyChange` replays one on another upper.
 */
import { cloneForUpper, type Inode, makeInode, WHITEOUT, type Whiteout } from "./inode.ts";
import { spillData, truncateData, writeData } from "./_file_data.ts";
import type { SpillSpace } from "./spill.ts";
import type { LowerStack } from "./lower_stack.ts";
import type { AttrChange, ChangeRecord, Kind } from "./types.ts";

/** Something open on an upper's inode (a handle), linked into the upper's list of open things. */
interface OpenRef {
  readonly node: Inode;
  prevOpen: OpenRef | null;
  nextOpen: OpenRef | null;
}

export class WritableLayer {
  /** The upper root (a copy of the lower root, ino 1); made at the first mount. */
  root: Inode | null = null;
  /** Upper inodes by number (copies keep their lower number). */
  readonly inodes = new Map<number, Inode>();
  nextIno = 0;
  /** The stack this upper was mounted on. */
  stack: LowerStack | null = null;
  /** Set by `deserializeUpper`: builds the inodes once the lower stack is known. */
  pending: ((stack: LowerStack) => void) | null = null;
  /**
   * Called synchronously with every change as it happens. A record's `data` is a view of
   * the writer's buffer: copy it before returning if it must outlive the call.
   */
  onChange: ((rec: ChangeRecord) => void) | null = null;
  /**
   * What is open (handles), as a doubly linked list through them: opening and closing
   * only link and unlink; the list is searched only when an unlinked inode might go.
   */
  #open: OpenRef | null = null;
  /** Counts copy-ups and releases: a handle looks its inode up in the table again only when this changed. */
  tableChanges = 0;
  /** Where files of `spill.threshold` bytes or more go (spill.ts); null keeps every file in memory. */
  spill: SpillSpace | null = null;

  /**
   * Bind to `stack`. An upper belongs to one image; binding it again to a stack of the
   * same layers (rebuilt after a restart) is fine: lower inode numbers are assigned
   * deterministically from the layers.
   */
  bind(stack: LowerStack): Inode {
    this.stack = stack;
    if (this.pending) {
      const build = this.pending;
      this.pending = null;
      build(stack);
    }
    if (!this.root) {
      this.root = cloneForUpper(stack.root);
      this.inodes.set(this.root.ino, this.root);
    }
    this.nextIno = Math.max(this.nextIno, stack.nextIno);
    return this.root;
  }

  /** A new upper inode (numbered by the layer; a replay passes the number it recorded). */
  create(kind: Kind, mode: number, time: bigint, target = "", ino = this.nextIno): Inode {
    this.nextIno = Math.max(this.nextIno, ino + 1);
    const node = makeInode(ino, kind, mode, time);
    node.isUpper = true;
    node.target = target;
    node.size = target.length;
    this.inodes.set(node.ino, node);
    this.onChange?.({ op: "inode", ino: node.ino, kind, mode, uid: 0, gid: 0, target, time });
    return node;
  }

  /** The upper copy of a lower inode (metadata; file bytes shared until written). */
  copyUp(lower: Inode): Inode {
    const known = this.inodes.get(lower.ino);
    if (known) return known;
    const u = cloneForUpper(lower);
    this.inodes.set(u.ino, u);
    this.tableChanges++;
    this.onChange?.({ op: "copyUp", ino: u.ino });
    return u;
  }

  /** In upper directory `dir`, make `name` name `child`, a whiteout, or (null) nothing. */
  setEntry(dir: Inode, name: string, child: Inode | Whiteout | null): void {
    if (child === null) dir.entries!.delete(name);
    else dir.entries!.set(name, child);
    this.onChange?.({ op: "entry", dir: dir.ino, name, child: child === null ? -2 : child === WHITEOUT ? -1 : child.ino });
  }

  /** Set metadata of an upper inode. */
  setAttr(node: Inode, set: AttrChange): void {
    if (set.mode !== undefined) node.mode = set.mode;
    if (set.uid !== undefined) node.uid = set.uid;
    if (set.gid !== undefined) node.gid = set.gid;
    if (set.nlink !== undefined) node.nlink = set.nlink;
    if (set.atime !== undefined) node.atime = set.atime;
    if (set.mtime !== undefined) node.mtime = set.mtime;
    if (set.ctime !== undefined) node.ctime = set.ctime;
    if (set.opaque !== undefined) node.opaque = set.opaque;
    if (set.moved !== undefined) node.moved = set.moved;
    this.onChange?.({ op: "attr", ino: node.ino, set });
  }

  /** pwrite into an upper file (a file sharing a layer's bytes copies only the pages written: _file_data.ts). */
  write(node: Inode, pos: number, data: Uint8Array, time: bigint): void {
    this.#spillAt(node, pos + data.length);
    writeData(node, pos, data);
    node.mtime = node.ctime = time;
    this.onChange?.({ op: "write", ino: node.ino, pos, data, time, ...(node.spill ? { inPlace: true } : {}) });
  }

  /** Set an upper file's size (zero-filled when it grows). */
  truncate(node: Inode, size: number, time: bigint): void {
    this.#spillAt(node, size);
    truncateData(node, size);
    node.mtime = node.ctime = time;
    this.onChange?.({ op: "truncate", ino: node.ino, size, time });
  }

  /** A file growing to `end` bytes moves out of memory when that reaches the space's threshold. */
  #spillAt(node: Inode, end: number): void {
    if (node.spill !== null || this.spill === null || end < this.spill.threshold) return;
    this.useSpill(node, this.spill.create(), true);
  }

  /** The file's bytes move into `file`; `fill: false` for a replay, whose file holds them already. */
  useSpill(node: Inode, file: NonNullable<Inode["spill"]>, fill: boolean): void {
    node.spill?.close();
    spillData(node, file, fill);
    this.onChange?.({ op: "spill", ino: node.ino, name: file.name });
  }

  /** Forget an unlinked inode (nlink 0) whose last handle closed. */
  release(node: Inode): void {
    if (this.inodes.get(node.ino) !== node || node === this.root) return;
    this.inodes.delete(node.ino);
    node.spill?.close(); // its file goes when the next snapshot no longer names it
    this.tableChanges++;
    this.onChange?.({ op: "release", ino: node.ino });
  }

  /** Bytes in the upper: Docker's SizeRw (each inode once; unlinked ones not counted). */
  size(): number {
    let total = 0;
    for (const n of this.inodes.values()) {
      if (n.nlink === 0) continue;
      total += n.kind === "file" ? n.size : n.kind === "symlink" ? n.target.length : 0;
    }
    return total;
  }

  /** Note `ref` open on its inode's number (a copy-up keeps the number, so it holds the copy too). */
  addOpen(ref: OpenRef): void {
    ref.nextOpen = this.#open;
    if (this.#open) this.#open.prevOpen = ref;
    this.#open = ref;
  }

  /** `ref` is closed. */
  removeOpen(ref: OpenRef): void {
    if (ref.prevOpen) ref.prevOpen.nextOpen = ref.nextOpen;
    else if (this.#open === ref) this.#open = ref.nextOpen;
    if (ref.nextOpen) ref.nextOpen.prevOpen = ref.prevOpen;
    ref.prevOpen = ref.nextOpen = null;
  }

  /** Something is open on inode number `ino` (an unlinked inode lives until nothing is). */
  isOpen(ino: number): boolean {
    for (let r = this.#open; r !== null; r = r.nextOpen) if (r.node.ino === ino) return true;
    return false;
  }

  /** True when nothing was changed. */
  isEmpty(): boolean {
    if (!this.root) return this.pending === null;
    return this.root.entries!.size === 0 && this.inodes.size <= 1;
  }
}
