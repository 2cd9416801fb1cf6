/**
 * A filesystem of synthetic nodes, the base of /dev (devfs.ts) and /proc (procfs.ts): a
 * fixed tree whose leaves do something when opened (a device's reads and writes, text
 * made at open, or a process node that the WASI layer turns into the process's own fd).
 * Its names and metadata are fixed: a new name, an unlink, a rename, chmod, chown or
 * utimes fails with the tree's `denied` errno; only a write to a leaf that takes writes
 * (/dev/null…) succeeds. It implements all of `FileSystem`, so the mount table mounts it
 * as it mounts a volume.
 *
 * The tree is plain data made once per thread and shared by every container's copy: what
 * differs between two containers (the times, /proc's start time and mounts) is the
 * `NodeFs` instance, which a leaf's `open` is handed.
 *
 * A symlink here may lead outside the tree (/dev/stdin → /proc/self/fd/0, in another
 * mount): besides its target text it names the node it leads to (`leadsTo`), which the
 * tree follows itself, since the mount table does not follow links across mounts.
 */
import { type Errno, type FileSystem, FsError, type FsDirent, type FsHandle, type FsStat, type OpenOptions, type ProcessNode } from "../fs/mod.ts";

/** What an open leaf does. `position` is the fd's offset (a device ignores it). */
export interface LeafIo {
  read(into: Uint8Array, position: number): number;
  /** Absent: the leaf is read-only (an open for writing is EACCES). */
  write?(data: Uint8Array, position: number): number;
  /** Bytes it holds (0 for a device). */
  size(): number;
}

interface NodeBase {
  ino: bigint;
  /** Permission bits. */
  mode: number;
}
export interface SynthDir extends NodeBase {
  type: "dir";
  entries: Map<string, SynthNode>;
  /** Names found on lookup but not listed (the fd directory: any descriptor number). */
  lookup?: (name: string) => SynthNode | undefined;
  process?: ProcessNode;
}
interface SynthLink extends NodeBase {
  type: "symlink";
  target: string;
  /** The node the link leads to, which need not be in this tree by its target's path. */
  leadsTo: () => SynthNode;
}
export interface SynthLeaf extends NodeBase {
  type: "char" | "file";
  /** Called at each open, with the filesystem opening it. Absent for a process node. */
  open?: (fs: NodeFs) => LeafIo;
  /** Also writable (`open` gives a `write`). */
  writable?: boolean;
  process?: ProcessNode;
}
type SynthNode = SynthDir | SynthLink | SynthLeaf;

/** Makes the nodes of one tree, numbering them from 1 in the order they are made (so every copy of a tree numbers alike). */
export class NodeMaker {
  #ino = 1n;
  dir(mode: number, entries: Record<string, SynthNode> = {}, more: Partial<SynthDir> = {}): SynthDir {
    return { type: "dir", ino: this.#ino++, mode, entries: new Map(Object.entries(entries)), ...more };
  }
  leaf(type: "char" | "file", mode: number, more: Partial<SynthLeaf> = {}): SynthLeaf {
    return { type, ino: this.#ino++, mode, ...more };
  }
  link(target: string, leadsTo: () => SynthNode): SynthLink {
    return { type: "symlink", ino: this.#ino++, mode: 0o777, target, leadsTo };
  }
}

/** Bytes made once, read at any position: a generated file's io. */
export function bytesIo(bytes: Uint8Array): LeafIo {
  return {
    read: (into, pos) => {
      if (pos >= bytes.length) return 0;
      const part = bytes.subarray(pos, pos + into.length);
      into.set(part);
      return part.length;
    },
    size: () => bytes.length,
  };
}

interface NodeFsOptions {
  /** st_dev of every node. */
  dev: bigint;
  /** The times every node shows (ns since the epoch). */
  time: bigint;
  /** The errno of a change this tree does not take. */
  denied: Errno;
  /** The errno of an O_CREAT of a name that is not there. */
  missing: Errno;
}

const fail = (code: Errno, path: string, op: string): never => {
  throw new FsError(code, path, op);
};

export class NodeFs implements FileSystem {
  constructor(readonly root: SynthDir, readonly options: NodeFsOptions) {}

  /** The node at `path`; a symlink in the last component is followed only with `follow` (or a trailing "/"). */
  #find(path: string, follow: boolean, op: string): SynthNode {
    const slash = /\/\.?$/.test(path) && path.replace(/[/.]+$/, "") !== "";
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    const chain: SynthNode[] = [this.root];
    let node: SynthNode = this.root;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!, last = i === parts.length - 1;
      if (node.type !== "dir") return fail("ENOTDIR", path, op);
      if (name === "..") {
        if (chain.length > 1) chain.pop();
        node = chain[chain.length - 1]!;
        continue;
      }
      let child: SynthNode | undefined = node.entries.get(name) ?? node.lookup?.(name);
      if (!child) return fail("ENOENT", path, op);
      if (child.type === "symlink" && (!last || follow || slash)) child = child.leadsTo();
      chain.push(child);
      node = child;
    }
    if (slash && node.type !== "dir") fail("ENOTDIR", path, op);
    return node;
  }

  statOf(node: SynthNode, size = 0): FsStat {
    const t = this.options.time;
    return {
      dev: this.options.dev, ino: node.ino, type: node.type, nlink: node.type === "dir" ? 2n : 1n,
      size: BigInt(node.type === "symlink" ? new TextEncoder().encode(node.target).length : size),
      atim: t, mtim: t, ctim: t, mode: node.mode, uid: 0, gid: 0,
    };
  }

  stat(path: string): FsStat {
    return this.statOf(this.#find(path, true, "stat"));
  }
  lstat(path: string): FsStat {
    return this.statOf(this.#find(path, false, "lstat"));
  }
  open(path: string, o: OpenOptions): FsHandle {
    let node: SynthNode;
    try {
      node = this.#find(path, o.follow, "open");
    } catch (err) {
      if (o.create && err instanceof FsError && err.code === "ENOENT") fail(this.options.missing, path, "open");
      throw err;
    }
    const writing = o.write || o.truncate || !!o.append;
    if (node.type === "symlink") return fail("ELOOP", path, "open");
    if (o.create && o.exclusive) fail("EEXIST", path, "open");
    if (node.type === "dir") {
      if (writing) fail("EISDIR", path, "open");
      return new NodeHandle(this, node, undefined, false, path);
    }
    if (o.directory) fail("ENOTDIR", path, "open");
    if (writing && !node.writable) fail("EACCES", path, "open");
    // O_TRUNC on a device is ignored, as Linux ignores it on a character device.
    return new NodeHandle(this, node, node.open?.(this), writing, path);
  }
  mkdir(path: string): void {
    this.#absent(path, "mkdir");
  }
  rmdir(path: string): void {
    if (this.#find(path, false, "rmdir").type !== "dir") fail("ENOTDIR", path, "rmdir");
    fail(this.options.denied, path, "rmdir");
  }
  unlink(path: string): void {
    if (this.#find(path, false, "unlink").type === "dir") fail("EISDIR", path, "unlink");
    fail(this.options.denied, path, "unlink");
  }
  link(from: string, to: string, opts?: { follow?: boolean }): void {
    this.#find(from, !!opts?.follow, "link");
    this.#absent(to, "link");
  }
  rename(from: string, to: string): void {
    this.#find(from, false, "rename");
    fail(this.options.denied, to, "rename");
  }
  symlink(_target: string, path: string): void {
    this.#absent(path, "symlink");
  }
  readlink(path: string): string {
    const node = this.#find(path, false, "readlink");
    return node.type === "symlink" ? node.target : fail("EINVAL", path, "readlink");
  }
  utimes(path: string, _times: unknown, opts?: { follow?: boolean }): void {
    this.#find(path, opts?.follow ?? true, "utimes");
    fail(this.options.denied, path, "utimes");
  }
  chmod(path: string, _mode: number, opts?: { follow?: boolean }): void {
    this.#find(path, opts?.follow ?? true, "chmod");
    fail(this.options.denied, path, "chmod");
  }
  chown(path: string, _owner: unknown, opts?: { follow?: boolean }): void {
    this.#find(path, opts?.follow ?? true, "chown");
    fail(this.options.denied, path, "chown");
  }
  readdir(path: string): FsDirent[] {
    const node = this.#find(path, true, "readdir");
    if (node.type !== "dir") return fail("ENOTDIR", path, "readdir");
    return listing(node).map((e, i) => ({ ...e, next: BigInt(i + 3) }));
  }
  readFile(path: string): Uint8Array {
    const h = this.open(path, { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false, follow: true });
    try {
      if (h.kind === "dir") fail("EISDIR", path, "readFile");
      // A device gives one read's worth (/dev/zero has no end); a generated file all of it.
      const out = new Uint8Array(h.kind === "char" ? 65536 : h.size());
      return out.subarray(0, h.read(out, 0));
    } finally {
      h.close();
    }
  }
  writeFile(path: string, data: Uint8Array): void {
    const h = this.open(path, { read: false, write: true, create: true, exclusive: false, truncate: true, directory: false, follow: true });
    try {
      h.write(data, 0);
    } finally {
      h.close();
    }
  }
  sync(): void {}

  /** A change that would make `path`: EEXIST when it is there, else the tree's `denied`. */
  #absent(path: string, op: string): never {
    try {
      this.#find(path, false, op);
    } catch (err) {
      if (err instanceof FsError && err.code === "ENOENT") fail(this.options.denied, path, op);
      throw err;
    }
    return fail("EEXIST", path, op);
  }
}

/** A directory's entries, sorted by name. */
function listing(dir: SynthDir): Array<Omit<FsDirent, "next">> {
  return [...dir.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, n]) => ({ name, type: n.type, ino: n.ino }));
}

/** No process behind a process node: the node was opened past the WASI layer (a test, the engine). */
const NO_PROCESS: LeafIo = {
  read: () => fail("ENXIO", "", "read"),
  write: () => fail("ENXIO", "", "write"),
  size: () => 0,
};

class NodeHandle implements FsHandle {
  readonly kind: SynthNode["type"];
  readonly ino: bigint;
  readonly process?: ProcessNode;
  #listing: Array<Omit<FsDirent, "next">> | undefined;

  constructor(readonly fs: NodeFs, readonly node: SynthDir | SynthLeaf, readonly io: LeafIo | undefined, readonly writable: boolean, readonly path: string) {
    this.kind = node.type;
    this.ino = node.ino;
    if (node.process) this.process = node.process;
  }
  #io(op: string): LeafIo {
    if (this.node.type === "dir") return fail("EISDIR", this.path, op);
    return this.io ?? NO_PROCESS;
  }
  read(into: Uint8Array, position: number): number {
    return this.#io("read").read(into, position);
  }
  write(data: Uint8Array, position: number): number {
    const io = this.#io("write");
    if (!this.writable || !io.write) return fail("EBADF", this.path, "write");
    return io.write(data, position);
  }
  append(data: Uint8Array): number {
    const at = this.size();
    this.write(data, at);
    return at;
  }
  size(): number {
    return this.io?.size() ?? 0;
  }
  truncate(): void {
    this.#io("truncate");
    // ftruncate(2) of a device is EINVAL; of a generated file, not open for writing (none is).
    fail(this.writable ? "EINVAL" : "EBADF", this.path, "truncate");
  }
  stat(): FsStat {
    return this.fs.statOf(this.node, this.node.type === "file" ? this.size() : 0);
  }
  utimes(): void {
    fail(this.fs.options.denied, this.path, "utimes");
  }
  chmod(): void {
    fail(this.fs.options.denied, this.path, "chmod");
  }
  chown(): void {
    fail(this.fs.options.denied, this.path, "chown");
  }
  readdir(cookie: bigint, max: number): FsDirent[] {
    if (this.node.type !== "dir") return fail("ENOTDIR", this.path, "readdir");
    if (cookie === 0n || !this.#listing) {
      this.#listing = [{ name: ".", type: "dir", ino: this.node.ino }, { name: "..", type: "dir", ino: this.node.ino }, ...listing(this.node)];
    }
    const from = Number(cookie);
    return this.#listing.slice(from, from + max).map((e, i) => ({ ...e, next: BigInt(from + i + 1) }));
  }
  sync(): void {}
  close(): void {}
}
