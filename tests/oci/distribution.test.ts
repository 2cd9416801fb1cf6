import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DigestMismatchError, RegistryClient, RegistryError, sha256 } from "../../src/oci/mod.ts";
import { isInsecure, pickManifest, registryOrigin } from "../../src/oci/distribution/mod.ts";
import { parseChallenge } from "../../src/oci/distribution/_challenge.ts";
import { readAll } from "../../src/tar/mod.ts";
import { cutResponse, FakeRegistry, HOST, ORIGIN } from "./_fake_registry.ts";

const t = suite("the registry client (OCI distribution spec) against a fake registry");

function client(reg: FakeRegistry, creds?: { username?: string; password?: string }) {
  return new RegistryClient(HOST, { fetch: reg.fetch, retryDelayMs: 0, credentials: async () => creds });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
}

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);

t("loopback registries are plain http, others https unless listed as insecure", () => {
  assert.is(registryOrigin("127.0.0.1:5000"), "http://127.0.0.1:5000");
  assert.is(registryOrigin("localhost:5000"), "http://localhost:5000");
  assert.is(registryOrigin("[::1]:5000"), "http://[::1]:5000");
  assert.is(registryOrigin("docker.io"), "https://registry-1.docker.io");
  assert.is(registryOrigin("reg.example:5000"), "https://reg.example:5000");
  assert.ok(isInsecure("reg.example:5000", ["reg.example:5000"]));
  assert.ok(isInsecure("reg.example:5000", ["reg.example"]));
  assert.ok(isInsecure("10.1.2.3:5000", ["10.0.0.0/8"]));
  assert.not.ok(isInsecure("11.1.2.3:5000", ["10.0.0.0/8"]));
});

t("a manifest is asked for with every media type strata reads, and verified against Docker-Content-Digest", async () => {
  const reg = new FakeRegistry();
  const img = await reg.putImage("demo", "v1", [[{ path: "a", type: "file", data: bytes(10) }]]);
  const m = await client(reg).manifest("demo", "v1", "Cannot pull demo:v1");
  assert.is(m.digest, img.digest);
  const accept = reg.headers.at(-1)!.get("accept")!;
  for (const type of ["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]) {
    assert.ok(accept.includes(type), type);
  }
  reg.before = (req, url) => url.pathname.includes("/manifests/") ? new Response("{}", { headers: { "Docker-Content-Digest": img.digest } }) : undefined;
  const lie = await failure(client(reg).manifest("demo", "v1", "Cannot pull demo:v1"));
  assert.match(lie.message, `Cannot pull demo:v1: the manifest hashes to sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a, not ${img.digest}`);
});

t("the registry's error body becomes moby's wording", async () => {
  const err = await failure(client(new FakeRegistry()).manifest("demo", "nope", "Cannot pull demo:nope"));
  assert.instance(err, RegistryError);
  assert.is(err.message, "Cannot pull demo:nope: manifest unknown: manifest unknown");
  assert.is((err as RegistryError).code, "MANIFEST_UNKNOWN");
});

t("Basic challenge: the credentials are sent and accepted; wrong ones get the registry's 401", async () => {
  const reg = new FakeRegistry();
  reg.auth = { scheme: "basic", user: "u", password: "p" };
  await client(reg, { username: "u", password: "p" }).ping();
  const err = await failure(client(reg, { username: "u", password: "bad" }).ping());
  assert.is((err as RegistryError).status, 401);
  assert.match(err.message, "unauthorized: authentication required");
});

t("Bearer challenge: an anonymous token, or one got with the credentials, is fetched for the scope and reused", async () => {
  const reg = new FakeRegistry();
  await reg.putImage("demo", "v1", [[{ path: "a", type: "file", data: bytes(10) }]]);
  reg.auth = { scheme: "bearer" };
  const c = client(reg);
  await c.manifest("demo", "v1", "pull");
  await c.manifest("demo", "v1", "pull");
  assert.is(reg.log.filter((l) => l.startsWith("GET /token")).length, 1);
  assert.ok(reg.log.some((l) => l.includes("scope=repository%3Ademo%3Apull")));
  const authed = new FakeRegistry();
  authed.auth = { scheme: "bearer", user: "u", password: "p" };
  await client(authed, { username: "u", password: "p" }).ping();
  const err = await failure(client(authed, { username: "u", password: "bad" }).ping());
  assert.is((err as RegistryError).status, 401);
  assert.match(err.message, "incorrect username or password");
});

t("an identity token is exchanged at the realm (OAuth2 refresh_token grant); a registry token is sent as it is", async () => {
  const reg = new FakeRegistry();
  reg.auth = { scheme: "bearer", user: "u", password: "p" };
  reg.refreshToken = "refresh-me";
  await new RegistryClient(HOST, { fetch: reg.fetch, retryDelayMs: 0, credentials: async () => ({ identitytoken: "refresh-me" }) }).ping();
  assert.ok(reg.log.includes("POST /token"));
  const bad = await failure(new RegistryClient(HOST, { fetch: reg.fetch, retryDelayMs: 0, credentials: async () => ({ identitytoken: "stale" }) }).ping());
  assert.is((bad as RegistryError).status, 401);
  reg.tokens.push("given");
  await new RegistryClient(HOST, { fetch: reg.fetch, retryDelayMs: 0, credentials: async () => ({ registrytoken: "given" }) }).ping();
  assert.is(reg.headers.at(-1)!.get("authorization"), "Bearer given");
});

t("WWW-Authenticate: the scheme and its parameters, quoted with escapes or bare", () => {
  assert.equal(parseChallenge(`Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"`), {
    scheme: "bearer", params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
  });
  assert.equal(parseChallenge(`Basic realm="say \\"hi\\"", charset=UTF-8`), { scheme: "basic", params: { realm: 'say "hi"', charset: "UTF-8" } });
  assert.is(parseChallenge(null), undefined);
});

t("a blob cut off midway is resumed with Range where the registry answers 206", async () => {
  const reg = new FakeRegistry();
  const blob = bytes(100_000);
  const digest = await reg.putBlob("demo", blob);
  let cuts = 0;
  reg.before = (req) => (!req.headers.get("range") && cuts++ === 0 ? cutResponse(blob, 30_000) : undefined);
  const got = await readAll(client(reg).blob("demo", { digest, size: blob.length }, { action: "pull" }));
  assert.equal(got, blob);
  assert.equal(reg.headers.map((h) => h.get("range")).filter((r) => r), ["bytes=30000-"]);
});

t("a blob cut off is read again whole where the registry ignores Range, and still verified", async () => {
  const reg = new FakeRegistry();
  const blob = bytes(50_000);
  const digest = await reg.putBlob("demo", blob);
  let n = 0;
  reg.before = () => (n++ === 0 ? cutResponse(blob, 20_000) : new Response(blob as Uint8Array<ArrayBuffer>));
  assert.equal(await readAll(client(reg).blob("demo", { digest, size: blob.length }, { action: "pull" })), blob);
});

t("5xx answers are retried; a registry that keeps failing gets an error naming the status", async () => {
  const reg = new FakeRegistry();
  await reg.putImage("demo", "v1", [[{ path: "a", type: "file", data: bytes(1) }]]);
  let fails = 2;
  reg.before = () => (fails-- > 0 ? new Response("busy", { status: 503 }) : undefined);
  await client(reg).manifest("demo", "v1", "Cannot pull demo:v1");
  reg.before = () => new Response("down", { status: 502 });
  const err = await failure(client(reg).manifest("demo", "v1", "Cannot pull demo:v1"));
  assert.is(err.message, "Cannot pull demo:v1: 502 Bad Gateway");
  const dead = new RegistryClient(HOST, { fetch: () => Promise.reject(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } } as ErrorOptions)), retryDelayMs: 0 });
  const refused = await failure(dead.ping());
  assert.match(refused.message, `GET ${ORIGIN}/v2/ failed: fetch failed (ECONNREFUSED)`);
});

t("a lying registry: wrong digest, longer or shorter than declared — each a clear error", async () => {
  const reg = new FakeRegistry();
  const blob = bytes(1000);
  const digest = await reg.putBlob("demo", blob);
  const other = bytes(999);
  reg.before = (_req, url) => (url.pathname.includes("/blobs/") ? new Response(Uint8Array.from(blob, (b) => b ^ 1) as Uint8Array<ArrayBuffer>) : undefined);
  const wrong = await failure(readAll(client(reg).blob("demo", { digest, size: 1000 }, { action: "pull" })));
  assert.instance(wrong, DigestMismatchError);
  assert.match(wrong.message, `Cannot verify blob ${digest} of demo: digest mismatch`);
  reg.before = undefined;
  const longer = await failure(readAll(client(reg).blob("demo", { digest, size: 999 }, { action: "pull" })));
  assert.match(longer.message, "is longer than the 999 bytes its descriptor says");
  reg.before = (_req, url) => (url.pathname.includes("/blobs/") ? new Response(other as Uint8Array<ArrayBuffer>) : undefined);
  const shorter = await failure(readAll(client(reg).blob("demo", { digest, size: 1000 }, { action: "pull" })));
  assert.match(shorter.message, "is 999 bytes, its descriptor says 1000");
});

t("redirects are followed without the credentials to another origin; a loop is an error", async () => {
  const reg = new FakeRegistry();
  const blob = bytes(300);
  const digest = await reg.putBlob("demo", blob);
  reg.auth = { scheme: "basic", user: "u", password: "p" };
  reg.before = (req, url) => {
    if (url.origin === "http://storage.example") return req.headers.get("authorization") ? new Response("leak", { status: 400 }) : new Response(blob as Uint8Array<ArrayBuffer>);
    if (url.pathname.includes("/blobs/") && req.headers.get("authorization")) return new Response(null, { status: 307, headers: { Location: "http://storage.example/b?sig=1" } });
    return undefined;
  };
  assert.equal(await readAll(client(reg, { username: "u", password: "p" }).blob("demo", { digest, size: 300 }, { action: "pull" })), blob);
  reg.auth = undefined;
  reg.before = (_req, url) => new Response(null, { status: 302, headers: { Location: url.pathname === "/v2/a" ? "/v2/b" : "/v2/a" } });
  const loop = await failure(client(reg).ping());
  assert.match(loop.message, `the registry redirects in a loop (${ORIGIN}/v2/ -> ${ORIGIN}/v2/a -> ${ORIGIN}/v2/b -> ${ORIGIN}/v2/a)`);
});

t("push: one PUT for a small blob, PATCH chunks for a large one, a mount from another repository, then the manifest", async () => {
  const reg = new FakeRegistry();
  const c = client(reg);
  const small = bytes(100), large = bytes(2500);
  const ds = await sha256(small), dl = await sha256(large);
  assert.is(await c.hasBlob("app", ds, "push"), false);
  assert.is(await c.pushBlob("app", ds, small, { action: "push", chunkBytes: 1000 }), "uploaded");
  assert.ok(reg.log.some((l) => l.startsWith("PUT /v2/app/blobs/uploads/") && l.includes("digest=sha256")));
  reg.log.length = 0;
  const sent: number[] = [];
  assert.is(await c.pushBlob("app", dl, large, { action: "push", chunkBytes: 1000, onBytes: (n) => sent.push(n) }), "uploaded");
  assert.is(reg.log.filter((l) => l.startsWith("PATCH")).length, 3);
  assert.equal(sent, [1000, 2000, 2500]);
  assert.equal(reg.blobs.get(dl), large);
  assert.is(await c.hasBlob("app", dl, "push"), true);
  assert.is(await c.pushBlob("other", dl, large, { action: "push", from: "app" }), "mounted");
  assert.is(await c.hasBlob("other", dl, "push"), true);
  const manifest = new TextEncoder().encode("{}");
  assert.is(await c.putManifest("app", "v1", manifest, "application/vnd.oci.image.manifest.v1+json", "push"), await sha256(manifest));
});

t("an index entry is picked for wasip1/wasm or wasi/wasm, or the asked platform; a linux-only index is a mismatch", () => {
  const e = (os: string, architecture: string, d: string) => ({ mediaType: "m", digest: d, size: 1, platform: { os, architecture } });
  const index = [e("linux", "amd64", "a"), e("wasi", "wasm", "b"), e("wasip1", "wasm", "c")];
  assert.is(pickManifest(index).entry.digest, "c");
  assert.is(pickManifest(index.slice(0, 2)).entry.digest, "b");
  assert.is(pickManifest(index, { os: "linux", architecture: "amd64" }).entry.digest, "a");
  assert.equal(pickManifest([e("unknown", "unknown", "x"), e("linux", "arm64", "y")]), { entry: e("linux", "arm64", "y"), mismatch: true });
  assert.throws(() => pickManifest(index, { os: "linux", architecture: "s390x" }), /no matching manifest for linux\/s390x in the manifest list entries/);
});

t.run();
