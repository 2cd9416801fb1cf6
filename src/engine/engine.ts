/**
 * The engine: Docker's container model as a library (`EngineApi`). Containers move
 * created → running → exited (and removing), with an event for every transition; each
 * has its own writable layer over its image's shared layers, mounted on first use;
 * processes are WASI programs from the rootfs. State lives in a Store: a record per
 * container, its writable layer as a snapshot plus a write-through journal of every
 * change a running program completed, and its log as appended JSON lines — so an engine
 * opened again on the same store finds every container (running ones come back exited,
 * with their layers as the last completed writes left them).
 */
import { diff, exportMerged, type UnionFS } from "../fs/mod.ts";
import type { Store } from "../store/mod.ts";
import { closeWorkers } from "../wasi/mod.ts";
import { randomId } from "./_format.ts";
import { ContainerRuntime, type ExitStatus } from "./_runtime.ts";
import { inspectView, summaryView } from "./_container_views.ts";
import { buildRecord, resolveMounts } from "./_create.ts";
import { EngineImages } from "./_engine_images.ts";
import { conflict, invalid, notFound } from "./errors.ts";
import { emitContainerEvent, EventBus } from "./events.ts";
import { Execs } from "./exec.ts";
import { checkName, generateName } from "./names.ts";
import { matchFilters } from "./_filters.ts";
import { attachTo, readLogs } from "./_logs_io.ts";
import { checkRecords } from "./_store_check.ts";
import { ContainerRegistry } from "./_registry.ts";
import { LayerCache } from "./_layer_cache.ts";
import { Lifecycle } from "./_lifecycle.ts";
import { commit } from "./commit.ts";
import { info, systemDf, versionInfo } from "./system.ts";
import type {
  AttachOptions, ContainerRecord, ContainersApi, CreateOptions, EngineApi, EngineOptions, ListOptions, LogsOptions, WaitCondition,
} from "./types.ts";
import { VolumeStore } from "./volumes.ts";

export class Engine implements EngineApi {
  readonly store: Store;
  readonly events = new EventBus();
  readonly images: EngineImages;
  readonly volumes: VolumeStore;
  readonly exec: Execs;
  readonly containers: ContainersApi;
  readonly registry: ContainerRegistry;
  readonly layers: LayerCache;
  readonly lifecycle: Lifecycle;

  constructor(readonly opts: EngineOptions) {
    this.store = opts.store;
    this.registry = new ContainerRegistry(opts.store, opts.removedGraceMs);
    this.images = new EngineImages(opts.store, this.events, (id) => this.registry.imageUser(id), { maxLayerBytes: opts.maxLayerBytes, loadMemoryBytes: opts.loadMemoryBytes, platform: opts.platform });
    this.volumes = new VolumeStore(opts.store, this.events, (name) => this.registry.volumeUsers(name));
    this.layers = new LayerCache(opts.store, (diffId) => this.images.layerBytes(diffId));
    this.lifecycle = new Lifecycle({ store: opts.store, registry: this.registry, layers: this.layers, volumes: this.volumes, events: this.events, options: opts });
    this.exec = new Execs({ registry: this.registry, layers: this.layers, events: this.events, options: opts });
    this.containers = this.#containersApi();
  }

  #containersApi(): ContainersApi {
    return {
      create: (o) => this.create(o), start: (r) => this.start(r), stop: (r, t) => this.stop(r, t), kill: (r, s) => this.kill(r, s),
      restart: (r, t) => this.restart(r, t), wait: (r, c) => this.wait(r, c), remove: (r, o) => this.remove(r, o),
      rename: (r, n) => this.rename(r, n), list: (o) => this.list(o), inspect: (r, o) => this.inspect(r, o),
      logs: (r, o) => this.logs(r, o), attach: (r, o) => this.attach(r, o), changes: (r) => this.changes(r),
      export: (r) => this.export(r), commit: (r, o) => commit({ registry: this.registry, layers: this.layers, images: this.images, events: this.events, platform: this.opts.platform }, r, o), prune: () => this.prune(),
    };
  }

  /**
   * Load what a store holds; containers that were running come back exited (255), as
   * after a daemon crash. Records that cannot be used are set aside first (see
   * _store_check.ts) and reported in `info().Warnings`; the rest opens.
   */
  async open(): Promise<this> {
    await checkRecords(this.store);
    await this.volumes.open();
    for (const [, rec] of await this.store.listRecords<ContainerRecord>("container")) await this.lifecycle.restore(rec);
    return this;
  }

  /** Find a container by full id, name, or unique id prefix. Errors: not-found "No such container: x". */
  get(ref: string): ContainerRuntime {
    return this.registry.get(ref);
  }

  event(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    emitContainerEvent(this.events, rec, action, extra);
  }

  /** Write the record, if the container is still held. */
  save(rt: ContainerRuntime): Promise<void> {
    return this.registry.save(rt);
  }

  /** The container's filesystem, mounted on first use. */
  mount(rt: ContainerRuntime): Promise<UnionFS> {
    return this.layers.mount(rt);
  }

  async create(o: CreateOptions): Promise<{ Id: string; Warnings: string[] }> {
    if (!o || !o.Image) throw invalid("Config.Image: no image was given");
    const image = await this.images.resolve(o.Image);
    const config = (await this.images.config(image.id)).config;
    const name = o.name ? checkName(o.name) : generateName((n) => this.registry.named(n) !== undefined);
    const taken = this.registry.named(name);
    if (taken) {
      throw conflict(`Conflict. The container name "/${name}" is already in use by container "${taken.rec.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    const id = randomId();
    const rec = buildRecord(id, name, o, image, config);
    const rt = this.lifecycle.runtime(rec);
    this.registry.add(rt); // the name is ours from here (a concurrent create of it is a conflict)
    try {
      rec.Mounts = await resolveMounts(rec, this.volumes, this.opts.platform);
      await this.registry.save(rt);
    } catch (err) {
      this.registry.delete(rt);
      throw err;
    }
    this.event(rec, "create");
    return { Id: id, Warnings: [] };
  }

  start(ref: string): Promise<void> {
    return this.lifecycle.start(ref);
  }
  stop(ref: string, t?: number): Promise<void> {
    return this.lifecycle.stop(ref, t);
  }
  kill(ref: string, signal = "KILL"): Promise<void> {
    return this.lifecycle.kill(ref, signal);
  }
  restart(ref: string, t?: number): Promise<void> {
    return this.lifecycle.restart(ref, t);
  }
  wait(ref: string, condition: WaitCondition = "not-running"): Promise<ExitStatus> {
    return this.lifecycle.wait(ref, condition);
  }
  remove(ref: string, o: { force?: boolean; v?: boolean } = {}): Promise<void> {
    return this.lifecycle.remove(ref, o);
  }

  async rename(ref: string, newName: string): Promise<void> {
    const rt = this.get(ref);
    if (!newName) throw invalid("Neither old nor new names may be empty");
    const name = checkName(newName);
    const taken = this.registry.named(name);
    if (taken && taken !== rt) throw conflict(`Conflict. The container name "/${name}" is already in use by container "${taken.rec.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
    const old = rt.rec.Name;
    if (old === name) throw invalid(`Renaming a container with the same name as its current name`);
    this.registry.rename(rt, name);
    await this.save(rt);
    this.event(rt.rec, "rename", { oldName: `/${old}` });
  }

  async list(o: ListOptions = {}) {
    const filters = o.filters && Object.keys(o.filters).length ? o.filters : null;
    let rts = [...this.registry.all()].filter((rt) => o.all || rt.rec.State.Status === "running" || hasStatusFilter(o));
    if (filters) rts = rts.filter((rt) => matchFilters(rt.rec, filters, (ref) => this.#imageMatches(rt.rec, ref)));
    rts.sort((a, b) => b.rec.Created - a.rec.Created);
    if (o.limit && o.limit > 0) rts = rts.slice(0, o.limit);
    const now = Date.now();
    const out = [];
    for (const rt of rts) {
      const sizes = o.size ? this.layers.knownSizes(rt) ?? await this.layers.sizes(rt) : undefined;
      out.push(summaryView(rt.rec, sizes, now));
    }
    return out;
  }

  #imageMatches(rec: ContainerRecord, ref: string): boolean {
    if (rec.Image === ref || rec.ImageID === ref || rec.ImageID.slice(7).startsWith(ref)) return true;
    return normalize(rec.Image) === normalize(ref);
  }

  async inspect(ref: string, o: { size?: boolean } = {}) {
    const rt = this.get(ref);
    return inspectView(rt.rec, o.size ? await this.layers.sizes(rt) : undefined);
  }

  logs(ref: string, o: LogsOptions = {}) {
    const rt = this.get(ref);
    return readLogs(rt.logs, rt.rec.State.Status === "running", o);
  }

  attach(ref: string, o: AttachOptions = {}) {
    const rt = this.get(ref);
    const session = attachTo(rt.logs, o, (s) => (rt.stdin = s));
    this.event(rt.rec, "attach");
    return session;
  }

  async changes(ref: string) {
    return diff(await this.mount(this.get(ref)));
  }

  async export(ref: string): Promise<Uint8Array> {
    const rt = this.get(ref);
    const tar = exportMerged(await this.mount(rt));
    this.event(rt.rec, "export");
    return tar;
  }

  async prune() {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const rt of [...this.registry.all()]) {
      if (rt.rec.State.Status === "running" || rt.rec.State.Status === "removing") continue;
      reclaimed += (await this.layers.sizes(rt)).SizeRw;
      await this.remove(rt.rec.Id);
      deleted.push(rt.rec.Id);
    }
    return { ContainersDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  /** `docker rmi` (kept for callers of the flat engine; same as `images.remove`). */
  removeImage(ref: string, o: { force?: boolean } = {}) {
    return this.images.remove(ref, o);
  }

  systemDf() {
    return systemDf(this);
  }
  info(o: { name?: string; root?: string } = {}) {
    return info(this, o);
  }
  version() {
    return versionInfo();
  }

  /** Resolves when every change and output write made so far is in the store (the write-through journals are drained). */
  async sync(): Promise<void> {
    const waits: Array<Promise<void> | undefined> = [];
    for (const rt of this.registry.all()) waits.push(rt.upper?.flushed(), rt.logWriter?.flushed());
    await Promise.all([...waits, this.volumes.flushed()]);
  }

  /** Stop every running container (SIGTERM, kill after graceMs), write everything, release the store. */
  async close(o: { graceMs?: number } = {}): Promise<void> {
    await this.lifecycle.stopAll(o.graceMs ?? 10_000);
    if (this.opts.workerHost) await closeWorkers(this.opts.workerHost);
    await this.store.close();
  }
}

/** `ps --filter status=exited` lists stopped containers without `-a`, as Docker does. */
function hasStatusFilter(o: ListOptions): boolean {
  return !!o.filters && ("status" in o.filters || "exited" in o.filters);
}

function normalize(ref: string): string {
  const r = ref.replace(/^docker\.io\/(library\/)?/, "");
  return /:[^/]+$/.test(r) ? r : `${r}:latest`;
}
