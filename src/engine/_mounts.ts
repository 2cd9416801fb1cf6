/**
 * A container's view with its mounts: paths under a mount's target go to the volume's
 * (or the bind's) filesystem, everything else to the container's union. Paths are
 * normalized lexically first ("." and ".." inside the root), then routed by the longest
 * matching target. A rename or link across two filesystems is EXDEV, as across mount
 * points on Linux. `readOnly` wraps a filesystem so every change is EROFS.
 *
 * XXX: a symlink in the union that points into a mount is resolved by the union alone,
 * so it does not reach the mount.
 */
import { FsError } from "../fs/mod.ts";
import type { VHandle, VOpenOptions, VStat, Vfs } from "../wasi/mod.ts";

export interface MountedFs {
  /** Absolute, normalized, not "/". */
  target: string;
  fs: Vfs;
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

export class MountedVfs implements Vfs {
  readonly #mounts: MountedFs[];

  constructor(readonly root: Vfs, mounts: readonly MountedFs[]) {
    this.#mounts = [...mounts].sort((a, b) => b.target.length - a.target.length);
  }

  #route(path: string): [Vfs, string] {
    const p = normalizePath(path);
    for (const m of this.#mounts) {
      if (p === m.target) return [m.fs, "/"];
      if (p.startsWith(`${m.target}/`)) return [m.fs, p.slice(m.target.length)];
    }
    return [this.root, p];
  }

  #pair(from: string, to: string, op: string): [Vfs, string, string] {
    const [a, pa] = this.#route(from), [b, pb] = this.#route(to);
    if (a !== b) throw new FsError("EXDEV", to, op);
    return [a, pa, pb];
  }

  stat(path: string, follow: boolean): VStat {
    const [fs, p] = this.#route(path);
    return fs.stat(p, follow);
  }
  open(path: string, opts: VOpenOptions): VHandle {
    const [fs, p] = this.#route(path);
    return fs.open(p, opts);
  }
  mkdir(path: string): void {
    const [fs, p] = this.#route(path);
    fs.mkdir(p);
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
    const [fs, a, b] = this.#pair(from, to, "rename");
    if (a === "/" || b === "/") throw new FsError("EBUSY", from, "rename");
    fs.rename(a, b);
  }
  link(from: string, to: string): void {
    const [fs, a, b] = this.#pair(from, to, "link");
    fs.link(a, b);
  }
  symlink(target: string, path: string): void {
    const [fs, p] = this.#route(path);
    fs.symlink(target, p);
  }
  readlink(path: string): string {
    const [fs, p] = this.#route(path);
    return fs.readlink(p);
  }
  setTimes(path: string, follow: boolean, atim: bigint | null, mtim: bigint | null): void {
    const [fs, p] = this.#route(path);
    fs.setTimes(p, follow, atim, mtim);
  }
  readFile(path: string): Uint8Array {
    const [fs, p] = this.#route(path);
    return fs.readFile(p);
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
export function readOnly(inner: Vfs): Vfs {
  return {
    stat: (p, f) => inner.stat(p, f),
    readlink: (p) => inner.readlink(p),
    readFile: (p) => inner.readFile(p),
    open: (p, o) => {
      if (o.write || o.truncate) return rofs(p, "open");
      let h: VHandle;
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
    setTimes: (p) => rofs(p, "utimes"),
  };
}

function readOnlyHandle(h: VHandle, path: string): VHandle {
  return {
    read: (into, pos) => h.read(into, pos),
    stat: () => h.stat(),
    readdir: (cookie, max) => h.readdir(cookie, max),
    close: () => h.close(),
    write: () => rofs(path, "write"),
    truncate: () => rofs(path, "truncate"),
    setTimes: () => rofs(path, "utimes"),
  };
}
