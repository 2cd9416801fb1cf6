/**
 * What a pull reads before any layer: the manifest by tag or digest (an index's entry
 * for the platform, _platform.ts of src/oci/distribution), the config, and whether the
 * image is for the platform strata runs; and the errors in Docker's words ("manifest for
 * X not found", "pull access denied for X").
 */
import {
  DOCKER_CONFIG, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, formatPlatform, type ImageConfig, isWasiPlatform, type Manifest, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST,
  OciFormatError, parseConfig, parseIndex, parseManifest, parsePlatform, pickManifest, type Platform, type RegistryClient, RegistryError, type Sha256Hasher,
} from "../oci/mod.ts";
import { readAll } from "../tar/mod.ts";
import { invalid, notFound } from "./errors.ts";
import type { RemoteReference } from "./reference.ts";

/** Largest config blob read. */
const MAX_CONFIG_BYTES = 8 * 2 ** 20;
const MANIFESTS = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
const INDEXES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);

/** The image a reference names: the top manifest's digest, the image manifest, its config, a platform warning. */
interface ResolvedImage {
  /** The digest of what the reference named (an index or a manifest): `Digest:` and RepoDigests. */
  digest: string;
  manifest: Manifest;
  configBytes: Uint8Array;
  config: ImageConfig;
  /** Docker's warning when the image is not for the platform wanted. */
  warning?: string;
}

/**
 * Read the manifest (through an index when there is one), the config, and check them
 * against each other. Errors: not-found, invalid, OciFormatError, RegistryError.
 */
export async function resolveImage(client: RegistryClient, r: RemoteReference, name: string, o: { platform?: string; sha256Hasher?: () => Sha256Hasher }): Promise<ResolvedImage> {
  const want = o.platform ? platformOption(o.platform) : undefined;
  const top = await fetchManifest(client, r, r.digest ?? r.tag, name);
  let bytes = top.bytes, mismatch = false;
  if (top.kind === "index") {
    const picked = wrapPlatform(() => pickManifest(parseIndex(top.bytes, `the index of ${name}`).manifests, want));
    mismatch = picked.mismatch;
    const inner = await fetchManifest(client, r, picked.entry.digest, name);
    if (inner.kind !== "manifest") throw invalid(`Cannot pull ${name}: the index entry ${picked.entry.digest} is not an image manifest`);
    bytes = inner.bytes;
  }
  const manifest = parseManifest(bytes, `the manifest of ${name}`);
  if (![OCI_CONFIG, DOCKER_CONFIG, ""].includes(manifest.config.mediaType)) throw invalid(`Cannot pull ${name}: its config is a ${manifest.config.mediaType}, not an image config`);
  const configBytes = await readAll(client.blob(r.path, manifest.config, { action: `Cannot pull ${name}`, sha256Hasher: o.sha256Hasher }), { maxBytes: MAX_CONFIG_BYTES, name: `the config of ${name}` });
  const config = parseConfig(configBytes, `the config of ${name}`);
  const n = config.rootfs.diff_ids.length;
  if (n !== manifest.layers.length) throw new OciFormatError(`the manifest of ${name}`, "layers", `lists ${manifest.layers.length} layers but the config has ${n} diff_ids`);
  return { digest: top.digest, manifest, configBytes, config, warning: platformWarning(config, want, mismatch) };
}

/** moby's warning for an image of another platform than asked (or than WASI, when none was asked). */
function platformWarning(config: ImageConfig, want: Platform | undefined, mismatch: boolean): string | undefined {
  const p = { os: config.os ?? "", architecture: config.architecture ?? "" };
  const off = want ? p.os !== want.os || p.architecture !== want.architecture : mismatch || !isWasiPlatform(p);
  if (off) return `WARNING: image platform (${formatPlatform(p)}) does not match the expected platform (${formatPlatform(want ?? { os: "wasip1", architecture: "wasm" })})`;
  return undefined;
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

