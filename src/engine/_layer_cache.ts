/**
 * The layer cache: each image layer indexed once (a `Layer` per diffId, shared by every
 * container of every image that has it), the container filesystems mounted over them,
 * and sizes as `ps -s` shows them. A never-run container's sizes are its image's, found
 * once per image, so a list of 10,000 created containers mounts no filesystem
 * (bench/engine.bench.ts).
 */
import { Layer, sizes, UnionFS, WritableLayer } from "../fs/mod.ts";
import type { Store } from "../store/mod.ts";
import { PersistedUpper } from "./_persist.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import type { ContainerRecord } from "./wire.ts";

/** SizeRw: the writable layer's bytes; SizeRootFs: the whole merged view's. */
interface Sizes {
  SizeRw: number;
  SizeRootFs: number;
}

export class LayerCache {
  readonly #layers = new Map<string, Promise<Layer>>();
  readonly #rootfsSizes = new Map<string, Promise<number>>();
  readonly #rootfsKnown = new Map<string, number>();

  /** `layerBytes`: a layer's uncompressed tar by diffId (the image store's). */
  constructor(readonly store: Store, readonly layerBytes: (diffId: string) => Promise<Uint8Array>) {}

  /** The image's layers, top first (overlayfs lowerdir order), indexed once and shared by its containers. */
  lowers(rec: ContainerRecord): Promise<Layer[]> {
    return this.lowersOf(rec.Layers);
  }

  /** The layers of these diffIds (bottom first), top first, indexed once and shared (a build's COPY mounts an image this way). */
  async lowersOf(diffIds: readonly string[]): Promise<Layer[]> {
    return await Promise.all(diffIds.slice().reverse().map((diffId) => {
      let layer = this.#layers.get(diffId);
      if (!layer) {
        layer = this.layerBytes(diffId).then((b) => new Layer(shared(b), { diffId }));
        this.#layers.set(diffId, layer);
        layer.catch(() => this.#layers.delete(diffId));
      }
      return layer;
    }));
  }

  /** The container's filesystem, mounted on first use from its stored layer (snapshot + journal). */
  async mount(rt: ContainerRuntime): Promise<UnionFS> {
    if (rt.fs) return rt.fs;
    rt.upper ??= new PersistedUpper(this.store, "upper", rt.rec.Id);
    const fs = await rt.upper.mount(await this.lowers(rt.rec));
    return (rt.fs ??= fs);
  }

  /**
   * Sizes as `ps -s` shows them. A container that never ran has an empty layer: its sizes
   * are its image's; a stopped container's are kept until it runs again.
   */
  async sizes(rt: ContainerRuntime): Promise<Sizes> {
    if (rt.sizes) return rt.sizes;
    let out: Sizes;
    if (!rt.fs && rt.rec.State.StartedAt === 0) out = { SizeRw: 0, SizeRootFs: await this.#imageRootFs(rt.rec) };
    else {
      const s = sizes(await this.mount(rt));
      out = { SizeRw: s.sizeRw, SizeRootFs: s.sizeRootFs };
    }
    if (rt.rec.State.Status !== "running") rt.sizes = out;
    return out;
  }

  /** The sizes when they are known without a wait (no await per container in a long list): kept ones, or a never-run container's once its image's are known. */
  knownSizes(rt: ContainerRuntime): Sizes | undefined {
    if (rt.sizes) return rt.sizes;
    if (rt.fs || rt.rec.State.StartedAt !== 0) return undefined;
    const size = this.#rootfsKnown.get(rt.rec.ImageID);
    return size === undefined ? undefined : { SizeRw: 0, SizeRootFs: size };
  }

  #imageRootFs(rec: ContainerRecord): Promise<number> {
    let size = this.#rootfsSizes.get(rec.ImageID);
    if (!size) {
      size = this.lowers(rec).then((lowers) => sizes(new UnionFS({ lowers, upper: new WritableLayer() })).sizeRootFs);
      void size.then((n) => this.#rootfsKnown.set(rec.ImageID, n), () => this.#rootfsSizes.delete(rec.ImageID));
      this.#rootfsSizes.set(rec.ImageID, size);
    }
    return size;
  }
}

/** The bytes in a SharedArrayBuffer (where the platform has one), so worker threads read layers without a copy. */
function shared(bytes: Uint8Array): Uint8Array {
  if (typeof SharedArrayBuffer === "undefined" || bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}
