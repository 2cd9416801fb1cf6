/**
 * The host's side of `strata cp`, as the docker CLI does it (go-archive's copy.go on the
 * client): what a local path is (`CopyInfo`), a tar of a local file or directory made as
 * it is sent, which name the archive's top entry takes so that the engine's extraction
 * gives `cp`'s meaning (`prepareArchiveCopy`: into an existing directory it keeps its
 * name, over a file or to a new path it takes that name), and the extraction of a tar
 * coming from a container into a local directory (moby's Untar with NoLchown and
 * NoOverwriteDirNonDir), which writes nothing outside that directory.
 */
import {
  chmodSync, closeSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, rmSync,
  statSync, symlinkSync, utimesSync, writeSync,
} from "node:fs";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { streamTar, TAR_END, tarHeader, type TarInput, tarPadding } from "../../src/tar/mod.ts";
import { CliError } from "./_verb.ts";

/** What a path of a copy is (moby's archive.CopyInfo). */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the top entry takes instead of the path's own (a followed symlink keeps the link's name). */
  rebaseName: string;
}

/** Go's filepath.Base. */
function goBase(p: string): string {
  const t = p.replace(/\/+$/, "");
  return t === "" ? (p === "" ? "." : "/") : t.slice(t.lastIndexOf("/") + 1);
}

/** True when the path ends in "/" or names "." (moby's assertsDirectory). */
function assertsDirectory(p: string): boolean {
  return p.endsWith("/") || goBase(p) === ".";
}

/** A cleaned path with the original's trailing "/" or "/." kept (moby's PreserveTrailingDotOrSeparator). */
function preserveTrailing(cleaned: string, original: string): string {
  let out = cleaned;
  if (goBase(out) !== "." && goBase(original) === ".") out += out.endsWith("/") ? "." : "/.";
  if (!out.endsWith("/") && original.endsWith("/")) out += "/";
  return out;
}

/** The absolute form of a local path, its trailing "/" or "/." kept (the docker CLI's resolveLocalPath). */
export function resolveLocalPath(p: string): string {
  return preserveTrailing(resolve(p), p);
}

/** [dir, base] of a path, "." kept as the base of "d/." (moby's SplitPathDirEntry). */
export function splitPathDirEntry(p: string): [string, string] {
  let cleaned = p === "" ? "." : resolveClean(p);
  if (goBase(p) === ".") cleaned += cleaned.endsWith("/") ? "." : "/.";
  return [dirname(cleaned), goBase(cleaned)];
}

/** Go's filepath.Clean for an absolute or relative path. */
function resolveClean(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length && out[out.length - 1] !== "..") out.pop();
    else if (part !== ".." || !abs) out.push(part);
  }
  const s = out.join("/");
  return abs ? `/${s}` : s || ".";
}

/** moby's GetRebaseName: a path followed to `resolved`, which keeps the asked path's trailing form and, if its name differs, its name. */
export function getRebaseName(p: string, resolved: string): [string, string] {
  let r = resolved;
  if (goBase(p) === "." && goBase(r) !== ".") r += "/.";
  if (p.endsWith("/") && !r.endsWith("/")) r += "/";
  return [r, goBase(p) !== goBase(r) ? goBase(p) : ""];
}

/** The source of a copy to a container (moby's CopyInfoSourcePath). Errors: CliError when it is missing. */
export function copyInfoSourcePath(p: string, followLink: boolean): CopyInfo {
  let path: string, rebaseName = "";
  try {
    if (followLink) [path, rebaseName] = getRebaseName(p, realpathSync(p));
    else {
      // Go's filepath.Split: the directory (followed) and the last name as given ("" after a trailing "/").
      const cut = p.lastIndexOf("/");
      const dirPart = realpathSync(p.slice(0, cut + 1) || ".");
      path = `${dirPart === "/" ? "" : dirPart}/${p.slice(cut + 1)}`;
      if (p.endsWith("/") && goBase(p) !== goBase(path)) rebaseName = goBase(p);
    }
    return { path, exists: true, isDir: lstatSync(path).isDirectory(), rebaseName };
  } catch (err) {
    throw hostError(err, "lstat", p);
  }
}

/** The local destination of a copy from a container, symlinks followed (moby's CopyInfoDestinationPath). */
export function copyInfoDestinationPath(p: string): CopyInfo {
  let path = p;
  for (let n = 0; ; n++) {
    let st;
    try {
      st = lstatSync(path);
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw hostError(err, "lstat", path);
      const [parent] = splitPathDirEntry(path);
      let ps;
      try {
        ps = statSync(parent);
      } catch (e) {
        throw hostError(e, "stat", parent);
      }
      if (!ps.isDirectory()) throw new CliError("not a directory");
      return { path, exists: false, isDir: false, rebaseName: "" };
    }
    if (!st.isSymbolicLink()) return { path, exists: true, isDir: st.isDirectory(), rebaseName: "" };
    if (n >= 10) throw new CliError(`too many symlinks in ${p}`);
    const target = readlinkSync(path);
    path = isAbsolute(target) ? target : join(splitPathDirEntry(path)[0], target);
  }
}

/**
 * Where the archive goes and how its names change so that extracting it there makes
 * `cp`'s result (moby's PrepareArchiveCopy). Errors: "cannot copy directory" (a
 * directory onto a file), "no such directory" (a file to a missing "dir/").
 */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): { dir: string; rename: (name: string) => string } {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName || splitPathDirEntry(src.path)[1];
  if (dst.exists && dst.isDir) return { dir: dst.path, rename: (n) => n };
  if (dst.exists && src.isDir) throw new CliError("cannot copy directory");
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new CliError("no such directory");
  return { dir: dstDir, rename: nameRebaser(srcBase, dstBase) };
}

/** The names of an archive whose top entry `oldBase` becomes `newBase` (moby's RebaseArchiveEntries). */
export function nameRebaser(oldBase: string, newBase: string): (name: string) => string {
  const from = oldBase.replace(/\/+$/, ""), to = newBase.replace(/\/+$/, "");
  if (from === "") return (name) => (to === "" ? name.replace(/^\/+/, "") : `${to}/${name.replace(/^\/+/, "")}`);
  return (name) => {
    if (!name.startsWith(from)) return name;
    const suffix = name.slice(from.length);
    return suffix === "" || suffix.startsWith("/") ? to + suffix : name;
  };
}

/** An error of the host's filesystem in Go's words ("lstat /x: no such file or directory"). */
function hostError(err: unknown, op: string, path: string): unknown {
  const code = (err as { code?: string }).code;
  const words: Record<string, string> = { ENOENT: "no such file or directory", ENOTDIR: "not a directory", EACCES: "permission denied", ELOOP: "too many levels of symbolic links" };
  return code && words[code] ? new CliError(`${op} ${path}: ${words[code]}`) : err;
}

/** Bytes of a host file read per slice of the archive. */
const SLICE = 64 * 1024;

/**
 * A tar of the local path `src` (moby's TarResource: its base name as the top entry, or
 * `src.rebaseName`), each name passed through `rename`; made as it is read.
 */
export function hostTar(src: CopyInfo, rename: (name: string) => string): ReadableStream<Uint8Array> {
  const [dir, base] = splitPathDirEntry(src.path);
  const top = src.rebaseName || base;
  const gen = walkHost(dir, base, (rel) => rename(rel === base ? top : rel.startsWith(`${base}/`) ? top + rel.slice(base.length) : rel));
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const next = gen.next();
      if (next.done) c.close();
      else c.enqueue(next.value);
    },
    cancel() {
      gen.return(undefined);
    },
  }, { highWaterMark: 0 });
}

/** The archive's bytes for `base` in `dir` and everything below it, in Go's WalkDir order; "." names the directory itself ("./", "./a"). */
function* walkHost(dir: string, base: string, nameOf: (rel: string) => string): Generator<Uint8Array, void, undefined> {
  const links = new Map<string, string>();
  const pending: string[] = [base];
  while (pending.length) {
    const rel = pending.pop()!;
    const path = rel === "." ? dir : join(dir, rel.startsWith("./") ? rel.slice(2) : rel);
    let st;
    try {
      st = lstatSync(path, { bigint: true });
    } catch {
      continue; // gone since it was listed: left out, as moby's walk leaves it out
    }
    const name = nameOf(rel);
    const e: TarInput = { path: name, type: "file", mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtime: Number(st.mtimeMs / 1000n) };
    if (st.isDirectory()) {
      yield tarHeader({ ...e, type: "dir" }, 0);
      const names = readdirSync(path).sort();
      for (let i = names.length - 1; i >= 0; i--) pending.push(rel === "." ? `./${names[i]}` : `${rel}/${names[i]}`);
    } else if (st.isSymbolicLink()) yield tarHeader({ ...e, type: "symlink", linkname: readlinkSync(path) }, 0);
    else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1n ? links.get(key) : undefined;
      if (first !== undefined) {
        yield tarHeader({ ...e, type: "hardlink", linkname: first }, 0);
        continue;
      }
      if (st.nlink > 1n) links.set(key, name);
      yield* fileSlices(path, e, Number(st.size));
    }
    // Sockets, devices and fifos are left out (moby writes devices; a copy into a container could not make them).
  }
  yield TAR_END;
}

function* fileSlices(path: string, e: TarInput, size: number): Generator<Uint8Array, void, undefined> {
  const fd = openSync(path, "r");
  try {
    yield tarHeader(e, size);
    for (let pos = 0; pos < size;) {
      const slice = new Uint8Array(Math.min(SLICE, size - pos));
      let got = 0;
      while (got < slice.length) {
        const n = readSync(fd, slice, got, slice.length - got, pos + got);
        if (n === 0) break; // shrunk meanwhile: the rest is zeros, the header's size holds
        got += n;
      }
      pos += slice.length;
      yield slice;
    }
    const pad = tarPadding(size);
    if (pad.length) yield pad;
  } finally {
    closeSync(fd);
  }
}

/**
 * Extract `tar` (a container's archive) into the local directory `dir`, its names passed
 * through `rename` first: moby's Untar as the docker CLI runs it (no chown; a directory
 * never replaced by a non-directory nor the other way round; a file or link replaced;
 * directories merged, their times set last). Nothing is written outside `dir`: a name
 * whose parent leads out of it (a link the archive or the host made) is an error.
 * Errors: CliError naming the entry.
 */
export async function untarHost(tar: ReadableStream<Uint8Array>, dir: string, rename: (name: string) => string): Promise<void> {
  const root = realpathSync(dir);
  const dirTimes: Array<[string, number]> = [];
  for await (const { entry, body } of streamTar(tar, { name: "the archive from the container", rename })) {
    if (entry.path === "") continue;
    const target = join(dir, entry.path);
    const parent = dirname(target);
    mkdirBeneath(root, parent);
    const st = lstatOrNull(target);
    if (st?.isDirectory() && entry.type !== "dir") throw new CliError(`cannot overwrite directory "${target}" with non-directory "${dir}"`);
    if (st && !st.isDirectory() && entry.type === "dir") throw new CliError(`cannot overwrite non-directory "${target}" with directory "${dir}"`);
    if (st && !(st.isDirectory() && entry.type === "dir")) rmSync(target, { recursive: true, force: true });
    const mtime = entry.mtime;
    switch (entry.type) {
      case "dir":
        if (!st) mkdirSync(target, { mode: entry.mode & 0o777 });
        chmodSync(target, entry.mode & 0o7777);
        dirTimes.push([target, mtime]);
        break;
      case "file": {
        const fd = openSync(target, "wx", entry.mode & 0o777);
        try {
          for await (const piece of body) for (let at = 0; at < piece.length;) at += writeSync(fd, piece, at);
        } finally {
          closeSync(fd);
        }
        chmodSync(target, entry.mode & 0o7777);
        utimesSync(target, mtime, mtime);
        break;
      }
      case "symlink":
        symlinkSync(entry.linkname, target);
        lutimesSync(target, mtime, mtime);
        break;
      case "hardlink": {
        const from = join(dir, entry.linkname);
        mkdirBeneath(root, dirname(from), false);
        linkSync(from, target);
        break;
      }
      default:
        break; // devices and fifos are not made here
    }
  }
  for (const [path, mtime] of dirTimes) utimesSync(path, mtime, mtime);
}

/** `mkdir -p` of `path`, whose real place must be `root` or below it (else an error: the archive would leave the destination). */
function mkdirBeneath(root: string, path: string, make = true): void {
  if (make) mkdirSync(path, { recursive: true });
  const real = realpathSync(path);
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) {
    throw new CliError(`invalid archive: ${path} leads out of the destination (to ${real})`);
  }
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return null;
    throw err;
  }
}
