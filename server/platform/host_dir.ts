/**
 * A host directory as a container `FileSystem` (src/fs/types.ts, the one interface every
 * filesystem implements), for bind mounts on Node and Deno (Deno runs it through its
 * node:fs). Host errors become FsErrors with the same errno names. The conformance suite
 * (tests/fs/_vfs_suite.ts) runs over it on a temporary directory.
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
  closeSync, constants, existsSync, fchmodSync, fchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync,
  readFileSync, readlinkSync, realpathSync, renameSync, rmdirSync, symlinkSync, fstatSync, unlinkSync, type BigIntStats,
} from "node:fs";
import { FsError, type FileSystem, type FsDirent, type FsHandle, type FsStat, type OpenOptions, type PathOptions } from "../../src/fs/mod.ts";
import { dirHandle, fileHandle, fsStat, host, listing, seconds, type Times, typeOf } from "./_host_handles.ts";

const MAX_SYMLINK_HOPS = 40;
const PROC_FD = "/proc/self/fd";
const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_APPEND } = constants;

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

export class HostDirVfs implements FileSystem {
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
   * of the directory that holds it ("." for a directory itself); `root` says it is the
   * bind's root. With `follow`, a link in the last place is resolved too. Errors: EXDEV
   * (a link or a `..` leads out), ELOOP, ENOENT, ENOTDIR.
   */
  #at<T>(path: string, follow: boolean, op: string, fn: (at: string, root: boolean) => T): T {
    if (path.includes("\0")) throw new FsError("EINVAL", path, op);
    return host(path, op, () => {
      const walk = new Walk(this.#root, this.#byFd);
      try {
        const at = this.#walk(walk, path, follow, op);
        return fn(at, walk.dirs.length === 1 && at === `${walk.top}/.`);
      } finally {
        walk.release();
      }
    });
  }

  /** A trailing "/" (or "/.") asks for a directory: the last name is followed and must be one (ENOTDIR), or be missing (to be made). */
  #walk(walk: Walk, path: string, follow: boolean, op: string): string {
    const slash = /\/\.?$/.test(path);
    if (slash) follow = true;
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
      if (!st.isDirectory() && (!final || slash)) throw new FsError("ENOTDIR", path, op);
      if (final) return at;
      walk.down(name);
    }
    return `${walk.top}/.`;
  }

  #writable(path: string, op: string): void {
    if (this.#readOnly) throw new FsError("EROFS", path, op);
  }

  stat(path: string): FsStat {
    return this.#at(path, true, "stat", (at) => fsStat(lstatSync(at, { bigint: true })));
  }
  lstat(path: string): FsStat {
    return this.#at(path, false, "lstat", (at) => fsStat(lstatSync(at, { bigint: true })));
  }
  open(path: string, o: OpenOptions): FsHandle {
    const writes = o.write || o.truncate || o.append === true;
    if (this.#readOnly && writes) throw new FsError("EROFS", path, "open");
    // O_CREAT|O_EXCL never follows a link in the last place: it fails with EEXIST.
    const follow = o.follow && !(o.create && o.exclusive);
    const flags = (writes ? (o.read ? O_RDWR : O_WRONLY) : O_RDONLY) | (o.create && !this.#readOnly ? O_CREAT : 0)
      | (o.exclusive ? O_EXCL : 0) | (o.truncate ? O_TRUNC : 0) | (o.directory ? O_DIRECTORY : 0) | (o.append ? O_APPEND : 0) | O_NOFOLLOW;
    return this.#at(path, follow, "open", (at, root) => {
      let fd: number;
      try {
        fd = openSync(at, flags, o.mode ?? 0o644);
      } catch (err) {
        // A read-only bind answers an O_CREAT of a missing file as Linux does: EROFS.
        if (this.#readOnly && o.create && (err as { code?: string }).code === "ENOENT") throw new FsError("EROFS", path, "open");
        throw err;
      }
      try {
        const st = fstatSync(fd, { bigint: true });
        const h = { fd, ino: st.ino, path, readOnly: this.#readOnly };
        return st.isDirectory() ? dirHandle(h, this.#byFd ? `${PROC_FD}/${fd}` : at, root) : fileHandle(h, typeOf(st), writes);
      } catch (err) {
        closeSync(fd);
        throw err;
      }
    });
  }
  mkdir(path: string, opts?: { mode?: number }): void {
    this.#writable(path, "mkdir");
    this.#at(path, false, "mkdir", (at) => mkdirSync(at, { mode: opts?.mode ?? 0o755 }));
  }
  rmdir(path: string): void {
    this.#writable(path, "rmdir");
    this.#at(path, false, "rmdir", (at, root) => {
      if (root) throw new FsError("EBUSY", path, "rmdir");
      rmdirSync(at);
    });
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
    this.#at(from, false, "rename", (a, ra) => this.#at(to, false, "rename", (b, rb) => {
      if (ra || rb) throw new FsError("EBUSY", from, "rename"); // the bind's root
      try {
        renameSync(a, b);
      } catch (err) {
        throw renameError(err, a, b, to);
      }
    }));
  }
  link(from: string, to: string, opts?: { follow?: boolean }): void {
    this.#writable(to, "link");
    // The walk resolves a link in `from` itself when asked to (beneath the root); link(2) is never asked to follow one.
    this.#at(from, opts?.follow ?? false, "link", (a) => {
      // A directory is EPERM before anything about `to` (the kernel looks `to` up first, and may answer ENOENT or
      // EEXIST): the other filesystems answer so. The check only picks the errno; link(2) never links a directory.
      if (lstatSync(a).isDirectory()) throw new FsError("EPERM", from, "link");
      this.#at(to, false, "link", (b) => linkSync(a, b));
    });
  }
  symlink(target: string, path: string): void {
    this.#writable(path, "symlink");
    this.#at(path, false, "symlink", (at) => symlinkSync(target, at));
  }
  readlink(path: string): string {
    return this.#at(path, false, "readlink", (at) => readlinkSync(at));
  }
  utimes(path: string, times: Times, opts?: PathOptions): void {
    this.#writable(path, "utimes");
    this.#at(path, opts?.follow ?? true, "utimes", (at) => {
      const s = lstatSync(at, { bigint: true });
      lutimesSync(at, seconds(times.atime, s.atimeNs), seconds(times.mtime, s.mtimeNs));
    });
  }
  chmod(path: string, mode: number, opts?: PathOptions): void {
    this.#writable(path, "chmod");
    this.#onInode(path, opts?.follow ?? true, "chmod", (fd) => fchmodSync(fd, mode & 0o7777));
  }
  chown(path: string, owner: { uid: number; gid: number }, opts?: PathOptions): void {
    this.#writable(path, "chown");
    this.#onInode(path, opts?.follow ?? true, "chown", (fd) => fchownSync(fd, owner.uid, owner.gid));
  }
  /**
   * Run `fn` on a descriptor of the inode at `path`, opened without following a link, so
   * the change lands on what the walk found (Node has no lchmod/fchmodat). A symlink itself
   * cannot be opened so: ELOOP, where Linux's fchmodat(AT_SYMLINK_NOFOLLOW) says EOPNOTSUPP.
   */
  #onInode(path: string, follow: boolean, op: string, fn: (fd: number) => void): void {
    this.#at(path, follow, op, (at) => {
      const fd = openSync(at, O_RDONLY | O_NOFOLLOW);
      try {
        fn(fd);
      } finally {
        closeSync(fd);
      }
    });
  }
  readdir(path: string): FsDirent[] {
    return this.#at(path, true, "readdir", (at) => {
      if (!lstatSync(at).isDirectory()) throw new FsError("ENOTDIR", path, "readdir");
      return listing(at).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((e, i) => ({ ...e, next: BigInt(i + 1) }));
    });
  }
  readFile(path: string): Uint8Array {
    return this.#at(path, true, "read", (at) => {
      const fd = openSync(at, O_RDONLY | O_NOFOLLOW);
      try {
        if (fstatSync(fd).isDirectory()) throw new FsError("EISDIR", path, "read");
        return new Uint8Array(readFileSync(fd));
      } finally {
        closeSync(fd);
      }
    });
  }
  writeFile(path: string, data: Uint8Array, opts?: { mode?: number }): void {
    const h = this.open(path, { read: false, write: true, create: true, exclusive: false, truncate: true, directory: false, follow: true, mode: opts?.mode });
    try {
      h.write(data, 0);
    } finally {
      h.close();
    }
  }
  /** The host's own page cache is the host's: a handle's `sync` is fsync(2). */
  sync(): void {}
}

/**
 * The errno of a failed rename as the other filesystems give it. Where POSIX allows two
 * answers (a file onto a non-empty directory that holds it: EISDIR or ENOTEMPTY; a
 * directory onto a non-empty one: ENOTEMPTY or EEXIST), Linux may give the other; the
 * rename has failed already, so looking at the two names only picks the errno.
 */
function renameError(err: unknown, from: string, to: string, path: string): unknown {
  const code = (err as { code?: string }).code;
  if (code !== "ENOTEMPTY" && code !== "EEXIST") return err;
  const fromDir = lstatSync(from).isDirectory(), toDir = lstatSync(to).isDirectory();
  return new FsError(!fromDir && toDir ? "EISDIR" : "ENOTEMPTY", path, "rename");
}
