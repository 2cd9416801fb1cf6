import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ApiError, toHttpStatus } from "../../src/api/mod.ts";
import { EngineError } from "../../src/engine/mod.ts";
import { message, post, sampleApi } from "./_app.ts";

const t = suite("API: ping, version, info, routing, errors, token, limits");

t("GET /_ping answers OK with Api-Version 1.47 and the other ping headers", async () => {
  const { req } = await sampleApi([]);
  const r = await req("/_ping");
  assert.is(r.status, 200);
  assert.is(await r.text(), "OK");
  assert.is(r.headers.get("Api-Version"), "1.47");
  assert.is(r.headers.get("OSType"), "linux");
  assert.is(r.headers.get("Docker-Experimental"), "false");
  assert.is(r.headers.get("Swarm"), "inactive");
});

t("HEAD /_ping answers 200 with the same headers and an empty body, versioned too", async () => {
  const { req } = await sampleApi([]);
  for (const path of ["/_ping", "/v1.47/_ping", "/v1.24/_ping"]) {
    const r = await req(path, { method: "HEAD" });
    assert.is(r.status, 200, path);
    assert.is(r.headers.get("Api-Version"), "1.47");
    assert.is(await r.text(), "");
  }
});

t("/version names the strata engine with ApiVersion and MinAPIVersion", async () => {
  const { req } = await sampleApi([]);
  const v = await (await req("/v1.47/version")).json() as Record<string, unknown>;
  assert.is(v["ApiVersion"], "1.47");
  assert.type(v["MinAPIVersion"], "string");
  assert.is((v["Platform"] as { Name: string }).Name, "strata");
});

t("/info counts images and containers and says swarm is inactive", async () => {
  const { req } = await sampleApi(["toolbox", "probes"]);
  await req("/containers/create", post({ Image: "toolbox", Cmd: ["true"] }));
  const i = await (await req("/info")).json() as Record<string, unknown>;
  assert.is(i["Images"], 2);
  assert.is(i["Containers"], 1);
  assert.is(i["ContainersStopped"], 1);
  assert.is((i["Swarm"] as { LocalNodeState: string }).LocalNodeState, "inactive");
  assert.equal(i["Warnings"], []);
});

t("versioned and unversioned paths route to the same handler", async () => {
  const { req } = await sampleApi(["toolbox"]);
  const a = await (await req("/v1.47/images/json")).json();
  const b = await (await req("/images/json")).json();
  const c = await (await req("/v1.50/images/json")).json();
  assert.equal(a, b);
  assert.equal(a, c);
  assert.equal((a as Array<{ RepoTags: string[] }>)[0]!.RepoTags, ["toolbox:latest"]);
});

t("an unknown path is 404 in Docker's error shape", async () => {
  const { req } = await sampleApi([]);
  const r = await req("/v1.47/nonsense");
  assert.is(r.status, 404);
  assert.equal(await r.json(), { message: "page not found" });
});

t("toHttpStatus maps every engine error kind once, ApiError by its status, parser errors to 400", () => {
  const kinds = { "not-found": 404, conflict: 409, invalid: 400, "not-modified": 304, unavailable: 503, forbidden: 403, internal: 500 } as const;
  for (const [kind, status] of Object.entries(kinds)) assert.is(toHttpStatus(new EngineError(kind as keyof typeof kinds, "x")), status, kind);
  assert.is(toHttpStatus(new ApiError(413, "big")), 413);
  assert.is(toHttpStatus(new SyntaxError("bad")), 400);
  assert.is(toHttpStatus(new Error("boom")), 500);
});

t("with a token, requests without it get 401 and requests with it pass", async () => {
  const { req } = await sampleApi([], { token: "s3cret" });
  const none = await req("/_ping");
  assert.is(none.status, 401);
  assert.match(await message(none), /bearer token/);
  assert.is((await req("/_ping", { headers: { Authorization: "Bearer wrong!" } })).status, 401);
  assert.is((await req("/_ping", { headers: { Authorization: "Bearer s3cret" } })).status, 200);
  assert.is((await req("/v1.47/containers/json", { headers: { Authorization: "Bearer s3cret" } })).status, 200);
});

t("a JSON body beyond the limit is refused with 413 and creates nothing", async () => {
  const { req } = await sampleApi(["toolbox"], { maxJsonBytes: 1024 });
  const body = JSON.stringify({ Image: "toolbox", Cmd: ["true"], Labels: { big: "x".repeat(4096) } });
  const r = await req("/containers/create", { method: "POST", body, headers: { "Content-Type": "application/json", "Content-Length": String(body.length) } });
  assert.is(r.status, 413);
  assert.match(await message(r), /exceeds the limit of 1024 bytes/);
  const chunked = new ReadableStream({ start: (c) => { c.enqueue(new TextEncoder().encode(body)); c.close(); } });
  const r2 = await req("/containers/create", { method: "POST", body: chunked, headers: { "Transfer-Encoding": "chunked" }, duplex: "half" } as RequestInit);
  assert.is(r2.status, 413);
  assert.equal(await (await req("/containers/json?all=1")).json(), []);
});

t("attach with Upgrade: tcp reaching the fetch app answers a clear 501", async () => {
  const { req } = await sampleApi(["toolbox"]);
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["true"] }))).json() as { Id: string };
  const r = await req(`/v1.47/containers/${Id}/attach?stream=1&stdout=1`, { method: "POST", headers: { Upgrade: "tcp", Connection: "Upgrade" } });
  assert.is(r.status, 501);
  assert.match(await message(r), /hijacked connection/);
});

t("/system/df lists images with Containers counts and containers with SizeRw", async () => {
  const { req } = await sampleApi(["toolbox"]);
  await req("/containers/create?name=dfc", post({ Image: "toolbox", Cmd: ["true"] }));
  const df = await (await req("/v1.47/system/df")).json() as { LayersSize: number; Images: Array<{ Containers: number }>; Containers: Array<{ SizeRw: number; Names: string[] }> };
  assert.ok(df.LayersSize > 0);
  assert.is(df.Images[0]!.Containers, 1);
  assert.equal(df.Containers[0]!.Names, ["/dfc"]);
  assert.type(df.Containers[0]!.SizeRw, "number");
});

t("/events replays past events since a time as JSON lines and ends at until", async () => {
  const { req } = await sampleApi(["toolbox"]);
  const since = Math.floor(Date.now() / 1000) - 1;
  await req("/containers/create?name=ev1", post({ Image: "toolbox", Cmd: ["true"] }));
  const until = Math.floor(Date.now() / 1000) + 1;
  const r = await req(`/events?since=${since}&until=${until}&filters=${encodeURIComponent(JSON.stringify({ type: ["container"] }))}`);
  assert.is(r.headers.get("Content-Type"), "application/json");
  const lines = (await r.text()).trim().split("\n").map((l) => JSON.parse(l) as { Type: string; Action: string; Actor: { Attributes: Record<string, string> } });
  assert.ok(lines.some((e) => e.Action === "create" && e.Actor.Attributes["name"] === "ev1"));
  assert.ok(lines.every((e) => e.Type === "container"));
});

t("/events follows: a live event arrives while the stream is open", async () => {
  const { req } = await sampleApi(["toolbox"]);
  const r = await req("/events");
  const reader = r.body!.getReader();
  await req("/containers/create?name=live", post({ Image: "toolbox", Cmd: ["true"] }));
  const { value } = await reader.read();
  const e = JSON.parse(new TextDecoder().decode(value).split("\n")[0]!) as { Action: string; Actor: { Attributes: Record<string, string> } };
  assert.is(e.Action, "create");
  assert.is(e.Actor.Attributes["name"], "live");
  await reader.cancel();
});

t("a bad filters query is a 400 naming it", async () => {
  const { req } = await sampleApi([]);
  const r = await req("/containers/json?filters=%7Bnope");
  assert.is(r.status, 400);
  assert.match(await message(r), /invalid filter/);
});

t.run();
