/**
 * A registry in memory for the client's tests, reached through a `fetch` function (no
 * socket): the distribution spec's routes (GET /v2/, manifests, blobs with Range, uploads
 * with mounts, PATCH chunks and the final PUT) plus a token realm, with switches for the
 * failures a test needs — Basic or Bearer auth, a body cut after N bytes, 5xx answers, a
 * lie about a blob — and a log of every request ("GET /v2/x/blobs/sha256:…").
 */
import { gzip, writeTar } from "../../src/tar/mod.ts";
import { encodeConfig, type ImageConfig, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, sha256 } from "../../src/oci/mod.ts";
import type { TarInput } from "../../src/tar/mod.ts";

export const ORIGIN = "http://127.0.0.1:5999";
export const HOST = "127.0.0.1:5999";

type Handler = (req: Request, url: URL) => Response | Promise<Response> | undefined;

export class FakeRegistry {
  readonly blobs = new Map<string, Uint8Array>();
  /** `${repo}/${tag-or-digest}` → manifest. */
  readonly manifests = new Map<string, { bytes: Uint8Array; type: string }>();
  /** Which repositories hold which blobs. */
  readonly repoBlobs = new Set<string>();
  readonly log: string[] = [];
  /** Requests' headers, in order (to see Authorization, Accept, Range). */
  readonly headers: Headers[] = [];
  auth?: { scheme: "basic" | "bearer"; user?: string; password?: string };
  readonly tokens: string[] = [];
  readonly #uploads = new Map<string, Uint8Array[]>();
  /** Runs before the routes; a Response it returns is the answer. */
  before?: Handler;

  fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    this.log.push(`${req.method} ${url.pathname}${url.search}`);
    this.headers.push(req.headers);
    const early = await this.before?.(req, url);
    if (early) return early;
    if (url.pathname === "/token") return await this.#token(req, url);
    if (url.origin !== ORIGIN) return new Response("elsewhere", { status: 404 });
    if (this.auth && !this.#authorized(req)) {
      const challenge = this.auth.scheme === "basic" ? `Basic realm="fake"` : `Bearer realm="${ORIGIN}/token",service="fake",scope="repository:x:pull"`;
      return Response.json({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }, { status: 401, headers: { "WWW-Authenticate": challenge } });
    }
    return await this.#route(req, url);
  };

  #authorized(req: Request): boolean {
    const h = req.headers.get("authorization") ?? "";
    if (this.auth!.scheme === "basic") return h === `Basic ${btoa(`${this.auth!.user}:${this.auth!.password}`)}`;
    return this.tokens.some((t) => h === `Bearer ${t}`);
  }

  /** An OAuth2 refresh token the realm accepts (grant_type=refresh_token). */
  refreshToken?: string;

  async #token(req: Request, url: URL): Promise<Response> {
    if (req.method === "POST") {
      const form = new URLSearchParams(await req.text());
      if (form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== this.refreshToken) return Response.json({ error: "invalid_grant" }, { status: 401 });
      const token = `oauth-${this.tokens.length}-${form.get("scope")}`;
      this.tokens.push(token);
      return Response.json({ access_token: token });
    }
    if (this.auth?.user) {
      const h = req.headers.get("authorization") ?? "";
      if (h !== `Basic ${btoa(`${this.auth.user}:${this.auth.password}`)}`) return Response.json({ details: "incorrect username or password" }, { status: 401 });
    }
    const token = `tok-${this.tokens.length}-${url.searchParams.getAll("scope").join("+")}`;
    this.tokens.push(token);
    return Response.json({ token });
  }

  async #route(req: Request, url: URL): Promise<Response> {
    const p = url.pathname;
    if (p === "/v2/") return Response.json({});
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(p);
    if (m) {
      const [, repo, ref] = m as unknown as [string, string, string];
      if (req.method === "PUT") {
        const bytes = new Uint8Array(await req.arrayBuffer());
        const digest = await sha256(bytes);
        const entry = { bytes, type: req.headers.get("content-type") ?? "" };
        this.manifests.set(`${repo}/${ref}`, entry);
        this.manifests.set(`${repo}/${digest}`, entry);
        return new Response(null, { status: 201, headers: { "Docker-Content-Digest": digest } });
      }
      const found = this.manifests.get(`${repo}/${ref}`);
      if (!found) return Response.json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, { status: 404 });
      return new Response(req.method === "HEAD" ? null : (found.bytes as Uint8Array<ArrayBuffer>), { headers: { "Content-Type": found.type, "Docker-Content-Digest": await sha256(found.bytes) } });
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(p);
    if (m) {
      const [, repo, digest] = m as unknown as [string, string, string];
      const blob = this.blobs.get(digest);
      if (!blob || !this.repoBlobs.has(`${repo} ${digest}`)) return Response.json({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry" }] }, { status: 404 });
      if (req.method === "HEAD") return new Response(null, { headers: { "Content-Length": String(blob.length) } });
      const range = /^bytes=(\d+)-$/.exec(req.headers.get("range") ?? "");
      if (range) {
        const from = Number(range[1]);
        return new Response(blob.subarray(from) as Uint8Array<ArrayBuffer>, { status: 206, headers: { "Content-Range": `bytes ${from}-${blob.length - 1}/${blob.length}` } });
      }
      return new Response(blob as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": "application/octet-stream" } });
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(p);
    if (m) {
      const [, repo, id] = m as unknown as [string, string, string];
      if (req.method === "POST") {
        const mount = url.searchParams.get("mount"), from = url.searchParams.get("from");
        if (mount && from && this.repoBlobs.has(`${from} ${mount}`)) {
          this.repoBlobs.add(`${repo} ${mount}`);
          return new Response(null, { status: 201, headers: { Location: `/v2/${repo}/blobs/${mount}`, "Docker-Content-Digest": mount } });
        }
        const uuid = `u${this.#uploads.size}`;
        this.#uploads.set(uuid, []);
        return new Response(null, { status: 202, headers: { Location: `${ORIGIN}/v2/${repo}/blobs/uploads/${uuid}?_state=x`, Range: "0-0" } });
      }
      const parts = this.#uploads.get(id);
      if (!parts) return Response.json({ errors: [{ code: "BLOB_UPLOAD_UNKNOWN", message: "blob upload unknown to registry" }] }, { status: 404 });
      const body = new Uint8Array(await req.arrayBuffer());
      if (body.length) parts.push(body);
      if (req.method === "PATCH") return new Response(null, { status: 202, headers: { Location: `/v2/${repo}/blobs/uploads/${id}?_state=y` } });
      const all = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of parts) all.set(b, (at += b.length) - b.length);
      const digest = url.searchParams.get("digest") ?? "";
      if ((await sha256(all)) !== digest) return Response.json({ errors: [{ code: "DIGEST_INVALID", message: "provided digest did not match uploaded content" }] }, { status: 400 });
      this.blobs.set(digest, all);
      this.repoBlobs.add(`${repo} ${digest}`);
      this.#uploads.delete(id);
      return new Response(null, { status: 201, headers: { "Docker-Content-Digest": digest } });
    }
    return Response.json({ errors: [{ code: "UNSUPPORTED", message: "not here" }] }, { status: 404 });
  }

  /** Store a blob in `repo`; returns its digest. */
  async putBlob(repo: string, bytes: Uint8Array): Promise<string> {
    bytes = bytes.slice(); // gzip's output may sit in a resizable buffer, which a Response refuses
    const digest = await sha256(bytes);
    this.blobs.set(digest, bytes);
    this.repoBlobs.add(`${repo} ${digest}`);
    return digest;
  }

  /** Put an image of gzip layers under `repo:tag` (an OCI manifest); `os`/`arch` in its config. Returns its digests. */
  async putImage(repo: string, tag: string, layers: TarInput[][], o: { os?: string; architecture?: string; cmd?: string[] } = {}) {
    const tars = layers.map((entries) => writeTar(entries, { sort: true, mtime: 0 }));
    const diffIds = await Promise.all(tars.map((t) => sha256(t)));
    const config: ImageConfig = {
      architecture: o.architecture ?? "wasm", os: o.os ?? "wasip1", created: "2026-01-01T00:00:00Z", config: { Cmd: o.cmd ?? ["sh"] },
      rootfs: { type: "layers", diff_ids: diffIds }, history: [],
    };
    const configBytes = encodeConfig(config);
    const configDigest = await this.putBlob(repo, configBytes);
    const descs = [];
    for (const tar of tars) {
      const gz = await gzip(tar);
      descs.push({ mediaType: OCI_LAYER_GZIP, digest: await this.putBlob(repo, gz), size: gz.length });
    }
    const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length }, layers: descs }));
    const digest = await sha256(manifest);
    this.manifests.set(`${repo}/${tag}`, { bytes: manifest, type: OCI_MANIFEST });
    this.manifests.set(`${repo}/${digest}`, { bytes: manifest, type: OCI_MANIFEST });
    return { digest, configDigest, layers: descs, diffIds, manifest };
  }

  /** Put an index naming manifests by platform under `repo:tag`. */
  async putIndex(repo: string, tag: string, entries: Array<{ digest: string; size: number; platform: { os: string; architecture: string } }>): Promise<string> {
    const bytes = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries.map((e) => ({ mediaType: OCI_MANIFEST, ...e })) }));
    const digest = await sha256(bytes);
    this.manifests.set(`${repo}/${tag}`, { bytes, type: OCI_INDEX });
    return digest;
  }

  /** Blob GETs of `digest` so far. */
  gets(digest: string): number {
    return this.log.filter((l) => l.startsWith("GET ") && l.includes(`/blobs/${digest}`)).length;
  }
}

/** A response whose body sends `bytes` up to `cut` and then fails, as a reset connection does. */
export function cutResponse(bytes: Uint8Array, cut: number, init: ResponseInit = {}): Response {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (!sent) {
        sent = true;
        c.enqueue(bytes.slice(0, cut));
        return;
      }
      c.error(new TypeError("terminated", { cause: { code: "ECONNRESET" } } as ErrorOptions));
    },
  });
  return new Response(body, init);
}
