/**
 * The engine's view of the ImageStore: the same store, plus what only the engine knows —
 * which containers use an image (so `rmi` of a used image is a conflict), image events
 * (`load`, `tag`, `untag`, `delete`), `prune`, and the memory budget its loads share
 * (each load holds a lease on it until it ends: src/oci/load_budget.ts).
 */
import { type LoadAbilities, LoadBudget, type RegistryOptions } from "../oci/mod.ts";
import type { Store } from "../store/mod.ts";
import type { EventBus } from "./events.ts";
import { ImageStore, type LoadOptions, type LoadResult, type PullOptions, type PullResult, type PushOptions, type PushResult, type RemoveOptions } from "./images.ts";
import type { ImagesApi } from "./api.ts";
import { importImage, type ImportOptions } from "./_image_import.ts";
import { pruneFilter } from "./_prune_filters.ts";
import type { Filters } from "./wire.ts";

export interface EngineImagesOptions {
  /** Limit on one layer's uncompressed size (default: src/tar DEFAULT_MAX_UNCOMPRESSED, 1 GiB). */
  maxLayerBytes?: number;
  /** The budget shared by loads in progress (default: src/oci DEFAULT_LOAD_MEMORY, 2 GiB). */
  loadMemoryBytes?: number;
  /** The platform abilities loads use (the engine's platform). */
  platform?: LoadAbilities;
  /** How pulls and pushes reach registries (insecure registries, the fetch to use). */
  registry?: RegistryOptions;
}

export class EngineImages extends ImageStore implements ImagesApi {
  /** The memory budget every load of this engine shares. */
  readonly loads: LoadBudget;
  readonly #maxLayerBytes: number | undefined;
  constructor(store: Store, readonly events: EventBus, readonly userOf: (imageId: string) => string | undefined, o: EngineImagesOptions = {}) {
    super(store, o.platform, o.registry);
    this.loads = new LoadBudget(o.loadMemoryBytes);
    this.#maxLayerBytes = o.maxLayerBytes;
  }

  override async load(input: Uint8Array | ReadableStream<Uint8Array>, opts: LoadOptions = {}): Promise<LoadResult> {
    const lease = this.loads.lease(opts.name ?? "image archive");
    let r: LoadResult;
    try {
      r = await super.load(input, { maxLayerBytes: this.#maxLayerBytes, ...opts, account: lease });
    } finally {
      lease.end(); // stored or refused, the load holds nothing any more
    }
    for (const img of r.images) this.events.emit("image", "load", img.id, { name: img.repoTags[0] ?? img.id });
    return r;
  }

  /** `docker pull`, under a lease of the load budget (a layer is held while it inflates); a `pull` event. */
  override async pull(ref: string, opts: PullOptions = {}): Promise<PullResult> {
    const lease = this.loads.lease(ref);
    let r: PullResult;
    try {
      r = await super.pull(ref, { maxLayerBytes: this.#maxLayerBytes, ...opts, account: lease });
    } finally {
      lease.end();
    }
    this.events.emit("image", "pull", r.name, { name: r.name }); // moby's pull event is named by the reference
    return r;
  }

  /** `docker push`; a `push` event. */
  override async push(ref: string, opts: PushOptions = {}): Promise<PushResult> {
    const r = await super.push(ref, opts);
    this.events.emit("image", "push", `${r.repo}:${r.tag}`, { name: `${r.repo}:${r.tag}` });
    return r;
  }

  override async tag(source: string, target: string): Promise<void> {
    await super.tag(source, target);
    const rec = await this.resolve(target);
    this.events.emit("image", "tag", rec.id, { name: target });
  }

  /**
   * `docker import`: one filesystem tar as a one-layer image (src/engine/_image_import.ts),
   * stored through the load path under a lease of the load budget; an `import` event.
   */
  async import(input: Uint8Array | ReadableStream<Uint8Array>, opts: ImportOptions & { maxBodyBytes?: number } = {}): Promise<{ id: string }> {
    const lease = this.loads.lease(`the tar from ${opts.source && opts.source !== "-" ? opts.source : "stdin"}`);
    let id: string;
    try {
      const load = async (archive: Uint8Array) => {
        const r = await super.load(archive, { name: "the imported image", maxLayerBytes: this.#maxLayerBytes, account: lease });
        return { id: r.images[0]!.id };
      };
      ({ id } = await importImage({ load, sha256: this.platform.sha256, maxBodyBytes: opts.maxBodyBytes, maxLayerBytes: this.#maxLayerBytes, account: lease }, input, opts));
    } finally {
      lease.end();
    }
    this.events.emit("image", "import", id, { name: id });
    return { id };
  }

  /** `docker rmi`: a conflict when a container uses the image, unless forced. */
  override async remove(ref: string, opts: RemoveOptions = {}) {
    const out = await super.remove(ref, { force: opts.force, inUse: opts.inUse ?? ((id) => this.userOf(id)) });
    for (const r of out) this.events.emit("image", r.Untagged ? "untag" : "delete", r.Untagged ?? r.Deleted ?? "", { name: r.Untagged ?? r.Deleted ?? "" });
    return out;
  }

  /** `docker image prune`: untagged images no container uses, or every unused image with `all`. */
  async prune(o: { all?: boolean; filters?: Filters } = {}) {
    const keep = pruneFilter(o.filters, ["dangling", "until", "label", "label!"]);
    const deleted: Array<{ Untagged?: string; Deleted?: string }> = [];
    let reclaimed = 0;
    for (const img of await this.list()) {
      if ((img.RepoTags.length && !o.all) || this.userOf(img.Id)) continue;
      if (!keep({ created: img.Created * 1000, labels: img.Labels })) continue;
      const out = await this.remove(img.Id, { force: true });
      if (out.some((r) => r.Deleted === img.Id)) reclaimed += img.Size;
      deleted.push(...out);
    }
    return { ImagesDeleted: deleted, SpaceReclaimed: reclaimed };
  }
}
