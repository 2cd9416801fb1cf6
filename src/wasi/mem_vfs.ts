/**
 * A flat in-memory `FileSystem`: inodes, hard links, symlinks with chroot resolution,
 * modes, owners, times, stable readdir cookies, and no layers. It is the oracle of the
 * conformance suite (tests/fs/_vfs_suite.ts: every other filesystem must answer as it
 * does), the filesystem of the WASI tests, and of a process run without a union rootfs.
 * It implements the whole interface, so a case the suite adds runs against it first.
 */
import { type Errno, type FileSystem, FsError, type FsDirent, type FsHandle, type FsStat, type Kind, MAX_SYMLINK_HOPS, NAME_MAX, type OpenOptions, PATH_MAX, type PathOptions, type TimeSpec } from "../fs/mod.ts";
import { type Node, nodeHandle, now, resize, statOf, touch } from "./_mem_node.ts";

const enc = new TextEncoder();

/** What `MemVfs.snapshot()` returns. */
export interface MemSnapshot {
  nodes: Node[];
  nextIno: bigint;
  nextCookie: bigint;
}

/** FsErrors take no stack (errors.ts): errno answers are control flow here (PATH search, O_EXCL). */
const fail = (code: Errno, path: string, op: string): never => {
  throw new FsError(code, path, op);
};

const MODES: Partial<Record<Kind, number>> = { dir: 0o755, symlink: 0o777 };

export class MemVfs implements FileSystem {
  #nodes = new Map<bigint, Node>();
  #nextIno = 1n;
  #nextCookie = 3n;
  readonly root: bigint;

  constructor() {
    this.root = this.#make("dir", 0n).ino;
    this.#node(this.root).parent = this.root;
  }

  #make(type: Kind, parent: bigint, mode = MODES[type] ?? 0o644): Node {
    const t = now();
    const node: Node = { ino: this.#nextIno++, type, nlink: type === "dir" ? 2n : 1n, data: new Uint8Array(0), size: 0,
      target: "", entries: new Map(), parent, mode: mode & 0o7777, uid: 0, gid: 0, atim: t, mtim: t, ctim: t };
    this.#nodes.set(node.ino, node);
    return node;
  }
  #node(ino: bigint): Node {
    return this.#nodes.get(ino)!;
  }

  /** Resolve to [parent dir node, last name, node or undefined]. A trailing "/" follows and must end at a directory. */
  #walk(path: string, follow: boolean, op: string, hops = { n: 0 }): [Node, string, Node | undefined] {
    if (path === "") fail("ENOENT", path, op);
    if (path.length > PATH_MAX / 3 && enc.encode(path).length > PATH_MAX) fail("ENAMETOOLONG", path, op);
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    for (const p of parts) if (p.length > NAME_MAX / 3 && enc.encode(p).length > NAME_MAX) fail("ENAMETOOLONG", path, op);
    const slash = /\/\.?$/.test(path) && parts.length > 0;
    let dir = this.#node(this.root);
    if (parts.length === 0) return [dir, ".", dir];
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!, last = i === parts.length - 1;
      if (dir.type !== "dir") fail("ENOTDIR", path, op);
      let node: Node | undefined = name === ".." ? this.#node(dir.parent) : this.#lookup(dir, name);
      if (node?.type === "symlink" && (!last || follow || slash)) {
        if (++hops.n > MAX_SYMLINK_HOPS) fail("ELOOP", path, op);
        if (node.target === "") fail("ENOENT", path, op);
        const base = node.target.startsWith("/") ? "" : this.#pathOf(dir);
        const target = this.#walk(`${base}/${node.target}${last && slash ? "/" : ""}`, true, op, hops);
        if (last) return target; // a dangling final link names where a create lands (POSIX O_CREAT)
        node = target[2];
        if (!node) fail("ENOENT", path, op);
      }
      if (last) {
        if (slash && node && node.type !== "dir") fail("ENOTDIR", path, op);
        return [dir, name, node];
      }
      if (!node) fail("ENOENT", path, op);
      dir = node!;
    }
    throw new Error("unreachable");
  }
  #lookup(dir: Node, name: string): Node | undefined {
    const e = dir.entries.get(name);
    return e ? this.#node(e[0]) : undefined;
  }
  #pathOf(dir: Node): string {
    const names: string[] = [];
    for (let n = dir; n.ino !== this.root; n = this.#node(n.parent)) {
      const parent = this.#node(n.parent);
      for (const [name, [ino]] of parent.entries) if (ino === n.ino) names.unshift(name);
    }
    return `/${names.join("/")}`;
  }
  /** True when `dir` is `ancestor` or below it (by parent links, not by spelling). */
  #within(dir: Node, ancestor: Node): boolean {
    for (let n = dir; ; n = this.#node(n.parent)) {
      if (n === ancestor) return true;
      if (n.ino === this.root) return false;
    }
  }
  #get(path: string, follow: boolean, op: string): Node {
    return this.#walk(path, follow, op)[2] ?? fail("ENOENT", path, op);
  }
  /** The parent and name a new entry goes to; the name must be free. */
  #free(path: string, op: string): [Node, string] {
    const [dir, name, node] = this.#walk(path, false, op);
    if (node) fail("EEXIST", path, op);
    if (/\/\.?$/.test(path)) fail("ENOENT", path, op);
    return [dir, name];
  }
  #link(dir: Node, name: string, node: Node): void {
    dir.entries.set(name, [node.ino, this.#nextCookie++]);
    dir.mtim = dir.ctim = now();
    if (node.type === "dir") { node.parent = dir.ino; dir.nlink++; }
  }
  #unlink(dir: Node, name: string, node: Node): void {
    dir.entries.delete(name);
    dir.mtim = dir.ctim = now();
    node.nlink--;
    node.ctim = now();
    if (node.type === "dir") { dir.nlink--; node.nlink = 0n; }
  }

  stat(path: string): FsStat {
    return statOf(this.#get(path, true, "stat"));
  }
  lstat(path: string): FsStat {
    return statOf(this.#get(path, false, "lstat"));
  }
  open(path: string, o: OpenOptions): FsHandle {
    const writes = o.write || o.truncate || o.append === true;
    const [dir, name, found] = this.#walk(path, o.follow && !(o.create && o.exclusive), "open"); // O_EXCL: a symlink is EEXIST
    let node = found;
    if (node && o.create && o.exclusive) fail("EEXIST", path, "open");
    if (!node) {
      if (!o.create || o.directory) fail("ENOENT", path, "open");
      if (/\/\.?$/.test(path)) fail("EISDIR", path, "open");
      if (dir.type !== "dir") fail("ENOTDIR", path, "open");
      node = this.#make("file", dir.ino, o.mode ?? 0o644);
      this.#link(dir, name, node);
    }
    if (node.type === "symlink") fail(o.directory ? "ENOTDIR" : "ELOOP", path, "open");
    if (o.directory && node.type !== "dir") fail("ENOTDIR", path, "open");
    if (node.type === "dir" && writes) fail("EISDIR", path, "open");
    if (o.truncate && node.type === "file" && node.size > 0) resize(node, 0);
    return nodeHandle(node, { writable: writes, appending: o.append === true, readdir: (cookie, max) => this.#readdir(node!, cookie, max) });
  }
  /** Live entries past `cookie`: each entry keeps the cookie it got when it was linked, so a listing resumes where it was. */
  #readdir(n: Node, cookie: bigint, max: number): FsDirent[] {
    if (n.type !== "dir") fail("ENOTDIR", `#${n.ino}`, "readdir");
    const all: FsDirent[] = [
      { name: ".", type: "dir", ino: n.ino, next: 1n },
      { name: "..", type: "dir", ino: n.parent, next: 2n },
    ];
    for (const [name, [ino, c]] of n.entries) all.push({ name, type: this.#node(ino).type, ino, next: c });
    return all.filter((e) => e.next > cookie).slice(0, max);
  }
  readdir(path: string): FsDirent[] {
    const n = this.#get(path, true, "readdir");
    if (n.type !== "dir") fail("ENOTDIR", path, "readdir");
    const names = [...n.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return names.map((name, i) => {
      const ino = n.entries.get(name)![0];
      return { name, type: this.#node(ino).type, ino, next: BigInt(i + 1) };
    });
  }
  mkdir(path: string, opts?: { mode?: number }): void {
    const [dir, name] = this.#free(path.replace(/\/+$/, "") || "/", "mkdir");
    this.#link(dir, name, this.#make("dir", dir.ino, opts?.mode ?? 0o755));
  }
  rmdir(path: string): void {
    const [dir, name, node] = this.#walk(path, false, "rmdir");
    if (!node) return fail("ENOENT", path, "rmdir");
    if (node.type !== "dir") fail("ENOTDIR", path, "rmdir");
    if (node.ino === this.root || name === "." || name === "..") fail("EBUSY", path, "rmdir");
    if (node.entries.size) fail("ENOTEMPTY", path, "rmdir");
    this.#unlink(dir, name, node);
  }
  unlink(path: string): void {
    const [dir, name, node] = this.#walk(path, false, "unlink");
    if (!node) return fail("ENOENT", path, "unlink");
    if (node.type === "dir") fail("EISDIR", path, "unlink");
    this.#unlink(dir, name, node);
  }
  rename(from: string, to: string): void {
    const [fdir, fname, node] = this.#walk(from, false, "rename");
    if (!node) return fail("ENOENT", from, "rename");
    const [tdir, tname, existing] = this.#walk(to, false, "rename");
    if (node.ino === this.root || tname === "." && tdir.ino === this.root) fail("EBUSY", from, "rename");
    if (node.type === "dir" && this.#within(tdir, node)) fail("EINVAL", to, "rename");
    if (node.type !== "dir" && (/\/\.?$/.test(from) || /\/\.?$/.test(to))) fail("ENOTDIR", to, "rename");
    if (existing === node) return;
    if (existing) {
      if (node.type === "dir" && existing.type !== "dir") fail("ENOTDIR", to, "rename");
      if (node.type !== "dir" && existing.type === "dir") fail("EISDIR", to, "rename");
      if (existing.type === "dir" && existing.entries.size) fail("ENOTEMPTY", to, "rename");
      this.#unlink(tdir, tname, existing);
    }
    fdir.entries.delete(fname);
    fdir.mtim = fdir.ctim = now();
    if (node.type === "dir") fdir.nlink--;
    this.#link(tdir, tname, node);
    node.ctim = now();
  }
  link(from: string, to: string, opts?: { follow?: boolean }): void {
    const node = this.#get(from, opts?.follow ?? false, "link");
    if (node.type === "dir") fail("EPERM", from, "link");
    const [dir, name] = this.#free(to, "link");
    this.#link(dir, name, node);
    node.nlink++;
    node.ctim = now();
  }
  symlink(target: string, path: string): void {
    const [dir, name] = this.#free(path, "symlink");
    const node = this.#make("symlink", dir.ino);
    node.target = target;
    this.#link(dir, name, node);
  }
  readlink(path: string): string {
    const node = this.#get(path, false, "readlink");
    return node.type === "symlink" ? node.target : fail("EINVAL", path, "readlink");
  }
  utimes(path: string, times: { atime?: TimeSpec; mtime?: TimeSpec }, opts?: PathOptions): void {
    touch(this.#get(path, opts?.follow ?? true, "utimes"), times);
  }
  chmod(path: string, mode: number, opts?: PathOptions): void {
    const n = this.#get(path, opts?.follow ?? true, "chmod");
    n.mode = mode & 0o7777;
    n.ctim = now();
  }
  chown(path: string, owner: { uid: number; gid: number }, opts?: PathOptions): void {
    const n = this.#get(path, opts?.follow ?? true, "chown");
    n.uid = owner.uid;
    n.gid = owner.gid;
    n.ctim = now();
  }
  readFile(path: string): Uint8Array {
    const node = this.#get(path, true, "read");
    if (node.type === "dir") fail("EISDIR", path, "read");
    return node.data.subarray(0, node.size);
  }
  writeFile(path: string, data: Uint8Array, opts?: { mode?: number }): void {
    const h = this.open(path, { read: false, write: true, create: true, exclusive: false, truncate: true, directory: false, follow: true, mode: opts?.mode });
    h.write(data, 0);
    h.close();
  }
  sync(): void {}
  /** A structured-cloneable copy (to hand to a worker); file bytes are copied. */
  snapshot(): MemSnapshot {
    const nodes = [...this.#nodes.values()].map((n) => ({ ...n, data: n.data.slice(0, n.size), entries: new Map(n.entries) }));
    return { nodes, nextIno: this.#nextIno, nextCookie: this.#nextCookie };
  }
  /** The filesystem a snapshot describes. */
  static fromSnapshot(snap: MemSnapshot): MemVfs {
    const vfs = new MemVfs();
    vfs.#nodes = new Map(snap.nodes.map((n) => [n.ino, { ...n }]));
    vfs.#nextIno = snap.nextIno;
    vfs.#nextCookie = snap.nextCookie;
    return vfs;
  }
}
