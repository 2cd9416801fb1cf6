/**
 * A container's view with its mounts: paths under a mount's target go to the mounted
 * filesystem (a volume, a bind, /dev, /proc, the container's own files), everything else
 * to the container's union. Paths are normalized lexically first ("." and ".." inside
 * the root), then routed by the longest matching target. A mount shows its filesystem
 * from `path` on: the whole of it ("/"), a directory of it, or a single file (a file
 * bind, as Docker mounts /etc/hosts). A rename or link across two mounts is EXDEV, as
 * across mount points on Linux; unlinking, removing or renaming a mount point is EBUSY.
 * A directory that holds a mount point lists it, also when the filesystem beneath has no
 * such name (Docker makes mount points in an init layer; strata makes none: /dev, /proc
 * and /etc/hostname never enter the container's layer, its diff or its export).
 * `readOnly` wraps a filesystem so every change is EROFS; `readOnlyRoot` does so for the
 * root's own paths (`docker run --read-only`), the mounts keeping their own mode.
 *
 * It lives in src/wasi because a worker rebuilds the same view on its side of the thread
 * boundary (rootfs_transfer.ts): the union and volumes as copies, a host bind opened
 * afresh from its description (`bind`), whose changes are on the host already and are
 * never journaled.
 *
 * XXX: a symlink in the union that points into a mount is resolved by the union alone,
 * so it does not reach the mount.
 */
import { type FileSystem, FsError, type FsDirent, type FsHandle, type FsStat, type OpenOptions, type PathOptions, type TimeSpec } from "../fs/mod.ts";
import { byName, type Entry, MountPointsHandle } from "./_mount_points.ts";

export interface MountedFs {
  /** Absolute, normalized, not "/". */
  target: string;
  /** The mounted filesystem itself; the view puts `readOnly` over it when asked. */
  fs: FileSystem;
  /** What of `fs` the target shows: "/" (the default), a directory, or a file. Absolute, normalized. */
  path?: string;
  readOnly?: boolean;
  /** A host directory: how a worker opens it for itself (absent for a volume). */
  bind?: { source: string };
}

/** "/a/./b/../c" → "/a/c"; ".." at the root stays at the root. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/**
 * True when normalizePath would return `path` as it is: absolute, no "//", no "." or ".."
 * component, no trailing "/". (A name starting with "." makes it false too: the slow way
 * is still right.)
 */
function isClean(path: string): boolean {
  const n = path.length;
  if (n === 0 || path.charCodeAt(0) !== 47) return false;
  let prev = 47;
  for (let i = 1; i < n; i++) {
    const c = path.charCodeAt(i);
    if (prev === 47 && (c === 47 || c === 46)) return false; // "//", "/." (a "." or ".." component, or a dot name)
    prev = c;
  }
  return n === 1 || prev !== 47;
}

type Times = { atime?: TimeSpec; mtime?: TimeSpec };

/** Where a path goes: the filesystem, its own path there, which mount (-1: the root), whether it is the mount point itself, and the normalized path. */
interface Route {
  fs: FileSystem;
  path: string;
  mount: number;
  top: boolean;
  at: string;
}

export class MountedVfs implements FileSystem {
  /** Longest target first. */
  readonly mounts: readonly MountedFs[];
  /** What each mount serves (read-only where asked), in the order of `mounts`. */
  readonly #views: FileSystem[];
  /** The first components of the targets ("/dev"): a normalized path starting elsewhere is the root's, found without a scan. */
  readonly #heads: string[];
  /** The first letters of the heads, as bits (char code mod 32): most paths are the root's at the first look. */
  #initials = 0;
  /** Each target with a "/" after it, in the order of `mounts`. */
  readonly #prefixes: string[];
  /** A directory holding mount points → the indexes of those mounts. */
  readonly #points = new Map<string, number[]>();

  /** What the root's paths are served by: the root itself, or it read-only (`readOnlyRoot`). */
  readonly #rootView: FileSystem;
  /** `docker run --read-only`: every change under the root's own paths is EROFS; the mounts keep their own mode. */
  readonly readOnlyRoot: boolean;

  constructor(readonly root: FileSystem, mounts: readonly MountedFs[], o: { readOnlyRoot?: boolean } = {}) {
    this.readOnlyRoot = !!o.readOnlyRoot;
    this.#rootView = this.readOnlyRoot ? readOnly(root) : root;
    this.mounts = [...mounts].sort((a, b) => b.target.length - a.target.length);
    this.#views = this.mounts.map((m) => (m.readOnly ? readOnly(m.fs) : m.fs));
    this.#heads = [...new Set(this.mounts.map((m) => `/${m.target.split("/")[1]!}`))];
    for (const h of this.#heads) this.#initials |= 1 << (h.charCodeAt(1) & 31);
    this.#prefixes = this.mounts.map((m) => `${m.target}/`);
    this.mounts.forEach((m, i) => {
      const parent = m.target.slice(0, m.target.lastIndexOf("/")) || "/";
      this.#points.set(parent, [...(this.#points.get(parent) ?? []), i]);
    });
  }

  /** The mount that serves `path` (undefined for the root's own paths). */
  mountOf(path: string): MountedFs | undefined {
    return this.mounts[this.#find(normalizePath(path))];
  }

  /** Whether `path` is on a read-only filesystem here: its mount's mode, or the root's (`readOnlyRoot`). */
  readOnlyAt(path: string): boolean {
    const m = this.mountOf(path);
    return m ? !!m.readOnly : this.readOnlyRoot;
  }

  /** The mount of normalized path `p`, or -1 for the root. */
  #find(p: string): number {
    if (((this.#initials >>> (p.charCodeAt(1) & 31)) & 1) === 0) return -1;
    let head = false;
    for (const h of this.#heads) if (p.startsWith(h) && (p.length === h.length || p.charCodeAt(h.length) === 47)) head = true;
    if (!head) return -1;
    for (let i = 0; i < this.mounts.length; i++) if (p === this.mounts[i]!.target || p.startsWith(this.#prefixes[i]!)) return i;
    return -1;
  }

  /**
   * `path` itself when it is the root's and needs no normalizing (absolute, no "//", "/."
   * or trailing "/"): the hot calls go straight to the root with it, with no route made.
   * Undefined otherwise (then `#route`).
   */
  #rootPath(path: string): string | undefined {
    if (!isClean(path)) return undefined;
    return this.#find(path) < 0 ? path : undefined;
  }

  /** The filesystem and its own path for `path`. A trailing "/" is kept (it asks for a directory). */
  #route(path: string): Route {
    const p = isClean(path) ? path : normalizePath(path);
    const i = this.#find(p);
    const slash = p !== path && path.endsWith("/") && p !== "/" ? "/" : "";
    if (i < 0) return { fs: this.#rootView, path: p + slash, mount: -1, top: p === "/", at: p };
    const m = this.mounts[i]!, base = m.path ?? "/";
    const rest = p.slice(m.target.length);
    const inner = base === "/" ? rest || "/" : base + rest;
    return { fs: this.#views[i]!, path: inner === "/" ? inner : inner + slash, mount: i, top: rest === "", at: p };
  }

  /** The two ends of a rename or link: EXDEV across mounts. */
  #pair(from: string, to: string, op: string): [Route, Route] {
    const a = this.#route(from), b = this.#route(to);
    if (a.mount !== b.mount) throw new FsError("EXDEV", to, op);
    return [a, b];
  }

  /** The mount points in directory `dir` (normalized) that its own filesystem does not list. */
  #extra(dir: string, listed: (name: string) => boolean): Entry[] {
    const points = this.#points.get(dir);
    if (!points) return [];
    const out: Entry[] = [];
    for (const i of points) {
      const m = this.mounts[i]!, name = m.target.slice(m.target.lastIndexOf("/") + 1);
      if (listed(name)) continue;
      const st = this.#views[i]!.stat(m.path ?? "/");
      out.push({ name, type: st.type, ino: st.ino });
    }
    return out;
  }

  stat(path: string): FsStat {
    const q = this.#rootPath(path);
    if (q !== undefined) return this.root.stat(q);
    const r = this.#route(path);
    return r.fs.stat(r.path);
  }
  lstat(path: string): FsStat {
    const q = this.#rootPath(path);
    if (q !== undefined) return this.root.lstat(q);
    const r = this.#route(path);
    return r.fs.lstat(r.path);
  }
  open(path: string, opts: OpenOptions): FsHandle {
    const q = this.#rootPath(path);
    if (q !== undefined && q !== "/") {
      const h = this.#rootView.open(q, opts);
      return h.kind === "dir" && this.#points.has(q) ? new MountPointsHandle(h, (listed) => this.#extra(q, listed)) : h;
    }
    const r = this.#route(path);
    const h = r.fs.open(r.path, opts);
    if (h.kind !== "dir" || !this.#points.has(r.at)) return h;
    return new MountPointsHandle(h, (listed) => this.#extra(r.at, listed));
  }
  mkdir(path: string, opts?: { mode?: number }): void {
    const r = this.#route(path);
    if (r.top) throw new FsError("EEXIST", path, "mkdir");
    r.fs.mkdir(r.path, opts);
  }
  rmdir(path: string): void {
    const r = this.#route(path);
    if (r.top) throw new FsError("EBUSY", path, "rmdir");
    r.fs.rmdir(r.path);
  }
  unlink(path: string): void {
    const r = this.#route(path);
    if (r.top && r.mount >= 0) throw new FsError("EBUSY", path, "unlink");
    r.fs.unlink(r.path);
  }
  rename(from: string, to: string): void {
    // A mount point (or the root) is busy before anything else, as Linux's rename(2) says.
    const a = this.#route(from), b = this.#route(to);
    if (a.top || b.top) throw new FsError("EBUSY", from, "rename");
    if (a.mount !== b.mount) throw new FsError("EXDEV", to, "rename");
    a.fs.rename(a.path, b.path);
  }
  link(from: string, to: string, opts?: { follow?: boolean }): void {
    const [a, b] = this.#pair(from, to, "link");
    if (b.top) throw new FsError("EEXIST", to, "link");
    a.fs.link(a.path, b.path, opts);
  }
  symlink(target: string, path: string): void {
    const r = this.#route(path);
    if (r.top) throw new FsError("EEXIST", path, "symlink");
    r.fs.symlink(target, r.path);
  }
  readlink(path: string): string {
    const q = this.#rootPath(path);
    if (q !== undefined) return this.root.readlink(q);
    const r = this.#route(path);
    return r.fs.readlink(r.path);
  }
  utimes(path: string, times: Times, opts?: PathOptions): void {
    const r = this.#route(path);
    r.fs.utimes(r.path, times, opts);
  }
  chmod(path: string, mode: number, opts?: PathOptions): void {
    const r = this.#route(path);
    r.fs.chmod(r.path, mode, opts);
  }
  chown(path: string, owner: { uid: number; gid: number }, opts?: PathOptions): void {
    const r = this.#route(path);
    r.fs.chown(r.path, owner, opts);
  }
  readdir(path: string): FsDirent[] {
    const r = this.#route(path);
    const own = r.fs.readdir(r.path);
    if (!this.#points.has(r.at)) return own;
    const names = new Set(own.map((e) => e.name));
    const extra = this.#extra(r.at, (name) => names.has(name));
    if (!extra.length) return own;
    return [...own, ...extra].sort(byName).map((e, i) => ({ ...e, next: BigInt(i + 3) }));
  }
  readFile(path: string): Uint8Array {
    const q = this.#rootPath(path);
    if (q !== undefined) return this.root.readFile(q);
    const r = this.#route(path);
    return r.fs.readFile(r.path);
  }
  writeFile(path: string, data: Uint8Array, opts?: { mode?: number }): void {
    const r = this.#route(path);
    r.fs.writeFile(r.path, data, opts);
  }
  sync(): void {
    this.root.sync();
    for (const fs of this.#views) fs.sync();
  }
}

const rofs = (path: string, op: string): never => {
  throw new FsError("EROFS", path, op);
};

/**
 * A filesystem seen read-only: reads pass, every change of data or metadata fails with
 * EROFS, through a path or through a handle opened here. An O_CREAT is passed on as a
 * plain open (no exists-then-open check that a program could race): it opens a file that
 * is there and answers EROFS for one that is not, as Linux does on a read-only mount.
 */
export function readOnly(inner: FileSystem): FileSystem {
  return {
    stat: (p) => inner.stat(p),
    lstat: (p) => inner.lstat(p),
    readlink: (p) => inner.readlink(p),
    readFile: (p) => inner.readFile(p),
    readdir: (p) => inner.readdir(p),
    open: (p, o) => {
      if (o.write || o.truncate || o.append) return rofs(p, "open");
      let h: FsHandle;
      try {
        h = inner.open(p, { ...o, create: false, exclusive: false });
      } catch (err) {
        if (o.create && err instanceof FsError && err.code === "ENOENT") return rofs(p, "open");
        throw err;
      }
      if (o.create && o.exclusive) {
        h.close();
        throw new FsError("EEXIST", p, "open");
      }
      return readOnlyHandle(h, p);
    },
    mkdir: (p) => rofs(p, "mkdir"),
    rmdir: (p) => rofs(p, "rmdir"),
    unlink: (p) => rofs(p, "unlink"),
    rename: (p) => rofs(p, "rename"),
    link: (_f, p) => rofs(p, "link"),
    symlink: (_t, p) => rofs(p, "symlink"),
    utimes: (p) => rofs(p, "utimes"),
    chmod: (p) => rofs(p, "chmod"),
    chown: (p) => rofs(p, "chown"),
    writeFile: (p) => rofs(p, "open"),
    sync: () => inner.sync(),
  };
}

function readOnlyHandle(h: FsHandle, path: string): FsHandle {
  return {
    kind: h.kind,
    ino: h.ino,
    read: (into, pos) => h.read(into, pos),
    size: () => h.size(),
    stat: () => h.stat(),
    readdir: (cookie, max) => h.readdir(cookie, max),
    sync: () => h.sync(),
    close: () => h.close(),
    write: () => rofs(path, "write"),
    append: () => rofs(path, "write"),
    truncate: () => rofs(path, "truncate"),
    utimes: () => rofs(path, "utimes"),
    chmod: () => rofs(path, "chmod"),
    chown: () => rofs(path, "chown"),
  };
}
