/**
 * `engine.containers`: Docker's container verbs. Create, update (_update.ts), rename, list, inspect, logs,
 * attach, diff, export, commit and prune are here; the archive verbs of `docker cp` are
 * archive.ts's (handed in); start, stop, kill, restart, wait and
 * remove are the lifecycle's (handed in), so the state machine has one owner. The
 * containers themselves are the registry's and their filesystems the layer cache's; this
 * part reads them and changes them only through those parts' methods.
 */
import { diff, exportMerged, FsError, listOrigins, type Change, type OriginEntry } from "../fs/mod.ts";
import { inspectView, summaryView } from "./_container_views.ts";
import { buildRecord, resolveMounts } from "./_create.ts";
import { checkHostConfig, platformWarning } from "./_host_config.ts";
import { pruneFilter } from "./_prune_filters.ts";
import type { EngineImages } from "./_engine_images.ts";
import { matchFilters } from "./_filters.ts";
import { applyUpdate, type UpdateOptions } from "./_update.ts";
import { randomId } from "./_format.ts";
import type { LayerCache } from "./_layer_cache.ts";
import type { Lifecycle } from "./_lifecycle.ts";
import { attachTo, readLogs } from "./_logs_io.ts";
import type { ContainerArchives, PathStat, PutArchiveOptions } from "./archive.ts";
import type { ProcVerbs, StatsOptions } from "./_proc_verbs.ts";
import type { StatsJson } from "./stats.ts";
import type { TopResult } from "./top.ts";
import { parseDetachKeys } from "./_detach_keys.ts";
import type { ContainerRegistry } from "./_registry.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import { commit } from "./commit.ts";
import { conflict, invalid, notFound } from "./errors.ts";
import { emitContainerEvent, type EventBus } from "./events.ts";
import { checkName, generateName } from "./names.ts";
import type { AttachSession, ContainersApi, LogEntry } from "./api.ts";
import type { AttachOptions, CommitOptions, EnginePlatform, ListOptions, LogsOptions, WaitCondition } from "./options.ts";
import type { ContainerInspect, ContainerRecord, ContainerSummary, CreateOptions, ExitStatus, Filters } from "./wire.ts";
import type { VolumeStore } from "./volumes.ts";

/** What the container verbs are handed. */
interface ContainersParts {
  registry: ContainerRegistry;
  layers: LayerCache;
  lifecycle: Lifecycle;
  images: Pick<EngineImages, "resolve" | "config" | "layerBytes" | "load" | "find" | "create" | "tag">;
  volumes: Pick<VolumeStore, "create">;
  events: EventBus;
  platform?: EnginePlatform;
  /** The archive verbs (`docker cp`). */
  archives: ContainerArchives;
  /** pause, unpause, top, stats. */
  procs: ProcVerbs;
}

export class Containers implements ContainersApi {
  readonly #p: ContainersParts;
  constructor(parts: ContainersParts) {
    this.#p = parts;
  }

  #event(rec: ContainerRecord, action: string, extra?: Record<string, string>): void {
    emitContainerEvent(this.#p.events, rec, action, extra);
  }

  async create(o: CreateOptions): Promise<{ Id: string; Warnings: string[] }> {
    if (!o || !o.Image) throw invalid("Config.Image: no image was given");
    const { registry, images } = this.#p;
    const image = await images.resolve(o.Image);
    const full = await images.config(image.id);
    const config = full.config;
    const warnings = checkHostConfig(o.HostConfig ?? {});
    const platform = platformWarning(full);
    if (platform) warnings.push(platform);
    const name = o.name ? checkName(o.name) : generateName((n) => registry.named(n) !== undefined);
    const taken = registry.named(name);
    if (taken) throw nameInUse(name, taken);
    const id = randomId();
    const rec = buildRecord(id, name, o, image, config);
    const rt = this.#p.lifecycle.runtime(rec);
    registry.add(rt); // the name is ours from here (a concurrent create of it is a conflict)
    try {
      rec.Mounts = await resolveMounts(rec, this.#p.volumes, this.#p.platform);
      await registry.save(rt);
    } catch (err) {
      registry.delete(rt);
      throw err;
    }
    this.#event(rec, "create");
    return { Id: id, Warnings: warnings };
  }

  start(ref: string): Promise<void> {
    return this.#p.lifecycle.start(ref);
  }
  stop(ref: string, t?: number): Promise<void> {
    return this.#p.lifecycle.stop(ref, t);
  }
  kill(ref: string, signal?: string): Promise<void> {
    return this.#p.lifecycle.kill(ref, signal);
  }
  restart(ref: string, t?: number): Promise<void> {
    return this.#p.lifecycle.restart(ref, t);
  }
  wait(ref: string, condition?: WaitCondition): Promise<ExitStatus> {
    return this.#p.lifecycle.wait(ref, condition);
  }
  remove(ref: string, o?: { force?: boolean; v?: boolean }): Promise<void> {
    return this.#p.lifecycle.remove(ref, o);
  }

  async update(ref: string, o: UpdateOptions): Promise<{ Warnings: string[] }> {
    const rt = this.#p.registry.get(ref);
    const warnings = applyUpdate(rt, o ?? {});
    await this.#p.registry.save(rt);
    this.#event(rt.rec, "update");
    return { Warnings: warnings };
  }

  async rename(ref: string, newName: string): Promise<void> {
    const { registry } = this.#p;
    const rt = registry.get(ref);
    if (!newName) throw invalid("Neither old nor new names may be empty");
    const name = checkName(newName);
    const taken = registry.named(name);
    if (taken && taken !== rt) throw nameInUse(name, taken);
    const old = rt.rec.Name;
    if (old === name) throw invalid(`Renaming a container with the same name as its current name`);
    registry.rename(rt, name);
    await registry.save(rt);
    this.#event(rt.rec, "rename", { oldName: `/${old}` });
  }

  async list(o: ListOptions = {}): Promise<ContainerSummary[]> {
    const { layers } = this.#p;
    const filters = o.filters && Object.keys(o.filters).length ? o.filters : null;
    let rts = [...this.#p.registry.all()].filter((rt) => o.all || isUp(rt.rec.State.Status) || hasStatusFilter(o));
    if (filters) rts = rts.filter((rt) => matchFilters(rt.rec, filters, (ref) => imageMatches(rt.rec, ref)));
    rts.sort((a, b) => b.rec.Created - a.rec.Created);
    if (o.limit && o.limit > 0) rts = rts.slice(0, o.limit);
    const now = Date.now();
    const out = [];
    for (const rt of rts) {
      const sizes = o.size ? layers.knownSizes(rt) ?? await layers.sizes(rt) : undefined;
      out.push(summaryView(rt.rec, sizes, now));
    }
    return out;
  }

  async inspect(ref: string, o: { size?: boolean } = {}): Promise<ContainerInspect> {
    const rt = this.#p.registry.get(ref);
    return inspectView(rt.rec, o.size ? await this.#p.layers.sizes(rt) : undefined);
  }

  logs(ref: string, o: LogsOptions = {}): AsyncIterable<LogEntry> {
    const rt = this.#p.registry.get(ref);
    return readLogs(rt.logs, rt.rec.State.Status === "running", o);
  }

  attach(ref: string, o: AttachOptions = {}): AttachSession {
    const rt = this.#p.registry.get(ref);
    if (rt.rec.State.Status === "restarting") throw conflict("You cannot attach to a restarting container, wait until it is running");
    const keys = rt.rec.Config.Tty && o.stdin ? parseDetachKeys(o.detachKeys ?? "") : undefined;
    const session = attachTo(rt.logs, o);
    if (o.stdin) {
      const src = o.stdin instanceof Uint8Array ? streamOf(o.stdin) : o.stdin;
      const input = this.#p.lifecycle.input(rt);
      // No OpenStdin: what the client sends is dropped, as Docker drops it (cancel rejects
      // only with the client's own stream error, and a dropped stream's error is nothing to us).
      if (!input) void src.cancel().catch(() => {});
      else {
        // The client's input ended or it detached: its attach ends unless its end was the program's end of input.
        void input.feed(src, keys).then((end) => {
          if (end === "detached" || (end === "eof" && !input.closed)) session.close();
        });
      }
    }
    this.#event(rt.rec, "attach");
    return session;
  }

  resize(ref: string, rows: number, cols: number): void {
    this.#p.lifecycle.resize(ref, rows, cols);
  }

  async changes(ref: string): Promise<Change[]> {
    return diff(await this.#p.layers.mount(this.#p.registry.get(ref)));
  }

  async tree(ref: string, path: string, opts: { whiteouts?: boolean } = {}): Promise<OriginEntry[]> {
    const rt = this.#p.registry.get(ref);
    const union = await this.#p.layers.mount(rt);
    try {
      return listOrigins(union, path.startsWith("/") ? path : `/${path}`, opts);
    } catch (err) {
      if (err instanceof FsError && (err.code === "ENOENT" || err.code === "ENOTDIR")) {
        throw err.code === "ENOENT" ? notFound(`Could not find the file ${path} in container ${ref}`) : invalid(`not a directory: ${path} in container ${ref}`);
      }
      throw err;
    }
  }

  async export(ref: string): Promise<Uint8Array> {
    const rt = this.#p.registry.get(ref);
    const tar = exportMerged(await this.#p.layers.mount(rt));
    this.#event(rt.rec, "export");
    return tar;
  }

  statPath(ref: string, path: string): Promise<PathStat> {
    return this.#p.archives.statPath(ref, path);
  }
  getArchive(ref: string, path: string): Promise<{ stat: PathStat; tar: ReadableStream<Uint8Array> }> {
    return this.#p.archives.getArchive(ref, path);
  }
  putArchive(ref: string, path: string, tar: ReadableStream<Uint8Array> | Uint8Array, o?: PutArchiveOptions): Promise<void> {
    return this.#p.archives.putArchive(ref, path, tar, o);
  }

  pause(ref: string): Promise<void> {
    return this.#p.procs.pause(ref);
  }
  unpause(ref: string): Promise<void> {
    return this.#p.procs.unpause(ref);
  }
  top(ref: string, psArgs?: string): TopResult {
    return this.#p.procs.top(ref, psArgs);
  }
  stats(ref: string, o?: StatsOptions): AsyncIterable<StatsJson> {
    return this.#p.procs.stats(ref, o);
  }

  commit(ref: string, o?: CommitOptions): Promise<{ Id: string }> {
    return commit(this.#p, ref, o);
  }

  async prune(o: { filters?: Filters } = {}): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const keep = pruneFilter(o.filters, ["until", "label", "label!"]);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const rt of [...this.#p.registry.all()]) {
      if (isUp(rt.rec.State.Status) || rt.rec.State.Status === "removing") continue;
      if (!keep({ created: rt.rec.Created, labels: rt.rec.Config.Labels })) continue;
      reclaimed += (await this.#p.layers.sizes(rt)).SizeRw;
      await this.remove(rt.rec.Id);
      deleted.push(rt.rec.Id);
    }
    return { ContainersDeleted: deleted, SpaceReclaimed: reclaimed };
  }
}

/** Running or restarting: what Docker counts as running (`docker ps` without -a lists it, prune keeps it). */
function isUp(status: string): boolean {
  return status === "running" || status === "restarting";
}

/** A stream of the given bytes, then its end. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) });
}

/** Docker's conflict for a name another container holds. */
function nameInUse(name: string, taken: ContainerRuntime) {
  return conflict(`Conflict. The container name "/${name}" is already in use by container "${taken.rec.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
}

/** `ps --filter status=exited` lists stopped containers without `-a`, as Docker does. */
function hasStatusFilter(o: ListOptions): boolean {
  return !!o.filters && ("status" in o.filters || "exited" in o.filters);
}

/** `ps --filter ancestor=REF`: the image as named, by id or id prefix, or the same normalized reference. */
function imageMatches(rec: ContainerRecord, ref: string): boolean {
  if (rec.Image === ref || rec.ImageID === ref || rec.ImageID.slice(7).startsWith(ref)) return true;
  return normalize(rec.Image) === normalize(ref);
}

function normalize(ref: string): string {
  const r = ref.replace(/^docker\.io\/(library\/)?/, "");
  return /:[^/]+$/.test(r) ? r : `${r}:latest`;
}
