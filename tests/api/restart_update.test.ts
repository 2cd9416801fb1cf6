/**
 * The API of restart policies and `docker update`: HostConfig.RestartPolicy at create
 * (400s in Docker's words), RestartCount and State.Restarting in inspect, DELETE of a
 * restarting container (409), and POST /containers/{id}/update with its Warnings.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { EngineEvent } from "../../src/engine/mod.ts";
import { until } from "../_wait.ts";
import { message, post, sampleApi } from "./_app.ts";

const t = suite("API: restart policies and container update");

type Api = Awaited<ReturnType<typeof sampleApi>>;

/** Resolves once the container has died `n` times. */
function dies(api: Api, id: () => string, n: number): Promise<void> {
  let count = 0;
  return until(new Promise<void>((resolve) => {
    const stop = api.engine.events.subscribe((e: EngineEvent) => {
      if (e.Actor.ID === id() && e.Action === "die" && ++count === n) stop(), resolve();
    });
  }), { what: () => `${n} die events (saw ${count})` });
}

async function create(api: Api, body: Record<string, unknown>, name = "ctr") {
  const r = await api.req(`/v1.47/containers/create?name=${name}`, post({ Image: "toolbox", ...body }));
  return { status: r.status, body: await r.json() as { Id: string; message: string } };
}

t("create refuses a bad restart policy with 400 in Docker's words, and --rm with a policy", async () => {
  const api = await sampleApi();
  const bad = async (HostConfig: unknown) => (await create(api, { Cmd: ["true"], HostConfig })).body;
  assert.equal(await bad({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: -2 } }), { message: "invalid restart policy: maximum retry count cannot be negative" });
  assert.equal(await bad({ RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 1 } }), { message: "invalid restart policy: maximum retry count can only be used with 'on-failure'" });
  assert.equal(await bad({ RestartPolicy: { Name: "always" }, AutoRemove: true }), { message: "can't create 'AutoRemove' container with restart policy" });
  assert.is((await create(api, { Cmd: ["true"], HostConfig: { RestartPolicy: { Name: 3 } } })).status, 400);
  assert.equal(await (await api.req("/v1.47/containers/json?all=1")).json(), []);
});

t("a restarting container: inspect says Running and Restarting with its RestartCount; DELETE is 409 without force, 204 with it", async () => {
  const api = await sampleApi();
  let id = "";
  const died = dies(api, () => id, 4); // then it waits 800 ms to restart
  id = (await create(api, { Cmd: ["sh", "-c", "exit 5"], HostConfig: { RestartPolicy: { Name: "always" } } })).body.Id;
  await api.req(`/v1.47/containers/${id}/start`, post());
  await died;
  const c = await (await api.req(`/v1.47/containers/${id}/json`)).json() as { State: Record<string, unknown>; RestartCount: number; HostConfig: { RestartPolicy: unknown } };
  assert.equal([c.State["Status"], c.State["Running"], c.State["Restarting"], c.State["ExitCode"], c.RestartCount], ["restarting", true, true, 5, 4]);
  assert.equal(c.HostConfig.RestartPolicy, { Name: "always", MaximumRetryCount: 0 });
  const ps = await (await api.req(`/v1.47/containers/json?filters=${encodeURIComponent(JSON.stringify({ status: ["restarting"] }))}`)).json() as Array<{ State: string }>;
  assert.equal(ps.map((p) => p.State), ["restarting"]);
  const del = await api.req(`/v1.47/containers/${id}`, { method: "DELETE" });
  assert.is(del.status, 409);
  assert.is(await message(del), `cannot remove container "/ctr": container is restarting: stop the container before removing or force remove`);
  assert.is((await api.req(`/v1.47/containers/${id}?force=1`, { method: "DELETE" })).status, 204);
  assert.is((await api.req(`/v1.47/containers/${id}/json`)).status, 404);
});

t("update changes the memory limit and the restart policy, answers Warnings, and emits update", async () => {
  const api = await sampleApi();
  const { Id } = (await create(api, { Cmd: ["sh", "-c", "exit 1"] })).body;
  const events: string[] = [];
  api.engine.events.subscribe((e) => void (e.Actor.ID === Id && events.push(e.Action)));
  // What the docker CLI 28 sends for `docker update -m 32m --restart on-failure:1 c`: every resource, unset ones as zeros.
  const body = { Memory: 32 << 20, MemorySwap: 0, CpuShares: 0, CpusetCpus: "", BlkioWeight: 0, NanoCpus: 0, RestartPolicy: { Name: "on-failure", MaximumRetryCount: 1 } };
  const r = await api.req(`/v1.47/containers/ctr/update`, post(body));
  assert.is(r.status, 200);
  assert.equal(await r.json(), { Warnings: [] });
  const c = await (await api.req(`/v1.47/containers/ctr/json`)).json() as { HostConfig: { Memory: number; RestartPolicy: unknown } };
  assert.equal([c.HostConfig.Memory, c.HostConfig.RestartPolicy], [32 << 20, { Name: "on-failure", MaximumRetryCount: 1 }]);
  assert.equal(events, ["update"]);
  // The new policy acts at the next exits: one restart, then it stays exited.
  const died = dies(api, () => Id, 2);
  await api.req(`/v1.47/containers/ctr/start`, post());
  await died;
  const after = await (await api.req(`/v1.47/containers/ctr/json`)).json() as { RestartCount: number; State: { Status: string } };
  assert.equal([after.RestartCount, after.State.Status], [1, "exited"]);
});

t("update discards the limits strata does not enforce with a warning; an empty policy name leaves the policy; bad values are 400, a missing container 404", async () => {
  const api = await sampleApi();
  await create(api, { Cmd: ["true"], HostConfig: { RestartPolicy: { Name: "unless-stopped" } } });
  const r = await api.req(`/v1.47/containers/ctr/update`, post({ CpuShares: 512, PidsLimit: 10, CpusetCpus: "0", MemorySwap: -1, RestartPolicy: { Name: "", MaximumRetryCount: 0 } }));
  assert.equal(await r.json(), { Warnings: ["strata does not enforce CpuShares: the limit was discarded", "strata does not enforce PidsLimit: the limit was discarded", "strata does not enforce CpusetCpus: the limit was discarded"] });
  const c = await (await api.req(`/v1.47/containers/ctr/json`)).json() as { HostConfig: Record<string, unknown> };
  assert.equal([c.HostConfig["RestartPolicy"], c.HostConfig["CpuShares"]], [{ Name: "unless-stopped", MaximumRetryCount: 0 }, 0]); // inspect shows Docker's zero values
  const bad = await api.req(`/v1.47/containers/ctr/update`, post({ RestartPolicy: { Name: "always", MaximumRetryCount: 2 } }));
  assert.equal([bad.status, await message(bad)], [400, "invalid restart policy: maximum retry count can only be used with 'on-failure'"]);
  assert.is((await api.req(`/v1.47/containers/ctr/update`, post({ Memory: "lots" }))).status, 400);
  assert.is((await api.req(`/v1.47/containers/ctr/update`, post({ Memory: -5 }))).status, 400);
  const missing = await api.req(`/v1.47/containers/nope/update`, post({}));
  assert.equal([missing.status, await message(missing)], [404, "No such container: nope"]);
  const rm = (await create(api, { Cmd: ["true"], HostConfig: { AutoRemove: true } }, "rm")).body.Id;
  const conflictRm = await api.req(`/v1.47/containers/rm/update`, post({ RestartPolicy: { Name: "always" } }));
  assert.equal([conflictRm.status, await message(conflictRm)], [400, `Cannot update container ${rm}: Restart policy cannot be updated because AutoRemove is enabled for the container`]);
});

t("update of a running container's memory limit says it applies from the next start", async () => {
  const api = await sampleApi();
  const { Id } = (await create(api, { Cmd: ["cat"], OpenStdin: true, StdinOnce: true })).body;
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  api.engine.containers.attach(Id, { stdin: new ReadableStream<Uint8Array>({ start: (c) => void (ctrl = c) }) });
  await api.req(`/v1.47/containers/${Id}/start`, post());
  const r = await api.req(`/v1.47/containers/${Id}/update`, post({ Memory: 16 << 20 }));
  assert.equal(await r.json(), { Warnings: ["The memory limit applies from the container's next start: a running WebAssembly program's memory cap cannot change"] });
  ctrl.close();
  await api.engine.containers.wait(Id);
  assert.is((await api.engine.containers.inspect(Id)).HostConfig.Memory, 16 << 20);
});

t.run();
