/**
 * The engine's view of the ImageStore: the same store, plus what only the engine knows —
 * which containers use an image (so `rmi` of a used image is a conflict), image events
 * (`load`, `tag`, `untag`, `delete`) and `prune`.
 */
import type { Store } from "../store/mod.ts";
import type { EventBus } from "./events.ts";
import { ImageStore, type LoadOptions, type LoadResult, type RemoveOptions } from "./images.ts";
import type { ImagesApi } from "./types.ts";

export class EngineImages extends ImageStore implements ImagesApi {
  constructor(store: Store, readonly events: EventBus, readonly userOf: (imageId: string) => string | undefined) {
    super(store);
  }

  override async load(input: Uint8Array | ReadableStream<Uint8Array>, opts: LoadOptions = {}): Promise<LoadResult> {
    const r = await super.load(input, opts);
    for (const img of r.images) this.events.emit("image", "load", img.id, { name: img.repoTags[0] ?? img.id });
    return r;
  }

  override async tag(source: string, target: string): Promise<void> {
    await super.tag(source, target);
    const rec = await this.resolve(target);
    this.events.emit("image", "tag", rec.id, { name: target });
  }

  /** `docker rmi`: a conflict when a container uses the image, unless forced. */
  override async remove(ref: string, opts: RemoveOptions = {}) {
    const out = await super.remove(ref, { force: opts.force, inUse: opts.inUse ?? ((id) => this.userOf(id)) });
    for (const r of out) this.events.emit("image", r.Untagged ? "untag" : "delete", r.Untagged ?? r.Deleted ?? "", { name: r.Untagged ?? r.Deleted ?? "" });
    return out;
  }

  /** `docker image prune`: untagged images no container uses, or every unused image with `all`. */
  async prune(o: { all?: boolean } = {}) {
    const deleted: Array<{ Untagged?: string; Deleted?: string }> = [];
    let reclaimed = 0;
    for (const img of await this.list()) {
      if ((img.RepoTags.length && !o.all) || this.userOf(img.Id)) continue;
      const out = await this.remove(img.Id, { force: true });
      if (out.some((r) => r.Deleted === img.Id)) reclaimed += img.Size;
      deleted.push(...out);
    }
    return { ImagesDeleted: deleted, SpaceReclaimed: reclaimed };
  }
}
