/**
 * `docker push`: an image from the store to a registry. The store keeps layers
 * uncompressed (by diffId), whatever they arrived as, so a layer is pushed as that
 * uncompressed tar, media type application/vnd.oci.image.layer.v1.tar, in an OCI
 * manifest. Why not gzip it again: a gzip stream's bytes depend on the compressor and
 * its settings (Node's zlib, Deno's, a browser's), so the same image would get a new
 * blob digest — and a new manifest digest — from another platform or version, and a
 * repeated push could not find its layers "already exist". The tar's digest is its
 * diffId, fixed forever, so the manifest digest is stable across pushes and engines;
 * the cost is bandwidth and registry space (registries and every OCI client accept
 * uncompressed layers). The config is pushed as stored (its digest is the image id).
 *
 * Each blob is first checked with HEAD ("Layer already exists"), then mounted from
 * another repository of the same registry when this engine saw it there (a pull or an
 * earlier push: moby's and skopeo's blob-info cache; "Mounted from x"), else uploaded
 * (client.ts: one PUT, or PATCH chunks for a large blob). The manifest goes last, as a
 * registry refuses one naming blobs it lacks. A layer is held once while it is pushed.
 */
import { type CredentialsFor, OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, RegistryClient, type RegistryOptions, type Sha256Impl } from "../oci/mod.ts";
import type { ProgressMessage } from "./_image_pull.ts";
import { remoteReference } from "./reference.ts";

export interface PushOptions {
  credentials?: CredentialsFor;
  onProgress?: (m: ProgressMessage) => void;
  signal?: AbortSignal;
}

export interface PushResult {
  /** The familiar repository ("127.0.0.1:5000/demo") and the image id pushed. */
  repo: string;
  id: string;
  tag: string;
  digest: string;
  size: number;
}

/** What a push needs from the engine. */
interface PushContext {
  registry: RegistryOptions;
  sha256?: Sha256Impl;
  /** The image's id, its config bytes and its layers (bottom first), by reference. Errors: not-found. */
  image(ref: string): Promise<{ id: string; configBytes: Uint8Array; diffIds: string[]; layerSizes: number[] }>;
  /** A layer's uncompressed tar (verified). */
  layer(diffId: string): Promise<Uint8Array>;
  /** A repository of `registry` known to hold blob `digest`, for a cross-repository mount. */
  sourceOf?: (registry: string, digest: string) => string | undefined;
  remember?: (registry: string, digest: string, path: string) => void;
}

/** Push `ref` (a local tag, which also names the destination). Errors: EngineError not-found, RegistryError. */
export async function pushImage(ctx: PushContext, ref: string, opts: PushOptions = {}): Promise<PushResult> {
  const r = remoteReference(ref);
  const img = await ctx.image(`${r.repo}:${r.tag}`);
  const client = new RegistryClient(r.registry, { ...ctx.registry, credentials: opts.credentials, sha256: ctx.sha256, signal: opts.signal });
  const say = (m: ProgressMessage) => opts.onProgress?.(m);
  const action = `Cannot push ${r.repo}:${r.tag}`;
  say({ status: `The push refers to repository [${r.registry === "docker.io" ? `docker.io/${r.path}` : r.repo}]` });
  const top = [...img.diffIds].reverse(); // Docker lists the top layer first
  const short = (d: string) => d.slice(7, 19);
  for (const d of top) say({ status: "Preparing", progressDetail: {}, id: short(d) });
  const layers: Array<{ mediaType: string; digest: string; size: number }> = [];
  for (const diffId of top) {
    const id = short(diffId);
    if (await client.hasBlob(r.path, diffId, action)) {
      layers.push({ mediaType: OCI_LAYER, digest: diffId, size: img.layerSizes[img.diffIds.indexOf(diffId)]! });
      say({ status: "Layer already exists", progressDetail: {}, id });
      continue;
    }
    const tar = await ctx.layer(diffId);
    const from = ctx.sourceOf?.(r.registry, diffId);
    say({ status: "Pushing", progressDetail: { current: 0, total: tar.length }, id });
    const how = await client.pushBlob(r.path, diffId, tar, {
      action, from: from !== r.path ? from : undefined,
      onBytes: (n) => say({ status: "Pushing", progressDetail: { current: n, total: tar.length }, id }),
    });
    ctx.remember?.(r.registry, diffId, r.path);
    layers.push({ mediaType: OCI_LAYER, digest: diffId, size: tar.length });
    say({ status: how === "mounted" ? `Mounted from ${from}` : "Pushed", progressDetail: {}, id });
  }
  layers.reverse();
  if (!(await client.hasBlob(r.path, img.id, action))) await client.pushBlob(r.path, img.id, img.configBytes, { action });
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: img.id, size: img.configBytes.length }, layers };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const digest = await client.putManifest(r.path, r.tag, bytes, OCI_MANIFEST, action);
  say({ status: `${r.tag}: digest: ${digest} size: ${bytes.length}` });
  say({ progressDetail: {}, aux: { Tag: r.tag, Digest: digest, Size: bytes.length } });
  return { repo: r.repo, id: img.id, tag: r.tag, digest, size: bytes.length };
}
