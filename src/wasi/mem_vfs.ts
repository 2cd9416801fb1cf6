/**
 * A flat in-memory filesystem with the `Vfs` shape: inodes, hard links, symlinks with
 * chroot resolution, times, stable readdir cookies. It is the oracle the WASI tests run
 * against, and the filesystem of a process run without a union rootfs.
 */
import type { VDirent, VHandle, VOpenOptions, VStat, VType, Vfs } from "./_vfs.ts";
import { WasiError } from "./errno.ts";

const MAX_SYMLINK_HOPS = 40;
const now = () => BigInt(Date.now()) * 1_000_000n;

interface Node {
  ino: bigint;
  type: VType;
  nlink: bigint;
  data: Uint8Array;
  size: number;
  target: string;
  /** Directory entries in creation order; the value is [ino, cookie]. */
  entries: Map<string, [bigint, bigint]>;
  parent: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

/** What `MemVfs.snapshot()` returns. */
export interface MemSnapshot {
  nodes: Node[];
  nextIno: bigint;
  nextCookie: bigint;
}

/** Errno errors are control flow here (PATH search, O_EXCL): made without a stack trace, which costs more than the lookup. */
const fail = (code: string, path: string): never => {
  throw Object.assign(Object.create(WasiError.prototype) as WasiError, { code, message: `${code}: ${path}`, name: "WasiError" });
};

export class MemVfs implements Vfs {
  #nodes = new Map<bigint, Node>();
  #nextIno = 1n;
  #nextCookie = 3n;
  readonly root: bigint;

  constructor() {
    this.root = this.#make("dir", 0n).ino;
    this.#node(this.root).parent = this.root;
  }

  #make(type: VType, parent: bigint): Node {
    const t = now();
    const node: Node = { ino: this.#nextIno++, type, nlink: type === "dir" ? 2n : 1n, data: new Uint8Array(0), size: 0,
      target: "", entries: new Map(), parent, atim: t, mtim: t, ctim: t };
    this.#nodes.set(node.ino, node);
    return node;
  }
  #node(ino: bigint): Node {
    return this.#nodes.get(ino)!;
  }

  /** Resolve to [parent dir node, last name, node or undefined]. */
  #walk(path: string, follow: boolean, hops = { n: 0 }): [Node, string, Node | undefined] {
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    let dir = this.#node(this.root);
    if (parts.length === 0) return [dir, ".", dir];
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i], last = i === parts.length - 1;
      if (dir.type !== "dir") fail("ENOTDIR", path);
      let node: Node | undefined = name === ".." ? this.#node(dir.parent) : this.#lookup(dir, name);
      if (node?.type === "symlink" && (!last || follow)) {
        if (++hops.n > MAX_SYMLINK_HOPS) fail("ELOOP", path);
        const base = node.target.startsWith("/") ? "" : this.#pathOf(dir);
        const target = this.#walk(`${base}/${node.target}`, true, hops);
        if (last) return target; // a dangling final link names where a create lands (POSIX O_CREAT)
        node = target[2];
        if (!node) fail("ENOENT", path);
      }
      if (last) return [dir, name, node];
      if (!node) fail("ENOENT", path);
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
  #get(path: string, follow: boolean): Node {
    const node = this.#walk(path, follow)[2];
    return node ?? fail("ENOENT", path);
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

  stat(path: string, follow: boolean): VStat {
    return this.#stat(this.#get(path, follow));
  }
  #stat(n: Node): VStat {
    return { dev: 1n, ino: n.ino, type: n.type, nlink: n.nlink, size: BigInt(n.type === "symlink" ? n.target.length : n.size),
      atim: n.atim, mtim: n.mtim, ctim: n.ctim };
  }
  open(path: string, o: VOpenOptions): VHandle {
    const [dir, name, found] = this.#walk(path, o.follow);
    let node = found;
    if (node && o.create && o.exclusive) fail("EEXIST", path);
    if (!node) {
      if (!o.create || o.directory) fail("ENOENT", path);
      if (dir.type !== "dir") fail("ENOTDIR", path);
      node = this.#make("file", dir.ino);
      this.#link(dir, name, node);
    }
    if (node.type === "symlink") fail(o.directory ? "ENOTDIR" : "ELOOP", path);
    if (o.directory && node.type !== "dir") fail("ENOTDIR", path);
    if (node.type === "dir" && o.write) fail("EISDIR", path);
    if (o.truncate && node.type === "file") this.#resize(node, 0);
    return this.#handle(node);
  }
  #resize(n: Node, size: number): void {
    if (size > n.data.length) {
      const grown = new Uint8Array(Math.max(size, n.data.length * 2));
      grown.set(n.data.subarray(0, n.size));
      n.data = grown;
    } else n.data.fill(0, size, n.size);
    n.size = size;
    n.mtim = n.ctim = now();
  }
  #handle(n: Node): VHandle {
    return {
      read: (into, pos) => {
        const end = Math.min(n.size, pos + into.length);
        if (end <= pos) return 0;
        into.set(n.data.subarray(pos, end));
        return end - pos;
      },
      write: (data, pos) => {
        if (pos + data.length > n.size) this.#resize(n, pos + data.length);
        n.data.set(data, pos);
        n.mtim = n.ctim = now();
        return data.length;
      },
      truncate: (size) => this.#resize(n, size),
      stat: () => this.#stat(n),
      setTimes: (a, m) => { if (a !== null) n.atim = a; if (m !== null) n.mtim = m; n.ctim = now(); },
      readdir: (cookie, max) => this.#readdir(n, cookie, max),
      close: () => {},
    };
  }
  #readdir(n: Node, cookie: bigint, max: number): VDirent[] {
    const all: VDirent[] = [
      { name: ".", type: "dir", ino: n.ino, next: 1n },
      { name: "..", type: "dir", ino: n.parent, next: 2n },
    ];
    for (const [name, [ino, c]] of n.entries) all.push({ name, type: this.#node(ino).type, ino, next: c });
    return all.filter((e) => e.next > cookie).slice(0, max);
  }
  mkdir(path: string): void {
    const [dir, name, node] = this.#walk(path, false);
    if (node) fail("EEXIST", path);
    this.#link(dir, name, this.#make("dir", dir.ino));
  }
  rmdir(path: string): void {
    const [dir, name, node] = this.#walk(path, false);
    if (!node) return fail("ENOENT", path);
    if (node.type !== "dir") fail("ENOTDIR", path);
    if (node.ino === this.root || name === "." || name === "..") fail("EBUSY", path);
    if (node.entries.size) fail("ENOTEMPTY", path);
    this.#unlink(dir, name, node);
  }
  unlink(path: string): void {
    const [dir, name, node] = this.#walk(path, false);
    if (!node) return fail("ENOENT", path);
    if (node.type === "dir") fail("EISDIR", path);
    this.#unlink(dir, name, node);
  }
  rename(from: string, to: string): void {
    const [fdir, fname, node] = this.#walk(from, false);
    if (!node) return fail("ENOENT", from);
    const [tdir, tname, existing] = this.#walk(to, false);
    if (existing === node) return;
    if (node.type === "dir" && this.#within(tdir, node)) fail("EINVAL", to);
    if (existing) {
      if (node.type === "dir" && existing.type !== "dir") fail("ENOTDIR", to);
      if (node.type !== "dir" && existing.type === "dir") fail("EISDIR", to);
      if (existing.type === "dir" && existing.entries.size) fail("ENOTEMPTY", to);
      this.#unlink(tdir, tname, existing);
    }
    fdir.entries.delete(fname);
    if (node.type === "dir") fdir.nlink--;
    this.#link(tdir, tname, node);
    node.ctim = now();
  }
  link(from: string, to: string): void {
    const node = this.#get(from, false);
    if (node.type === "dir") fail("EPERM", from);
    const [dir, name, existing] = this.#walk(to, false);
    if (existing) fail("EEXIST", to);
    this.#link(dir, name, node);
    node.nlink++;
    node.ctim = now();
  }
  symlink(target: string, path: string): void {
    const [dir, name, existing] = this.#walk(path, false);
    if (existing) fail("EEXIST", path);
    const node = this.#make("symlink", dir.ino);
    node.target = target;
    this.#link(dir, name, node);
  }
  readlink(path: string): string {
    const node = this.#get(path, false);
    return node.type === "symlink" ? node.target : fail("EINVAL", path);
  }
  setTimes(path: string, follow: boolean, atim: bigint | null, mtim: bigint | null): void {
    this.#handle(this.#get(path, follow)).setTimes(atim, mtim);
  }
  readFile(path: string): Uint8Array {
    const node = this.#get(path, true);
    if (node.type === "dir") fail("EISDIR", path);
    return node.data.subarray(0, node.size);
  }
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
  /** Test helper: write a whole file, creating its parent directories. */
  writeFile(path: string, data: Uint8Array | string, mode = 0o644): void {
    void mode;
    const parts = path.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const p = `/${parts.slice(0, i).join("/")}`;
      if (!this.#walk(p, true)[2]) this.mkdir(p);
    }
    const h = this.open(path, { read: false, write: true, create: true, exclusive: false, truncate: true, directory: false, follow: true });
    h.write(typeof data === "string" ? new TextEncoder().encode(data) : data, 0);
  }
}
