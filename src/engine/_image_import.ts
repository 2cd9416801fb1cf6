/**
 * `docker import`: a filesystem tar (plain or gzip, e.g. from `docker export`) becomes a
 * one-layer image, as moby's ImageService.ImportImage makes it: the config from the
 * `--change` instructions applied to an empty config, the platform given (default the
 * engine's, wasip1/wasm), `comment` and the one history entry's comment the message
 * (default "Imported from -"). The layer is checked as `docker load` checks one (tar
 * syntax, whiteouts, the layer size limit and the load memory budget) before anything
 * is stored; a failure stores nothing.
 */
import { applyChanges, DockerfileError } from "../dockerfile/mod.ts";
import { checkLayerEntries, encodeConfig, type ImageConfig, LoadBudgetError, sha256, type Sha256Impl, writeDockerArchive } from "../oci/mod.ts";
import { decompressLayer, detectCompression, indexTar, type MemoryAccount, readAll, TarRangeError, TarSyntaxError, UnsupportedMediaTypeError } from "../tar/mod.ts";
import { invalid } from "./errors.ts";
import { normalizeReference } from "./reference.ts";

/** What `POST /images/create?fromSrc=-` carries besides the tar. */
export interface ImportOptions {
  /** `repo` of the request: "name[:tag]"; none leaves the image untagged. */
  repo?: string;
  /** `tag`, when not part of `repo`. */
  tag?: string;
  /** `-m`: the history comment (default "Imported from -"). */
  message?: string;
  /** `-c`: Dockerfile instructions applied to the config (those `docker commit --change` takes). */
  changes?: string[];
  /** `--platform`: "os[/arch[/variant]]" (default wasip1/wasm, the engine's own). */
  platform?: string;
  /** Names the source in errors and the default message (moby: "Imported from " + fromSrc). */
  source?: string;
}

/** What the import is handed: the archive load that stores the image, and limits. */
interface ImportParts {
  /** Store a `docker save` archive of the one image (the store's load: checked, atomic). */
  load(archive: Uint8Array): Promise<{ id: string }>;
  sha256?: Sha256Impl;
  /** Limit on the body as sent (default: none). */
  maxBodyBytes?: number;
  /** Limit on the layer's uncompressed size (default: src/tar DEFAULT_MAX_UNCOMPRESSED). */
  maxLayerBytes?: number;
  /** The load memory budget's lease for this import. */
  account?: MemoryAccount;
}

/** The engine's own platform: what the sample images and `FROM scratch` builds are. */
const DEFAULT_IMPORT_PLATFORM = { os: "wasip1", architecture: "wasm" };

const PLATFORM_PART = /^[A-Za-z0-9_.-]+$/;

/** "os[/arch[/variant]]" → os and architecture (lower-cased, as the CLI sends it). Errors: invalid. */
function parsePlatform(spec: string | undefined): { os: string; architecture: string } {
  if (!spec) return DEFAULT_IMPORT_PLATFORM;
  const parts = spec.toLowerCase().split("/");
  if (parts.length > 3 || parts.some((p) => !PLATFORM_PART.test(p))) throw invalid(`"${spec}": unknown operating system or architecture: invalid argument`);
  // XXX: a variant (linux/arm/v7) is accepted but not kept; ImageConfig has no variant field yet.
  return { os: parts[0]!, architecture: parts[1] ?? DEFAULT_IMPORT_PLATFORM.architecture };
}

/** The tar as sent, then inflated when it is gzip. Errors: invalid for what is no tar we read; LoadBudgetError. */
async function layerTar(input: Uint8Array | ReadableStream<Uint8Array>, parts: ImportParts, name: string): Promise<Uint8Array> {
  let body: Uint8Array;
  const account = parts.account;
  try {
    if (input instanceof Uint8Array) {
      account?.reserve(input.length);
      body = input;
    } else {
      // Each piece is reserved as it arrives, so a body past the memory budget is refused while it streams in.
      const counted = account ? input.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, ctl) => (account.reserve(c.length), ctl.enqueue(c)) })) : input;
      body = await readAll(counted, { name, maxBytes: parts.maxBodyBytes });
    }
  } catch (e) {
    if (e instanceof TarRangeError) throw invalid(e.message);
    throw e;
  }
  if (!body.length) throw invalid(`Cannot import: ${name} is empty (send a tar archive, plain or gzip)`);
  if (detectCompression(body) === "none") return body;
  try {
    return await decompressLayer(body, { name, maxBytes: parts.maxLayerBytes, account: parts.account });
  } catch (e) {
    if (e instanceof LoadBudgetError) throw e;
    if (e instanceof UnsupportedMediaTypeError) throw invalid(e.message);
    // gunzip's other failures are the data's: a corrupt or truncated stream, or past the layer limit.
    throw invalid((e as Error).message);
  }
}

/**
 * Import one filesystem tar as a one-layer image; returns its id. Checks the reference,
 * the platform and the changes before reading the body. Errors: invalid (a bad
 * reference, platform, change, or tar, with what and where), LoadBudgetError.
 */
export async function importImage(parts: ImportParts, input: Uint8Array | ReadableStream<Uint8Array>, o: ImportOptions = {}): Promise<{ id: string }> {
  const source = o.source ?? "-";
  const name = `the tar from ${source === "-" ? "stdin" : source}`;
  if (o.repo?.includes("@")) throw invalid("cannot import digest reference");
  const repoTags = o.repo ? [normalizeReference(o.repo, o.tag || undefined)] : [];
  const platform = parsePlatform(o.platform);
  let config: ImageConfig["config"];
  try {
    config = applyChanges({}, o.changes ?? []);
  } catch (e) {
    if (e instanceof DockerfileError) throw invalid(e.detail);
    throw e;
  }
  const tar = await layerTar(input, parts, name);
  try {
    checkLayerEntries(indexTar(tar, { name }), name);
  } catch (e) {
    if (e instanceof TarSyntaxError || e instanceof TarRangeError) throw invalid(e.message);
    throw e;
  }
  const diffId = await (parts.sha256 ?? sha256)(tar);
  const created = new Date().toISOString();
  const comment = o.message || `Imported from ${source}`;
  const image: ImageConfig & { comment: string } = {
    architecture: platform.architecture, os: platform.os, created, comment, config,
    rootfs: { type: "layers", diff_ids: [diffId] }, history: [{ created, comment }],
  };
  const archive = await writeDockerArchive([{ configBytes: encodeConfig(image), layers: [{ diffId, tar }], repoTags }]);
  parts.account?.reserve(archive.length);
  return await parts.load(archive);
}
