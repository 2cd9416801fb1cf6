/**
 * Open files and directories: a handle is bound to an inode, not a name, so it keeps
 * working after a rename or unlink, and it follows the inode's copy-up. A directory
 * handle keeps the chain of directories it was reached by: a metadata change copies it up
 * along that chain, and its ".." entry names its parent. Its listing is a snapshot taken when a
 * listing starts (cookie 0), so cookies stay stable while the directory changes.
 */
import { fail } from "./errors.ts";
import { type Inode, nowNs } from "./inode.ts";
import { toStat } from "./stat.ts";
import { readData } from "./_file_data.ts";
import type { Loc } from "./_resolve.ts";
import type { UnionFS } from "./union_fs.ts";
import type { FsDirent, FsHandle, FsStat, Kind, OpenOptions, TimeSpec } from "./types.ts";

export type { FsDirent, FsHandle, OpenOptions };

/** Largest file we grow to (a WASI filesize is u64; a Uint8Array is not). */
const MAX_FILE = 2 ** 31;

const NO_DIRS: readonly Inode[] = Object.freeze([]);
const NO_PARTS: readonly string[] = Object.freeze([]);

export class UnionHandle implements FsHandle {
  readonly kind: Kind;
  /** For directories: the chain that reaches it. */
  readonly dirs: readonly Inode[];
  readonly parts: readonly string[];
  #listing: FsDirent[] | null = null;
  #closed = false;
  /** `live()`'s answer, good while the upper's `tableChanges` is `#seen`. */
  #live: Inode;
  #seen: number;
  /** Links in the upper's list of open handles (WritableLayer.addOpen). */
  prevOpen: UnionHandle | null = null;
  nextOpen: UnionHandle | null = null;

  /** `loc` is where a directory was found (its chain is kept); files need none. */
  constructor(readonly fs: UnionFS, readonly node: Inode, loc: Loc | null, readonly writable: boolean, readonly appending: boolean) {
    this.kind = node.kind;
    if (node.kind !== "dir" || loc === null || loc.name === "") {
      this.dirs = node.kind === "dir" ? [node] : NO_DIRS;
      this.parts = NO_PARTS;
    } else {
      this.dirs = [...loc.dirs, node];
      this.parts = [...loc.parts, loc.name];
    }
    this.#live = fs.current(node);
    this.#seen = fs.upper.tableChanges;
    fs.upper.addOpen(this);
  }

  /** The inode number (a bigint, as WASI's filestat has it; made when asked). */
  get ino(): bigint {
    return BigInt(this.node.ino);
  }

  /** The live inode (its copy-up, if it was copied up since the open). */
  live(): Inode {
    const upper = this.fs.upper;
    if (this.#seen !== upper.tableChanges) this.#live = this.fs.current(this.node), this.#seen = upper.tableChanges;
    return this.#live;
  }
  #file(op: string): Inode {
    const n = this.live();
    if (n.kind === "dir") fail("EISDIR", `#${this.ino}`, op);
    return n;
  }
  #writable(op: string): Inode {
    if (!this.writable) fail("EBADF", `#${this.ino}`, op);
    const n = this.#file(op);
    return n.isUpper ? n : fail("EBADF", `#${this.ino}`, op);
  }

  read(into: Uint8Array, position: number): number {
    return readData(this.#file("read"), into, position);
  }
  write(data: Uint8Array, position: number): number {
    const n = this.#writable("write");
    const at = this.appending ? n.size : position;
    if (at + data.length > MAX_FILE) fail("EFBIG", `#${this.ino}`, "write");
    this.fs.upper.write(n, at, data, nowNs());
    return data.length;
  }
  append(data: Uint8Array): number {
    const at = this.#writable("write").size;
    this.write(data, at);
    return at;
  }
  size(): number {
    return this.live().size;
  }
  truncate(size: number): void {
    const n = this.#writable("truncate");
    if (size > MAX_FILE) fail("EFBIG", `#${this.ino}`, "truncate");
    this.fs.upper.truncate(n, size, nowNs());
  }
  stat(): FsStat {
    return toStat(this.live());
  }
  /** A metadata change copies up. A directory goes up along its chain; a file's copy is entered under the lower names that show it (copyUpInode). */
  #meta(): Inode {
    const cur = this.live();
    if (cur.isUpper) return cur;
    if (cur.kind !== "dir") return this.fs.copyUpInode(cur);
    const n = this.dirs.length;
    if (n <= 1) return this.fs.root;
    return this.fs.copyUp({ dirs: this.dirs.slice(0, -1), parts: this.parts.slice(0, -1), parent: this.dirs[n - 2]!, name: this.parts[n - 2]!, node: cur, slash: true });
  }
  utimes(times: { atime?: TimeSpec; mtime?: TimeSpec }): void {
    this.fs.touch(this.#meta(), times);
  }
  chmod(mode: number): void {
    this.fs.upper.setAttr(this.#meta(), { mode: mode & 0o7777, ctime: nowNs() });
  }
  chown(owner: { uid: number; gid: number }): void {
    this.fs.upper.setAttr(this.#meta(), { uid: owner.uid, gid: owner.gid, ctime: nowNs() });
  }
  readdir(cookie: bigint, max: number): FsDirent[] {
    const n = this.live();
    if (n.kind !== "dir") fail("ENOTDIR", `#${this.ino}`, "readdir");
    if (cookie === 0n || !this.#listing) {
      const parent = this.dirs.length > 1 ? this.fs.current(this.dirs[this.dirs.length - 2]!) : n;
      const listing: FsDirent[] = [{ name: ".", type: "dir", ino: BigInt(n.ino), next: 1n }, { name: "..", type: "dir", ino: BigInt(parent.ino), next: 2n }];
      for (const { name, node } of this.fs.list(n)) listing.push({ name, type: node.kind, ino: BigInt(node.ino), next: BigInt(listing.length + 1) });
      this.#listing = listing;
    }
    return this.#listing.slice(Number(cookie), Number(cookie) + max);
  }
  sync(): void {}
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const upper = this.fs.upper, n = this.live();
    upper.removeOpen(this);
    if (n.isUpper && n.nlink === 0 && !upper.isOpen(n.ino)) upper.release(n);
  }
}
