import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createApi } from "../../src/api/mod.ts";
import { sampleEngine } from "../engine/_samples.ts";

const t = suite("Docker API over Hono (no socket)");

async function setup() {
  const engine = await sampleEngine(["toolbox"]);
  return { engine, app: createApi(engine) };
}

const json = (body: unknown) => ({ method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });

/** Demultiplex Docker's 8-byte-header frames. */
function demux(bytes: Uint8Array): { stdout: string; stderr: string } {
  const out = { stdout: "", stderr: "" };
  for (let at = 0; at + 8 <= bytes.length;) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0);
    const text = new TextDecoder().decode(bytes.subarray(at + 8, at + 8 + size));
    if (bytes[at] === 1) out.stdout += text;
    else out.stderr += text;
    at += 8 + size;
  }
  return out;
}

t("/_ping answers OK with Api-Version, on HEAD too", async () => {
  const { app } = await setup();
  const r = await app.request("/_ping");
  assert.is(await r.text(), "OK");
  assert.is(r.headers.get("Api-Version"), "1.47");
  const h = await app.request("/_ping", { method: "HEAD" });
  assert.is(h.status, 200);
  assert.is(h.headers.get("OSType"), "linux");
});

t("versioned and unversioned paths route alike", async () => {
  const { app } = await setup();
  const a = await (await app.request("/v1.47/images/json")).json();
  const b = await (await app.request("/images/json")).json();
  assert.equal(a, b);
  assert.is((a as Array<{ RepoTags: string[] }>)[0]!.RepoTags[0], "toolbox:latest");
});

t("create → start → wait → logs → remove, with Docker's status codes", async () => {
  const { app } = await setup();
  const c = await app.request("/v1.47/containers/create?name=web", json({ Image: "toolbox", Cmd: ["sh", "-c", "echo out; echo err >&2; exit 4"] }));
  assert.is(c.status, 201);
  const { Id } = await c.json() as { Id: string };
  const wait = app.request(`/v1.47/containers/${Id}/wait?condition=next-exit`, { method: "POST" });
  assert.is((await app.request(`/v1.47/containers/web/start`, { method: "POST" })).status, 204);
  assert.equal(await (await wait).json(), { StatusCode: 4, Error: null });
  const logs = await app.request(`/v1.47/containers/web/logs?stdout=1&stderr=1`);
  assert.is(logs.headers.get("Content-Type"), "application/vnd.docker.multiplexed-stream");
  assert.equal(demux(new Uint8Array(await logs.arrayBuffer())), { stdout: "out\n", stderr: "err\n" });
  assert.is((await app.request(`/v1.47/containers/web/start`, { method: "POST" })).status, 204);
  await app.request(`/v1.47/containers/web/wait`, { method: "POST" }).then((r) => r.text());
  assert.is((await app.request(`/v1.47/containers/web/stop`, { method: "POST" })).status, 304);
  assert.is((await app.request(`/v1.47/containers/web`, { method: "DELETE" })).status, 204);
  const gone = await app.request(`/v1.47/containers/web/json`);
  assert.is(gone.status, 404);
  assert.equal(await gone.json(), { message: "No such container: web" });
});

t("errors: a name conflict is 409, a malformed body is 400 naming the field, a missing image 404", async () => {
  const { app } = await setup();
  await app.request("/containers/create?name=xx", json({ Image: "toolbox", Cmd: ["true"] }));
  const dup = await app.request("/containers/create?name=xx", json({ Image: "toolbox", Cmd: ["true"] }));
  assert.is(dup.status, 409);
  assert.match((await dup.json() as { message: string }).message, /The container name "\/xx" is already in use/);
  const bad = await app.request("/containers/create", json({ Image: "toolbox", Cmd: 5 }));
  assert.is(bad.status, 400);
  assert.match((await bad.json() as { message: string }).message, /field "Cmd"/);
  const nojson = await app.request("/containers/create", { method: "POST", body: "{nope" });
  assert.is(nojson.status, 400);
  const missing = await app.request("/containers/create", json({ Image: "nosuch" }));
  assert.is(missing.status, 404);
  assert.equal(await missing.json(), { message: "No such image: nosuch:latest" });
  const rmi = await app.request("/images/toolbox", { method: "DELETE" });
  assert.is(rmi.status, 409);
  const big = await app.request("/containers/create", { method: "POST", body: "x".repeat(2 << 20), headers: { "Content-Length": String(2 << 20) } });
  assert.is(big.status, 413);
  const list = await (await app.request("/containers/json?all=1")).json() as unknown[];
  assert.is(list.length, 1); // nothing half-created
});

t("images: inspect with a greedy name, tag, history, save and load", async () => {
  const { app } = await setup();
  const inspect = await (await app.request("/v1.47/images/toolbox:latest/json")).json() as { RepoTags: string[]; RootFS: { Layers: string[] } };
  assert.equal(inspect.RepoTags, ["toolbox:latest"]);
  assert.is((await app.request("/images/toolbox/tag?repo=127.0.0.1:5000/tb&tag=v1", { method: "POST" })).status, 201);
  assert.is((await app.request("/images/127.0.0.1:5000/tb:v1/json")).status, 200);
  const hist = await (await app.request("/images/toolbox/history")).json() as Array<{ Id: string }>;
  assert.ok(hist[0]!.Id.startsWith("sha256:"));
  const tar = new Uint8Array(await (await app.request("/images/get?names=toolbox")).arrayBuffer());
  const { engine: other } = { engine: await sampleEngine([]) };
  const load = await createApi(other).request("/images/load?quiet=1", { method: "POST", body: tar, headers: { "Content-Type": "application/x-tar" } });
  assert.match(await load.text(), /"stream":"Loaded image: toolbox:latest\\n"/);
  const bad = await createApi(other).request("/images/load", { method: "POST", body: new Uint8Array(1024), headers: { "Content-Type": "application/x-tar" } });
  assert.match(await bad.text(), /"errorDetail":\{"message":"Cannot read the uploaded archive/);
});

t("a bearer token, when set, is required", async () => {
  const engine = await sampleEngine([]);
  const app = createApi(engine, { token: "s3cret" });
  assert.is((await app.request("/_ping")).status, 401);
  assert.is((await app.request("/_ping", { headers: { Authorization: "Bearer s3cret" } })).status, 200);
});

t("exec create on a container that is not running is a 409, as Docker answers", async () => {
  const { app, engine } = await setup();
  const { Id } = await engine.create({ Image: "toolbox", Cmd: ["true"] });
  const res = await app.request(`/containers/${Id}/exec`, json({ Cmd: ["true"] }));
  assert.is(res.status, 409);
  assert.match((await res.json() as { message: string }).message, /is not running/);
});

t.run();
