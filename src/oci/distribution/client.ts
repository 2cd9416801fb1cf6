/**
 * RegistryClient: the OCI distribution spec's pull and push operations against one
 * registry — the version check (GET /v2/), manifests by tag or digest with every media
 * type strata reads in Accept (a registry never converts, so a narrower list gets 404),
 * verified blob streams, blob existence, cross-repository mounts, monolithic and chunked
 * uploads, and the manifest PUT. Repositories are paths on the registry ("library/x",
 * "demo"); a reference is a tag or a digest.
 */
import { type Sha256Impl, sha256 } from "../digest.ts";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from "../media_types.ts";
import { type BlobReadOptions, blobStream } from "./_blob_stream.ts";
import { boundedBytes, RegistryError, responseError } from "./errors.ts";
import { discard, type RegistryOptions, Transport } from "./_transport.ts";

/** The manifest media types a pull accepts, in the order skopeo sends them. */
const MANIFEST_ACCEPT = [OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST].join(", ");
/** Largest manifest read (containerd's limit too): a manifest is small, a hostile answer may not be. */
const MAX_MANIFEST_BYTES = 4 * 2 ** 20;
/** Blobs larger than this are uploaded in PATCH chunks of this size; smaller ones in one PUT. */
const DEFAULT_CHUNK_BYTES = 16 * 2 ** 20;

interface FetchedManifest {
  bytes: Uint8Array;
  /** The Content-Type the registry gave (or the document's own mediaType). */
  mediaType: string;
  digest: string;
}

interface UploadOptions {
  /** Blobs above this go in PATCH chunks of it (default DEFAULT_CHUNK_BYTES). */
  chunkBytes?: number;
  /** Bytes sent so far. */
  onBytes?: (sent: number) => void;
}

export class RegistryClient {
  readonly #t: Transport;
  readonly #sha256: Sha256Impl;
  constructor(readonly registry: string, readonly opts: RegistryOptions & { sha256?: Sha256Impl } = {}) {
    this.#t = new Transport(registry, opts);
    this.#sha256 = opts.sha256 ?? sha256;
  }

  /** "http://127.0.0.1:5000" or "https://…": where this registry is reached. */
  get origin(): string {
    return this.#t.origin;
  }

  /**
   * GET /v2/ with the credentials: resolves when the registry accepts them (or needs none).
   * Errors: RegistryError (401 with the registry's words for refused credentials).
   */
  async ping(action = `Get "${this.#t.origin}/v2/"`): Promise<void> {
    const res = await this.#t.send({ method: "GET", url: "/v2/", scope: "", action });
    if (!res.ok) throw await responseError(res, action);
    await discard(res);
  }

  /**
   * A manifest or index by tag or digest, verified against the digest when asked by
   * digest (and against Docker-Content-Digest when the registry sends one).
   * Errors: RegistryError (404 MANIFEST_UNKNOWN…, too large, a digest mismatch).
   */
  async manifest(repo: string, reference: string, action: string): Promise<FetchedManifest> {
    const res = await this.#t.send({ method: "GET", url: `/v2/${repo}/manifests/${reference}`, scope: `repository:${repo}:pull`, headers: { Accept: MANIFEST_ACCEPT }, action });
    if (!res.ok) throw await responseError(res, action);
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > MAX_MANIFEST_BYTES) {
      await discard(res);
      throw new RegistryError(`${action}: the manifest is ${declared} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest may be`, res.status);
    }
    const bytes = await boundedBytes(res, MAX_MANIFEST_BYTES + 1);
    if (bytes.length > MAX_MANIFEST_BYTES) throw new RegistryError(`${action}: the manifest is more than the ${MAX_MANIFEST_BYTES} bytes a manifest may be`, res.status);
    const digest = await this.#sha256(bytes);
    const expected = reference.startsWith("sha256:") ? reference : res.headers.get("docker-content-digest");
    if (expected && expected !== digest) throw new RegistryError(`${action}: the manifest hashes to ${digest}, not ${expected}`, res.status);
    const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    return { bytes: bytes, mediaType, digest };
  }

  /** A blob as a stream verified as it passes (_blob_stream.ts). */
  blob(repo: string, desc: { digest: string; size: number }, opts: BlobReadOptions & { action: string }): ReadableStream<Uint8Array> {
    return blobStream(this.#t, repo, desc, { ...opts, sha256: opts.sha256 ?? this.#sha256, retries: this.opts.retries });
  }

  /** HEAD blob: does `repo` have it? Errors: RegistryError for answers other than 200/404. */
  async hasBlob(repo: string, digest: string, action: string): Promise<boolean> {
    const res = await this.#t.send({ method: "HEAD", url: `/v2/${repo}/blobs/${digest}`, scope: `repository:${repo}:pull,push`, action });
    await discard(res);
    if (res.status === 404) return false;
    if (res.ok) return true;
    throw await responseError(res, `${action}: HEAD blob ${digest}`);
  }

  /**
   * Push a blob: mounted from `from` (another repository of this registry that has it)
   * when given and the registry agrees, else uploaded — in one PUT, or in PATCH chunks
   * when larger than `chunkBytes`. Returns how it got there.
   */
  async pushBlob(repo: string, digest: string, bytes: Uint8Array, o: UploadOptions & { from?: string; action: string }): Promise<"mounted" | "uploaded"> {
    const scope = `repository:${repo}:pull,push${o.from && o.from !== repo ? ` repository:${o.from}:pull` : ""}`;
    const query = o.from && o.from !== repo ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(o.from)}` : "";
    const started = await this.#t.send({ method: "POST", url: `/v2/${repo}/blobs/uploads/${query}`, scope, action: o.action });
    if (started.status === 201 && query) {
      await discard(started);
      return "mounted";
    }
    if (started.status !== 202) throw await responseError(started, `${o.action}: start an upload of ${digest}`);
    await discard(started);
    let location = uploadLocation(started, o.action);
    const chunk = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    let body: Uint8Array | undefined = bytes;
    if (bytes.length > chunk) {
      for (let at = 0; at < bytes.length; at += chunk) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + chunk));
        const res = await this.#t.send({
          method: "PATCH", url: location, scope, body: piece, action: o.action,
          headers: { "Content-Type": "application/octet-stream", "Content-Range": `${at}-${at + piece.length - 1}` },
        });
        if (res.status !== 202) throw await responseError(res, `${o.action}: upload ${digest} from byte ${at}`);
        await discard(res);
        location = uploadLocation(res, o.action);
        o.onBytes?.(at + piece.length);
      }
      body = undefined;
    }
    const url = this.#t.resolve(location);
    url.searchParams.set("digest", digest);
    const done = await this.#t.send({ method: "PUT", url: url.href, scope, body: body ?? new Uint8Array(0), action: o.action, headers: { "Content-Type": "application/octet-stream" } });
    if (done.status !== 201) throw await responseError(done, `${o.action}: finish the upload of ${digest}`);
    await discard(done);
    if (body) o.onBytes?.(bytes.length);
    return "uploaded";
  }

  /** PUT a manifest under a tag (or its digest); returns its digest. Errors: RegistryError (MANIFEST_BLOB_UNKNOWN, …). */
  async putManifest(repo: string, reference: string, bytes: Uint8Array, mediaType: string, action: string): Promise<string> {
    const digest = await this.#sha256(bytes);
    const res = await this.#t.send({ method: "PUT", url: `/v2/${repo}/manifests/${reference}`, scope: `repository:${repo}:pull,push`, body: bytes, headers: { "Content-Type": mediaType }, action });
    if (res.status !== 201 && res.status !== 200) throw await responseError(res, action);
    await discard(res);
    const said = res.headers.get("docker-content-digest");
    if (said && said !== digest) throw new RegistryError(`${action}: the registry stored the manifest as ${said}, but it hashes to ${digest}`, res.status);
    return digest;
  }
}

function uploadLocation(res: Response, action: string): string {
  const location = res.headers.get("location");
  if (!location) throw new RegistryError(`${action}: the registry's upload answer (${res.status}) has no Location`, res.status);
  return location;
}
