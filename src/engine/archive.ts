/**
 * `docker cp`: the container-archive verbs of the Engine API, as moby's daemon/archive
 * does them — `statPath` (`HEAD /containers/{id}/archive`, moby's ContainerStatPath),
 * `getArchive` (`GET`, ContainerArchivePath) and `putArchive` (`PUT`,
 * ContainerExtractToDir) — on created, running and exited containers, through the
 * container's view with its volumes and bind mounts (_archive_view.ts).
 *
 * A PUT reads the whole archive first (_archive_upload.ts: refused entries and malformed
 * or truncated archives are answered before anything is written; bodies wait in a spool
 * on the store's disk where it has one, names on a memory budget), then extracts it in
 * slices, undoing everything on any failure (_archive_extract.ts), so a failed copy
 * leaves the container as it was. Into a running container the change is made on the
 * engine's copies of its filesystems and sent to its processes in workers as their own
 * changes travel (src/wasi/shared_changes.ts): they see the new files at their next
 * system call, as a process sees another's writes. PUTs to one container are done one at
 * a time, as moby holds the container's lock for one.
 */
import type { Store } from "../store/mod.ts";
import { LoadBudget, LoadBudgetError } from "../oci/mod.ts";
import { FsError } from "../fs/mod.ts";
import type { MemoryAccount } from "../tar/mod.ts";
import { type PathStat, pathStat, resolveScoped } from "./_archive_path.ts";
import { Spool, SpoolFiles } from "./_archive_spool.ts";
import { archiveStream, topName } from "./_archive_tar.ts";
import { readUpload } from "./_archive_upload.ts";
import { type CpView, openCpView, type ViewParts } from "./_archive_view.ts";
import { extract } from "./_archive_extract.ts";
import type { ContainerRegistry } from "./_registry.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import { EngineError, invalid, notFound } from "./errors.ts";
import { emitContainerEvent, type EventBus } from "./events.ts";

export type { PathStat };

/** Memory uploads in progress may hold (entries' names; bodies where the store has no disk) by default: 1 GiB. */
const DEFAULT_ARCHIVE_MEMORY = 2 ** 30;
/** The largest archive (uncompressed) a PUT takes by default: 2 GiB, as a `docker load`. */
export const DEFAULT_MAX_ARCHIVE = 2 * 2 ** 30;

/** `PUT /containers/{id}/archive` query options. */
export interface PutArchiveOptions {
  /** Refuse to replace a directory with a non-directory or the other way round (the docker CLI always asks). */
  noOverwriteDirNonDir?: boolean;
  /** `docker cp -a`: everything is owned by the container's user (Config.User) when it has one. */
  copyUIDGID?: boolean;
  /** Refuse an archive whose tar is larger (default DEFAULT_MAX_ARCHIVE). */
  maxBytes?: number;
}

/** What the archive verbs are handed. */
interface ArchiveParts extends ViewParts {
  registry: Pick<ContainerRegistry, "get" | "holds">;
  events: EventBus;
  store: Pick<Store, "spillSpace">;
  /** Memory shared by uploads in progress (default DEFAULT_ARCHIVE_MEMORY). */
  memoryBytes?: number;
}

export class ContainerArchives {
  readonly #p: ArchiveParts;
  readonly #budget: LoadBudget;
  /** Where uploads spool their bodies (none on a store without disk). */
  readonly #spool: SpoolFiles | null;
  /** The PUT under way per container (the next waits for it). */
  readonly #busy = new Map<string, Promise<void>>();

  constructor(parts: ArchiveParts) {
    this.#p = parts;
    this.#budget = new LoadBudget(parts.memoryBytes ?? DEFAULT_ARCHIVE_MEMORY);
    const space = parts.store.spillSpace?.("archive", "uploads");
    this.#spool = space ? new SpoolFiles(space) : null;
  }

  /** moby's ContainerStatPath. Errors: not-found (container, or "Could not find the file P in container C"). */
  async statPath(ref: string, path: string): Promise<PathStat> {
    const rt = this.#p.registry.get(ref);
    const view = await openCpView(this.#p, rt, { write: false });
    try {
      return pathStat(view.fs, path, located(view, path, ref));
    } finally {
      await view.done();
    }
  }

  /** moby's ContainerArchivePath: the path's stat and its tar, streamed as it is read. Errors: those of statPath. */
  async getArchive(ref: string, path: string): Promise<{ stat: PathStat; tar: ReadableStream<Uint8Array> }> {
    const rt = this.#p.registry.get(ref);
    const view = await openCpView(this.#p, rt, { write: false });
    try {
      const asked = absolute(path);
      const at = located(view, asked, ref);
      const stat = pathStat(view.fs, asked, at);
      const tar = archiveStream(view.fs, at, topName(asked, view.fs.lstat(at).type === "dir"), () => void view.done());
      emitContainerEvent(this.#p.events, rt.rec, "archive-path");
      return { stat, tar };
    } catch (err) {
      await view.done();
      throw err;
    }
  }

  /**
   * moby's ContainerExtractToDir: extract a tar (plain or gzip) into the directory at
   * `path`. Errors: not-found (container, or the path); invalid ("extraction point is not
   * a directory", "mounted volume is marked read-only", a refused entry or archive, a
   * conflict with what is there); the container is as it was after any of them.
   */
  async putArchive(ref: string, path: string, body: ReadableStream<Uint8Array> | Uint8Array, o: PutArchiveOptions = {}): Promise<void> {
    const rt = this.#p.registry.get(ref);
    const stream = body instanceof Uint8Array ? new ReadableStream<Uint8Array>({ start: (c) => (body.length && c.enqueue(body), c.close()) }) : body;
    const id = rt.rec.Id;
    const before = this.#busy.get(id) ?? Promise.resolve();
    const mine = before.then(() => this.#put(rt, ref, path, stream, o));
    const settled = mine.then(() => {}, () => {}); // the next PUT waits for this one's end; its failure is this caller's (below)
    this.#busy.set(id, settled);
    void settled.then(() => this.#busy.get(id) === settled && this.#busy.delete(id));
    try {
      await mine;
    } catch (err) {
      await stream.cancel().catch(() => {}); // the rest of a refused upload is not wanted (a consumed stream's cancel rejects: nothing to do then)
      throw err;
    }
  }

  async #put(rt: ContainerRuntime, ref: string, path: string, body: ReadableStream<Uint8Array>, o: PutArchiveOptions): Promise<void> {
    const view = await openCpView(this.#p, rt, { write: true });
    const lease = this.#budget.lease("the archive");
    const account = budgetAccount(lease, this.#budget.limit);
    const spool = new Spool(this.#spool, account);
    try {
      extractionPoint(view, path, ref); // refused before the body is read, as moby does
      const entries = await readUpload(body, { spool, account, maxBytes: o.maxBytes ?? DEFAULT_MAX_ARCHIVE });
      const dest = extractionPoint(view, path, ref); // again: the container may have changed while the body came
      const owner = o.copyUIDGID ? userIds(view.fs, rt.rec.Config.User) : undefined;
      await extract({
        view: view.fs, dest, entries, spool, opts: { noOverwriteDirNonDir: o.noOverwriteDirNonDir, owner },
        alive: () => this.#p.registry.holds(rt), container: ref,
      });
    } finally {
      spool.close();
      lease.end();
      rt.layerChanged();
      await view.done();
    }
    emitContainerEvent(this.#p.events, rt.rec, "extract-to-dir");
  }
}

/** The path as moby reads it: from the container's root. */
function absolute(path: string): string {
  return path.startsWith("/") ? path : `/${path}`;
}

/** Where `path` is in the view (its last component not followed, unless it asserts a directory). Errors: not-found as moby words it. */
function located(view: CpView, path: string, ref: string): string {
  try {
    const at = resolveScoped(view.fs, absolute(path), { follow: false });
    view.fs.lstat(at);
    return at;
  } catch (err) {
    throw fileError(err, path, ref);
  }
}

/**
 * The extraction directory: `path` with every symlink followed (moby's EvalSymlinks, so
 * a link to a directory is extracted into). Errors: not-found; invalid when it is no
 * directory, or in a read-only mount (moby's words).
 */
function extractionPoint(view: CpView, path: string, ref: string): string {
  let at: string;
  try {
    at = resolveScoped(view.fs, absolute(path), { follow: true });
    if (view.fs.lstat(at).type !== "dir") throw invalid("extraction point is not a directory");
  } catch (err) {
    throw fileError(err, path, ref);
  }
  if (view.fs.mountOf(at)?.readOnly) throw invalid("mounted volume is marked read-only");
  return at;
}

/** moby's errors for a path: a missing one is "Could not find the file"; others say what lstat said. */
function fileError(err: unknown, path: string, ref: string): unknown {
  if (!(err instanceof FsError)) return err;
  if (err.code === "ENOENT") return notFound(`Could not find the file ${path} in container ${ref}`);
  if (err.code === "ENOTDIR") return new EngineError("internal", `lstat ${absolute(path)}: not a directory`);
  if (err.code === "ELOOP") return new EngineError("internal", `lstat ${absolute(path)}: too many levels of symbolic links`);
  return new EngineError("internal", `lstat ${absolute(path)}: ${err.code}`);
}

/**
 * The ids of `user` ("name", "uid", "name:group" or "uid:gid") in the container's
 * /etc/passwd and /etc/group; undefined for no user (moby then keeps the archive's ids).
 * Errors: invalid when the user is not there.
 */
function userIds(fs: CpView["fs"], user: string): { uid: number; gid: number } | undefined {
  if (!user) return undefined;
  const [who, group] = user.split(":") as [string, string | undefined];
  const entry = lines(fs, "/etc/passwd").find((f) => f.length >= 4 && (f[0] === who || f[2] === who));
  const uid = entry ? Number(entry[2]) : /^\d+$/.test(who) ? Number(who) : NaN;
  if (!Number.isInteger(uid)) throw invalid(`unable to find user ${who}: no matching entries in passwd file`);
  let gid = entry ? Number(entry[3]) : uid;
  if (group !== undefined) {
    const g = lines(fs, "/etc/group").find((f) => f.length >= 3 && (f[0] === group || f[2] === group));
    gid = g ? Number(g[2]) : /^\d+$/.test(group) ? Number(group) : NaN;
    if (!Number.isInteger(gid)) throw invalid(`unable to find group ${group}: no matching entries in group file`);
  }
  return { uid, gid };
}

function lines(fs: CpView["fs"], path: string): string[][] {
  try {
    return new TextDecoder().decode(fs.readFile(path)).split("\n").map((l) => l.split(":"));
  } catch (err) {
    if (err instanceof FsError) return [];
    throw err;
  }
}

/** An upload's share of the budget, refused in words about archives (not image loads). */
function budgetAccount(lease: MemoryAccount, limit: number): MemoryAccount {
  return {
    reserve: (bytes) => {
      try {
        lease.reserve(bytes);
      } catch (err) {
        if (!(err instanceof LoadBudgetError)) throw err;
        throw invalid(`Cannot extract the archive: it would pass the memory budget for archives being copied in of ${limit} bytes ` +
          `(this one holds ${err.held} bytes, others ${err.others}); nothing was extracted`);
      }
    },
    release: (bytes) => lease.release(bytes),
  };
}
