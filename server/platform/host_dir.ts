/**
 * A host directory as a container filesystem (`Vfs`), for bind mounts on Node and Deno
 * (Deno runs it through its node:fs). Host errors become FsErrors with the same errno
 * names.
 *
 * Every path is resolved the way Linux's `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`
 * resolves it, so a program reaches exactly the directory the bind names, whatever links
 * it makes inside it:
 * - component by component from a descriptor of the bind's root, each directory opened
 *   with O_NOFOLLOW before the next name is looked up in it;
 * - a symlink is read and its target walked by the same rules: an absolute target, or a
 *   `..` that would climb above the root, fails with EXDEV (openat2's answer), and more
 *   than 40 links fail with ELOOP; a link is never followed by the host's kernel;
 * - the operation itself names its last component relative to the descriptor of the
 *   directory that holds it (`/proc/self/fd/N/name`, which Linux resolves exactly as the
 *   `*at` calls do), and never follows a link there (O_NOFOLLOW, lstat, lutimes), so no
 *   check is separated from its use: a component swapped for a link between the walk and
 *   the operation makes the operation fail, never escape.
 * Node's fs has no `openat`; `/proc/self/fd` gives the same resolution through path
 * calls. XXX: where /proc is missing (macOS), directories are addressed by their host
 * path instead, so a directory swapped for a link by another process between the walk
 * and the operation could still be followed.
 *
 * A read-only bind is read-only here as well as in the engine's `readOnly` view: no
 * change through a path or a handle (data, size, times) reaches the host.
 */
import {
  closeSync, constants, existsSync, fstatSync, ftruncateSync, futimesSync, linkSync, lstatSync, lutimesSync, mkdirSync,
  openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, renameSync, rmdirSync, symlinkSync, unlinkSync,
  writeSync, type BigIntStats,
} from "node:fs";
import { FsError } from "../../src/fs/mod.ts";
import type { VDirent, VHandle, VOpenOptions, VStat, VType, Vfs } from "../../src/wasi/mod.ts";

const ERRNOS = new Set(["ENOENT", "EEXIST", "ENOTDIR", "EISDIR", "ENOTEMPTY", "ELOOP", "ENAMETOOLONG", "EINVAL", "EXDEV", "EACCES", "EPERM", "EBADF", "EROFS", "EBUSY", "EFBIG", "ENOSPC", "EMLINK"]);
const MAX_SYMLINK_HOPS = 40;
const PROC_FD = "/proc/self/fd";
const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW } = constants;

function host<T>(path: string, op: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof FsError) throw err;
    const code = (err as { code?: string }).code ?? "";
    throw new FsError((ERRNOS.has(code) ? code : "EACCES") as FsError["code"], path, op);
  }
}

function typeOf(s: BigIntStats): VType {
  return s.isFile() ? "file" : s.isDirectory() ? "dir" : s.isSymbolicLink() ? "symlink" : s.isCharacterDevice() ? "char" : s.isBlockDevice() ? "block" : s.isFIFO() ? "fifo" : "socket";
}

function vstat(s: BigIntStats): VStat {
  return { dev: s.dev, ino: s.ino, type: typeOf(s), nlink: s.nlink, size: s.size, atim: s.atimeNs, mtim: s.mtimeNs, ctim: s.ctimeNs };
}

const seconds = (ns: bigint) => Number(ns) / 1e9;

/** The directories a walk holds open (closed when the operation is done). */
class Walk {
  readonly fds: number[] = [];
  /** How each held directory is named to the host: `/proc/self/fd/N`, or its host path without /proc. */
  readonly dirs: string[] = [];

  constructor(root: string, readonly byFd: boolean) {
    this.#enter(root);
  }

  get top(): string {
    return this.dirs[this.dirs.length - 1]!;
  }

  /** Open `path` (no link followed) as the next directory of the walk. */
  #enter(path: string): void {
    const fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (this.byFd) this.fds.push(fd), this.dirs.push(`${PROC_FD}/${fd}`);
    else closeSync(fd), this.dirs.push(path);
  }
  down(name: string): void {
    this.#enter(`${this.top}/${name}`);
  }
  /** false when `..` would leave the root. */
  up(): boolean {
    if (this.dirs.length === 1) return false;
    this.dirs.pop();
    const fd = this.byFd ? this.fds.pop() : undefined;
    if (fd !== undefined) closeSync(fd);
    return true;
  }
  release(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }
}

export class HostDirVfs implements Vfs {
  readonly #root: string;
  readonly #byFd: boolean;
  readonly #readOnly: boolean;

  constructor(root: string, opts: { readOnly?: boolean } = {}) {
    this.#root = realpathSync(root);
    this.#byFd = existsSync(PROC_FD);
    this.#readOnly = opts.readOnly ?? false;
  }

  /**
   * Run `fn` with the host name of `path`'s last component, relative to a held descriptor
   * of the directory that holds it ("." for the root itself). With `follow`, a link in
   * the last place is resolved too. Errors: EXDEV (a link leads out), ELOOP, ENOENT,
   * ENOTDIR.
   */
  #at<T>(path: string, follow: boolean, op: string, fn: (at: string) => T): T {
    if (path.includes("\0")) throw new FsError("EINVAL", path, op);
    return host(path, op, () => {
      const walk = new Walk(this.#root, this.#byFd);
      try {
        return fn(this.#walk(walk, path, follow, op));
      } finally {
        walk.release();
      }
    });
  }

  #walk(walk: Walk, path: string, follow: boolean, op: string): string {
    const names = (p: string) => p.split("/").filter((n) => n !== "" && n !== ".").reverse();
    const todo = names(path);
    let hops = 0;
    while (todo.length) {
      const name = todo.pop()!;
      if (name === "..") {
        if (!walk.up()) throw new FsError("EXDEV", path, op);
        continue;
      }
      const final = todo.length === 0;
      const at = `${walk.top}/${name}`;
      if (final && !follow) return at;
      let st: BigIntStats | undefined;
      try {
        st = lstatSync(at, { bigint: true });
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT" && final) return at; // to be created, beneath the root
        throw err;
      }
      if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw new FsError("ELOOP", path, op);
        const target = readlinkSync(at);
        if (target.startsWith("/")) throw new FsError("EXDEV", path, op);
        todo.push(...names(target));
        continue;
      }
      if (final) return at;
      if (!st.isDirectory()) throw new FsError("ENOTDIR", path, op);
      walk.down(name);
    }
    return `${walk.top}/.`;
  }

  #writable(path: string, op: string): void {
    if (this.#readOnly) throw new FsError("EROFS", path, op);
  }

  stat(path: string, follow: boolean): VStat {
    return this.#at(path, follow, "stat", (at) => vstat(lstatSync(at, { bigint: true })));
  }
  open(path: string, o: VOpenOptions): VHandle {
    if (this.#readOnly && (o.write || o.truncate)) throw new FsError("EROFS", path, "open");
    // O_CREAT|O_EXCL never follows a link in the last place: it fails with EEXIST.
    const follow = o.follow && !(o.create && o.exclusive);
    const flags = (o.write ? (o.read ? O_RDWR : O_WRONLY) : O_RDONLY) | (o.create && !this.#readOnly ? O_CREAT : 0)
      | (o.exclusive ? O_EXCL : 0) | (o.truncate ? O_TRUNC : 0) | (o.directory ? O_DIRECTORY : 0) | O_NOFOLLOW;
    return this.#at(path, follow, "open", (at) => {
      let fd: number;
      try {
        fd = openSync(at, flags, 0o644);
      } catch (err) {
        // A read-only bind answers an O_CREAT of a missing file as Linux does: EROFS.
        if (this.#readOnly && o.create && (err as { code?: string }).code === "ENOENT") throw new FsError("EROFS", path, "open");
        throw err;
      }
      try {
        const dir = fstatSync(fd).isDirectory();
        return dir ? dirHandle(fd, this.#byFd ? `${PROC_FD}/${fd}` : at, path, this.#readOnly) : fileHandle(fd, path, this.#readOnly);
      } catch (err) {
        closeSync(fd);
        throw err;
      }
    });
  }
  mkdir(path: string): void {
    this.#writable(path, "mkdir");
    this.#at(path, false, "mkdir", (at) => mkdirSync(at));
  }
  rmdir(path: string): void {
    this.#writable(path, "rmdir");
    this.#at(path, false, "rmdir", (at) => rmdirSync(at));
  }
  unlink(path: string): void {
    this.#writable(path, "unlink");
    this.#at(path, false, "unlink", (at) => {
      if (lstatSync(at).isDirectory()) throw new FsError("EISDIR", path, "unlink"); // unlink never follows, so this check cannot be raced out
      unlinkSync(at);
    });
  }
  rename(from: string, to: string): void {
    this.#writable(to, "rename");
    this.#at(from, false, "rename", (a) => this.#at(to, false, "rename", (b) => renameSync(a, b)));
  }
  link(from: string, to: string): void {
    this.#writable(to, "link");
    // link(2) on Linux does not follow a link in `from`; neither does the walk.
    this.#at(from, false, "link", (a) => this.#at(to, false, "link", (b) => linkSync(a, b)));
  }
  symlink(target: string, path: string): void {
    this.#writable(path, "symlink");
    this.#at(path, false, "symlink", (at) => symlinkSync(target, at));
  }
  readlink(path: string): string {
    return this.#at(path, false, "readlink", (at) => readlinkSync(at));
  }
  setTimes(path: string, follow: boolean, atim: bigint | null, mtim: bigint | null): void {
    this.#writable(path, "utimes");
    this.#at(path, follow, "utimes", (at) => {
      const s = lstatSync(at, { bigint: true });
      lutimesSync(at, seconds(atim ?? s.atimeNs), seconds(mtim ?? s.mtimeNs));
    });
  }
  readFile(path: string): Uint8Array {
    return this.#at(path, true, "read", (at) => {
      const fd = openSync(at, O_RDONLY | O_NOFOLLOW);
      try {
        return new Uint8Array(readFileSync(fd));
      } finally {
        closeSync(fd);
      }
    });
  }
}

function fileHandle(fd: number, path: string, readOnly: boolean): VHandle {
  const ro = (op: string) => {
    if (readOnly) throw new FsError("EROFS", path, op);
  };
  return {
    read: (into, pos) => host(path, "read", () => readSync(fd, into, 0, into.length, pos)),
    write: (data, pos) => (ro("write"), host(path, "write", () => writeSync(fd, data, 0, data.length, pos))),
    truncate: (size) => (ro("truncate"), host(path, "truncate", () => ftruncateSync(fd, size))),
    stat: () => host(path, "stat", () => vstat(fstatSync(fd, { bigint: true }))),
    setTimes: (a, m) => (ro("utimes"), host(path, "utimes", () => {
      const s = fstatSync(fd, { bigint: true });
      futimesSync(fd, seconds(a ?? s.atimeNs), seconds(m ?? s.mtimeNs));
    })),
    readdir: () => {
      throw new FsError("ENOTDIR", path, "readdir");
    },
    close: () => host(path, "close", () => closeSync(fd)),
  };
}

/** A directory held by its descriptor; `name` addresses it for listing (`/proc/self/fd/N`). */
function dirHandle(fd: number, name: string, path: string, readOnly: boolean): VHandle {
  let listing: VDirent[] | null = null;
  const isDir = (op: string) => {
    throw new FsError("EISDIR", path, op);
  };
  return {
    read: () => isDir("read"),
    write: () => isDir("write"),
    truncate: () => isDir("truncate"),
    stat: () => host(path, "stat", () => vstat(fstatSync(fd, { bigint: true }))),
    setTimes: (a, m) => host(path, "utimes", () => {
      if (readOnly) throw new FsError("EROFS", path, "utimes");
      const s = fstatSync(fd, { bigint: true });
      futimesSync(fd, seconds(a ?? s.atimeNs), seconds(m ?? s.mtimeNs));
    }),
    readdir: (cookie, max) => {
      if (cookie === 0n || !listing) {
        listing = host(path, "readdir", () => readdirSync(name).map((entry, i) => {
          const s = lstatSync(`${name}/${entry}`, { bigint: true });
          return { name: entry, type: typeOf(s), ino: s.ino, next: BigInt(i + 1) };
        }));
      }
      return listing.slice(Number(cookie), Number(cookie) + max);
    },
    close: () => host(path, "close", () => closeSync(fd)),
  };
}
