/**
 * Paths of `docker cp` in a container: resolved the way moby resolves them inside the
 * container's root (a chroot's rules: each symlink met is followed, an absolute target
 * starts again at the container's root, `..` at the root stays there, more than 40 hops
 * is ELOOP), component by component through the container's view, so a link that points
 * into a volume or a bind reaches it; and the stat Docker sends in the
 * `X-Docker-Container-Path-Stat` header, with Go's `os.FileMode` bits.
 *
 * Every path handed to a filesystem after resolution is canonical: no component but
 * possibly the last is a symlink, so the mount table routes it by its text and no
 * filesystem behind it is asked to follow a link. A bind's own resolution (beneath its
 * root) still holds for whatever changes on the host meanwhile.
 */
import { type FileSystem, FsError, type FsStat, MAX_SYMLINK_HOPS } from "../fs/mod.ts";

/** What `docker cp` is told about a path (moby's container.PathStat, as JSON). */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode: permission bits, setuid/setgid/sticky and type bits (dir 1<<31, symlink 1<<27…). */
  mode: number;
  /** RFC 3339 with nanoseconds, UTC. */
  mtime: string;
  /** For a symlink: the path it resolves to in the container, as far as it exists; else "". */
  linkTarget: string;
}

/** A filesystem as the resolver reads it: what is there, and what a symlink holds. */
type Lookup = Pick<FileSystem, "lstat" | "readlink">;

const TYPE_BITS: Record<FsStat["type"], number> = {
  dir: 2 ** 31, symlink: 2 ** 27, block: 2 ** 26, char: 2 ** 26 + 2 ** 21, fifo: 2 ** 25, socket: 2 ** 24, file: 0,
};

/** Go's os.FileMode of a stat (uint32, as Go's JSON writes it). */
function goFileMode(st: Pick<FsStat, "type" | "mode">): number {
  let mode = (st.mode & 0o777) + TYPE_BITS[st.type];
  if (st.mode & 0o4000) mode += 2 ** 23;
  if (st.mode & 0o2000) mode += 2 ** 22;
  if (st.mode & 0o1000) mode += 2 ** 20;
  return mode;
}

/** Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros dropped), in UTC. */
function goTime(ns: bigint): string {
  const sec = ns < 0n ? 0n : ns / 1_000_000_000n;
  const frac = ns < 0n ? 0n : ns % 1_000_000_000n;
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${base}${frac === 0n ? "" : `.${frac.toString().padStart(9, "0").replace(/0+$/, "")}`}Z`;
}

/** Go's filepath.Base: the last element, trailing slashes dropped; "/" for the root, "." for "". */
function baseName(path: string): string {
  const p = path.replace(/\/+$/, "");
  if (p === "") return path === "" ? "." : "/";
  return p.slice(p.lastIndexOf("/") + 1);
}

/**
 * Resolve `path` in `fs` (see the top of this file). With `follow` a symlink in the last
 * component is followed too; without it, the last component is kept as it is (unless the
 * path asserts a directory). `lenient` is moby's FollowSymlinkInScope: from the first
 * missing component on, the rest is appended as it reads. Returns the canonical path.
 * Errors: ENOENT (a missing component, unless lenient), ENOTDIR (a non-directory used as
 * one), ELOOP (more than 40 symlinks).
 */
export function resolveScoped(fs: Lookup, path: string, o: { follow: boolean; lenient?: boolean }): string {
  const todo = path.split("/").reverse(); // a stack: the next component last
  const done: string[] = [];
  let hops = 0, missing = false;
  while (todo.length) {
    const part = todo.pop()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const rest = restOf(todo);
    if (missing || (rest === "none" && !o.follow)) {
      done.push(part);
      continue;
    }
    const at = `/${done.length ? `${done.join("/")}/` : ""}${part}`;
    let st: FsStat;
    try {
      st = fs.lstat(at);
    } catch (err) {
      if (!(o.lenient && err instanceof FsError && err.code === "ENOENT")) throw err;
      missing = true;
      done.push(part);
      continue;
    }
    if (st.type === "symlink") {
      if (++hops > MAX_SYMLINK_HOPS) throw new FsError("ELOOP", path, "lstat");
      const target = fs.readlink(at);
      if (target.startsWith("/")) done.length = 0;
      todo.push(...target.split("/").reverse());
      continue;
    }
    if (st.type !== "dir" && rest !== "none") {
      if (o.lenient) missing = true;
      else throw new FsError("ENOTDIR", at, "lstat");
    }
    done.push(part);
  }
  return `/${done.join("/")}`;
}

/** What follows the current component: nothing ("none"), only "/" or "/." ("slash": the last must be a directory), or more names. */
function restOf(todo: readonly string[]): "none" | "slash" | "more" {
  let slash = false;
  for (let i = todo.length - 1; i >= 0; i--) {
    const p = todo[i]!;
    if (p === "" || p === ".") slash = true;
    else return "more";
  }
  return slash ? "slash" : "none";
}

/**
 * The stat `docker cp` sends for `path` (as given: its name is the path's base name) at
 * its canonical place `at`: lstat there, and for a symlink where it leads.
 */
export function pathStat(fs: Lookup, path: string, at: string): PathStat {
  const st = fs.lstat(at);
  return {
    name: baseName(path), size: Number(st.size), mode: goFileMode(st), mtime: goTime(st.mtim),
    linkTarget: st.type === "symlink" ? resolveScoped(fs, at, { follow: true, lenient: true }) : "",
  };
}
