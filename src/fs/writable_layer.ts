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
import { FsError } from "./errors.ts";
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
   * The end of the numbers this copy may give new inodes (`nextIno` up to here). A
   * process in a worker runs on its own copy of the layer while other processes change
   * theirs: each run is given a range of its own (`reserveInodes`), so the inodes they
   * create never share a number, and their change records, which name inodes by number,
   * replay on every copy. Infinity for the engine's own copy.
   */
  inoEnd = Infinity;
  /** Counts changes (every record reported): a copy made at one count is the layer as it stands while the count is unchanged. */
  version = 0;
  /**
   * Set while the engine changes this copy of a layer that processes in workers share
   * (src/wasi/shared_changes.ts): an unlinked inode this copy lets go of may still be
   * open in theirs, so `release` asks here first, and an inode it takes (true) stays in
   * the table until a `release` record forgets it (applyChange), as a worker's own
   * release is deferred while others share the layer.
   */
  holdRelease: ((node: Inode) => boolean) | null = null;

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

  /** Report `rec`, a change just made (replay reports what it applied through here too). */
  report(rec: ChangeRecord): void {
    this.version++;
    this.onChange?.(rec);
  }

  /**
   * A new upper inode, numbered by the layer from its range (ENOSPC when the range is
   * used up); a replay passes the number it recorded, which moves the layer's own next
   * number past it only when the layer has no range (another copy's range is not this one's).
   */
  create(kind: Kind, mode: number, time: bigint, target = "", ino?: number, owner = { uid: 0, gid: 0 }): Inode {
    if (ino === undefined) {
      if (this.nextIno >= this.inoEnd) throw new FsError("ENOSPC", "", "create inode");
      ino = this.nextIno++;
    } else if (this.inoEnd === Infinity) this.nextIno = Math.max(this.nextIno, ino + 1);
    const node = makeInode(ino, kind, mode, time);
    node.isUpper = true;
    node.target = target;
    node.size = target.length;
    node.uid = owner.uid;
    node.gid = owner.gid;
    this.inodes.set(node.ino, node);
    this.report({ op: "inode", ino: node.ino, kind, mode, uid: owner.uid, gid: owner.gid, target, time });
    return node;
  }

  /**
   * Set aside `count` inode numbers for a copy of this layer in another thread (its
   * `nextIno`..`inoEnd`); this layer numbers its own new inodes after them.
   */
  reserveInodes(count: number): number {
    const base = this.nextIno;
    if (base + count > Number.MAX_SAFE_INTEGER) throw new FsError("ENOSPC", "", "reserve inode numbers");
    this.nextIno = base + count;
    return base;
  }

  /**
   * Give back what is left of a reservation from `base` once its copy is gone, when
   * nothing was numbered after it meanwhile: `used` is the highest number the copy gave
   * (below `base` when none). Sequential runs so use no numbers beyond those they give.
   */
  returnInodes(base: number, count: number, used: number): void {
    if (this.nextIno === base + count) this.nextIno = Math.max(base, used + 1);
  }

  /** The upper copy of a lower inode (metadata; file bytes shared until written). */
  copyUp(lower: Inode): Inode {
    const known = this.inodes.get(lower.ino);
    if (known) return known;
    const u = cloneForUpper(lower);
    this.inodes.set(u.ino, u);
    this.tableChanges++;
    this.report({ op: "copyUp", ino: u.ino });
    return u;
  }

  /** In upper directory `dir`, make `name` name `child`, a whiteout, or (null) nothing. */
  setEntry(dir: Inode, name: string, child: Inode | Whiteout | null): void {
    if (child === null) dir.entries!.delete(name);
    else dir.entries!.set(name, child);
    this.report({ op: "entry", dir: dir.ino, name, child: child === null ? -2 : child === WHITEOUT ? -1 : child.ino });
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
    this.report({ op: "attr", ino: node.ino, set });
  }

  /** pwrite into an upper file (a file sharing a layer's bytes copies only the pages written: _file_data.ts). */
  write(node: Inode, pos: number, data: Uint8Array, time: bigint): void {
    this.#spillAt(node, pos + data.length);
    writeData(node, pos, data);
    node.mtime = node.ctime = time;
    this.report({ op: "write", ino: node.ino, pos, data, time, ...(node.spill ? { inPlace: true } : {}) });
  }

  /** Set an upper file's size (zero-filled when it grows). */
  truncate(node: Inode, size: number, time: bigint): void {
    this.#spillAt(node, size);
    truncateData(node, size);
    node.mtime = node.ctime = time;
    this.report({ op: "truncate", ino: node.ino, size, time });
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
    this.report({ op: "spill", ino: node.ino, name: file.name });
  }

  /** Forget an unlinked inode (nlink 0) whose last handle closed. */
  release(node: Inode): void {
    if (this.inodes.get(node.ino) !== node || node === this.root) return;
    if (this.holdRelease?.(node)) return;
    this.inodes.delete(node.ino);
    node.spill?.close(); // its file goes when the next snapshot no longer names it
    this.tableChanges++;
    this.report({ op: "release", ino: node.ino });
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
