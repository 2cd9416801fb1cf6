/**
 * A host directory as a container filesystem (`Vfs`), for bind mounts on Node and Deno
 * (Deno runs it through its node:fs). Paths are normalized inside the directory, and a
 * symlink whose target leaves it is refused (EACCES), so a bind mount reaches exactly
 * the directory it names. Host errors become FsErrors with the same errno names.
 */
import {
  closeSync, fstatSync, ftruncateSync, futimesSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync,
  readlinkSync, readSync, realpathSync, renameSync, rmdirSync, statSync, symlinkSync, unlinkSync, utimesSync, writeSync,
  constants, type BigIntStats,
} from "node:fs";
import { dirname, join, sep } from "node:path";
import { FsError } from "../../src/fs/mod.ts";
import type { VDirent, VHandle, VOpenOptions, VStat, VType, Vfs } from "../../src/wasi/mod.ts";

const ERRNOS = new Set(["ENOENT", "EEXIST", "ENOTDIR", "EISDIR", "ENOTEMPTY", "ELOOP", "ENAMETOOLONG", "EINVAL", "EXDEV", "EACCES", "EPERM", "EBADF", "EROFS", "EBUSY", "EFBIG", "ENOSPC", "EMLINK"]);

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

export class HostDirVfs implements Vfs {
  readonly #root: string;

  constructor(root: string) {
    this.#root = realpathSync(root);
  }

  #inside(real: string): boolean {
    return real === this.#root || real.startsWith(this.#root + sep);
  }

  /** The host path of a container path; its parent (and, following, itself) must stay inside the root. */
  #path(p: string, follow: boolean, op: string): string {
    const parts = p.split("/").filter((x) => x && x !== ".");
    const out: string[] = [];
    for (const x of parts) x === ".." ? out.pop() : out.push(x);
    const full = join(this.#root, ...out);
    if (!out.length) return full; // the root itself
    host(p, op, () => {
      const parent = realpathSync(dirname(full));
      if (!this.#inside(parent)) throw new FsError("EACCES", p, op);
      if (follow) {
        let real: string | undefined;
        try {
          real = realpathSync(full);
        } catch {
          real = undefined; // missing: created inside the parent
        }
        if (real !== undefined && !this.#inside(real)) throw new FsError("EACCES", p, op);
      }
    });
    return full;
  }

  stat(path: string, follow: boolean): VStat {
    const full = this.#path(path, follow, "stat");
    return host(path, "stat", () => vstat(follow ? statSync(full, { bigint: true }) : lstatSync(full, { bigint: true })));
  }
  open(path: string, o: VOpenOptions): VHandle {
    const full = this.#path(path, o.follow, "open");
    const flags = (o.write ? (o.read ? constants.O_RDWR : constants.O_WRONLY) : constants.O_RDONLY) | (o.create ? constants.O_CREAT : 0)
      | (o.exclusive ? constants.O_EXCL : 0) | (o.truncate ? constants.O_TRUNC : 0) | (o.directory ? constants.O_DIRECTORY : 0)
      | (o.follow ? 0 : constants.O_NOFOLLOW);
    const st = host(path, "open", () => statSync(full, { throwIfNoEntry: false, bigint: true }));
    if (st?.isDirectory()) {
      if (o.write) throw new FsError("EISDIR", path, "open");
      return dirHandle(full, path);
    }
    if (o.directory) throw new FsError(st ? "ENOTDIR" : "ENOENT", path, "open");
    return fileHandle(host(path, "open", () => openSync(full, flags, 0o644)), path);
  }
  mkdir(path: string): void {
    const full = this.#path(path, false, "mkdir");
    host(path, "mkdir", () => mkdirSync(full));
  }
  rmdir(path: string): void {
    const full = this.#path(path, false, "rmdir");
    host(path, "rmdir", () => rmdirSync(full));
  }
  unlink(path: string): void {
    const full = this.#path(path, false, "unlink");
    host(path, "unlink", () => (lstatSync(full).isDirectory() ? (() => { throw new FsError("EISDIR", path, "unlink"); })() : unlinkSync(full)));
  }
  rename(from: string, to: string): void {
    const a = this.#path(from, false, "rename"), b = this.#path(to, false, "rename");
    host(from, "rename", () => renameSync(a, b));
  }
  link(from: string, to: string): void {
    const a = this.#path(from, true, "link"), b = this.#path(to, false, "link");
    host(to, "link", () => linkSync(a, b));
  }
  symlink(target: string, path: string): void {
    const full = this.#path(path, false, "symlink");
    host(path, "symlink", () => symlinkSync(target, full));
  }
  readlink(path: string): string {
    const full = this.#path(path, false, "readlink");
    return host(path, "readlink", () => readlinkSync(full));
  }
  setTimes(path: string, follow: boolean, atim: bigint | null, mtim: bigint | null): void {
    const full = this.#path(path, follow, "utimes");
    host(path, "utimes", () => {
      const s = statSync(full, { bigint: true });
      utimesSync(full, seconds(atim ?? s.atimeNs), seconds(mtim ?? s.mtimeNs));
    });
  }
  readFile(path: string): Uint8Array {
    const full = this.#path(path, true, "read");
    return host(path, "read", () => new Uint8Array(readFileSync(full)));
  }
}

function fileHandle(fd: number, path: string): VHandle {
  return {
    read: (into, pos) => host(path, "read", () => readSync(fd, into, 0, into.length, pos)),
    write: (data, pos) => host(path, "write", () => writeSync(fd, data, 0, data.length, pos)),
    truncate: (size) => host(path, "truncate", () => ftruncateSync(fd, size)),
    stat: () => host(path, "stat", () => vstat(fstatSync(fd, { bigint: true }))),
    setTimes: (a, m) => host(path, "utimes", () => {
      const s = fstatSync(fd, { bigint: true });
      futimesSync(fd, seconds(a ?? s.atimeNs), seconds(m ?? s.mtimeNs));
    }),
    readdir: () => {
      throw new FsError("ENOTDIR", path, "readdir");
    },
    close: () => host(path, "close", () => closeSync(fd)),
  };
}

function dirHandle(full: string, path: string): VHandle {
  let listing: VDirent[] | null = null;
  return {
    read: () => {
      throw new FsError("EISDIR", path, "read");
    },
    write: () => {
      throw new FsError("EISDIR", path, "write");
    },
    truncate: () => {
      throw new FsError("EISDIR", path, "truncate");
    },
    stat: () => host(path, "stat", () => vstat(statSync(full, { bigint: true }))),
    setTimes: (a, m) => host(path, "utimes", () => {
      const s = statSync(full, { bigint: true });
      utimesSync(full, seconds(a ?? s.atimeNs), seconds(m ?? s.mtimeNs));
    }),
    readdir: (cookie, max) => {
      if (cookie === 0n || !listing) {
        listing = host(path, "readdir", () => readdirSync(full).map((name, i) => {
          const s = lstatSync(join(full, name), { bigint: true });
          return { name, type: typeOf(s), ino: s.ino, next: BigInt(i + 1) };
        }));
      }
      return listing.slice(Number(cookie), Number(cookie) + max);
    },
    close: () => {},
  };
}
