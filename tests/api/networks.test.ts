import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createApi } from "../../src/api/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { SAMPLES } from "../engine/_samples.ts";
import { message, post, sampleApi } from "./_app.ts";

const host = runtimeHost();

const t = suite("networks: Docker's predefined ones, no others");
t.after(() => closeWorkers(host.workerHost));

type Net = { Name: string; Id: string; Driver: string; Scope: string; Containers: Record<string, { Name: string }>; IPAM: { Driver: string } };

t("GET /networks lists bridge, host and none with Docker's shapes", async () => {
  const { req } = await sampleApi([]);
  const nets = (await (await req("/v1.47/networks")).json()) as Net[];
  assert.equal(nets.map((n) => [n.Name, n.Driver, n.Scope]), [["bridge", "bridge", "local"], ["host", "host", "local"], ["none", "null", "local"]]);
  for (const n of nets) assert.match(n.Id, /^[0-9a-f]{64}$/), assert.is(n.IPAM.Driver, "default");
  const f = encodeURIComponent(JSON.stringify({ driver: { host: true } }));
  assert.equal(((await (await req(`/v1.47/networks?filters=${f}`)).json()) as Net[]).map((n) => n.Name), ["host"]);
});

t("inspect finds a network by name or id prefix; an unknown one is Docker's 404", async () => {
  const { req } = await sampleApi([]);
  const bridge = (await (await req("/v1.47/networks/bridge")).json()) as Net;
  assert.is(((await (await req(`/v1.47/networks/${bridge.Id.slice(0, 12)}`)).json()) as Net).Name, "bridge");
  const r = await req("/v1.47/networks/mynet");
  assert.is(r.status, 404);
  assert.is(await message(r), "network mynet not found");
});

t("a running container is on the none network", async () => {
  const engine = await createEngine({ store: new MemoryStore(), ...host });
  await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}toolbox.tar`)), { name: "toolbox.tar" });
  const app = createApi(engine);
  const req = async (path: string, init?: RequestInit) => await app.request(path, init);
  const { Id } = (await (await req("/v1.47/containers/create?name=sleeper", post({ Image: "toolbox", Cmd: ["sleep", "30"] }))).json()) as { Id: string };
  await req(`/v1.47/containers/${Id}/start`, post());
  const none = (await (await req("/v1.47/networks/none")).json()) as Net;
  assert.is(none.Containers[Id]?.Name, "sleeper");
  await req(`/v1.47/containers/${Id}?force=1`, { method: "DELETE" });
  await engine.close({ graceMs: 0 });
});

t("create, connect and disconnect say that containers have no network; prune deletes nothing; rm of a predefined one is 403", async () => {
  const { req } = await sampleApi([]);
  for (const [path, what] of [["/v1.47/networks/create", "creating networks"], ["/v1.47/networks/bridge/connect", "connecting"], ["/v1.47/networks/bridge/disconnect", "disconnecting"]]) {
    const r = await req(path!, post({ Name: "x", Container: "y" }));
    assert.is(r.status, 501);
    const m = await message(r);
    assert.ok(m.includes(what!) && m.includes("have no network"), m);
  }
  assert.equal(await (await req("/v1.47/networks/prune", post())).json(), { NetworksDeleted: null });
  const r = await req("/v1.47/networks/bridge", { method: "DELETE" });
  assert.is(r.status, 403);
  assert.is(await message(r), "bridge is a pre-defined network and cannot be removed");
});

t.run();
