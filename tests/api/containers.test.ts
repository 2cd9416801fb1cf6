import { suite } from "uvu";
import * as assert from "uvu/assert";
import { demultiplex, message, post, runThrough, sampleApi } from "./_app.ts";

const t = suite("API: container lifecycle, status codes and errors");

/** A container kept running: `cat` waits for stdin, which the test holds open through a plain attach session. */
async function heldOpen(api: Awaited<ReturnType<typeof sampleApi>>, name: string) {
  const { Id } = await (await api.req(`/containers/create?name=${name}`, post({ Image: "toolbox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true }))).json() as { Id: string };
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (ctrl = c) });
  api.engine.containers.attach(Id, { stdin });
  assert.is((await api.req(`/containers/${name}/start`, post())).status, 204);
  return { Id, release: () => ctrl.close() };
}

t("create answers 201 with Id and Warnings; start 204; wait gives the exit code", async () => {
  const { req } = await sampleApi();
  const c = await req("/v1.47/containers/create?name=web", post({ Image: "toolbox", Cmd: ["sh", "-c", "exit 4"] }));
  assert.is(c.status, 201);
  const body = await c.json() as { Id: string; Warnings: string[] };
  assert.match(body.Id, /^[a-f0-9]{64}$/);
  assert.equal(body.Warnings, []);
  const wait = req(`/v1.47/containers/web/wait?condition=next-exit`, post());
  assert.is((await req(`/v1.47/containers/web/start`, post())).status, 204);
  assert.equal(await (await wait).json(), { StatusCode: 4, Error: null });
});

t("wait sends its headers before the container starts (docker run starts only after them)", async () => {
  const { req } = await sampleApi();
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["echo", "x"] }))).json() as { Id: string };
  const res = await req(`/containers/${Id}/wait?condition=next-exit`, post());
  assert.is(res.status, 200); // resolved although the container has not started
  assert.is((await req(`/containers/${Id}/start`, post())).status, 204);
  assert.equal(JSON.parse(await res.text()), { StatusCode: 0, Error: null });
});

t("wait on an exited container answers at once; on a missing one 404; a bad condition 400", async () => {
  const { req } = await sampleApi();
  const { Id } = await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "exit 3"] });
  assert.equal(await (await req(`/containers/${Id}/wait`, post())).json(), { StatusCode: 3, Error: null });
  const missing = await req(`/containers/nosuch/wait`, post());
  assert.is(missing.status, 404);
  assert.is(await message(missing), "No such container: nosuch");
  assert.is((await req(`/containers/${Id}/wait?condition=whenever`, post())).status, 400);
});

t("wait?condition=removed answers after an AutoRemove container is gone", async () => {
  const { req } = await sampleApi();
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["sh", "-c", "exit 2"], HostConfig: { AutoRemove: true } }))).json() as { Id: string };
  const wait = req(`/containers/${Id}/wait?condition=removed`, post());
  await req(`/containers/${Id}/start`, post());
  assert.equal(await (await wait).json(), { StatusCode: 2, Error: null });
  assert.is((await req(`/containers/${Id}/json`)).status, 404);
});

t("start of a running container is 304; stop of a stopped one 304; kill of a stopped one 409", async () => {
  const api = await sampleApi();
  const { req } = api;
  const held = await heldOpen(api, "held");
  assert.is((await req("/containers/held/start", post())).status, 304);
  held.release();
  await (await req("/containers/held/wait", post())).text();
  assert.is((await req("/containers/held/stop", post())).status, 304);
  const k = await req("/containers/held/kill", post());
  assert.is(k.status, 409);
  assert.match(await message(k), /is not running/);
});

t("stop and kill of a running container answer 204 and it exits", async () => {
  const api = await sampleApi();
  await heldOpen(api, "s1");
  assert.is((await api.req("/containers/s1/stop?t=1", post())).status, 204);
  const s = await (await api.req("/containers/s1/json")).json() as { State: { Status: string; Running: boolean } };
  assert.is(s.State.Status, "exited");
  await heldOpen(api, "k1");
  assert.is((await api.req("/containers/k1/kill", post())).status, 204);
  assert.is(((await (await api.req("/containers/k1/wait", post())).json()) as { StatusCode: number }).StatusCode, 137);
});

t("remove of a running container is 409 unless forced; then 204 and 404 after", async () => {
  const api = await sampleApi();
  await heldOpen(api, "busy");
  const r = await api.req("/containers/busy", { method: "DELETE" });
  assert.is(r.status, 409);
  assert.match(await message(r), /stop the container before removing or force remove/);
  assert.is((await api.req("/containers/busy?force=1", { method: "DELETE" })).status, 204);
  const gone = await api.req("/containers/busy/json");
  assert.is(gone.status, 404);
  assert.equal(await gone.json(), { message: "No such container: busy" });
});

t("restart runs the container again and counts it", async () => {
  const { req } = await sampleApi();
  const { Id } = await runThrough(req, { Image: "toolbox", Cmd: ["echo", "again"] });
  assert.is((await req(`/containers/${Id}/restart?t=1`, post())).status, 204);
  await (await req(`/containers/${Id}/wait`, post())).text();
  const logs = demultiplex(new Uint8Array(await (await req(`/containers/${Id}/logs?stdout=1`)).arrayBuffer()));
  assert.is(logs.stdout, "again\nagain\n");
});

t("create errors: name conflict 409, missing image 404, no command 400, bad body 400 naming the field", async () => {
  const { req } = await sampleApi();
  await req("/containers/create?name=xx", post({ Image: "toolbox", Cmd: ["true"] }));
  const dup = await req("/containers/create?name=xx", post({ Image: "toolbox", Cmd: ["true"] }));
  assert.is(dup.status, 409);
  assert.match(await message(dup), /The container name "\/xx" is already in use/);
  const missing = await req("/containers/create", post({ Image: "nosuch" }));
  assert.is(missing.status, 404);
  assert.is(await message(missing), "No such image: nosuch:latest");
  const cases: Array<[unknown, RegExp]> = [
    [{ Image: "toolbox", Cmd: 5 }, /field "Cmd"/],
    [{ Cmd: ["true"] }, /field "Image"/],
    [{ Image: "toolbox", Env: "A=1" }, /field "Env"/],
    [{ Image: "toolbox", HostConfig: { Binds: [3] } }, /field "HostConfig.Binds.0"/],
    [{ Image: "toolbox", HostConfig: { Memory: -1 } }, /field "HostConfig.Memory"/],
  ];
  for (const [body, re] of cases) {
    const r = await req("/containers/create", post(body));
    assert.is(r.status, 400, JSON.stringify(body));
    assert.match(await message(r), re);
  }
  const nojson = await req("/containers/create", { method: "POST", body: "{nope", headers: { "Content-Type": "application/json" } });
  assert.is(nojson.status, 400);
  assert.match(await message(nojson), /invalid JSON body/);
  assert.is((await (await req("/containers/json?all=1")).json() as unknown[]).length, 1); // nothing half-created
});

t("create reads only name from the query (dockerode copies its options there)", async () => {
  const { req } = await sampleApi();
  const r = await req("/containers/create?Image=nosuch&Cmd=false&name=dq", post({ Image: "toolbox", Cmd: ["true"] }));
  assert.is(r.status, 201);
  const i = await (await req("/containers/dq/json")).json() as { Config: { Cmd: string[]; Image: string } };
  assert.equal(i.Config.Cmd, ["true"]);
});

t("list: running only by default, all=1, filters in both JSON forms, size, limit", async () => {
  const api = await sampleApi();
  await runThrough(api.req, { Image: "toolbox", Cmd: ["true"] }, "done1");
  await api.req("/containers/create?name=fresh", post({ Image: "toolbox", Cmd: ["true"], Labels: { tier: "web" } }));
  const held = await heldOpen(api, "up1");
  const names = async (q: string) => ((await (await api.req(`/containers/json${q}`)).json()) as Array<{ Names: string[] }>).map((c) => c.Names[0]).sort();
  assert.equal(await names(""), ["/up1"]);
  assert.equal(await names("?all=1"), ["/done1", "/fresh", "/up1"]);
  assert.equal(await names(`?all=1&filters=${encodeURIComponent('{"status":{"exited":true}}')}`), ["/done1"]);
  assert.equal(await names(`?all=true&filters=${encodeURIComponent('{"status":["created"]}')}`), ["/fresh"]);
  assert.equal(await names(`?all=1&filters=${encodeURIComponent('{"label":["tier=web"]}')}`), ["/fresh"]);
  assert.equal(await names(`?all=1&filters=${encodeURIComponent('{"name":{"done":true}}')}`), ["/done1"]);
  assert.is((await names("?all=1&limit=2")).length, 2);
  const sized = await (await api.req("/containers/json?all=1&size=1")).json() as Array<{ SizeRw: number; SizeRootFs: number; Status: string; State: string }>;
  assert.ok(sized.every((c) => typeof c.SizeRw === "number" && c.SizeRootFs >= c.SizeRw));
  assert.ok(sized.some((c) => c.State === "exited" && /^Exited \(0\) /.test(c.Status)));
  held.release();
});

t("inspect: Docker's shape, with sizes when asked", async () => {
  const { req } = await sampleApi();
  const { Id } = await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "echo x > /tmp/f"], Env: ["A=1"] }, "ins");
  const i = await (await req("/v1.47/containers/ins/json?size=1")).json() as Record<string, any>;
  assert.is(i.Id, Id);
  assert.is(i.Name, "/ins");
  assert.is(i.State.Status, "exited");
  assert.is(i.State.Running, false);
  assert.is(i.State.ExitCode, 0);
  assert.ok(i.Config.Env.includes("A=1"));
  assert.is(i.Config.Tty, false);
  assert.ok(i.SizeRw > 0);
});

t("rename: 204, then the new name resolves; a taken name is 409; no name 400", async () => {
  const { req } = await sampleApi();
  await req("/containers/create?name=a1", post({ Image: "toolbox", Cmd: ["true"] }));
  await req("/containers/create?name=b1", post({ Image: "toolbox", Cmd: ["true"] }));
  assert.is((await req("/containers/a1/rename?name=a2", post())).status, 204);
  assert.is((await req("/containers/a2/json")).status, 200);
  assert.is((await req("/containers/a2/rename?name=b1", post())).status, 409);
  assert.is((await req("/containers/a2/rename", post())).status, 400);
});

t("resize: 409 for a container that is not running (Docker's), 404 for a missing one, 400 for a bad size", async () => {
  const { req } = await sampleApi();
  await req("/containers/create?name=r1", post({ Image: "toolbox", Cmd: ["true"] }));
  const r = await req("/containers/r1/resize?h=40&w=80", post());
  assert.is(r.status, 409);
  assert.match(((await r.json()) as { message: string }).message, /^container [0-9a-f]{64} is not running$/);
  assert.is((await req("/containers/none/resize?h=40&w=80", post())).status, 404);
  assert.is((await req("/containers/r1/resize?h=x&w=80", post())).status, 400);
});

t("changes lists what the program did (Kind 1 added, 0 modified, 2 deleted)", async () => {
  const { req } = await sampleApi();
  await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "echo hi > /tmp/new"] }, "ch");
  const changes = await (await req("/containers/ch/changes")).json() as Array<{ Path: string; Kind: number }>;
  assert.ok(changes.some((c) => c.Path === "/tmp/new" && c.Kind === 1));
  assert.ok(changes.some((c) => c.Path === "/tmp" && c.Kind === 0));
});

t("export streams the merged rootfs as a tar", async () => {
  const { req } = await sampleApi();
  await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "echo hi > /tmp/exported"] }, "ex");
  const r = await req("/containers/ex/export");
  assert.is(r.headers.get("Content-Type"), "application/x-tar");
  const bytes = new Uint8Array(await r.arrayBuffer());
  const text = new TextDecoder("latin1").decode(bytes);
  assert.ok(text.includes("tmp/exported"));
  assert.ok(text.includes("bin/"));
  assert.is(bytes.length % 512, 0);
});

t("prune removes stopped containers and keeps running ones", async () => {
  const api = await sampleApi();
  const { Id } = await runThrough(api.req, { Image: "toolbox", Cmd: ["true"] });
  const held = await heldOpen(api, "keep");
  const r = await (await api.req("/containers/prune", post())).json() as { ContainersDeleted: string[] };
  assert.equal(r.ContainersDeleted, [Id]);
  assert.is((await api.req("/containers/keep/json")).status, 200);
  held.release();
});

t.run();
