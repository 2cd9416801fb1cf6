/**
 * Programs that make no system call meet their control words at preemption points
 * (src/wasi/_preempt_rewrite.ts, _preempt.ts): a stop ends a spinning program with 143 at
 * once, a pause holds it (its CPU time stands still), a timeout ends it inline too (where
 * nothing else can run meanwhile); and where processes are suspendable (JSPI), a spinning
 * inline container shares the thread: the API answers, other containers run and sleepers
 * wake while it spins, and stop, kill and pause reach it.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers, runProcess, suspendable } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import type { Engine } from "../../src/engine/mod.ts";
import { createApi } from "../../src/api/mod.ts";
import { outputUntil, sampleEngine } from "./_samples.ts";
import { until } from "../_wait.ts";
import { textSink, unionWithFixtures } from "../wasi/_helpers.ts";

const t = suite("preemption points");
const { workerHost } = runtimeHost();
t.after(() => closeWorkers(workerHost));

async function spinning(engine: Engine, name?: string): Promise<string> {
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["spin", "/bin/spin"], ...(name ? { name } : {}) });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "open\n"); // it spins from here on, with no system call
  return Id;
}

async function cpuOf(engine: Engine, id: string): Promise<number> {
  for await (const doc of engine.containers.stats(id, { stream: false, oneShot: true })) return doc.cpu_stats.cpu_usage.total_usage;
  throw new Error("no stats document");
}

t("a stop ends a program in a worker that makes no system call: 143 at its next point, not a kill after the grace period", async () => {
  const engine = await sampleEngine(["probes"], { workerHost });
  const id = await spinning(engine);
  await until(engine.containers.stop(id, 60), { what: "the stop of a spinning program (a 60 s grace period)" });
  const s = (await engine.containers.inspect(id)).State;
  assert.equal([s.Status, s.ExitCode], ["exited", 143]);
  await engine.close();
});

t("a pause holds a spinning program in a worker: its CPU time stands still until unpause", async () => {
  const engine = await sampleEngine(["probes"], { workerHost });
  const id = await spinning(engine);
  await engine.containers.pause(id);
  await new Promise((r) => setTimeout(r, 100)); // it reaches its next point
  const held = await cpuOf(engine, id);
  await new Promise((r) => setTimeout(r, 400));
  assert.is(await cpuOf(engine, id), held, "no CPU time while paused");
  await engine.containers.unpause(id);
  await until((async () => {
    while (await cpuOf(engine, id) <= held) await new Promise((r) => setTimeout(r, 50));
  })(), { what: "CPU time to grow again after unpause" });
  await until(engine.containers.kill(id), { what: "the kill" });
  assert.is((await engine.containers.inspect(id)).State.ExitCode, 137);
  await engine.close();
});

t("a timeout ends a spinning inline program (no worker, whether or not it can suspend)", async () => {
  const stdout = textSink();
  const r = await until(runProcess({ cmd: ["spin"] }, { rootfs: unionWithFixtures(), stdout, limits: { timeoutMs: 200 } }).done, { what: "the timeout of an inline spin" });
  assert.is(stdout.text(), "spinning\n");
  assert.equal([r.exitCode, r.timedOut], [137, true]);
});

const j = suspendable ? t : t.skip;
if (!suspendable) console.log("skip: spinning inline containers that share the thread: this platform has no JSPI (WebAssembly.Suspending, WebAssembly.promising)");

j("inline (JSPI): while a container spins, the API answers, another container runs to its end, and stop ends it with 143", async () => {
  const engine = await sampleEngine(["toolbox", "probes"]);
  const app = createApi(engine);
  const id = await spinning(engine, "spinner");
  const t0 = Date.now();
  assert.is(await (await app.request("/_ping")).text(), "OK");
  const json = await (await app.request(`/containers/${id}/json`)).json() as { State: { Running: boolean } };
  assert.ok(json.State.Running);
  const { Id: other } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "echo other; exit 3"] });
  await engine.containers.start(other);
  assert.is((await until(engine.containers.wait(other), { what: "the other container's end" })).StatusCode, 3);
  assert.ok(Date.now() - t0 < 10_000);
  await until(engine.containers.stop(id, 60), { what: "the stop of the inline spinner" });
  assert.is((await engine.containers.inspect(id)).State.ExitCode, 143);
  const killed = await spinning(engine);
  await until(engine.containers.kill(killed), { what: "the kill of the inline spinner" });
  assert.is((await engine.containers.inspect(killed)).State.ExitCode, 137);
  await engine.close();
});

j("inline (JSPI): a pause holds a spinning container (its CPU time stands still) and the API answers meanwhile", async () => {
  const engine = await sampleEngine(["probes"]);
  const app = createApi(engine);
  const id = await spinning(engine);
  await engine.containers.pause(id);
  const held = await cpuOf(engine, id);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(await cpuOf(engine, id), held, "no CPU time while paused");
  assert.is((await (await app.request(`/containers/${id}/json`)).json() as { State: { Status: string } }).State.Status, "paused");
  await engine.containers.unpause(id);
  await until((async () => {
    while (await cpuOf(engine, id) <= held) await new Promise((r) => setTimeout(r, 50));
  })(), { what: "CPU time to grow again after unpause" });
  await until(engine.containers.kill(id), { what: "the kill" });
  await engine.close();
});

j("inline (JSPI): a program that floods its output shares the thread too: the API answers, kill ends it", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const app = createApi(engine);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["yes"] });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "y\ny\ny\n");
  for (let i = 0; i < 5; i++) assert.is(await (await app.request("/_ping")).text(), "OK");
  await until(engine.containers.kill(Id), { what: "the kill of yes" });
  assert.is((await engine.containers.inspect(Id)).State.ExitCode, 137);
  await engine.close();
});

j("inline (JSPI): four spinners do not keep a sleeper from waking, or its shell from going on", async () => {
  const engine = await sampleEngine(["toolbox", "probes"]);
  const spinners = [];
  for (let i = 0; i < 4; i++) spinners.push(await spinning(engine));
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "sleep 0.3; echo woke; exit 5"] });
  const t0 = Date.now();
  await engine.containers.start(Id);
  assert.is((await until(engine.containers.wait(Id), { what: "the sleeper's end" })).StatusCode, 5);
  assert.ok(Date.now() - t0 >= 300, "it slept");
  assert.match(await outputUntil(engine, Id, "woke\n"), "woke");
  for (const s of spinners) await engine.containers.kill(s);
  await engine.close();
});

t.run();
