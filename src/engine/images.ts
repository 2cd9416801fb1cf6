/**
 * ImageStore: images as Docker keeps them, over a Store. Layers are stored once, as
 * uncompressed tars keyed by diffId, however many images share them; "Already exists"
 * is keyed by chainId (image-spec config.md). Image id = config digest. Tags map familiar
 * references to ids. A failed load leaves the store as it was: blobs are staged, the
 * records that make them reachable are written in one commit, and staged blobs are
 * removed when anything fails. A built image remembers its parent (the image its build
 * step started from), as Docker keeps `Parent` locally: the classic builder's cache is a
 * child of the parent made by the same step; an untagged parent with children is an
 * intermediate image (hidden from `list` unless `all`), and removing an image removes the
 * untagged parents only it held, as `docker rmi` prunes them.
 */
import { type ExportImage, type ImageConfig, type LoadAbilities, parseConfig, readImageArchive, type RegistryOptions, writeDockerArchive, writeOciArchive } from "../oci/mod.ts";
import type { Store } from "../store/mod.ts";
import type { MemoryAccount } from "../tar/mod.ts";
import { conflict, notFound } from "./errors.ts";
import { type BuiltImage, type LayerRecord, type LoadProgress, type LoadResult, storeBuiltImage, storeImages } from "./_image_load.ts";
import { type ProgressMessage, pullImage, type PullOptions, type PullResult } from "./_image_pull.ts";
import { pushImage, type PushOptions, type PushResult } from "./_image_push.ts";
import { historyView, inspectView, type ImageRecord, type ImageSummary, summary } from "./_image_views.ts";
import { isInvalidReference, normalizeReference, remoteReference } from "./reference.ts";

export type { BuiltImage, ImageRecord, ImageSummary, LayerRecord, LoadProgress, LoadResult, ProgressMessage, PullOptions, PullResult, PushOptions, PushResult };

export interface LoadOptions {
  /** Names the archive in errors ("toolbox.tar"). */
  name?: string;
  onProgress?: (p: LoadProgress) => void;
  /** Limit on one layer's uncompressed size (a gzip bomb stops there). Default 1 GiB (src/tar DEFAULT_MAX_UNCOMPRESSED). */
  maxLayerBytes?: number;
  /** Cap on the archive read from a stream. */
  maxArchiveBytes?: number;
  /** Sees every byte the load keeps while it reads (the engine's LoadBudget lease, src/oci/load_budget.ts). */
  account?: MemoryAccount;
}

export interface RemoveOptions {
  force?: boolean;
  /** Is a container using this image? Return its id (for Docker's message) or true. */
  inUse?: (imageId: string) => string | boolean | undefined;
}

export interface SaveOptions {
  /** "docker-archive" (default): Docker ≥25's `docker save` form; "oci": an OCI layout tar. */
  format?: "docker-archive" | "oci";
}

export class ImageStore {
  #configs = new Map<string, ImageConfig>();
  /** The tail of the writes that add or delete blobs (load, remove), run one at a time. */
  #writing: Promise<unknown> = Promise.resolve();
  /** Which repository of a registry this store saw a blob in ("registry digest" → path), for cross-repository mounts on push. */
  readonly #blobSources = new Map<string, string>();
  /**
   * `platform`: the abilities loads use (a SHA-256, an inflater, a collection hint);
   * web-platform ones where absent. `registry`: how pulls and pushes reach registries.
   */
  constructor(readonly store: Store, readonly platform: LoadAbilities = {}, readonly registry: RegistryOptions = {}) {}

  /**
   * Run `fn` after the blob writes before it. A load skips a blob the store has, and a
   * remove deletes a blob no record names: interleaved, a load could commit a record
   * naming a blob a remove (or a failed load's clean-up) has just deleted.
   */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#writing.then(fn, fn);
    this.#writing = run.then(() => undefined, () => undefined);
    return run;
  }

  /**
   * `docker load`: a docker-save archive or an OCI layout tar, whole or as a stream.
   * Progress is reported per layer, "Loading layer" or "Already exists" (by chainId).
   * Errors: the archive's parse and digest errors (TarSyntaxError, OciFormatError,
   * DigestMismatchError, …), EngineError "invalid" for a RepoTag that is no reference
   * (Docker's wording: "invalid reference format", "repository name must not be more
   * than 255 characters"); the store is then exactly as it was.
   */
  async load(input: Uint8Array | ReadableStream<Uint8Array>, opts: LoadOptions = {}): Promise<LoadResult> {
    const name = opts.name ?? "image archive";
    const p = this.platform;
    const abilities = { sha256: p.sha256, sha256Hasher: p.sha256Hasher, inflater: p.inflater, collectHint: p.collectHint };
    const images = await readImageArchive(input, { ...abilities, name, maxLayerBytes: opts.maxLayerBytes, maxArchiveBytes: opts.maxArchiveBytes, account: opts.account });
    const result = await this.#exclusive(() => storeImages(this.store, images, { onProgress: opts.onProgress, sha256: p.sha256 }));
    for (const img of images) this.#configs.set(img.id, img.config);
    return result;
  }

  /**
   * `docker pull` (src/engine/_image_pull.ts): the image is stored whole or not at all,
   * after the blob writes before it. Errors: not-found in Docker's words (an unknown tag
   * or repository), invalid, the registry's and the blobs' errors.
   */
  async pull(ref: string, opts: PullOptions & { account?: MemoryAccount; maxLayerBytes?: number } = {}): Promise<PullResult> {
    const remember = (registry: string, digest: string, path: string) => void this.#blobSources.set(`${registry} ${digest}`, path);
    const ctx = { store: this.store, platform: this.platform, registry: this.registry, maxLayerBytes: opts.maxLayerBytes, account: opts.account, remember };
    return await this.#exclusive(() => pullImage(ctx, ref, opts));
  }

  /**
   * `docker push` of a local tag to the registry it names (src/engine/_image_push.ts).
   * Errors: not-found "An image does not exist locally with the tag: X" (Docker's words),
   * the registry's errors.
   */
  async push(ref: string, opts: PushOptions = {}): Promise<PushResult> {
    const image = async (name: string) => {
      const rec = await this.find(name);
      if (!rec) throw notFound(`An image does not exist locally with the tag: ${name.replace(/:[^:/]+$/, "")}`); // moby names the repository only
      return { id: rec.id, configBytes: (await this.store.getBlob(rec.id))!, diffIds: rec.diffIds, layerSizes: rec.layerSizes };
    };
    const r = await pushImage({
      registry: this.registry, sha256: this.platform.sha256, image, layer: (d) => this.layerBytes(d),
      sourceOf: (registry, digest) => this.#blobSources.get(`${registry} ${digest}`),
      remember: (registry, digest, path) => void this.#blobSources.set(`${registry} ${digest}`, path),
    }, ref, opts);
    await this.store.putRecord("digest", `${r.repo}@${r.digest}`, { id: r.id });
    return r;
  }

  /**
   * Find an image by reference, full id, or unique id prefix.
   * Errors: not-found "No such image: X"; invalid for a name that is no reference, in
   * Docker's wording (its GetImage parses the name first: ParseAnyReference).
   */
  async resolve(ref: string): Promise<ImageRecord> {
    const rec = await this.find(ref);
    if (rec) return rec;
    if (!/^(sha256:)?[a-f0-9]{4,64}$/.test(ref)) normalizeReference(ref);
    throw notFound(`No such image: ${displayRef(ref)}`);
  }

  /** Like resolve, but undefined when absent. */
  async find(ref: string): Promise<ImageRecord | undefined> {
    const hex = ref.replace(/^sha256:/, "");
    if (/^[a-f0-9]{64}$/.test(hex)) return await this.store.getRecord<ImageRecord>("image", `sha256:${hex}`);
    if (ref.includes("@")) {
      const byDigest = await this.#findDigest(ref);
      if (byDigest) return byDigest;
    }
    let tag: string | undefined;
    try {
      tag = normalizeReference(ref);
    } catch (err) {
      if (!isInvalidReference(err)) throw err;
    }
    const byTag = tag ? await this.store.getRecord<{ id: string }>("tag", tag) : undefined;
    if (byTag) return await this.store.getRecord<ImageRecord>("image", byTag.id);
    if (/^[a-f0-9]{4,63}$/.test(hex)) {
      const hits = (await this.store.listRecords<ImageRecord>("image")).filter(([id]) => id.startsWith(`sha256:${hex}`));
      if (hits.length === 1) return hits[0]![1];
    }
    return undefined;
  }

  /** The image a "repo@sha256:…" reference names (a pull or push by that digest). */
  async #findDigest(ref: string): Promise<ImageRecord | undefined> {
    let key: string;
    try {
      const r = remoteReference(ref);
      if (!r.digest) return undefined;
      key = `${r.repo}@${r.digest}`;
    } catch (err) {
      if (!isInvalidReference(err)) throw err;
      return undefined;
    }
    const hit = await this.store.getRecord<{ id: string }>("digest", key);
    return hit ? await this.store.getRecord<ImageRecord>("image", hit.id) : undefined;
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

  /** "repo@sha256:…" of the manifests this image was pulled as or pushed as (Docker's RepoDigests). */
  async digestsOf(id: string): Promise<string[]> {
    return (await this.store.listRecords<{ id: string }>("digest")).filter(([, v]) => v.id === id).map(([k]) => k);
  }

  async tagsOf(id: string): Promise<string[]> {
    return (await this.store.listRecords<{ id: string }>("tag")).filter(([, v]) => v.id === id).map(([k]) => k);
  }

  /** `docker images`: without `all`, an intermediate image (untagged, the parent of another) is left out, as Docker leaves it out. */
  async list(o: { all?: boolean } = {}): Promise<ImageSummary[]> {
    const tags = await this.store.listRecords<{ id: string }>("tag");
    const digests = await this.store.listRecords<{ id: string }>("digest");
    const records = await this.store.listRecords<ImageRecord>("image");
    const parents = new Set(records.map(([, r]) => r.parent).filter((p) => p));
    const out: ImageSummary[] = [];
    for (const [id, rec] of records) {
      const named = tags.filter(([, v]) => v.id === id).map(([k]) => k);
      if (!o.all && !named.length && parents.has(id)) continue;
      out.push(summary(rec, await this.config(id), named, digests.filter(([, v]) => v.id === id).map(([k]) => k)));
    }
    return out.sort((a, b) => b.Created - a.Created || (a.Id < b.Id ? -1 : 1));
  }

  async inspect(ref: string) {
    const rec = await this.resolve(ref);
    return inspectView(rec, await this.config(rec.id), await this.tagsOf(rec.id), await this.digestsOf(rec.id));
  }

  async history(ref: string) {
    const rec = await this.resolve(ref);
    const config = await this.config(rec.id);
    const chain: Array<{ id: string; tags: string[] }> = [];
    for (let at: ImageRecord | undefined = rec; at && chain.length < config.history.length; at = at.parent ? await this.store.getRecord<ImageRecord>("image", at.parent) : undefined) {
      chain.push({ id: at.id, tags: await this.tagsOf(at.id) });
    }
    return historyView(rec, config, chain);
  }

  /**
   * The classic builder's cache probe: the newest image built from `parent` ("" for
   * scratch) by the step whose key is `buildKey`, if one is stored (moby's
   * getLocalCachedImage: a child of the parent with the same container config).
   */
  async cached(parent: string, buildKey: string): Promise<ImageRecord | undefined> {
    let best: ImageRecord | undefined;
    for (const [, r] of await this.store.listRecords<ImageRecord>("image")) {
      if (r.buildKey !== buildKey || r.parent !== parent) continue;
      if (!best || r.created > best.created || (r.created === best.created && r.loaded > best.loaded)) best = r;
    }
    return best;
  }

  /** Store an image a build step made (src/engine/build.ts), after the blob writes before it. */
  async create(img: BuiltImage, config: ImageConfig): Promise<void> {
    await this.#exclusive(() => storeBuiltImage(this.store, img, { sha256: this.platform.sha256 }));
    this.#configs.set(img.id, config);
  }

  /** Point `target` (repo[:tag]) at the image `source`. */
  async tag(source: string, target: string): Promise<void> {
    const name = normalizeReference(target); // Docker's message for a bad target, before the source is looked up
    await this.#exclusive(async () => this.store.putRecord("tag", name, { id: (await this.resolve(source)).id }));
  }

  /**
   * `docker rmi`: untag, and delete the image when no tag is left (or when named by id).
   * Errors: not-found; conflict when a container uses it (`inUse` returns its id) or
   * when an id names an image with several tags, unless forced.
   */
  remove(ref: string, opts: RemoveOptions = {}) {
    return this.#exclusive(() => this.#remove(ref, opts));
  }

  async #remove(ref: string, opts: RemoveOptions) {
    const rec = await this.resolve(ref);
    const tags = await this.tagsOf(rec.id);
    const byId = !tags.includes(safeNormalize(ref));
    const out: Array<{ Untagged?: string; Deleted?: string }> = [];
    const hasChildren = (await this.#children(rec.id)).length > 0;
    if (byId && hasChildren) throw conflict(`conflict: unable to delete ${rec.id.slice(7, 19)} (cannot be forced) - image has dependent child images`);
    if (!byId && tags.length > 1) {
      await this.store.deleteRecord("tag", safeNormalize(ref));
      return [{ Untagged: safeNormalize(ref) }];
    }
    if (byId && tags.length > 1 && !opts.force) {
      throw conflict(`conflict: unable to delete ${rec.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    }
    const used = opts.inUse?.(rec.id);
    const user = typeof used === "string" ? used.slice(0, 12) : used ? "" : undefined;
    if (user !== undefined && !opts.force) {
      throw conflict(byId
        ? `conflict: unable to delete ${rec.id.slice(7, 19)} (must be forced) - image is being used by stopped container${user ? ` ${user}` : ""}`
        : `conflict: unable to remove repository reference "${ref}" (must force) - container${user ? ` ${user}` : ""} is using its referenced image ${rec.id.slice(7, 19)}`);
    }
    const changes: Array<{ kind: string; key: string; value: unknown }> = tags.map((t) => ({ kind: "tag", key: t, value: undefined }));
    for (const t of tags) out.push({ Untagged: t });
    // Forced while in use: untag, keep the image (Docker leaves it dangling); an image with
    // children stays as their intermediate parent.
    if (user !== undefined || hasChildren) {
      await this.store.commit(changes);
      return out;
    }
    await this.#delete(rec, changes, out);
    // Untagged parents that held only this image go too (moby's imageDeleteHelper with prune).
    for (let parent = rec.parent; parent;) {
      const p = await this.store.getRecord<ImageRecord>("image", parent);
      if (!p || (await this.tagsOf(p.id)).length || (await this.#children(p.id)).length || opts.inUse?.(p.id)) break;
      await this.#delete(p, [], out);
      parent = p.parent;
    }
    return out;
  }

  /** The images built from `id`. */
  async #children(id: string): Promise<ImageRecord[]> {
    return (await this.store.listRecords<ImageRecord>("image")).filter(([, r]) => r.parent === id).map(([, r]) => r);
  }

  /** Delete an image record with `changes`, then its layers and blobs no other image uses. */
  async #delete(rec: ImageRecord, changes: Array<{ kind: string; key: string; value: unknown }>, out: Array<{ Untagged?: string; Deleted?: string }>) {
    changes.push({ kind: "image", key: rec.id, value: undefined });
    for (const d of await this.digestsOf(rec.id)) changes.push({ kind: "digest", key: d, value: undefined });
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
  }

  /** The uncompressed tar of a layer, verified. Errors: not-found when missing. */
  async layerBytes(diffId: string): Promise<Uint8Array> {
    const bytes = await this.store.getBlob(diffId);
    if (!bytes) throw notFound(`layer ${diffId} is missing from the store`);
    return bytes;
  }

  /** The layer records of an image, bottom first (diffId, size, the digest it arrived under). */
  async layers(ref: string): Promise<LayerRecord[]> {
    const rec = await this.resolve(ref);
    const out: LayerRecord[] = [];
    for (const [i, chain] of rec.chainIds.entries()) {
      out.push((await this.store.getRecord<LayerRecord>("layer", chain)) ?? { diffId: rec.diffIds[i]!, size: rec.layerSizes[i]! });
    }
    return out;
  }

  /** `docker save` of these references: Docker ≥25's archive, or an OCI layout tar. */
  async save(refs: readonly string[], opts: SaveOptions = {}): Promise<Uint8Array> {
    const images: ExportImage[] = [];
    for (const ref of refs) {
      const rec = await this.resolve(ref);
      const configBytes = (await this.store.getBlob(rec.id))!;
      const layers = await Promise.all(rec.diffIds.map(async (diffId) => ({ diffId, tar: await this.layerBytes(diffId) })));
      const named = /^[a-f0-9]{12,64}$|^sha256:/.test(ref) ? [] : [safeNormalize(ref)];
      images.push({ configBytes, layers, repoTags: named });
    }
    return opts.format === "oci" ? await writeOciArchive(images) : await writeDockerArchive(images);
  }
}

function safeNormalize(ref: string): string {
  try {
    return normalizeReference(ref);
  } catch (err) {
    if (!isInvalidReference(err)) throw err;
    return ref;
  }
}

/** Docker prints a missing tag with ":latest" added. */
function displayRef(ref: string): string {
  if (/^(sha256:)?[a-f0-9]{4,64}$/.test(ref)) return ref;
  return safeNormalize(ref);
}
