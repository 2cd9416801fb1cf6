/**
 * The load path of ImageStore: stage verified blobs, then make them reachable with one
 * `commit` of records, so a failed load leaves the store as it was (DESIGN.md: one owner
 * per piece of state; store.ts: atomicity). Layers are stored once, uncompressed and
 * keyed by diffId; the layer record (keyed by chainId, as moby's layer store keys them)
 * remembers the compressed digest the layer arrived under.
 */
import { chainIds, type LoadedImage, type Sha256Impl } from "../oci/mod.ts";
import type { Store } from "../store/mod.ts";
import type { ImageRecord } from "./_image_views.ts";
import { normalizeReference } from "./reference.ts";

/** One line of load progress, as `docker load` shows it. */
export interface LoadProgress {
  /** The short layer id (12 hex digits of the diffId). */
  id: string;
  status: "Loading layer" | "Already exists";
  current: number;
  total: number;
}

export interface LoadResult {
  images: Array<{ id: string; repoTags: string[] }>;
}

/** What the store keeps per layer (kind "layer", key = chainId). */
export interface LayerRecord {
  diffId: string;
  /** Uncompressed size. */
  size: number;
  /** The digest and size of the blob as it arrived (the compressed digest for a gzip layer). */
  blobDigest?: string;
  blobSize?: number;
}

type Change = { kind: string; key: string; value: unknown };

/**
 * Store the blobs of `images` and commit their records. Every tag is checked first (a
 * bad one stores nothing); on any later failure the blobs this call added are deleted
 * and the error is passed on; no record was written then.
 */
export async function storeImages(store: Store, images: readonly LoadedImage[], o: { onProgress?: (p: LoadProgress) => void; sha256?: Sha256Impl } = {}): Promise<LoadResult> {
  const onProgress = o.onProgress;
  // docker load refuses a RepoTag that is no reference (moby image/tarexport/load.go: ParseNormalizedNamed).
  const tagsOf = images.map((img) => img.repoTags.map((t) => normalizeReference(t)));
  const staged: string[] = [];
  const changes: Change[] = [];
  const result: LoadResult = { images: [] };
  const stage = async (bytes: Uint8Array, digest: string) => {
    // readImageArchive hashed these exact bytes to `digest` a moment ago.
    if (!(await store.hasBlob(digest))) staged.push(await store.putBlob(bytes, digest, { verified: true }));
  };
  try {
    for (const [n, img] of images.entries()) {
      const chains = await chainIds(img.layers.map((l) => l.diffId), o.sha256);
      for (const [i, layer] of img.layers.entries()) {
        const key = chains[i]!;
        const known = (await store.getRecord("layer", key)) !== undefined || changes.some((c) => c.kind === "layer" && c.key === key);
        const size = layer.tar.length;
        onProgress?.({ id: layer.diffId.slice(7, 19), status: known ? "Already exists" : "Loading layer", current: size, total: size });
        await stage(layer.tar, layer.diffId);
        if (!known) changes.push({ kind: "layer", key, value: { diffId: layer.diffId, size, blobDigest: layer.blobDigest, blobSize: layer.blobSize } satisfies LayerRecord });
      }
      await stage(img.configBytes, img.id);
      const record: ImageRecord = {
        id: img.id, diffIds: img.layers.map((l) => l.diffId), chainIds: chains, layerSizes: img.layers.map((l) => l.tar.length),
        created: img.config.created ?? "", loaded: Date.now(),
      };
      changes.push({ kind: "image", key: img.id, value: record });
      for (const tag of tagsOf[n]!) changes.push({ kind: "tag", key: tag, value: { id: img.id } });
      result.images.push({ id: img.id, repoTags: tagsOf[n]! });
    }
    await store.commit(changes);
  } catch (err) {
    await unstage(store, staged, err);
    throw err;
  }
  return result;
}

/**
 * Delete the blobs a failed load staged. One that cannot be deleted is unreferenced (no
 * record names it); its error is attached to the load's error, which is what the user sees.
 */
export async function unstage(store: Store, staged: readonly string[], failure: unknown): Promise<void> {
  const left: unknown[] = [];
  for (const digest of staged) await store.deleteBlob(digest).catch((e: unknown) => void left.push(e));
  if (left.length && failure instanceof Error && failure.cause === undefined) {
    failure.cause = new AggregateError(left, `${left.length} staged blob(s) could not be removed`);
  }
}

/** An image a build step made: its config, its layers (bottom first; a new one carries its tar), where it came from. */
export interface BuiltImage {
  id: string;
  configBytes: Uint8Array;
  /** created of the config. */
  created: string;
  /** Every layer, bottom first; the parent's by diffId and size, a new one with its tar too. */
  layers: Array<{ diffId: string; size: number; tar?: Uint8Array }>;
  /** The image it was made from ("" for `FROM scratch`). */
  parent: string;
  /** The step's cache key (src/engine/_build_cache.ts). */
  buildKey: string;
}

/**
 * Store a built image: its new layer and config blobs staged, then its layer and image
 * records in one commit (so a build that stops between the two leaves nothing reachable,
 * and the staged blobs are removed). An image already stored under the same id gets the
 * parent and key of this step only if it had none (the same bytes from another road).
 */
export async function storeBuiltImage(store: Store, img: BuiltImage, o: { sha256?: Sha256Impl } = {}): Promise<void> {
  const staged: string[] = [];
  // The builder hashed these very bytes to their digests a moment ago (the diffId, the image id).
  const stage = async (bytes: Uint8Array, digest: string) => {
    if (!(await store.hasBlob(digest))) staged.push(await store.putBlob(bytes, digest, { verified: true }));
  };
  try {
    const diffIds = img.layers.map((l) => l.diffId);
    const chains = await chainIds(diffIds, o.sha256);
    const changes: Change[] = [];
    for (const [i, layer] of img.layers.entries()) {
      if (!layer.tar) continue;
      await stage(layer.tar, layer.diffId);
      if ((await store.getRecord("layer", chains[i]!)) === undefined) {
        changes.push({ kind: "layer", key: chains[i]!, value: { diffId: layer.diffId, size: layer.size } satisfies LayerRecord });
      }
    }
    await stage(img.configBytes, img.id);
    const known = await store.getRecord<ImageRecord>("image", img.id);
    const record: ImageRecord = known?.buildKey !== undefined ? known : {
      ...(known ?? { id: img.id, diffIds, chainIds: chains, layerSizes: img.layers.map((l) => l.size), created: img.created, loaded: Date.now() }),
      parent: img.parent, buildKey: img.buildKey,
    };
    if (record !== known) changes.push({ kind: "image", key: img.id, value: record });
    await store.commit(changes);
  } catch (err) {
    await unstage(store, staged, err);
    throw err;
  }
}
