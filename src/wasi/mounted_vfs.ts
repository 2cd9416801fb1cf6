/**
 * A container's view with its mounts: paths under a mount's target go to the volume's
 * (or the bind's) filesystem, everything else to the container's union. Paths are
 * normalized lexically first ("." and ".." inside the root), then routed by the longest
 * matching target. A rename or link across two filesystems is EXDEV, as across mount
 * points on Linux. `readOnly` wraps a filesystem so every change is EROFS.
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

export interface MountedFs {
  /** Absolute, normalized, not "/". */
  target: string;
  /** The mounted filesystem itself; the view puts `readOnly` over it when asked. */
  fs: FileSystem;
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

type Times = { atime?: TimeSpec; mtime?: TimeSpec };

export class MountedVfs implements FileSystem {
  /** Longest target first. */
  readonly mounts: readonly MountedFs[];
  /** What each mount serves (read-only where asked), in the order of `mounts`. */
  readonly #views: FileSystem[];

  constructor(readonly root: FileSystem, mounts: readonly MountedFs[]) {
    this.mounts = [...mounts].sort((a, b) => b.target.length - a.target.length);
    this.#views = this.mounts.map((m) => (m.readOnly ? readOnly(m.fs) : m.fs));
  }

  /** The mount that serves `path` (undefined for the root's own paths). */
  mountOf(path: string): MountedFs | undefined {
    return this.mounts[this.#find(normalizePath(path))];
  }

  #find(p: string): number {
    return this.mounts.findIndex((m) => p === m.target || p.startsWith(`${m.target}/`));
  }

  /**
   * The filesystem and its own path for `path`. A trailing "/" is kept (it asks for a
   * directory), so a mount's root is "/" and "/mnt/" is "/" too.
   */
  #route(path: string): [FileSystem, string] {
    const p = normalizePath(path);
    const i = this.#find(p);
    const slash = path.endsWith("/") && p !== "/" ? "/" : "";
    if (i < 0) return [this.root, p + slash];
    const inner = p === this.mounts[i]!.target ? "/" : p.slice(this.mounts[i]!.target.length) + slash;
    return [this.#views[i]!, inner];
  }

  #pair(from: string, to: string, op: string): [FileSystem, string, string] {
    const [a, pa] = this.#route(from), [b, pb] = this.#route(to);
    if (a !== b) throw new FsError("EXDEV", to, op);
    return [a, pa, pb];
  }

  stat(path: string): FsStat {
    const [fs, p] = this.#route(path);
    return fs.stat(p);
  }
  lstat(path: string): FsStat {
    const [fs, p] = this.#route(path);
    return fs.lstat(p);
  }
  open(path: string, opts: OpenOptions): FsHandle {
    const [fs, p] = this.#route(path);
    return fs.open(p, opts);
  }
  mkdir(path: string, opts?: { mode?: number }): void {
    const [fs, p] = this.#route(path);
    if (p === "/") throw new FsError("EEXIST", path, "mkdir");
    fs.mkdir(p, opts);
  }
  rmdir(path: string): void {
    const [fs, p] = this.#route(path);
    if (p === "/") throw new FsError("EBUSY", path, "rmdir");
    fs.rmdir(p);
  }
  unlink(path: string): void {
    const [fs, p] = this.#route(path);
    fs.unlink(p);
  }
  rename(from: string, to: string): void {
    // A mount point (or the root) is busy before anything else, as Linux's rename(2) says.
    const [fs, a] = this.#route(from), [other, b] = this.#route(to);
    if (a === "/" || b === "/") throw new FsError("EBUSY", from, "rename");
    if (fs !== other) throw new FsError("EXDEV", to, "rename");
    fs.rename(a, b);
  }
  link(from: string, to: string, opts?: { follow?: boolean }): void {
    const [fs, a, b] = this.#pair(from, to, "link");
    fs.link(a, b, opts);
  }
  symlink(target: string, path: string): void {
    const [fs, p] = this.#route(path);
    fs.symlink(target, p);
  }
  readlink(path: string): string {
    const [fs, p] = this.#route(path);
    return fs.readlink(p);
  }
  utimes(path: string, times: Times, opts?: PathOptions): void {
    const [fs, p] = this.#route(path);
    fs.utimes(p, times, opts);
  }
  chmod(path: string, mode: number, opts?: PathOptions): void {
    const [fs, p] = this.#route(path);
    fs.chmod(p, mode, opts);
  }
  chown(path: string, owner: { uid: number; gid: number }, opts?: PathOptions): void {
    const [fs, p] = this.#route(path);
    fs.chown(p, owner, opts);
  }
  readdir(path: string): FsDirent[] {
    const [fs, p] = this.#route(path);
    return fs.readdir(p);
  }
  readFile(path: string): Uint8Array {
    const [fs, p] = this.#route(path);
    return fs.readFile(p);
  }
  writeFile(path: string, data: Uint8Array, opts?: { mode?: number }): void {
    const [fs, p] = this.#route(path);
    fs.writeFile(p, data, opts);
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
