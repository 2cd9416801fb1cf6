/** GET /containers/{id}/stats and /top, POST /containers/{id}/pause and /unpause, through the API (no socket). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type EngineApi } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { until } from "../_wait.ts";
import { message, post } from "./_app.ts";

const { workerHost } = runtimeHost();
const SAMPLES = fileURLToPath(new URL("../../rootfs-samples/", import.meta.url));
const t = suite("api: stats, top, pause");
t.after(() => closeWorkers(workerHost));

/** The API over an engine with workers; `streams` counts the stats iterators the API has open. */
async function workerApi() {
  const engine = await createEngine({ store: new MemoryStore(), workerHost });
  await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}toolbox.tar`)), { name: "toolbox.tar" });
  const open = { n: 0 };
  // Its stats iterators counted: a stream left running after its client went away shows here.
  const stats = engine.containers.stats.bind(engine.containers);
  Object.assign(engine.containers, {
    stats: (ref: string, o: Parameters<EngineApi["containers"]["stats"]>[1]) => {
      const inner = stats(ref, o);
      return (async function* () {
        open.n++;
        try {
          yield* inner;
        } finally {
          open.n--;
        }
      })();
    },
  });
  const app = createApi(engine);
  const req = async (path: string, init?: RequestInit) => await app.request(path, init);
  const start = async (cmd: string[]) => {
    const { Id } = await (await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: cmd }))).json() as { Id: string };
    assert.is((await req(`/v1.47/containers/${Id}/start`, post())).status, 204);
    return Id;
  };
  return { engine, req, start, open };
}

t("stats?stream=0 answers one StatsJSON document; stream and one-shot together are a 400", async () => {
  const { engine, req, start } = await workerApi();
  const id = await start(["sleep", "30"]);
  // Its memory counts once its program is instantiated in its worker.
  const d = await until(async () => {
    const r = await req(`/v1.47/containers/${id}/stats?stream=0&one-shot=1`);
    assert.is(r.status, 200);
    const doc = await r.json() as Record<string, any>;
    return doc.memory_stats.usage > 0 ? doc : undefined;
  }, { what: "the program's memory in stats", pollMs: 20 });
  assert.is(d.id, id);
  assert.equal(Object.keys(d.cpu_stats.cpu_usage).sort(), ["total_usage", "usage_in_kernelmode", "usage_in_usermode"]);
  assert.is(d.pids_stats.current, 1);
  assert.equal(d.blkio_stats.io_service_bytes_recursive.map((e: { op: string }) => e.op), ["read", "write"]);
  assert.ok(d.memory_stats.limit > 0);
  const bad = await req(`/v1.47/containers/${id}/stats?stream=1&one-shot=1`);
  assert.is(bad.status, 400);
  assert.is(await message(bad), "cannot have stream=true and one-shot=true");
  assert.is((await req("/v1.47/containers/nope/stats?stream=0")).status, 404);
  await engine.close();
});

t("a streamed stats response sends a document a second; a client that goes away ends the stream", async () => {
  const { engine, req, start, open } = await workerApi();
  const id = await start(["sleep", "30"]);
  const r = await req(`/v1.47/containers/${id}/stats`);
  assert.is(r.status, 200);
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while ((text.match(/\n/g) ?? []).length < 2) text += (await reader.read()).value ?? "";
  const [first, second] = text.split("\n").map((l) => l && JSON.parse(l)) as Array<Record<string, string>>;
  assert.is(first!.preread, "0001-01-01T00:00:00Z");
  assert.is(second!.preread, first!.read);
  assert.is(open.n, 1);
  await reader.cancel();
  await until(() => open.n === 0, { what: "the stats stream to end after its client went away" });
  await engine.close();
});

t("top answers Docker's Titles and Processes; 409 for a stopped container", async () => {
  const { engine, req, start } = await workerApi();
  const id = await start(["sleep", "30"]);
  const r = await req(`/v1.47/containers/${id}/top?ps_args=-ef`);
  assert.is(r.status, 200);
  const top = await r.json() as { Titles: string[]; Processes: string[][] };
  assert.is(top.Titles[1], "PID");
  assert.equal(top.Processes.map((p) => [p[1], p[7]]), [["1", "sleep 30"]]);
  const bad = await req(`/v1.47/containers/${id}/top?ps_args=--forest`);
  assert.is(bad.status, 500);
  assert.match(await message(bad), /^Error running ps/);
  assert.is((await req(`/v1.47/containers/${id}/kill`, post())).status, 204);
  const stopped = await req(`/v1.47/containers/${id}/top`);
  assert.is(stopped.status, 409);
  assert.is(await message(stopped), `container ${id} is not running`);
  await engine.close();
});

t("pause and unpause answer 204, then 409 with Docker's messages", async () => {
  const { engine, req, start } = await workerApi();
  const id = await start(["sleep", "30"]);
  assert.is((await req(`/v1.47/containers/${id}/pause`, post())).status, 204);
  const inspect = await (await req(`/v1.47/containers/${id}/json`)).json() as { State: { Status: string; Paused: boolean } };
  assert.equal([inspect.State.Status, inspect.State.Paused], ["paused", true]);
  const again = await req(`/v1.47/containers/${id}/pause`, post());
  assert.is(again.status, 409);
  assert.is(await message(again), `container ${id} is already paused`);
  assert.is((await req(`/v1.47/containers/${id}/unpause`, post())).status, 204);
  const notPaused = await req(`/v1.47/containers/${id}/unpause`, post());
  assert.is(notPaused.status, 409);
  assert.is(await message(notPaused), `Container ${id} is not paused`);
  assert.is((await req("/v1.47/containers/nope/pause", post())).status, 404);
  await engine.close();
});

t.run();
