/**
 * `docker pull`: an image from a registry into the store, as a load stores it (layers
 * uncompressed by diffId, the layer record keeping the compressed digest and size it
 * arrived under), so a layer already present — from a load, a build or another pull —
 * is "Already exists" and not downloaded. Each layer streams from the registry through
 * the blob's sha256 and size check, the gunzip and the diffId hash at once: the
 * compressed bytes are dropped as they inflate, and the layer is held once, uncompressed,
 * until it is staged in the store. Blobs are staged as they complete and the records that
 * make them reachable are written in one commit at the end; a pull that fails or is
 * interrupted deletes what it staged and stores nothing (a second pull starts clean).
 * Progress is Docker's JSON messages (moby distribution/pull_v2.go's wording).
 */
import {
  chainIds, checkLayerEntries, type CredentialsFor, DigestMismatchError, DOCKER_CONFIG, DOCKER_LAYER, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST,
  formatPlatform, isWasiPlatform, type LoadAbilities, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_LAYER_GZIP, OCI_MANIFEST, OciFormatError, parseConfig, parseIndex,
  parseManifest, parsePlatform, pickManifest, type Platform, RegistryClient, RegistryError, type RegistryOptions, sha256,
} from "../oci/mod.ts";
import type { Store } from "../store/mod.ts";
import { gunzip, indexTar, type MemoryAccount, readAll, UnsupportedMediaTypeError } from "../tar/mod.ts";
import { invalid, notFound } from "./errors.ts";
import type { ImageRecord } from "./_image_views.ts";
import { type LayerRecord, unstage } from "./_image_load.ts";
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
interface PullContext {
  store: Store;
  platform: LoadAbilities;
  registry: RegistryOptions;
  maxLayerBytes?: number;
  account?: MemoryAccount;
  /** Remembers which repository a blob came from (for cross-repository mounts on push). */
  remember?: (registry: string, digest: string, path: string) => void;
}

/** Largest config blob read. */
const MAX_CONFIG_BYTES = 8 * 2 ** 20;
const MANIFESTS = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
const INDEXES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
/** Progress is reported at most every this many bytes of a layer (Docker's bar moves about as often). */
const PROGRESS_STEP = 512 * 1024;

type Change = { kind: string; key: string; value: unknown };

/** Pull `ref` into the store. Errors: EngineError (not-found, invalid), RegistryError, DigestMismatchError, OciFormatError; nothing stored then. */
export async function pullImage(ctx: PullContext, ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const r = remoteReference(ref);
  // By digest, the image gets no tag, only its digest (moby's pull by digest).
  const name = r.digest ? `${r.repo}@${r.digest}` : `${r.repo}:${r.tag}`;
  const want = opts.platform ? platformOption(opts.platform) : undefined;
  const client = new RegistryClient(r.registry, { ...ctx.registry, credentials: opts.credentials, sha256: ctx.platform.sha256, signal: opts.signal });
  const say = (m: ProgressMessage) => opts.onProgress?.(m);
  const reference = r.digest ?? r.tag;
  const top = await fetchManifest(client, r, reference, name);
  let manifestBytes = top.bytes;
  let mismatch = false;
  if (top.kind === "index") {
    const index = parseIndex(top.bytes, `the index of ${name}`);
    const picked = wrapPlatform(() => pickManifest(index.manifests, want));
    mismatch = picked.mismatch;
    const inner = await fetchManifest(client, r, picked.entry.digest, name);
    if (inner.kind !== "manifest") throw invalid(`Cannot pull ${name}: the index entry ${picked.entry.digest} is not an image manifest`);
    manifestBytes = inner.bytes;
  }
  const manifest = parseManifest(manifestBytes, `the manifest of ${name}`);
  say({ status: `Pulling from ${r.path}`, id: r.digest ?? r.tag });
  const configBytes = await readAll(client.blob(r.path, manifest.config, { action: `Cannot pull ${name}`, sha256Hasher: ctx.platform.sha256Hasher }), { maxBytes: MAX_CONFIG_BYTES, name: `the config of ${name}` });
  if (![OCI_CONFIG, DOCKER_CONFIG, ""].includes(manifest.config.mediaType)) throw invalid(`Cannot pull ${name}: its config is a ${manifest.config.mediaType}, not an image config`);
  const config = parseConfig(configBytes, `the config of ${name}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) throw new OciFormatError(`the manifest of ${name}`, "layers", `lists ${manifest.layers.length} layers but the config has ${diffIds.length} diff_ids`);
  const warnings: string[] = [];
  const imagePlatform = { os: config.os ?? "", architecture: config.architecture ?? "" };
  if (want ? imagePlatform.os !== want.os || imagePlatform.architecture !== want.architecture : mismatch || !isWasiPlatform(imagePlatform)) {
    const warning = `WARNING: image platform (${formatPlatform(imagePlatform)}) does not match the expected platform (${formatPlatform(want ?? { os: "wasip1", architecture: "wasm" })})`;
    warnings.push(warning);
    say({ status: warning });
  }
  const id = manifest.config.digest;
  const before = await ctx.store.getRecord<{ id: string }>(r.digest ? "digest" : "tag", name);
  const chains = await chainIds(diffIds, ctx.platform.sha256);
  const known = await Promise.all(chains.map(async (c) => (await ctx.store.getRecord("layer", c)) !== undefined));
  const shortId = (i: number) => manifest.layers[i]!.digest.slice(7, 19);
  // An image already stored is only tagged, without a line per layer (moby skips its download as a whole).
  const stored = (await ctx.store.getRecord<ImageRecord>("image", id)) !== undefined && known.every((k) => k);
  if (!stored) for (const [i, k] of known.entries()) say({ status: k ? "Already exists" : "Pulling fs layer", progressDetail: {}, id: shortId(i) });
  const staged: string[] = [];
  const changes: Change[] = [];
  const sizes: number[] = [];
  try {
    for (const [i, desc] of manifest.layers.entries()) {
      const chain = chains[i]!;
      if (known[i] || changes.some((c) => c.key === chain)) {
        sizes.push((await ctx.store.getRecord<LayerRecord>("layer", chain))?.size ?? (changes.find((c) => c.key === chain)?.value as LayerRecord).size);
        continue;
      }
      const tar = await downloadLayer(client, ctx, r, desc, diffIds[i]!, { name, id: shortId(i), say });
      if (!(await ctx.store.hasBlob(diffIds[i]!))) staged.push(await ctx.store.putBlob(tar, diffIds[i]!, { verified: true }));
      ctx.account?.release(tar.length); // staged: the store holds it now, not this pull
      ctx.remember?.(r.registry, desc.digest, r.path);
      sizes.push(tar.length);
      changes.push({ kind: "layer", key: chain, value: { diffId: diffIds[i]!, size: tar.length, blobDigest: desc.digest, blobSize: desc.size } satisfies LayerRecord });
      say({ status: "Pull complete", progressDetail: {}, id: shortId(i) });
    }
    if (!(await ctx.store.hasBlob(id))) staged.push(await ctx.store.putBlob(configBytes, id, { verified: true }));
    const existing = await ctx.store.getRecord<ImageRecord>("image", id);
    if (!existing) {
      const record: ImageRecord = { id, diffIds, chainIds: chains, layerSizes: sizes, created: config.created ?? "", loaded: Date.now() };
      changes.push({ kind: "image", key: id, value: record });
    }
    if (!r.digest) changes.push({ kind: "tag", key: name, value: { id } });
    changes.push({ kind: "digest", key: `${r.repo}@${top.digest}`, value: { id } }); // Docker's RepoDigests
    opts.signal?.throwIfAborted();
    await ctx.store.commit(changes);
  } catch (err) {
    await unstage(ctx.store, staged, err);
    throw err;
  }
  const upToDate = before?.id === id;
  say({ status: `Digest: ${top.digest}` });
  say({ status: `Status: ${upToDate ? "Image is up to date" : "Downloaded newer image"} for ${name}` });
  return { id, name, digest: top.digest, upToDate, warnings };
}

function platformOption(s: string): Platform {
  try {
    return parsePlatform(s);
  } catch (err) {
    if (err instanceof RangeError) throw invalid(err.message);
    throw err;
  }
}

function wrapPlatform<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError && !(err instanceof OciFormatError)) throw notFound(err.message);
    throw err;
  }
}

/**
 * A manifest or index, its kind told by the Content-Type (or the document's mediaType
 * when the registry sends a generic one). Errors: not-found in Docker's words for an
 * unknown tag or repository; invalid for a manifest that is no JSON or of a kind strata
 * cannot pull (schema 1).
 */
async function fetchManifest(client: RegistryClient, r: RemoteReference, reference: string, name: string): Promise<{ bytes: Uint8Array; digest: string; kind: "index" | "manifest" }> {
  let m;
  try {
    m = await client.manifest(r.path, reference, `Cannot pull ${name}`);
  } catch (err) {
    throw dockerPullError(err, r, name);
  }
  let type = m.mediaType;
  if (!MANIFESTS.has(type) && !INDEXES.has(type)) {
    let doc: { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown };
    try {
      doc = JSON.parse(new TextDecoder().decode(m.bytes));
    } catch (err) {
      throw new OciFormatError(`the manifest of ${name}`, "", `not valid JSON (${(err as Error).message}); the registry called it ${type || "nothing"}`);
    }
    if (doc?.schemaVersion === 1) throw invalid(`Cannot pull ${name}: it has a Docker schema 1 manifest, which strata does not pull (push it again with a current client)`);
    type = typeof doc?.mediaType === "string" ? doc.mediaType : Array.isArray(doc?.manifests) ? OCI_INDEX : OCI_MANIFEST;
    if (!MANIFESTS.has(type) && !INDEXES.has(type)) throw invalid(`Cannot pull ${name}: unsupported manifest media type ${type}`);
  }
  return { bytes: m.bytes, digest: m.digest, kind: INDEXES.has(type) ? "index" : "manifest" };
}

/** Docker's words for a missing tag or repository (moby distribution/errors.go). */
function dockerPullError(err: unknown, r: RemoteReference, name: string): unknown {
  if (!(err instanceof RegistryError)) return err;
  const prefix = `Cannot pull ${name}: `;
  const said = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  if (err.code === "MANIFEST_UNKNOWN" || (err.status === 404 && !err.code)) return withCause(notFound(`manifest for ${name} not found: ${said}`), err);
  if (err.code === "NAME_UNKNOWN" || err.status === 401 || err.status === 403 || err.code === "DENIED") {
    return withCause(notFound(`pull access denied for ${r.repo}, repository does not exist or may require 'docker login': ${said}`), err);
  }
  return err;
}

function withCause<E extends Error>(e: E, cause: unknown): E {
  e.cause = cause;
  return e;
}

/**
 * Download one layer blob: verified, inflated and hashed as it arrives, then indexed
 * and checked as a loaded layer is. Returns the uncompressed tar.
 */
async function downloadLayer(client: RegistryClient, ctx: PullContext, r: RemoteReference, desc: { digest: string; size: number; mediaType: string }, diffId: string, p: { name: string; id: string; say: (m: ProgressMessage) => void }): Promise<Uint8Array> {
  const what = `layer ${desc.digest} of ${p.name}`;
  const gz = desc.mediaType === OCI_LAYER_GZIP || desc.mediaType === DOCKER_LAYER_GZIP;
  if (!gz && desc.mediaType !== OCI_LAYER && desc.mediaType !== DOCKER_LAYER) {
    if (/nondistributable|foreign/.test(desc.mediaType)) throw invalid(`Cannot pull ${p.name}: ${what} is a foreign layer (${desc.mediaType}), which strata does not download`);
    throw new UnsupportedMediaTypeError(what, desc.mediaType);
  }
  let shown = 0;
  const onBytes = (n: number) => {
    if (n - shown < PROGRESS_STEP && n < desc.size) return;
    shown = n;
    p.say({ status: "Downloading", progressDetail: { current: n, total: desc.size }, id: p.id });
  };
  const blob = client.blob(r.path, desc, { action: `Cannot pull ${p.name}`, sha256Hasher: ctx.platform.sha256Hasher, sha256: ctx.platform.sha256, onBytes });
  const source = watch(blob);
  const diff = gz ? ctx.platform.sha256Hasher?.() : undefined;
  let tar: Uint8Array;
  try {
    tar = gz
      ? await gunzip(source.stream, { name: what, maxBytes: ctx.maxLayerBytes, account: ctx.account, inflater: ctx.platform.inflater, collectHint: ctx.platform.collectHint, sizeHint: desc.size * 4, onData: diff ? (piece) => diff.update(piece) : undefined })
      : await readAll(source.stream, { name: what, maxBytes: desc.size, sizeHint: desc.size });
  } catch (err) {
    // A limit (the layer cap, the load budget) ends the download at once; otherwise the
    // blob's own error (a wrong digest, a cut connection) is what went wrong, not the
    // gzip error its bytes caused, so the rest of the blob is read to see it.
    if (err instanceof RangeError) {
      await source.cancel();
      throw err;
    }
    throw (await source.failure()) ?? err;
  }
  if (!gz) ctx.account?.reserve(tar.length);
  p.say({ status: "Verifying Checksum", progressDetail: {}, id: p.id });
  p.say({ status: "Download complete", progressDetail: {}, id: p.id });
  p.say({ status: "Extracting", progressDetail: { current: desc.size, total: desc.size }, id: p.id });
  const actual = !gz ? desc.digest : diff ? diff.digest() : await (ctx.platform.sha256 ?? sha256)(tar);
  if (actual !== diffId) throw new DigestMismatchError(`${what} (uncompressed, against the config's diff_ids)`, diffId, actual);
  checkLayerEntries(indexTar(tar, { name: what }), what);
  return tar;
}

/**
 * A stream passed on to gunzip that remembers its source's error; `failure()` then reads
 * what gunzip left of the blob, so a blob that is wrong is reported as a wrong blob even
 * when its bad bytes broke the inflation first.
 */
function watch(blob: ReadableStream<Uint8Array>): { stream: ReadableStream<Uint8Array>; failure(): Promise<unknown>; cancel(): Promise<void> } {
  const reader = blob.getReader();
  let error: unknown, ended = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const r = await reader.read();
        if (r.done) (ended = true), c.close();
        else c.enqueue(r.value);
      } catch (err) {
        error = err;
        c.error(err);
      }
    },
    // gunzip cancels what it stops reading; the rest is read by failure() below.
  }, { highWaterMark: 0 });
  return {
    stream,
    async cancel() {
      await reader.cancel().catch((e: unknown) => void e); // the limit's error is the one reported
    },
    async failure() {
      if (error !== undefined || ended) return error;
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read());
      } catch (err) {
        return err;
      }
      return undefined;
    },
  };
}
