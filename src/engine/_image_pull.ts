/**
 * `docker pull`: an image from a registry into the store, as a load stores it (layers
 * uncompressed by diffId, the layer record keeping the compressed digest and size it
 * arrived under), so a layer already present — from a load, a build or another pull —
 * is "Already exists" and not downloaded. Each layer streams from the registry through
 * the blob's sha256 and size check, the gunzip and the diffId hash at once: the
 * compressed bytes are dropped as they inflate, and the layer is held once, uncompressed,
 * until it is staged in the store (written as it inflates, where the store can: a store's
 * `blobWriter`, made the blob only once verified). Blobs are staged as they complete and the records that
 * make them reachable are written in one commit at the end; a pull that fails or is
 * interrupted deletes what it staged and stores nothing (a second pull starts clean).
 * Progress is Docker's JSON messages (moby distribution/pull_v2.go's wording).
 */
import { chainIds, type CredentialsFor, type LoadAbilities, type Manifest, RegistryClient, type RegistryOptions } from "../oci/mod.ts";
import type { Store } from "../store/mod.ts";
import type { MemoryAccount } from "../tar/mod.ts";
import type { ImageRecord } from "./_image_views.ts";
import { type LayerRecord, unstage } from "./_image_load.ts";
import { resolveImage } from "./_image_pull_fetch.ts";
import { downloadLayer } from "./_image_pull_layer.ts";
import { remoteReference, type RemoteReference } from "./reference.ts";

/** One message of a pull's or a push's progress, in the Engine API's JSON-message shape. */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** A push's last message carries the tag, digest and size (`aux`). */
  aux?: { Tag: string; Digest: string; Size: number };
}

export interface PullOptions {
  /** "os/arch[/variant]" to pick from an index (default: wasip1/wasm or wasi/wasm). */
  platform?: string;
  credentials?: CredentialsFor;
  onProgress?: (m: ProgressMessage) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  /** Image id (config digest). */
  id: string;
  /** The familiar reference stored ("127.0.0.1:5000/demo:v1"). */
  name: string;
  /** The digest of the manifest (or index) the tag named. */
  digest: string;
  /** The tag already named this image before the pull. */
  upToDate: boolean;
  /** Docker's platform warning, when the image is not for WASI. */
  warnings: string[];
}

/** What a pull needs from the engine: its store, abilities, limits and registry settings. */
export interface PullContext {
  store: Store;
  platform: LoadAbilities;
  registry: RegistryOptions;
  maxLayerBytes?: number;
  account?: MemoryAccount;
  /** Remembers which repository a blob came from (for cross-repository mounts on push). */
  remember?: (registry: string, digest: string, path: string) => void;
}

type Change = { kind: string; key: string; value: unknown };

/** Pull `ref` into the store. Errors: EngineError (not-found, invalid), RegistryError, DigestMismatchError, OciFormatError; nothing stored then. */
export async function pullImage(ctx: PullContext, ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const r = remoteReference(ref);
  // By digest, the image gets no tag, only its digest (moby's pull by digest).
  const name = r.digest ? `${r.repo}@${r.digest}` : `${r.repo}:${r.tag}`;
  const client = new RegistryClient(r.registry, { ...ctx.registry, credentials: opts.credentials, sha256: ctx.platform.sha256, signal: opts.signal });
  const say = (m: ProgressMessage) => opts.onProgress?.(m);
  const img = await resolveImage(client, r, name, { platform: opts.platform, sha256Hasher: ctx.platform.sha256Hasher });
  say({ status: `Pulling from ${r.path}`, id: r.digest ?? r.tag });
  if (img.warning) say({ status: img.warning });
  const id = img.manifest.config.digest;
  const before = await ctx.store.getRecord<{ id: string }>(r.digest ? "digest" : "tag", name);
  const staged: string[] = [];
  try {
    const { changes, chains, sizes } = await stageLayers(ctx, client, r, { name, manifest: img.manifest, diffIds: img.config.rootfs.diff_ids, id, say, staged });
    if (!(await ctx.store.hasBlob(id))) staged.push(await ctx.store.putBlob(img.configBytes, id, { verified: true }));
    if (!(await ctx.store.getRecord<ImageRecord>("image", id))) {
      const record: ImageRecord = { id, diffIds: img.config.rootfs.diff_ids, chainIds: chains, layerSizes: sizes, created: img.config.created ?? "", loaded: Date.now() };
      changes.push({ kind: "image", key: id, value: record });
    }
    if (!r.digest) changes.push({ kind: "tag", key: name, value: { id } });
    changes.push({ kind: "digest", key: `${r.repo}@${img.digest}`, value: { id } }); // Docker's RepoDigests
    opts.signal?.throwIfAborted();
    await ctx.store.commit(changes);
  } catch (err) {
    await unstage(ctx.store, staged, err);
    throw err;
  }
  const upToDate = before?.id === id;
  say({ status: `Digest: ${img.digest}` });
  say({ status: `Status: ${upToDate ? "Image is up to date" : "Downloaded newer image"} for ${name}` });
  return { id, name, digest: img.digest, upToDate, warnings: img.warning ? [img.warning] : [] };
}

/**
 * Download and stage the layers the store lacks (by chainId, as a load keys them), in
 * order; returns the layer records to commit, the chainIds and every layer's size.
 * `staged` collects the blobs put, for the caller to remove on failure.
 */
async function stageLayers(ctx: PullContext, client: RegistryClient, r: RemoteReference, o: { name: string; manifest: Manifest; diffIds: string[]; id: string; say: (m: ProgressMessage) => void; staged: string[] }) {
  const chains = await chainIds(o.diffIds, ctx.platform.sha256);
  const known = await Promise.all(chains.map((c) => ctx.store.getRecord<LayerRecord>("layer", c)));
  const shortId = (i: number) => o.manifest.layers[i]!.digest.slice(7, 19);
  // An image already stored is only tagged, without a line per layer (moby skips its download as a whole).
  const stored = (await ctx.store.getRecord<ImageRecord>("image", o.id)) !== undefined && known.every((k) => k);
  if (!stored) for (const [i, k] of known.entries()) o.say({ status: k ? "Already exists" : "Pulling fs layer", progressDetail: {}, id: shortId(i) });
  const changes: Change[] = [];
  const sizes: number[] = [];
  const fresh = new Map<string, number>(); // chainId → size, for a layer twice in one image
  for (const [i, desc] of o.manifest.layers.entries()) {
    const chain = chains[i]!, diffId = o.diffIds[i]!;
    const had = known[i]?.size ?? fresh.get(chain);
    if (had !== undefined) {
      sizes.push(had);
      continue;
    }
    // Where the store can, the layer is written as it inflates, and made the blob once verified.
    const writer = (await ctx.store.hasBlob(diffId)) ? undefined : ctx.store.blobWriter?.();
    let tar: Uint8Array;
    try {
      tar = await downloadLayer(client, ctx, r, desc, diffId, { name: o.name, id: shortId(i), say: o.say, writer });
    } catch (err) {
      await writer?.abort();
      throw err;
    }
    if (writer) o.staged.push(await writer.done(diffId));
    else if (!(await ctx.store.hasBlob(diffId))) o.staged.push(await ctx.store.putBlob(tar, diffId, { verified: true }));
    ctx.account?.release(tar.length); // staged: the store holds it now, not this pull
    ctx.remember?.(r.registry, desc.digest, r.path);
    sizes.push(tar.length);
    fresh.set(chain, tar.length);
    changes.push({ kind: "layer", key: chain, value: { diffId, size: tar.length, blobDigest: desc.digest, blobSize: desc.size } satisfies LayerRecord });
    o.say({ status: "Pull complete", progressDetail: {}, id: shortId(i) });
  }
  return { changes, chains, sizes };
}
