/**
 * `PUT /containers/{id}/archive`, second step: the entries of an uploaded archive
 * (_archive_upload.ts, read and checked whole already) written into the container's view
 * below the extraction directory, with moby's semantics (go-archive's Unpack as the
 * daemon runs it in the container's root):
 * - parents missing below the extraction directory are made (0755); an existing symlink
 *   on the way is followed inside the container (a chroot's rules, _archive_path.ts), so
 *   `/data -> /` leads to the container's root, never the host's, and a link into a
 *   volume or bind reaches it;
 * - an existing entry is replaced, unless both are directories (then they merge and the
 *   archive's metadata wins); with `noOverwriteDirNonDir` (what the docker CLI always
 *   sends) a directory is never replaced by a non-directory or the other way round;
 * - files, directories, symlinks (their targets as stored) and hard links (to an entry
 *   of the archive or a file below the extraction directory, never across mounts); then
 *   owner (the archive's ids, or the container's user with `-a`), mode with its special
 *   bits, and times, directories' last;
 * - nothing in a read-only mount, no mount point replaced (EBUSY, as Linux answers).
 *
 * The work is cut in slices of a few milliseconds (the bytes of a large file too), each
 * done synchronously inside `changeShared`, so running processes in workers see each
 * change and the server's event loop is never held for long. Between slices a running
 * process may change the same files; every entry is checked against what is there when
 * its turn comes. Any failure (a conflict, a read-only mount, a full disk) undoes
 * everything the extraction did (_archive_undo.ts): the container is left as it was, and
 * the error names the entry.
 */
import { FsError, type FsStat } from "../fs/mod.ts";
import { changeShared, type MountedVfs } from "../wasi/mod.ts";
import { resolveScoped } from "./_archive_path.ts";
import { type ExtractTarget, PlanFs } from "./_archive_plan.ts";
import type { Spool } from "./_archive_spool.ts";
import { UndoLog } from "./_archive_undo.ts";
import type { UploadEntry } from "./_archive_upload.ts";
import { EngineError } from "./errors.ts";

/** How long one slice of work may hold the event loop. */
const SLICE_MS = 8;
/** Bytes of a file copied per step. */
const PIECE = 1 << 20;
const NS_PER_S = 1_000_000_000n;

interface ExtractOptions {
  noOverwriteDirNonDir?: boolean;
  /** The owner of everything extracted (`docker cp -a` with the container's User); else each entry's own ids. */
  owner?: { uid: number; gid: number };
}

/** One extraction: where, what, and whether the container is still there. */
interface Extraction {
  view: MountedVfs;
  /** The extraction directory, canonical. */
  dest: string;
  entries: readonly UploadEntry[];
  spool: Spool;
  opts: ExtractOptions;
  /** False once the container was removed: the work stops, and its layer is left alone. */
  alive(): boolean;
  /** Names the container in errors. */
  container: string;
}

/** Extract (see the top of this file). Errors: EngineError naming the entry; the container as it was. */
export async function extract(x: Extraction): Promise<void> {
  const token = crypto.randomUUID().slice(0, 8);
  // The dry run first: whatever it refuses is refused with nothing written (_archive_plan.ts).
  const plan = new PlanFs(x.view);
  const state = { slice: 0 };
  await drive(x, state, steps({ ...x, fs: plan, dry: true }, new UndoLog(plan, token), state), (run) => run());
  const undo = new UndoLog(x.view, token);
  const work = steps({ ...x, fs: x.view, dry: false }, undo, state);
  try {
    await drive(x, state, work, (run) => changeShared(x.view, run));
  } catch (err) {
    work.return(undefined); // closes a file left open
    const gone = !x.alive();
    // A removed container's layer is deleted: only its mounts (volumes, binds) are put back.
    const failed = changeShared(x.view, () => undo.rollback((path) => gone && !x.view.mountOf(path)));
    if (failed.length && err instanceof Error) err.message += `; these could not be put back: ${failed.join(", ")}`;
    throw err;
  }
  changeShared(x.view, () => undo.commit());
}

/** Run `work` to its end, a slice per turn of the event loop, each inside `around`; stops when the container is gone. */
async function drive(x: Extraction, state: { slice: number }, work: Generator<void, void, undefined>, around: (run: () => boolean) => boolean): Promise<void> {
  for (let more = true; more;) {
    if (!x.alive()) throw new EngineError("conflict", `Cannot extract the archive: container ${x.container} was removed meanwhile`);
    state.slice++;
    more = around(() => slice(work));
    if (more) await nextTurn();
  }
}

/** Run steps for one slice; false when the work is done. */
function slice(work: Generator<void, void, undefined>): boolean {
  const until = performance.now() + SLICE_MS;
  do {
    if (work.next().done) return false;
  } while (performance.now() < until);
  return true;
}

/** Yield to the event loop (a task: I/O and timers run in between). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** One run of the steps: the extraction, on the real view or on the dry run's stand-in. */
interface Run extends Extraction {
  fs: ExtractTarget;
  /** A dry run: no body is read. */
  dry: boolean;
}

/** The work, one step per yield: each entry, each piece of a file, then directories' times. */
function* steps(x: Run, undo: UndoLog, state: { slice: number }): Generator<void, void, undefined> {
  const parents = new Parents(x, undo, state);
  const dirTimes: Array<[string, number]> = [];
  for (const e of x.entries) {
    try {
      yield* entry(x, e, parents, undo, dirTimes);
    } catch (err) {
      throw failure(x, e, err);
    }
  }
  for (const [path, mtime] of dirTimes) {
    const t = BigInt(mtime) * NS_PER_S;
    x.fs.utimes(path, { atime: t, mtime: t }, { follow: false });
    yield;
  }
}

/** One entry: its place, what is there now, then the entry itself. */
function* entry(x: Run, e: UploadEntry, parents: Parents, undo: UndoLog, dirTimes: Array<[string, number]>): Generator<void, void, undefined> {
  const cut = e.path.lastIndexOf("/");
  const parent = parents.of(cut < 0 ? "" : e.path.slice(0, cut));
  const target = join(parent, e.path.slice(cut + 1));
  const mount = x.fs.mountOf(target);
  if (x.fs.readOnlyAt(target)) throw new FsError("EROFS", target, "extract");
  const st = lstatOrNull(x.fs, target);
  if (st && x.opts.noOverwriteDirNonDir) {
    if (st.type === "dir" && e.type !== "dir") throw new EngineError("invalid", `cannot overwrite directory "${target}" with non-directory "${x.dest}"`);
    if (st.type !== "dir" && e.type === "dir") throw new EngineError("invalid", `cannot overwrite non-directory "${target}" with directory "${x.dest}"`);
  }
  const place: Place = { target, bind: mount?.bind !== undefined, created: () => {} };
  if (st?.type === "dir" && e.type === "dir") {
    // Two directories merge: the archive's metadata wins (its times at the end).
    undo.attrs(target, st);
    setOwnerAndMode(x.fs, place, e, x.opts);
    dirTimes.push([target, e.mtime]);
    return yield;
  }
  if (mount && mount.target === target) throw new FsError("EBUSY", target, "extract"); // a mount point is no file to replace
  undo.dirChanging(parent);
  if (st) {
    if (st.type === "dir" && x.fs.mounts.some((m) => m.target.startsWith(`${target}/`))) throw new FsError("EBUSY", target, "extract");
    undo.replace(target); // moved aside: back on an undo, removed at the end
    parents.changed();
  } else place.created = () => undo.created(target);
  yield* make(x, e, place, dirTimes);
}

/** Where an entry is made: its path, whether on a bind, and what records that it was made. */
interface Place {
  target: string;
  bind: boolean;
  created: () => void;
}

/** Make the entry at its (free) place, then its owner, mode and times. */
function* make(x: Run, e: UploadEntry, at: Place, dirTimes: Array<[string, number]>): Generator<void, void, undefined> {
  const { fs, opts } = x, { target } = at;
  switch (e.type) {
    case "dir":
      fs.mkdir(target, { mode: e.mode & 0o777 });
      at.created();
      setOwnerAndMode(fs, at, e, opts);
      dirTimes.push([target, e.mtime]);
      return yield;
    case "symlink":
      fs.symlink(e.linkname, target);
      at.created();
      setOwner(fs, at, e, opts);
      setTimes(fs, target, e.mtime);
      return yield;
    case "hardlink":
      fs.link(linkSource(x, e, target), target, { follow: false });
      at.created();
      // moby applies the link's header to the inode, unless it is a symlink's (no lchmod).
      if (fs.lstat(target).type !== "symlink") setOwnerAndMode(fs, at, e, opts);
      return yield;
    case "file":
      yield* writeFile(x, e, target, at.created);
      setOwnerAndMode(fs, at, e, opts);
      setTimes(fs, target, e.mtime);
      return yield;
  }
}

/** A file's bytes from the spool, a piece per step. */
function* writeFile(x: Run, e: UploadEntry, target: string, created: () => void): Generator<void, void, undefined> {
  const h = x.fs.open(target, { read: false, write: true, create: true, exclusive: true, truncate: false, directory: false, follow: false, mode: e.mode & 0o777 });
  try {
    created();
    if (x.dry) return;
    const buf = new Uint8Array(Math.min(PIECE, e.size));
    for (let pos = 0; pos < e.size;) {
      const piece = e.size - pos < buf.length ? buf.subarray(0, e.size - pos) : buf;
      x.spool.read(piece, e.at + pos);
      h.write(piece, pos);
      pos += piece.length;
      if (pos < e.size) yield;
    }
  } finally {
    h.close();
  }
}

/** Where a hard link's target is: below the extraction directory, no directory, on the same mount. */
function linkSource(x: Run, e: UploadEntry, target: string): string {
  const from = resolveScoped(x.fs, join(x.dest, e.linkname), { follow: false });
  const st = x.fs.lstat(from);
  if (st.type === "dir") throw new FsError("EPERM", from, "link");
  if (x.fs.mountOf(from) !== x.fs.mountOf(target)) throw new FsError("EXDEV", from, "link");
  return from;
}

/**
 * The directories entries go in, made where missing, by their path below the extraction
 * directory. Kept while nothing was replaced and within one slice (a process may change
 * them between slices).
 */
class Parents {
  #known = new Map<string, string>();
  #slice = 0;
  constructor(readonly x: Run, readonly undo: UndoLog, readonly state: { slice: number }) {}

  changed(): void {
    this.#known.clear();
  }

  /** The canonical directory for `rel` ("" is the extraction directory). Errors: ENOTDIR, the filesystem's. */
  of(rel: string): string {
    if (rel === "") return this.x.dest;
    if (this.#slice !== this.state.slice) this.#known.clear(), this.#slice = this.state.slice;
    const known = this.#known.get(rel);
    if (known !== undefined) return known;
    const cut = rel.lastIndexOf("/");
    const up = this.of(cut < 0 ? "" : rel.slice(0, cut));
    const dir = this.#ensure(join(up, rel.slice(cut + 1)));
    this.#known.set(rel, dir);
    return dir;
  }

  /** The directory at `path` (in a canonical directory): itself, made now, or where its symlink leads (made there when missing). */
  #ensure(path: string): string {
    const view = this.x.fs;
    const st = lstatOrNull(view, path);
    if (st?.type === "dir") return path;
    if (st && st.type !== "symlink") throw new FsError("ENOTDIR", path, "extract");
    const at = st ? resolveScoped(view, path, { follow: true, lenient: true }) : path;
    let cur = "";
    for (const part of at.split("/").filter(Boolean)) {
      cur += `/${part}`;
      const here = lstatOrNull(view, cur);
      if (here?.type === "dir") continue;
      if (here) throw new FsError("ENOTDIR", cur, "extract");
      if (view.readOnlyAt(cur)) throw new FsError("EROFS", cur, "extract");
      this.undo.dirChanging(cur.slice(0, cur.lastIndexOf("/")) || "/");
      view.mkdir(cur, { mode: 0o755 });
      this.undo.created(cur);
    }
    return at;
  }
}

/** Owner (the archive's or `-a`'s), then mode with its special bits (chown may clear them). */
function setOwnerAndMode(fs: ExtractTarget, at: Pick<Place, "target" | "bind">, e: UploadEntry, opts: ExtractOptions): void {
  setOwner(fs, at, e, opts);
  fs.chmod(at.target, e.mode & 0o7777, { follow: false });
}

/** The owner, never through a link. On a bind (a host directory) a server that may not chown leaves the owner as the host made it, as tar does for a user. */
function setOwner(fs: ExtractTarget, at: Pick<Place, "target" | "bind">, e: UploadEntry, opts: ExtractOptions): void {
  try {
    fs.chown(at.target, opts.owner ?? { uid: e.uid, gid: e.gid }, { follow: false });
  } catch (err) {
    if (!(at.bind && err instanceof FsError && err.code === "EPERM")) throw err;
  }
}

function setTimes(fs: ExtractTarget, path: string, mtime: number): void {
  const t = BigInt(mtime) * NS_PER_S;
  fs.utimes(path, { atime: t, mtime: t }, { follow: false });
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function lstatOrNull(fs: Pick<ExtractTarget, "lstat">, path: string): FsStat | null {
  try {
    return fs.lstat(path);
  } catch (err) {
    if (err instanceof FsError && err.code === "ENOENT") return null;
    throw err;
  }
}

/** Errno names as Linux words them (what `docker cp` prints after the entry). */
const WORDS: Record<string, string> = {
  EROFS: "read-only file system", ENOTDIR: "not a directory", EBUSY: "device or resource busy", EXDEV: "invalid cross-device link",
  EPERM: "operation not permitted", ENOSPC: "no space left on device", ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long", EEXIST: "file exists", ENOENT: "no such file or directory", EISDIR: "is a directory",
  EACCES: "permission denied", EFBIG: "file too large", EINVAL: "invalid argument", ENOTEMPTY: "directory not empty", EMLINK: "too many links",
};

/** The error for entry `e`: an engine error as it is (moby's words), a filesystem error said in words, naming the entry. */
function failure(x: Extraction, e: UploadEntry, err: unknown): unknown {
  if (!(err instanceof FsError)) return err;
  const disk = err.code === "ENOSPC" || err.code === "EFBIG";
  const where = err.path ? ` (${err.path})` : "";
  return new EngineError(disk ? "internal" : "invalid",
    `Cannot extract "${e.path}" into ${x.dest} in container ${x.container}: ${WORDS[err.code] ?? err.code}${where}; nothing was extracted`);
}
