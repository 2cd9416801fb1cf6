import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createApi } from "../../src/api/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { FakeRegistry, HOST } from "../oci/_fake_registry.ts";
import { message, post } from "./_app.ts";

const t = suite("POST /images/create?fromImage= (pull) and POST /images/{name}/push");
const SAMPLES = fileURLToPath(new URL("../../rootfs-samples/", import.meta.url));

async function apiOn(reg: FakeRegistry, samples: string[] = []) {
  const engine = await createEngine({ store: new MemoryStore(), registry: { fetch: reg.fetch, retryDelayMs: 0 } });
  for (const n of samples) await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}${n}.tar`)), { name: `${n}.tar` });
  const app = createApi(engine);
  return { engine, req: async (path: string, init?: RequestInit) => await app.request(path, init) };
}

const lines = async (r: Response) => (await r.text()).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
const auth = (o: object) => btoa(JSON.stringify(o)).replaceAll("+", "-").replaceAll("/", "_");

t("a pull streams Docker's JSON messages, with the progress bar, and ends with Digest and Status", async () => {
  const reg = new FakeRegistry();
  const img = await reg.putImage("app", "one", [[{ path: "a", type: "file", data: new Uint8Array(2000) }]]);
  const { req } = await apiOn(reg);
  const r = await req(`/v1.47/images/create?fromImage=${HOST}/app&tag=one`, { ...post(), headers: { "X-Registry-Auth": "e30=" } });
  assert.is(r.status, 200);
  assert.is(r.headers.get("content-type"), "application/json");
  const got = await lines(r);
  const id = img.layers[0]!.digest.slice(7, 19);
  assert.equal(got[0], { status: "Pulling from app", id: "one" });
  assert.equal(got[1], { status: "Pulling fs layer", progressDetail: {}, id });
  const dl = got.find((m) => m["status"] === "Downloading")!;
  assert.equal(dl["progressDetail"], { current: img.layers[0]!.size, total: img.layers[0]!.size });
  assert.match(dl["progress"] as string, /^\[==================================================>\] +\d+(\.\d+)?k?B\/\d+(\.\d+)?k?B$/);
  assert.ok(got.some((m) => m["status"] === "Pull complete" && m["id"] === id));
  assert.equal(got.slice(-2), [{ status: `Digest: ${img.digest}` }, { status: `Status: Downloaded newer image for ${HOST}/app:one` }]);
  const list = await (await req("/images/json")).json() as Array<{ RepoTags: string[] }>;
  assert.equal(list.map((i) => i.RepoTags), [[`${HOST}/app:one`]]);
  // A tag in fromImage is replaced by the tag parameter, as moby does; a digest as the tag pulls by digest.
  const again = await req(`/images/create?fromImage=${HOST}/app:zzz&tag=one`, post());
  assert.match((await lines(again)).at(-1)!["status"] as string, `Status: Image is up to date for ${HOST}/app:one`);
  const byDigest = await req(`/images/create?fromImage=${HOST}/app&tag=${img.digest}`, post());
  assert.match((await lines(byDigest)).at(-1)!["status"] as string, `for ${HOST}/app@${img.digest}`);
});

t("a missing tag is a 404 before the stream, in Docker's words; a failure midway is the stream's last line", async () => {
  const reg = new FakeRegistry();
  const img = await reg.putImage("app", "one", [[{ path: "a", type: "file", data: new Uint8Array(10) }]]);
  const { req } = await apiOn(reg);
  const missing = await req(`/images/create?fromImage=${HOST}/app&tag=two`, post());
  assert.is(missing.status, 404);
  assert.is(await message(missing), `manifest for ${HOST}/app:two not found: manifest unknown: manifest unknown`);
  reg.before = (_req, url) => (url.pathname.endsWith(img.layers[0]!.digest) ? new Response("not the layer") : undefined);
  const cut = await req(`/images/create?fromImage=${HOST}/app&tag=one`, post());
  assert.is(cut.status, 200);
  const last = (await lines(cut)).at(-1)!;
  assert.match(last["error"] as string, `Cannot pull ${HOST}/app:one: blob ${img.layers[0]!.digest} of app is 13 bytes`);
  assert.equal((await (await req("/images/json")).json()), []);
});

t("X-Registry-Auth carries the credentials; without them a registry that needs them is pull access denied", async () => {
  const reg = new FakeRegistry();
  await reg.putImage("private", "v1", [[{ path: "a", type: "file", data: new Uint8Array(10) }]]);
  reg.auth = { scheme: "basic", user: "u", password: "p" };
  const { req } = await apiOn(reg);
  const denied = await req(`/images/create?fromImage=${HOST}/private&tag=v1`, post());
  assert.is(denied.status, 404);
  assert.is(await message(denied), `pull access denied for ${HOST}/private, repository does not exist or may require 'docker login': no basic auth credentials`); // moby's words for a Basic registry asked without credentials
  const ok = await req(`/images/create?fromImage=${HOST}/private&tag=v1`, { ...post(), headers: { "X-Registry-Auth": auth({ username: "u", password: "p", serveraddress: HOST }) } });
  assert.is(ok.status, 200);
  assert.match((await lines(ok)).at(-1)!["status"] as string, "Status: Downloaded newer image");
});

t("a push streams The push refers to…, per-layer lines, the digest line and the aux; a missing tag is Docker's 404", async () => {
  const reg = new FakeRegistry();
  const { req } = await apiOn(reg, ["toolbox"]);
  assert.is((await req(`/images/toolbox/tag?repo=${HOST}/tb&tag=v1`, post())).status, 201);
  const r = await req(`/v1.47/images/${HOST}/tb/push?tag=v1`, { ...post(), headers: { "X-Registry-Auth": "e30=" } });
  assert.is(r.status, 200);
  const got = await lines(r);
  assert.equal(got[0], { status: `The push refers to repository [${HOST}/tb]` });
  assert.ok(got.some((m) => m["status"] === "Pushed"));
  const aux = got.at(-1)! as { aux: { Tag: string; Digest: string; Size: number } };
  assert.is(aux.aux.Tag, "v1");
  assert.equal(got.at(-2), { status: `v1: digest: ${aux.aux.Digest} size: ${aux.aux.Size}` });
  assert.ok(reg.manifests.has(`tb/v1`));
  const missing = await req(`/images/${HOST}/nope/push?tag=v1`, post());
  assert.is(missing.status, 404);
  assert.is(await message(missing), `An image does not exist locally with the tag: ${HOST}/nope`);
});

t.run();
