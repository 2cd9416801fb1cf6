/**
 * UnionFS: the merged view of `{ lowers, upper }`, synchronous (the WASI shim calls it
 * synchronously), in the overlayfs model: the upper wins, directories merge, a file or
 * symlink hides the same path below, copy-up on the first write or metadata change,
 * unlink or rmdir of a lower name leaves a whiteout, a directory made over a whiteout is
 * opaque. Rename works across layers and keeps inode identity (overlayfs would say
 * EXDEV for a lower directory). It implements the WASI layer's `Vfs` seam directly.
 *
 * Every method throws FsError; `Errors:` lists the codes.
 */
import { fail } from "./errors.ts";
import { cloneForUpper, ensureCapacity, type Inode, nowNs, WHITEOUT } from "./inode.ts";
import { type LowerStack, mergeLowers } from "./lower_stack.ts";
import type { Layer } from "./layer.ts";
import { child, type Loc, resolve } from "./_resolve.ts";
import { openHandle, type FsHandle, type OpenOptions } from "./handle.ts";
import { toStat, type FsStat } from "./stat.ts";
import type { WritableLayer } from "./writable_layer.ts";

/** A container's filesystem as a value, before it is mounted (containerd's `Prepare`). */
export interface RootfsValue {
  lowers: readonly Layer[];
  upper: WritableLayer;
}

export class UnionFS {
  readonly stack: LowerStack;
  readonly root: Inode;

  constructor(readonly value: RootfsValue) {
    this.stack = mergeLowers(value.lowers);
    this.root = value.upper.bind(this.stack);
  }
  get upper(): WritableLayer {
    return this.value.upper;
  }

  /** Resolve a path in the merged view. */
  locate(path: string, follow: boolean, op = "lookup"): Loc {
    return resolve(this.root, this.upper.copied, path, follow, op);
  }
  #get(path: string, follow: boolean, op: string): Inode {
    return this.locate(path, follow, op).node ?? fail("ENOENT", path, op);
  }

  /** Errors: ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG. */
  stat(path: string, follow = true): FsStat {
    return toStat(this.#get(path, follow, "stat"));
  }
  lstat(path: string): FsStat {
    return this.stat(path, false);
  }

  /** Open a file or directory. Errors: ENOENT, EEXIST (exclusive), EISDIR, ENOTDIR, ELOOP (nofollow on a symlink). */
  open(path: string, o: OpenOptions): FsHandle {
    const loc = this.locate(path, o.follow, "open");
    let node = loc.node;
    if (node && o.create && o.exclusive) fail("EEXIST", path, "open");
    if (!node) {
      if (!o.create || o.directory) fail("ENOENT", path, "open");
      if (loc.slash) fail("EISDIR", path, "open");
      node = this.upper.create("file", (o.mode ?? 0o644) & 0o7777);
      this.#insert(loc, node);
    }
    if (node.kind === "symlink") fail(o.directory ? "ENOTDIR" : "ELOOP", path, "open");
    if (o.directory && node.kind !== "dir") fail("ENOTDIR", path, "open");
    if (node.kind === "dir" && (o.write || o.truncate)) fail("EISDIR", path, "open");
    if ((o.write || o.truncate) && !node.isUpper) node = this.copyUp({ ...loc, node });
    if (o.truncate && node.kind === "file" && node.size > 0) {
      node.size = 0;
      node.mtime = node.ctime = nowNs();
    }
    return openHandle(this, node, loc);
  }

  /** Errors: EEXIST, ENOENT, ENOTDIR. */
  mkdir(path: string, mode = 0o755): void {
    const loc = this.locate(path, false, "mkdir");
    if (loc.node) fail("EEXIST", path, "mkdir");
    const dir = this.upper.create("dir", mode & 0o7777);
    const parent = this.#upperDir(loc.parts);
    if (parent.entries!.get(loc.name) === WHITEOUT) dir.opaque = true; // made over a whiteout: hide what is below
    this.#insert(loc, dir);
    parent.nlink++;
  }

  /** Errors: ENOENT, ENOTDIR, ENOTEMPTY, EBUSY (the root). */
  rmdir(path: string): void {
    const loc = this.locate(path, false, "rmdir");
    const node = loc.node ?? fail("ENOENT", path, "rmdir");
    if (node.kind !== "dir") fail("ENOTDIR", path, "rmdir");
    if (loc.name === "") fail("EBUSY", path, "rmdir");
    if (this.list(node).length) fail("ENOTEMPTY", path, "rmdir");
    this.#remove(loc);
    this.#upperDir(loc.parts).nlink--;
  }

  /** Errors: ENOENT, EISDIR. */
  unlink(path: string): void {
    const loc = this.locate(path, false, "unlink");
    const node = loc.node ?? fail("ENOENT", path, "unlink");
    if (node.kind === "dir") fail("EISDIR", path, "unlink");
    if (node.nlink > 1) {
      const u = node.isUpper ? node : this.#copyInode(node);
      u.nlink--;
      u.ctime = nowNs();
    }
    this.#remove(loc);
  }

  /** Errors: ENOENT, EEXIST (`to` exists), EPERM (a directory). */
  link(from: string, to: string): void {
    const src = this.locate(from, false, "link");
    const node = src.node ?? fail("ENOENT", from, "link");
    if (node.kind === "dir") fail("EPERM", from, "link");
    const dst = this.locate(to, false, "link");
    if (dst.node) fail("EEXIST", to, "link");
    const u = this.copyUp(src);
    u.nlink++;
    u.ctime = nowNs();
    this.#insert(dst, u);
  }

  /** Errors: EEXIST, ENOENT. */
  symlink(target: string, path: string): void {
    const loc = this.locate(path, false, "symlink");
    if (loc.node) fail("EEXIST", path, "symlink");
    const node = this.upper.create("symlink", 0o777);
    node.target = target;
    node.size = target.length;
    this.#insert(loc, node);
  }

  /** Errors: ENOENT, EINVAL (not a symlink). */
  readlink(path: string): string {
    const node = this.#get(path, false, "readlink");
    return node.kind === "symlink" ? node.target : fail("EINVAL", path, "readlink");
  }

  /**
   * Rename a file or a whole directory, across layers, keeping inode identity.
   * Errors: ENOENT, EINVAL (a directory into itself), ENOTDIR, EISDIR, ENOTEMPTY, EBUSY.
   */
  rename(from: string, to: string): void {
    const src = this.locate(from, false, "rename");
    const node = src.node ?? fail("ENOENT", from, "rename");
    const dst = this.locate(to, false, "rename");
    if (src.name === "" || dst.name === "") fail("EBUSY", from, "rename");
    if (dst.node === node) return;
    const srcPath = [...src.parts, src.name].join("/"), dstPath = [...dst.parts, dst.name].join("/");
    if (node.kind === "dir" && `${dstPath}/`.startsWith(`${srcPath}/`)) fail("EINVAL", to, "rename");
    if (dst.node) {
      if (node.kind === "dir" && dst.node.kind !== "dir") fail("ENOTDIR", to, "rename");
      if (node.kind !== "dir" && dst.node.kind === "dir") fail("EISDIR", to, "rename");
      if (dst.node.kind === "dir" && this.list(dst.node).length) fail("ENOTEMPTY", to, "rename");
    }
    const moving = this.copyUp(src);
    if (moving.kind === "dir") moving.moved = true;
    this.#remove(src);
    if (dst.node && dst.node.kind !== "dir" && dst.node.nlink > 1) {
      const u = dst.node.isUpper ? dst.node : this.#copyInode(dst.node);
      u.nlink--;
    }
    const again = this.locate(to, false, "rename"); // the source's removal may have copied up dst's parents
    this.#insert(again, moving, true);
    if (moving.kind === "dir") {
      this.#upperDir(src.parts).nlink--;
      if (!dst.node) this.#upperDir(again.parts).nlink++;
    }
    moving.ctime = nowNs();
  }

  /** Set times (null leaves one as it is). A metadata change copies up. Errors: ENOENT. */
  setTimes(path: string, follow: boolean, atime: bigint | null, mtime: bigint | null): void {
    const u = this.copyUp(this.locate(path, follow, "utimes"), "utimes");
    if (atime !== null) u.atime = atime;
    if (mtime !== null) u.mtime = mtime;
    u.ctime = nowNs();
  }

  /** Errors: ENOENT. */
  chmod(path: string, mode: number, follow = true): void {
    const u = this.copyUp(this.locate(path, follow, "chmod"), "chmod");
    u.mode = mode & 0o7777;
    u.ctime = nowNs();
  }

  /** Errors: ENOENT. */
  chown(path: string, uid: number, gid: number, follow = true): void {
    const u = this.copyUp(this.locate(path, follow, "chown"), "chown");
    u.uid = uid;
    u.gid = gid;
    u.ctime = nowNs();
  }

  /** The whole file, following symlinks (a view: do not modify). Errors: ENOENT, EISDIR. */
  readFile(path: string): Uint8Array {
    const node = this.#get(path, true, "read");
    if (node.kind === "dir") fail("EISDIR", path, "read");
    return node.data.subarray(0, node.size);
  }

  /** Create or replace a whole file (parents must exist). Errors: ENOENT, EISDIR. */
  writeFile(path: string, data: Uint8Array, mode = 0o644): void {
    const h = this.open(path, { read: false, write: true, create: true, exclusive: false, truncate: true, directory: false, follow: true, mode });
    h.write(data, 0);
    h.close();
  }

  /** Names in a directory, merged, whiteouts hidden, sorted. Errors: ENOENT, ENOTDIR. */
  readdir(path: string): Array<{ name: string; node: Inode }> {
    const node = this.#get(path, true, "readdir");
    if (node.kind !== "dir") fail("ENOTDIR", path, "readdir");
    return this.list(node);
  }

  /** The merged children of a directory inode (following its copy-up), sorted by name. */
  list(dirNode: Inode): Array<{ name: string; node: Inode }> {
    const dir = this.current(dirNode);
    const copied = this.upper.copied;
    const out: Array<{ name: string; node: Inode }> = [];
    if (dir.isUpper) {
      for (const [name, e] of dir.entries!) if (e !== WHITEOUT) out.push({ name, node: e });
      if (dir.lower) for (const name of dir.lower.entries!.keys()) if (!dir.entries!.has(name)) out.push({ name, node: child(dir, name, copied)! });
    } else for (const name of dir.entries!.keys()) out.push({ name, node: child(dir, name, copied)! });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The live inode for `node` (its copy-up, if it was copied up since). */
  current(node: Inode): Inode {
    return node.isUpper ? node : this.upper.copied.get(node.ino) ?? node;
  }

  /** Copy the located node up (parents first) and return its upper inode. Errors: ENOENT. */
  copyUp(loc: Loc, op = "copy-up"): Inode {
    const node = loc.node ?? fail("ENOENT", [...loc.parts, loc.name].join("/"), op);
    if (node.isUpper) return node;
    if (loc.name === "") return this.root;
    if (node.kind === "dir") return this.#upperDir([...loc.parts, loc.name]);
    const parent = this.#upperDir(loc.parts);
    const u = this.#copyInode(node);
    parent.entries!.set(loc.name, u);
    return u;
  }

  #copyInode(node: Inode): Inode {
    const u = cloneForUpper(node);
    this.upper.copied.set(node.ino, u);
    return u;
  }

  /** The upper directory at a canonical path, copying up each missing one (metadata only). */
  #upperDir(parts: readonly string[]): Inode {
    let cur = this.root;
    for (const part of parts) {
      const e = cur.entries!.get(part);
      if (e && e !== WHITEOUT) {
        cur = e;
        continue;
      }
      const lower = cur.lower?.entries!.get(part);
      if (!lower || lower === WHITEOUT || lower.kind !== "dir") fail("ENOENT", parts.join("/"), "copy-up");
      const u = this.upper.copied.get(lower.ino) ?? this.#copyInode(lower);
      cur.entries!.set(part, u);
      cur = u;
    }
    return cur;
  }

  #insert(loc: Loc, node: Inode, replace = false): void {
    const parent = this.#upperDir(loc.parts);
    if (!replace && parent.entries!.get(loc.name) && parent.entries!.get(loc.name) !== WHITEOUT) fail("EEXIST", loc.name, "create");
    parent.entries!.set(loc.name, node);
    parent.mtime = parent.ctime = nowNs();
  }

  /** Remove a name: drop it from the upper, and leave a whiteout when it exists below. */
  #remove(loc: Loc): void {
    const parent = this.#upperDir(loc.parts);
    const below = parent.lower && !parent.opaque && parent.lower.entries!.has(loc.name);
    if (below) parent.entries!.set(loc.name, WHITEOUT);
    else parent.entries!.delete(loc.name);
    parent.mtime = parent.ctime = nowNs();
  }
}
