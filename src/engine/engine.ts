/**
 * The engine: Docker's container model as a library (`EngineApi`). Containers move
 * created → running → exited (and removing), with an event for every transition; each
 * has its own writable layer over its image's shared layers, mounted on first use;
 * processes are WASI programs from the rootfs. State lives in a Store: a record per
 * container, its writable layer as a snapshot plus a write-through journal of every
 * change a running program completed, and its log as appended JSON lines — so an engine
 * opened again on the same store finds every container (running ones come back exited,
 * with their layers as the last completed writes left them).
 *
 * `Engine` only puts the parts together; each part owns its state and is handed the
 * other parts it uses (a narrow view of them), never the engine:
 *
 * | part | owns |
 * |---|---|
 * | `ContainerRegistry` (_registry.ts) | the containers by id and name, their records, removed containers' statuses |
 * | `LayerCache` (_layer_cache.ts) | one `Layer` per diffId, image rootfs sizes; mounts, sizes |
 * | `Lifecycle` (_lifecycle.ts) | the state machine: start, stop, kill, restart, wait, remove; restore after a crash |
 * | `Containers` (containers.ts) | the container verbs (`engine.containers`) |
 * | `ContainerArchives` (archive.ts) | `docker cp`'s archive verbs (in `engine.containers`), the memory budget of uploads |
 * | `Execs` (exec.ts) | exec instances (`engine.exec`) |
 * | `EngineImages` (_engine_images.ts) | images (`engine.images`) and the loads' memory budget |
 * | `VolumeStore` (volumes.ts) | volumes (`engine.volumes`) |
 * | `EventBus` (events.ts) | events and their history (`engine.events`) |
 * | `System` (system.ts) | df, info, version (`engine.system`) |
 * | `Builder` (build.ts) | `docker build`, the classic builder (`engine.builder`) |
 *
 * The API is grouped as Docker groups it (`engine.containers.start(id)`,
 * `engine.images.load(…)`, `engine.system.df()`), not flat: it is the shape of the
 * Engine API's paths and of the docker CLI's management commands, the HTTP layer
 * (src/api) hands each group to its routes, and a verb's name stays Docker's in every
 * group (`remove`, `list`, `inspect`, `prune` exist in several). Only what concerns the
 * engine as a whole is on the engine itself: `sync()` and `close()` (and `store`, the
 * store it was handed).
 */
import type { Store } from "../store/mod.ts";
import { closeWorkers, suspendable } from "../wasi/mod.ts";
import { EngineImages } from "./_engine_images.ts";
import { LayerCache } from "./_layer_cache.ts";
import { Lifecycle } from "./_lifecycle.ts";
import { ContainerRegistry } from "./_registry.ts";
import { checkRecords } from "./_store_check.ts";
import { ContainerArchives } from "./archive.ts";
import { Builder } from "./build.ts";
import { Containers } from "./containers.ts";
import { ProcVerbs } from "./_proc_verbs.ts";
import { EventBus } from "./events.ts";
import { Execs } from "./exec.ts";
import { System } from "./system.ts";
import type { EngineApi } from "./api.ts";
import type { EngineOptions } from "./options.ts";
import type { ContainerRecord } from "./wire.ts";
import { VolumeStore } from "./volumes.ts";

export class Engine implements EngineApi {
  readonly containers: Containers;
  readonly exec: Execs;
  readonly images: EngineImages;
  readonly volumes: VolumeStore;
  readonly events = new EventBus();
  readonly system: System;
  readonly builder: Builder;
  /** The store the engine was opened on, as it was handed in (tests and tools read it directly). */
  readonly store: Store;
  readonly #registry: ContainerRegistry;
  readonly #lifecycle: Lifecycle;
  readonly #workerHost: EngineOptions["workerHost"];
  readonly #autoRestart: boolean;

  constructor(opts: EngineOptions) {
    const { store, platform } = opts;
    const events = this.events;
    const registry = new ContainerRegistry(store, opts.removedGraceMs);
    const images = this.images = new EngineImages(store, events, (id) => registry.imageUser(id), { maxLayerBytes: opts.maxLayerBytes, loadMemoryBytes: opts.loadMemoryBytes, platform, registry: opts.registry });
    const volumes = this.volumes = new VolumeStore(store, events, (name) => registry.volumeUsers(name));
    const layers = new LayerCache(store, (diffId) => images.layerBytes(diffId));
    const lifecycle = new Lifecycle({ store, registry, layers, volumes, events, options: opts });
    const archives = new ContainerArchives({ registry, layers, volumes, events, platform, store, memoryBytes: opts.archiveMemoryBytes });
    const procs = new ProcVerbs({ registry, events, defaultMemory: opts.limits?.memoryBytes, canPause: !!opts.workerHost || suspendable });
    this.containers = new Containers({ registry, layers, lifecycle, images, volumes, events, platform, archives, procs });
    this.exec = new Execs({ registry, layers, events, options: opts });
    this.system = new System({ store, registry, containers: this.containers, images, volumes, registries: opts.registry });
    this.builder = new Builder({ images, layers, containers: this.containers, mountOf: (id) => layers.mount(registry.get(id)), platform });
    this.store = store;
    this.#registry = registry;
    this.#lifecycle = lifecycle;
    this.#workerHost = opts.workerHost;
    this.#autoRestart = opts.autoRestart ?? true;
  }

  /**
   * Load what a store holds; containers that were running come back exited (255), as
   * after a daemon crash, and those whose restart policy says so are started again
   * (unless `autoRestart` is false). Records that cannot be used are set aside first (see
   * _store_check.ts) and reported in `info().Warnings`; the rest opens.
   */
  async open(): Promise<this> {
    await checkRecords(this.store);
    await this.volumes.open();
    for (const [, rec] of await this.store.listRecords<ContainerRecord>("container")) await this.#lifecycle.restore(rec);
    if (this.#autoRestart) await this.#lifecycle.startOnOpen();
    return this;
  }

  /** Resolves when every change and output write made so far is in the store (the write-through journals are drained). */
  async sync(): Promise<void> {
    const waits: Array<Promise<void> | undefined> = [];
    for (const rt of this.#registry.all()) waits.push(rt.upper?.flushed(), rt.logWriter?.flushed());
    await Promise.all([...waits, this.volumes.flushed()]);
  }

  /** Stop every running container (SIGTERM, kill after graceMs), write everything, release the store. */
  async close(o: { graceMs?: number } = {}): Promise<void> {
    await this.#lifecycle.stopAll(o.graceMs ?? 10_000);
    if (this.#workerHost) await closeWorkers(this.#workerHost);
    await this.store.close();
  }
}
