/**
 * ImageStore: images as Docker keeps them, over a Store. Layers are stored once, as
 * uncompressed tars keyed by diffId, however many images share them; "Already exists"
 * is keyed by chainId (image-spec config.md). Image id = config digest. Tags map familiar
 * references to ids. A failed load leaves the store as it was: blobs are staged, the
 * records that make them reachable are written in one commit, and staged blobs are
 * removed when anything fails.
 */
import { chainIds, type ImageConfig, parseConfig, readImageArchive, writeDockerArchive, type ExportImage } from "../oci/mod.ts";
import type { Store } from "../store/mod.ts";
import { conflict, notFound } from "./errors.ts";
import { historyView, inspectView, type ImageRecord, type ImageSummary, summary } from "./_image_views.ts";
import { normalizeReference } from "./reference.ts";

export type { ImageRecord, ImageSummary };

/** One line of load progress, as `docker load` shows it. */
export interface LoadProgress {
  id: string;
  status: "Loading layer" | "Already exists";
  current: number;
  total: number;
}

export interface LoadResult {
  images: Array<{ id: string; repoTags: string[] }>;
}

interface LayerRecord {
  diffId: string;
  size: number;
}

export class ImageStore {
  #configs = new Map<string, ImageConfig>();
  constructor(readonly store: Store) {}

  /**
   * Load a docker-save archive or an OCI layout tar. Errors: the archive's parse and
   * digest errors (nothing is stored then).
   */
  async load(bytes: Uint8Array, opts: { name?: string; onProgress?: (p: LoadProgress) => void } = {}): Promise<LoadResult> {
    const images = await readImageArchive(bytes, { name: opts.name ?? "image archive" });
    const staged: string[] = [];
    const changes: Array<{ kind: string; key: string; value: unknown }> = [];
    const result: LoadResult = { images: [] };
    try {
      for (const img of images) {
        const chains = await chainIds(img.layers.map((l) => l.diffId));
        for (const [i, layer] of img.layers.entries()) {
          const exists = (await this.store.getRecord("layer", chains[i]!)) !== undefined || changes.some((c) => c.kind === "layer" && c.key === chains[i]);
          opts.onProgress?.({ id: layer.diffId.slice(7, 19), status: exists ? "Already exists" : "Loading layer", current: layer.tar.length, total: layer.tar.length });
          if (!(await this.store.hasBlob(layer.diffId))) staged.push(await this.store.putBlob(layer.tar, layer.diffId));
          if (!exists) changes.push({ kind: "layer", key: chains[i]!, value: { diffId: layer.diffId, size: layer.tar.length } satisfies LayerRecord });
        }
        if (!(await this.store.hasBlob(img.id))) staged.push(await this.store.putBlob(img.configBytes, img.id));
        const record: ImageRecord = {
          id: img.id, diffIds: img.layers.map((l) => l.diffId), chainIds: chains, layerSizes: img.layers.map((l) => l.tar.length),
          created: img.config.created ?? "", loaded: Date.now(),
        };
        changes.push({ kind: "image", key: img.id, value: record });
        const tags = img.repoTags.map((t) => normalizeReference(t));
        for (const tag of tags) changes.push({ kind: "tag", key: tag, value: { id: img.id } });
        this.#configs.set(img.id, img.config);
        result.images.push({ id: img.id, repoTags: tags });
      }
      await this.store.commit(changes);
    } catch (err) {
      for (const digest of staged) await this.store.deleteBlob(digest).catch(() => {});
      throw err;
    }
    return result;
  }

  /** Find an image by reference, full id, or unique id prefix. Errors: not-found "No such image: X". */
  async resolve(ref: string): Promise<ImageRecord> {
    const rec = await this.find(ref);
    if (!rec) throw notFound(`No such image: ${displayRef(ref)}`);
    return rec;
  }

  /** Like resolve, but undefined when absent. */
  async find(ref: string): Promise<ImageRecord | undefined> {
    const hex = ref.replace(/^sha256:/, "");
    if (/^[a-f0-9]{64}$/.test(hex)) return await this.store.getRecord<ImageRecord>("image", `sha256:${hex}`);
    let tag: string | undefined;
    try {
      tag = normalizeReference(ref);
    } catch {
      tag = undefined;
    }
    const byTag = tag ? await this.store.getRecord<{ id: string }>("tag", tag) : undefined;
    if (byTag) return await this.store.getRecord<ImageRecord>("image", byTag.id);
    if (/^[a-f0-9]{4,63}$/.test(hex)) {
      const hits = (await this.store.listRecords<ImageRecord>("image")).filter(([id]) => id.startsWith(`sha256:${hex}`));
      if (hits.length === 1) return hits[0]![1];
    }
    return undefined;
  }

  async config(id: string): Promise<ImageConfig> {
    const cached = this.#configs.get(id);
    if (cached) return cached;
    const bytes = await this.store.getBlob(id);
    if (!bytes) throw notFound(`No such image: ${id}`);
    const config = parseConfig(bytes, `config ${id}`);
    this.#configs.set(id, config);
    return config;
  }

  async tagsOf(id: string): Promise<string[]> {
    return (await this.store.listRecords<{ id: string }>("tag")).filter(([, v]) => v.id === id).map(([k]) => k);
  }

  async list(): Promise<ImageSummary[]> {
    const tags = await this.store.listRecords<{ id: string }>("tag");
    const out: ImageSummary[] = [];
    for (const [id, rec] of await this.store.listRecords<ImageRecord>("image")) {
      out.push(summary(rec, await this.config(id), tags.filter(([, v]) => v.id === id).map(([k]) => k)));
    }
    return out.sort((a, b) => b.Created - a.Created || (a.Id < b.Id ? -1 : 1));
  }

  async inspect(ref: string) {
    const rec = await this.resolve(ref);
    return inspectView(rec, await this.config(rec.id), await this.tagsOf(rec.id));
  }

  async history(ref: string) {
    const rec = await this.resolve(ref);
    return historyView(rec, await this.config(rec.id), await this.tagsOf(rec.id));
  }

  /** Point `target` (repo[:tag]) at the image `source`. */
  async tag(source: string, target: string): Promise<void> {
    const rec = await this.resolve(source);
    await this.store.putRecord("tag", normalizeReference(target), { id: rec.id });
  }

  /**
   * `docker rmi`: untag, and delete the image when no tag is left (or when named by id).
   * Errors: not-found; conflict when a container uses it (`inUse` returns its id) or
   * when an id names an image with several tags, unless forced.
   */
  async remove(ref: string, opts: { force?: boolean; inUse?: (imageId: string) => string | undefined } = {}) {
    const rec = await this.resolve(ref);
    const tags = await this.tagsOf(rec.id);
    const byId = !tags.includes(safeNormalize(ref));
    const out: Array<{ Untagged?: string; Deleted?: string }> = [];
    if (!byId && tags.length > 1) {
      await this.store.deleteRecord("tag", safeNormalize(ref));
      return [{ Untagged: safeNormalize(ref) }];
    }
    if (byId && tags.length > 1 && !opts.force) {
      throw conflict(`conflict: unable to delete ${rec.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    }
    const user = opts.inUse?.(rec.id);
    if (user && !opts.force) {
      throw conflict(byId
        ? `conflict: unable to delete ${rec.id.slice(7, 19)} (must be forced) - image is being used by stopped container ${user.slice(0, 12)}`
        : `conflict: unable to remove repository reference "${ref}" (must force) - container ${user.slice(0, 12)} is using its referenced image ${rec.id.slice(7, 19)}`);
    }
    const changes: Array<{ kind: string; key: string; value: unknown }> = tags.map((t) => ({ kind: "tag", key: t, value: undefined }));
    for (const t of tags) out.push({ Untagged: t });
    if (user) {
      await this.store.commit(changes); // forced while in use: untag, keep the image (Docker leaves it dangling)
      return out;
    }
    changes.push({ kind: "image", key: rec.id, value: undefined });
    out.push({ Deleted: rec.id });
    const others = (await this.store.listRecords<ImageRecord>("image")).filter(([id]) => id !== rec.id).map(([, r]) => r);
    const orphanLayers = rec.chainIds.filter((c) => !others.some((o) => o.chainIds.includes(c)));
    for (const c of orphanLayers) {
      changes.push({ kind: "layer", key: c, value: undefined });
      out.push({ Deleted: c });
    }
    await this.store.commit(changes);
    const liveDiffs = new Set(others.flatMap((o) => o.diffIds));
    for (const d of rec.diffIds) if (!liveDiffs.has(d)) await this.store.deleteBlob(d);
    await this.store.deleteBlob(rec.id);
    this.#configs.delete(rec.id);
    return out;
  }

  /** The uncompressed tar of a layer, verified. Errors: not-found when missing. */
  async layerBytes(diffId: string): Promise<Uint8Array> {
    const bytes = await this.store.getBlob(diffId);
    if (!bytes) throw notFound(`layer ${diffId} is missing from the store`);
    return bytes;
  }

  /** `docker save` of these references, as a Docker ≥25 archive. */
  async save(refs: readonly string[]): Promise<Uint8Array> {
    const images: ExportImage[] = [];
    for (const ref of refs) {
      const rec = await this.resolve(ref);
      const configBytes = (await this.store.getBlob(rec.id))!;
      const layers = await Promise.all(rec.diffIds.map(async (diffId) => ({ diffId, tar: await this.layerBytes(diffId) })));
      const named = /^[a-f0-9]{12,64}$|^sha256:/.test(ref) ? [] : [safeNormalize(ref)];
      images.push({ configBytes, layers, repoTags: named });
    }
    return await writeDockerArchive(images);
  }
}

function safeNormalize(ref: string): string {
  try {
    return normalizeReference(ref);
  } catch {
    return ref;
  }
}

/** Docker prints a missing tag with ":latest" added. */
function displayRef(ref: string): string {
  if (/^(sha256:)?[a-f0-9]{4,64}$/.test(ref)) return ref;
  return safeNormalize(ref);
}
