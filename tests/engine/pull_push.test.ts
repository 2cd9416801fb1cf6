import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore } from "../../src/store/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { DiskStore } from "../../server/store/mod.ts";
import { cutResponse, FakeRegistry, HOST } from "../oci/_fake_registry.ts";
import { failure, run, sampleEngine } from "./_samples.ts";
import type { ProgressMessage } from "../../src/engine/images.ts";
import { build, contextOf } from "./_build.ts";

const t = suite("engine.images.pull and push through a registry");

const file = (path: string, text: string) => ({ path, type: "file" as const, data: new TextEncoder().encode(text) });
const ELF = { path: "bin/sh", type: "file" as const, mode: 0o755, data: Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0) };

async function engineOn(reg: FakeRegistry): Promise<Engine> {
  return await createEngine({ store: new MemoryStore(), registry: { fetch: reg.fetch, retryDelayMs: 0 } });
}

/** The pull's messages as "status id" lines. */
async function pullLines(engine: Engine, ref: string, o: { platform?: string } = {}): Promise<string[]> {
  const lines: string[] = [];
  await engine.images.pull(ref, { ...o, onProgress: (m: ProgressMessage) => lines.push(`${m.status}${m.id ? ` ${m.id}` : ""}`) });
  return lines;
}

/** What a store holds: every blob and every tag. */
async function contents(engine: Engine) {
  return { blobs: await engine.store.listBlobs(), tags: (await engine.store.listRecords("tag")).map(([k]) => k), layers: (await engine.store.listRecords("layer")).length };
}

t("an image pushed from one engine is pulled into a fresh one and runs there", async () => {
  const reg = new FakeRegistry();
  const a = await sampleEngine(["toolbox"], { registry: { fetch: reg.fetch, retryDelayMs: 0 } });
  await a.images.tag("toolbox", `${HOST}/tools/box:v1`);
  const pushed = await a.images.push(`${HOST}/tools/box:v1`);
  const b = await engineOn(reg);
  const lines = await pullLines(b, `${HOST}/tools/box:v1`);
  assert.is(lines[0], "Pulling from tools/box v1");
  assert.ok(lines.some((l) => l.startsWith("Pull complete")));
  assert.is(lines.at(-2), `Digest: ${pushed.digest}`);
  assert.is(lines.at(-1), `Status: Downloaded newer image for ${HOST}/tools/box:v1`);
  assert.is((await b.images.inspect(`${HOST}/tools/box:v1`)).Id, (await a.images.inspect("toolbox")).Id);
  const r = await run(b, { Image: `${HOST}/tools/box:v1`, Cmd: ["sh", "-c", "echo from the registry"] });
  assert.is(r.stdout, "from the registry\n");
  assert.equal(await pullLines(b, `${HOST}/tools/box:v1`), ["Pulling from tools/box v1", `Digest: ${pushed.digest}`, `Status: Image is up to date for ${HOST}/tools/box:v1`]);
  await a.close();
  await b.close();
});

t("a second image sharing the base layer says Already exists and downloads only its own layer", async () => {
  const reg = new FakeRegistry();
  const base = [file("etc/base", "base\n")];
  const one = await reg.putImage("app", "one", [base, [file("one", "1")]]);
  const two = await reg.putImage("app", "two", [base, [file("two", "2")]]);
  const engine = await engineOn(reg);
  await engine.images.pull(`${HOST}/app:one`);
  const lines = await pullLines(engine, `${HOST}/app:two`);
  assert.ok(lines.includes(`Already exists ${two.layers[0]!.digest.slice(7, 19)}`), lines.join("\n"));
  assert.ok(lines.includes(`Pull complete ${two.layers[1]!.digest.slice(7, 19)}`));
  assert.is(reg.gets(one.layers[0]!.digest), 1);
  assert.is(reg.gets(two.layers[1]!.digest), 1);
  await engine.close();
});

t("a pushed layer the registry has is skipped; a blob another repository has is mounted", async () => {
  const reg = new FakeRegistry();
  const a = await sampleEngine(["toolbox"], { registry: { fetch: reg.fetch, retryDelayMs: 0 } });
  await a.images.tag("toolbox", `${HOST}/first:v1`);
  await a.images.tag("toolbox", `${HOST}/second:v1`);
  const seen: string[] = [];
  const say = (m: ProgressMessage) => void seen.push(m.status ?? "");
  const d1 = await a.images.push(`${HOST}/first:v1`, { onProgress: say });
  assert.ok(seen.includes("Pushed"));
  seen.length = 0;
  const d2 = await a.images.push(`${HOST}/first:v1`, { onProgress: say });
  assert.ok(seen.includes("Layer already exists"));
  assert.is(d2.digest, d1.digest); // uncompressed layers: the same manifest every time
  seen.length = 0;
  await a.images.push(`${HOST}/second:v1`, { onProgress: say });
  assert.ok(seen.includes("Mounted from first"), seen.join("\n"));
  assert.is(seen.at(-1), "");
  await a.close();
});

t("a registry that lies about a layer gets a clear error and nothing is stored", async () => {
  const reg = new FakeRegistry();
  const img = await reg.putImage("liar", "v1", [[file("a", "aaa")], [file("b", "bbb")]]);
  const engine = await engineOn(reg);
  const before = await contents(engine);
  const bad = img.layers[1]!.digest;
  reg.before = (_req, url) => (url.pathname.endsWith(bad) ? new Response(new Uint8Array(img.layers[1]!.size).fill(0x1f) as Uint8Array<ArrayBuffer>) : undefined);
  const [kind, message] = await failure(engine.images.pull(`${HOST}/liar:v1`));
  assert.is(kind, "DigestMismatchError");
  assert.match(message, `Cannot verify blob ${bad} of liar: digest mismatch`);
  assert.equal(await contents(engine), before);
  reg.before = undefined;
  await engine.images.pull(`${HOST}/liar:v1`);
  assert.equal((await contents(engine)).tags, [`${HOST}/liar:v1`]);
  await engine.close();
});

t("a manifest that is not JSON, a config whose diff_ids lie, and a missing tag are each a clear error", async () => {
  const reg = new FakeRegistry();
  reg.manifests.set("junk/v1", { bytes: new TextEncoder().encode("<html>not a manifest</html>"), type: "text/html" });
  const engine = await engineOn(reg);
  const [, junk] = await failure(engine.images.pull(`${HOST}/junk:v1`));
  assert.match(junk, `Cannot read the manifest of ${HOST}/junk:v1: not valid JSON`);
  const img = await reg.putImage("diff", "v1", [[file("a", "x")]]);
  reg.before = (_req, url) => url.pathname.endsWith(img.layers[0]!.digest) ? undefined : undefined;
  const other = await reg.putImage("diff", "v2", [[file("a", "y")]]);
  // v3: v1's manifest with v2's layer: the layer's blob is right, its uncompressed digest is not v1's diff_id.
  const m = JSON.parse(new TextDecoder().decode(img.manifest));
  m.layers[0] = other.layers[0];
  reg.manifests.set("diff/v3", { bytes: new TextEncoder().encode(JSON.stringify(m)), type: "application/vnd.oci.image.manifest.v1+json" });
  const [, diff] = await failure(engine.images.pull(`${HOST}/diff:v3`));
  assert.match(diff, "(uncompressed, against the config's diff_ids): digest mismatch");
  const [kind, missing] = await failure(engine.images.pull(`${HOST}/diff:nope`));
  assert.is(kind, "not-found");
  assert.is(missing, `manifest for ${HOST}/diff:nope not found: manifest unknown: manifest unknown`);
  assert.equal((await contents(engine)).tags, []);
  assert.is((await contents(engine)).layers, 0);
  await engine.close();
});

t("an interrupted pull stores nothing, and the next pull completes", async () => {
  const reg = new FakeRegistry();
  const img = await reg.putImage("cut", "v1", [[file("a", "a".repeat(5000))], [file("b", "b".repeat(5000))]]);
  const engine = await createEngine({ store: new MemoryStore(), registry: { fetch: reg.fetch, retryDelayMs: 0, retries: 1 } });
  const second = img.layers[1]!.digest;
  reg.before = (_req, url) => (url.pathname.endsWith(second) ? cutResponse(reg.blobs.get(second)!, 10) : undefined);
  const [, message] = await failure(engine.images.pull(`${HOST}/cut:v1`));
  assert.match(message, `blob ${second} of cut broke off at byte 10`);
  assert.equal(await contents(engine), { blobs: [], tags: [], layers: 0 });
  reg.before = undefined;
  await engine.images.pull(`${HOST}/cut:v1`);
  assert.is((await contents(engine)).layers, 2);
  await engine.close();
});

t("on a disk store a layer is written as it inflates: a pull that fails there leaves no file, not even a temp, and one that succeeds stores the layer", async () => {
  const home = mkdtempSync(join(tmpdir(), "strata-pull-disk-"));
  const reg = new FakeRegistry();
  const img = await reg.putImage("disk", "v1", [[file("a", "a".repeat(300_000))], [file("b", `${"b".repeat(300_000)}${"x".repeat(1000)}`)]]);
  const engine = await createEngine({ store: DiskStore.open(home), platform: runtimeHost().platform, registry: { fetch: reg.fetch, retryDelayMs: 0, retries: 1 } });
  const files = () => readdirSync(join(home, "blobs", "sha256")).sort();
  try {
    const second = img.layers[1]!.digest;
    // Cut after the first layer was written; then a lying blob; then a config whose diff_id is not the layer's.
    reg.before = (_req, url) => (url.pathname.endsWith(second) ? cutResponse(reg.blobs.get(second)!, 2000) : undefined);
    await failure(engine.images.pull(`${HOST}/disk:v1`));
    assert.equal(files(), []);
    reg.before = (_req, url) => (url.pathname.endsWith(second) ? new Response(new Uint8Array(img.layers[1]!.size).fill(0x1f) as Uint8Array<ArrayBuffer>) : undefined);
    await failure(engine.images.pull(`${HOST}/disk:v1`));
    assert.equal(files(), []);
    // v3: one's manifest with two's layer: the blob is right, its uncompressed digest is not one's diff_id.
    const one = await reg.putImage("disk", "one", [[file("a", "y".repeat(300_000))]]);
    const two = await reg.putImage("disk", "two", [[file("a", "z".repeat(300_000))]]);
    const m = JSON.parse(new TextDecoder().decode(one.manifest));
    m.layers[0] = two.layers[0];
    reg.manifests.set("disk/v3", { bytes: new TextEncoder().encode(JSON.stringify(m)), type: "application/vnd.oci.image.manifest.v1+json" });
    reg.before = undefined;
    const [, diff] = await failure(engine.images.pull(`${HOST}/disk:v3`));
    assert.match(diff, "(uncompressed, against the config's diff_ids): digest mismatch");
    assert.equal(files(), []);
    await engine.images.pull(`${HOST}/disk:v1`);
    const layers = (await engine.store.listRecords<{ diffId: string }>("layer")).map(([, l]) => l.diffId);
    assert.is(layers.length, 2);
    for (const diffId of layers) assert.ok((await engine.store.getBlob(diffId))!.length > 300_000); // read back, verified against its digest
    assert.not.ok(files().some((f) => f.includes(".tmp")), "no temp file left");
  } finally {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  }
});

t("from an index the wasip1/wasm image is pulled; a linux-only image is pulled with Docker's warning and its program exits 126", async () => {
  const reg = new FakeRegistry();
  const linux = await reg.putImage("multi", "linux", [[ELF]], { os: "linux", architecture: "amd64" });
  const wasi = await reg.putImage("multi", "wasi", [[file("which", "wasi")]]);
  await reg.putIndex("multi", "v1", [
    { digest: linux.digest, size: linux.manifest.length, platform: { os: "linux", architecture: "amd64" } },
    { digest: wasi.digest, size: wasi.manifest.length, platform: { os: "wasip1", architecture: "wasm" } },
  ]);
  await reg.putIndex("multi", "onlylinux", [{ digest: linux.digest, size: linux.manifest.length, platform: { os: "linux", architecture: "amd64" } }]);
  const engine = await engineOn(reg);
  const picked = await engine.images.pull(`${HOST}/multi:v1`);
  assert.is(picked.id, wasi.configDigest);
  assert.equal(picked.warnings, []);
  const asked = await engine.images.pull(`${HOST}/multi:v1`, { platform: "linux/amd64" });
  assert.is(asked.id, linux.configDigest);
  const lines = await pullLines(engine, `${HOST}/multi:onlylinux`);
  assert.ok(lines.includes("WARNING: image platform (linux/amd64) does not match the expected platform (wasip1/wasm)"), lines.join("\n"));
  const r = await run(engine, { Image: `${HOST}/multi:onlylinux`, Cmd: ["/bin/sh"] });
  assert.is(r.code, 126);
  assert.match(r.stderr, "strata runs WASI programs only");
  const [kind, none] = await failure(engine.images.pull(`${HOST}/multi:v1`, { platform: "linux/s390x" }));
  assert.is(kind, "not-found");
  assert.is(none, "no matching manifest for linux/s390x in the manifest list entries");
  await engine.close();
});

t("a layer past the engine's layer limit is refused as it inflates, and nothing is stored", async () => {
  const reg = new FakeRegistry();
  await reg.putImage("big", "v1", [[file("zeros", "\0".repeat(200_000))]]);
  const engine = await createEngine({ store: new MemoryStore(), maxLayerBytes: 64 * 1024, registry: { fetch: reg.fetch, retryDelayMs: 0 } });
  const [kind, message] = await failure(engine.images.pull(`${HOST}/big:v1`));
  assert.is(kind, "InflateLimitError");
  assert.match(message, "65536");
  assert.equal(await contents(engine), { blobs: [], tags: [], layers: 0 });
  await engine.close();
});

t("a Dockerfile's FROM of an image that is not here pulls it, its progress in the build's output", async () => {
  const reg = new FakeRegistry();
  const a = await sampleEngine(["toolbox"], { registry: { fetch: reg.fetch, retryDelayMs: 0 } });
  await a.images.tag("toolbox", `${HOST}/base/box:v1`);
  await a.images.push(`${HOST}/base/box:v1`);
  const b = await engineOn(reg);
  const r = await build(b, contextOf(null, { Dockerfile: `FROM ${HOST}/base/box:v1\nRUN echo built > /built\n` }), { tags: ["child:v1"] });
  assert.is(r.error, undefined, r.output);
  assert.match(r.output, `Step 1/2 : FROM ${HOST}/base/box:v1\nv1: Pulling from base/box\n`);
  assert.match(r.output, `Status: Downloaded newer image for ${HOST}/base/box:v1\n`);
  assert.is((await run(b, { Image: "child:v1", Cmd: ["cat", "/built"] })).stdout, "built\n");
  const missing = await build(b, contextOf(null, { Dockerfile: `FROM ${HOST}/base/box:nope\n` }));
  assert.is(missing.error!.message, `manifest for ${HOST}/base/box:nope not found: manifest unknown: manifest unknown`);
  await a.close();
  await b.close();
});

t("RepoDigests name the pulled manifest; a pull by digest adds no tag and the digest finds the image", async () => {
  const reg = new FakeRegistry();
  const img = await reg.putImage("dig", "v1", [[file("a", "a")]]);
  const engine = await engineOn(reg);
  const byDigest = await engine.images.pull(`${HOST}/dig@${img.digest}`);
  assert.is(byDigest.name, `${HOST}/dig@${img.digest}`);
  assert.equal((await contents(engine)).tags, []);
  const seen = await engine.images.inspect(`${HOST}/dig@${img.digest}`);
  assert.equal(seen.RepoDigests, [`${HOST}/dig@${img.digest}`]);
  assert.equal(seen.RepoTags, []);
  await engine.images.pull(`${HOST}/dig:v1`);
  assert.equal((await engine.images.list())[0]!.RepoDigests, [`${HOST}/dig@${img.digest}`]);
  await engine.images.remove(`${HOST}/dig:v1`);
  assert.equal(await engine.store.listRecords("digest"), []);
  await engine.close();
});

t.run();
