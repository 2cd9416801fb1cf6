/**
 * The dry run of an extraction (`docker cp` into a container): the container's view as
 * it will be, entry after entry, without a byte written. The extraction's own steps
 * (_archive_extract.ts) run first over this filesystem, so what would fail — a
 * directory where the archive has a file (`noOverwriteDirNonDir`), a read-only mount, a
 * mount point in the way, a hard link to nothing or across mounts, a name too long —
 * fails before the container is touched, and leaves no trace at all (not even the
 * copied-up parent directory an undone write leaves in `docker diff`). What the dry run
 * cannot foresee (a full disk, a process changing the same files meanwhile) is undone
 * by the real run.
 *
 * What the archive makes is kept by canonical path: a node, or null where something was
 * moved away (and with it everything below). A path below a node the archive made anew
 * (a new directory, a file, a link) exists only as the archive makes it; below a
 * directory that existed and merges, the view answers.
 */
import { type FileSystem, FsError, type FsHandle, type FsStat, type Kind, NAME_MAX, PATH_MAX } from "../fs/mod.ts";
import type { MountedVfs } from "../wasi/mod.ts";

/** What an extraction uses of a filesystem: the view with its mounts, or the dry run's stand-in for it. */
export type ExtractTarget =
  & Pick<FileSystem, "lstat" | "readlink" | "mkdir" | "symlink" | "link" | "rename" | "open" | "chmod" | "chown" | "utimes" | "readdir" | "rmdir" | "unlink">
  & Pick<MountedVfs, "mountOf" | "mounts" | "readOnlyAt">;

interface Node {
  kind: Kind;
  /** A directory that existed (its other entries are the view's) rather than one made now. */
  merged: boolean;
  /** A symlink's target. */
  target: string;
  /** The stat of what was there (a merged directory). */
  st?: FsStat;
}

const utf8 = new TextEncoder();

export class PlanFs implements ExtractTarget {
  readonly #nodes = new Map<string, Node | null>();
  constructor(readonly view: MountedVfs) {}

  get mounts(): MountedVfs["mounts"] {
    return this.view.mounts;
  }
  mountOf(path: string): ReturnType<MountedVfs["mountOf"]> {
    return this.view.mountOf(path);
  }
  readOnlyAt(path: string): boolean {
    return this.view.readOnlyAt(path);
  }

  /** What the archive made at `path` or above it: the node, "gone" (nothing is there), or undefined (ask the view). */
  #planned(path: string): Node | "gone" | undefined {
    const own = this.#nodes.get(path);
    if (own !== undefined) return own ?? "gone";
    for (let cut = path.lastIndexOf("/"); cut > 0; cut = path.lastIndexOf("/", cut - 1)) {
      const up = this.#nodes.get(path.slice(0, cut));
      if (up === undefined) continue;
      return up && up.kind === "dir" && up.merged ? undefined : "gone";
    }
    return undefined;
  }

  lstat(path: string): FsStat {
    const p = this.#planned(path);
    if (p === "gone") throw new FsError("ENOENT", path, "lstat");
    if (p === undefined) return this.view.lstat(path);
    return p.st ?? statOf(p);
  }
  readlink(path: string): string {
    const p = this.#planned(path);
    if (p === "gone") throw new FsError("ENOENT", path, "readlink");
    if (p === undefined) return this.view.readlink(path);
    if (p.kind !== "symlink") throw new FsError("EINVAL", path, "readlink");
    return p.target;
  }

  /** A new name: its directory there, the name free, short enough, and writable. */
  #create(path: string, node: Node, op: string): void {
    this.#writable(path, op);
    const cut = path.lastIndexOf("/");
    const name = path.slice(cut + 1);
    if (utf8.encode(name).length > NAME_MAX || utf8.encode(path).length > PATH_MAX) throw new FsError("ENAMETOOLONG", path, op);
    if (this.#exists(path)) throw new FsError("EEXIST", path, op);
    const dir = cut > 0 ? path.slice(0, cut) : "/";
    if (this.lstat(dir).type !== "dir") throw new FsError("ENOTDIR", dir, op);
    this.#nodes.set(path, node);
  }
  #exists(path: string): boolean {
    try {
      this.lstat(path);
      return true;
    } catch (err) {
      if (err instanceof FsError && err.code === "ENOENT") return false;
      throw err;
    }
  }
  #writable(path: string, op: string): void {
    if (this.view.readOnlyAt(path)) throw new FsError("EROFS", path, op);
  }

  mkdir(path: string): void {
    this.#create(path, { kind: "dir", merged: false, target: "" }, "mkdir");
  }
  symlink(target: string, path: string): void {
    this.#create(path, { kind: "symlink", merged: false, target }, "symlink");
  }
  link(from: string, to: string): void {
    const st = this.lstat(from);
    if (st.type === "dir") throw new FsError("EPERM", from, "link");
    this.#create(to, { kind: st.type, merged: false, target: "", st }, "link");
  }
  open(path: string): FsHandle {
    this.#create(path, { kind: "file", merged: false, target: "" }, "open");
    return DRY_HANDLE;
  }
  /** Moving an entry aside (it is being replaced): nothing is at `from` any more. */
  rename(from: string, to: string): void {
    this.#writable(from, "rename");
    const st = this.lstat(from);
    this.#nodes.set(from, null);
    this.#nodes.set(to, { kind: st.type, merged: st.type === "dir", target: "", st });
  }
  chmod(path: string): void {
    this.#metadata(path, "chmod");
  }
  chown(path: string): void {
    this.#metadata(path, "chown");
  }
  utimes(path: string): void {
    this.#metadata(path, "utimes");
  }
  #metadata(path: string, op: string): void {
    this.#writable(path, op);
    this.lstat(path);
  }
  // An extraction's dry run neither lists nor removes (only an undo does).
  readdir(path: string): never {
    throw new FsError("EINVAL", path, "readdir");
  }
  rmdir(path: string): never {
    throw new FsError("EINVAL", path, "rmdir");
  }
  unlink(path: string): never {
    throw new FsError("EINVAL", path, "unlink");
  }
}

function statOf(n: Node): FsStat {
  return {
    dev: 0n, ino: 0n, type: n.kind, nlink: 1n, size: BigInt(n.kind === "symlink" ? n.target.length : 0),
    atim: 0n, mtim: 0n, ctim: 0n, mode: n.kind === "dir" ? 0o755 : 0o644, uid: 0, gid: 0,
  };
}

const none = (op: string) => (): never => {
  throw new FsError("EINVAL", "", op);
};

/** The handle a dry run's file is "written" through: every write counts, nothing is kept. */
const DRY_HANDLE: FsHandle = {
  kind: "file", ino: 0n,
  write: (data) => data.length, append: none("append"), read: none("read"), size: () => 0, truncate: none("truncate"),
  stat: none("stat"), utimes: none("utimes"), chmod: none("chmod"), chown: none("chown"), readdir: none("readdir"),
  sync: () => {}, close: () => {},
};
