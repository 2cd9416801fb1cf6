/**
 * COPY and ADD into a step's new layer (moby copy.go performCopyForInfo): each source
 * is written into the union filesystem over the image, so the new layer is that union's
 * upper. A directory's contents go into the destination; a file goes to the destination,
 * or into it when it is a directory or ends with "/"; missing parents are made (0755).
 * Modes, link targets and mtimes come from the source; the owner is root, or `--chown`'s,
 * or (COPY --from without --chown) the source's. An existing name of another kind is
 * replaced, as moby's untar replaces it. ADD unpacks a local tar archive (plain or gzip)
 * into the destination directory, owners as the archive gives them.
 */
import { type FileSystem, FsError, type FsStat, type UnionFS } from "../fs/mod.ts";
import { gunzip, indexTar, type MakeInflater, type TarEntry } from "../tar/mod.ts";
import { cleanAbsolute } from "./_build_paths.ts";
import type { Owner } from "./_build_owner.ts";
import type { SourceItem } from "./_build_sources.ts";

interface CopyOptions {
  /** Absolute; a trailing "/" says "a directory". */
  dest: string;
  /** Owner of everything copied and every directory made; undefined keeps the source's. */
  owner?: Owner;
  /** `--chmod`: the mode of every file and directory copied. */
  chmod?: number;
  /** ADD: unpack local tar archives. */
  unpack?: boolean;
  inflater?: MakeInflater;
}

/** What one entry becomes. */
interface Entry {
  kind: "dir" | "file" | "symlink" | "hardlink";
  mode: number;
  uid: number;
  gid: number;
  /** Nanoseconds. */
  mtime: bigint;
  data?: Uint8Array;
  /** Symlink target, or the path a hard link links to. */
  target?: string;
}

/** Copy `items` from `src` into `dst`. Errors: FsError (a file where a directory must go…), gzip errors of an archive. */
export async function copyInto(dst: UnionFS, src: FileSystem, items: readonly SourceItem[], o: CopyOptions): Promise<void> {
  const dirTimes: Array<[string, bigint]> = [];
  const dest = cleanAbsolute(o.dest);
  for (const item of items) {
    const st = src.stat(item.path);
    if (st.type === "dir") {
      const existed = isDir(dst, dest);
      mkdirAll(dst, dest, o.owner);
      if (!existed) setMeta(dst, dest, entryOf(st, o), dirTimes);
      await copyTree(dst, src, item.path, dest, o, dirTimes, { bytes: 0 });
      continue;
    }
    const bytes = src.readFile(item.path);
    const archive = o.unpack ? await archiveEntries(bytes, item.path, o.inflater) : null;
    if (archive) {
      mkdirAll(dst, dest, undefined);
      const under = dest === "/" ? "" : dest;
      for (const e of archive) {
        const entry = tarEntry(e, under);
        if (entry) place(dst, `${under}/${e.path}`, entry, dirTimes);
      }
      continue;
    }
    const into = isDir(dst, dest) || o.dest.endsWith("/");
    const target = into ? `${dest === "/" ? "" : dest}/${item.path.slice(item.path.lastIndexOf("/") + 1)}` : dest;
    mkdirAll(dst, target.slice(0, target.lastIndexOf("/")) || "/", o.owner);
    place(dst, target, { ...entryOf(st, o), kind: "file", data: bytes }, dirTimes);
  }
  for (const [path, mtime] of dirTimes.reverse()) dst.utimes(path, { mtime }, { follow: false });
}

/** Copied bytes (a file counts at least a page) after which a large copy lets the engine's other work run. */
const YIELD_BYTES = 8 << 20;

/** A directory's entries, recursively (symlinks copied as links, not followed); a large tree yields to other work now and then. */
async function copyTree(dst: UnionFS, src: FileSystem, from: string, to: string, o: CopyOptions, dirTimes: Array<[string, bigint]>, done: { bytes: number }): Promise<void> {
  for (const e of src.readdir(from)) {
    if ((done.bytes += 4096) > YIELD_BYTES) {
      done.bytes = 0;
      await new Promise((r) => setTimeout(r, 0));
    }
    const s = `${from === "/" ? "" : from}/${e.name}`, d = `${to === "/" ? "" : to}/${e.name}`;
    const st = src.lstat(s);
    const entry = entryOf(st, o);
    if (st.type === "file") done.bytes += (entry.data = src.readFile(s)).length;
    else if (st.type === "symlink") entry.target = src.readlink(s);
    else if (st.type !== "dir") continue; // devices, fifos: nothing a WASI program can use
    place(dst, d, entry, dirTimes);
    if (st.type === "dir") await copyTree(dst, src, s, d, o, dirTimes, done);
  }
}

function entryOf(st: FsStat, o: CopyOptions): Entry {
  const kind = st.type === "dir" ? "dir" : st.type === "symlink" ? "symlink" : "file";
  const mode = o.chmod !== undefined && kind !== "symlink" ? o.chmod : st.mode;
  const owner = o.owner ?? { uid: st.uid, gid: st.gid };
  return { kind, mode, uid: owner.uid, gid: owner.gid, mtime: st.mtim };
}

/** Write one entry at `path`, replacing a name of another kind (a directory over a directory merges). */
function place(dst: UnionFS, path: string, e: Entry, dirTimes: Array<[string, bigint]>): void {
  const existing = lstatOrNull(dst, path);
  if (existing && !(existing.type === "dir" && e.kind === "dir")) removeAll(dst, path);
  if (e.kind === "dir") {
    if (!existing || existing.type !== "dir") dst.mkdir(path, { mode: e.mode });
  } else if (e.kind === "file") dst.writeFile(path, e.data!, { mode: e.mode });
  else if (e.kind === "symlink") dst.symlink(e.target!, path);
  else return void dst.link(e.target!, path, { follow: false });
  setMeta(dst, path, e, dirTimes);
}

function setMeta(dst: UnionFS, path: string, e: Entry, dirTimes: Array<[string, bigint]>): void {
  if (e.kind !== "symlink") dst.chmod(path, e.mode);
  dst.chown(path, { uid: e.uid, gid: e.gid }, { follow: false });
  if (e.kind === "dir") dirTimes.push([path, e.mtime]); // set after its children are written
  else dst.utimes(path, { mtime: e.mtime }, { follow: false });
}

/** mkdir -p, owning the directories it makes (moby MkdirAllAndChown with WithOnlyNew). */
function mkdirAll(dst: UnionFS, path: string, owner: Owner | undefined): void {
  let at = "";
  for (const part of path.split("/").filter(Boolean)) {
    at += `/${part}`;
    if (lstatOrNull(dst, at) && isDir(dst, at)) continue;
    dst.mkdir(at, { mode: 0o755 });
    if (owner) dst.chown(at, owner, { follow: false });
  }
}

function removeAll(dst: UnionFS, path: string): void {
  if (dst.lstat(path).type !== "dir") return void dst.unlink(path);
  for (const e of dst.readdir(path)) removeAll(dst, `${path}/${e.name}`);
  dst.rmdir(path);
}

function lstatOrNull(fs: FileSystem, path: string): FsStat | null {
  try {
    return fs.lstat(path);
  } catch (err) {
    if (err instanceof FsError && (err.code === "ENOENT" || err.code === "ENOTDIR")) return null;
    throw err;
  }
}

function isDir(fs: FileSystem, path: string): boolean {
  try {
    return fs.stat(path).type === "dir";
  } catch (err) {
    if (err instanceof FsError && (err.code === "ENOENT" || err.code === "ENOTDIR" || err.code === "ELOOP")) return false;
    throw err;
  }
}

/** The entries of a tar archive (gzip or plain), or null when the file is no archive (moby's IsArchivePath: its first header reads). */
async function archiveEntries(bytes: Uint8Array, name: string, inflater: MakeInflater | undefined): Promise<TarEntry[] | null> {
  const tar = bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzip(bytes, { name, inflater }) : bytes;
  try {
    const entries = indexTar(tar, { name });
    return entries.length ? entries.filter((e) => e.path !== "") : null;
  } catch (err) {
    if (err instanceof SyntaxError || err instanceof RangeError) return null;
    throw err;
  }
}

/** What an archive member becomes under `under`; null for devices and fifos (nothing a WASI program can use). */
function tarEntry(e: TarEntry, under: string): Entry | null {
  const base = { mode: e.mode, uid: e.uid, gid: e.gid, mtime: BigInt(Math.round(e.mtime * 1e9)) };
  switch (e.type) {
    case "dir": return { ...base, kind: "dir" };
    case "symlink": return { ...base, kind: "symlink", target: e.linkname };
    case "hardlink": return { ...base, kind: "hardlink", target: `${under}/${e.linkname}` };
    case "file": return { ...base, kind: "file", data: e.data };
    default: return null;
  }
}
