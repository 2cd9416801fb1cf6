/**
 * Restart policies (`docker run --restart`): restarts with Docker's backoff, RestartCount,
 * the "restarting" state where Docker shows it, the user's stop ending them, and the
 * containers an engine starts again when it opens its store.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createEngine, type Engine, type EngineEvent } from "../../src/engine/mod.ts";
import { RestartBackoff } from "../../src/engine/_restart_policy.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { quietFor, until } from "../_wait.ts";
import { failure, output, sampleEngine, SAMPLES } from "./_samples.ts";

const t = suite("restart policies");

/** Resolves with the container's events once `n` of action `action` have been seen. */
function nth(engine: Engine, id: string, action: string, n: number): Promise<EngineEvent[]> {
  const seen: EngineEvent[] = [];
  let count = 0;
  return until(new Promise((resolve) => {
    const stop = engine.events.subscribe((e) => {
      if (e.Actor.ID !== id) return;
      seen.push(e);
      if (e.Action === action && ++count === n) stop(), resolve(seen);
    });
  }), { what: () => `${n} ${action} events of ${id} (saw ${seen.map((e) => e.Action).join(",")})` });
}

t("on-failure:2 restarts a failing program twice, counts it, and leaves it exited with die/start events as Docker's", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "echo ran; exit 3"], HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 2 } } });
  const dies = nth(engine, Id, "die", 3);
  await engine.containers.start(Id);
  const events = await dies;
  assert.equal(events.map((e) => e.Action), ["start", "die", "start", "die", "start", "die"]); // a policy's restart is start, not restart
  const c = await engine.containers.inspect(Id);
  assert.equal([c.State.Status, c.State.ExitCode, c.RestartCount, c.State.Restarting], ["exited", 3, 2, false]);
  assert.is((await output(engine, Id)).stdout, "ran\nran\nran\n");
});

t("on-failure does not restart a program that exits 0; no does nothing", async () => {
  const engine = await sampleEngine(["toolbox"]);
  for (const RestartPolicy of [{ Name: "on-failure" }, { Name: "no" }]) {
    const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: [RestartPolicy.Name === "no" ? "false" : "true"], HostConfig: { RestartPolicy } });
    await engine.containers.start(Id);
    await engine.containers.wait(Id);
    const c = await engine.containers.inspect(Id);
    assert.equal([c.State.Status, c.RestartCount], ["exited", 0]);
  }
});

t("an always container that exits at once waits out the backoff as restarting: ps, inspect and filters show it; rm needs force", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", name: "loop", Cmd: ["true"], HostConfig: { RestartPolicy: { Name: "always" } } });
  const dies = nth(engine, Id, "die", 4);
  await engine.containers.start(Id);
  await dies; // the next restart is 800 ms away: nothing runs until then
  const c = await engine.containers.inspect(Id);
  assert.equal([c.State.Status, c.State.Running, c.State.Restarting, c.RestartCount], ["restarting", true, true, 4]);
  const rows = await engine.containers.list(); // without all: Docker lists a restarting container
  assert.equal(rows.map((r) => r.State), ["restarting"]);
  assert.match(rows[0]!.Status, /^Restarting \(0\) /);
  assert.equal((await engine.containers.list({ all: true, filters: { status: ["restarting"] } })).length, 1);
  assert.equal(await failure(engine.containers.remove("loop")),
    ["conflict", `cannot remove container "/loop": container is restarting: stop the container before removing or force remove`]);
  assert.equal(await failure(() => engine.exec.create("loop", { Cmd: ["true"] })), ["conflict", `Container ${Id} is restarting, wait until the container is running`]);
  assert.equal(await failure(() => engine.containers.attach("loop", {})), ["conflict", "You cannot attach to a restarting container, wait until it is running"]);
  assert.equal(await failure(engine.containers.start("loop")), ["not-modified", "container already started"]);
  const destroyed = nth(engine, Id, "destroy", 1);
  await engine.containers.remove("loop", { force: true }); // mid-backoff
  await destroyed;
  let after = 0;
  const stop = engine.events.subscribe((e) => void (e.Actor.ID === Id && after++));
  await quietFor(1000); // past the pending restart (800 ms): the removed container is never started again
  stop();
  assert.is(after, 0);
  assert.equal(await engine.containers.list({ all: true }), []);
});

t("the backoff starts at 100 ms, doubles, stops at a minute, and starts over after a run of 10 s", () => {
  const b = new RestartBackoff();
  const delays = Array.from({ length: 12 }, () => b.next(0));
  assert.equal(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  assert.is(b.next(10_000), 100);
  assert.is(b.next(9_999), 200);
  b.reset();
  assert.is(b.next(0), 100);
});

t("stop of a restarting container cancels the restart: it stays exited, with a stop event", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "exit 2"], HostConfig: { RestartPolicy: { Name: "unless-stopped" } } });
  const dies = nth(engine, Id, "die", 4); // then it waits 800 ms
  await engine.containers.start(Id);
  await dies;
  const stopped = nth(engine, Id, "stop", 1);
  await engine.containers.stop(Id);
  await stopped;
  let starts = 0;
  const unsub = engine.events.subscribe((e) => void (e.Actor.ID === Id && e.Action === "start" && starts++));
  await quietFor(1000); // past the pending restart (800 ms)
  unsub();
  const c = await engine.containers.inspect(Id);
  assert.equal([starts, c.State.Status, c.State.ExitCode, c.State.Restarting], [0, "exited", 2, false]);
  assert.equal(await failure(engine.containers.stop(Id)), ["not-modified", "container already stopped"]);
});

t("kill of a restarting container cancels the restart too, and the user's stop is remembered", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["false"], HostConfig: { RestartPolicy: { Name: "always" } } });
  const dies = nth(engine, Id, "die", 4); // then it waits 800 ms
  await engine.containers.start(Id);
  await dies;
  await engine.containers.kill(Id);
  const c = await engine.containers.inspect(Id);
  assert.equal([c.State.Status, c.State.Restarting, c.State.Running], ["exited", false, false]);
  assert.is((await engine.store.getRecord<{ ManuallyStopped?: boolean }>("container", Id))?.ManuallyStopped, true);
  assert.equal(await failure(engine.containers.kill(Id)), ["conflict", `cannot kill container: ${Id}: container ${Id} is not running`]);
});

t("a user's start or restart begins the count anew, as Docker's", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["false"], HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 1 } } });
  let dies = nth(engine, Id, "die", 2);
  await engine.containers.start(Id);
  await dies;
  assert.is((await engine.containers.inspect(Id)).RestartCount, 1);
  dies = nth(engine, Id, "die", 2);
  await engine.containers.restart(Id);
  await dies;
  const c = await engine.containers.inspect(Id);
  assert.equal([c.State.Status, c.RestartCount], ["exited", 1]);
});

t("Docker's validation: unknown policy, a count with another policy, a negative count, and --rm with a policy", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const create = (HostConfig: Record<string, unknown>) => failure(engine.containers.create({ Image: "toolbox", Cmd: ["true"], HostConfig }));
  assert.equal(await create({ RestartPolicy: { Name: "sometimes" } }),
    ["invalid", "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"]);
  assert.equal(await create({ RestartPolicy: { Name: "always", MaximumRetryCount: 3 } }),
    ["invalid", "invalid restart policy: maximum retry count can only be used with 'on-failure'"]);
  assert.equal(await create({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: -1 } }),
    ["invalid", "invalid restart policy: maximum retry count cannot be negative"]);
  assert.equal(await create({ RestartPolicy: { Name: "always" }, AutoRemove: true }), ["invalid", "can't create 'AutoRemove' container with restart policy"]);
  assert.equal(await engine.containers.list({ all: true }), []); // nothing stored
  await engine.containers.create({ Image: "toolbox", Cmd: ["true"], HostConfig: { RestartPolicy: { Name: "no" }, AutoRemove: true } });
});

async function engineOn(store: MemoryStore, load = false): Promise<Engine> {
  const engine = await createEngine({ store });
  if (load) await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}toolbox.tar`)));
  return engine;
}

t("an engine opening its store starts always (even stopped by the user) and unless-stopped (not stopped by the user) again; closing restarts nothing", async () => {
  const store = new MemoryStore();
  const a = await engineOn(store, true);
  const policies = { always: "always", stopped: "unless-stopped", kept: "unless-stopped", once: "on-failure", plain: "no" };
  for (const [name, Name] of Object.entries(policies)) {
    await a.containers.create({ Image: "toolbox", name, Cmd: ["sh", "-c", name === "kept" ? "echo run; exit 1" : "echo run"], HostConfig: { RestartPolicy: { Name } } });
    const dies = nth(a, (await a.containers.inspect(name)).Id, "die", 1);
    await a.containers.start(name);
    await dies;
  }
  for (const name of ["always", "stopped"]) await a.containers.stop(name); // the user stops them while they wait to restart
  const started = new Map<string, string>();
  for (const name of Object.keys(policies)) started.set(name, (await a.containers.inspect(name)).State.StartedAt);
  await a.close(); // "kept" waits to restart: closing cancels that, and it comes back exited
  const b = await engineOn(store);
  try {
    const again = [];
    for (const name of Object.keys(policies)) if ((await b.containers.inspect(name)).State.StartedAt !== started.get(name)) again.push(name);
    assert.equal(again, ["always", "kept"]);
    const kept = await b.containers.inspect("kept");
    await until(async () => (await output(b, kept.Id)).stdout.split("run").length > 2, { what: "the restarted container's output" });
  } finally {
    for (const name of ["always", "kept"]) await b.containers.remove(name, { force: true });
    await b.close();
  }
});

t("an engine opened with autoRestart false starts nothing", async () => {
  const store = new MemoryStore();
  const a = await engineOn(store, true);
  await a.containers.create({ Image: "toolbox", name: "al", Cmd: ["true"], HostConfig: { RestartPolicy: { Name: "always" } } });
  const dies = nth(a, (await a.containers.inspect("al")).Id, "die", 1);
  await a.containers.start("al");
  await dies;
  await a.close();
  const b = await createEngine({ store, autoRestart: false });
  const c = await b.containers.inspect("al");
  assert.equal([c.State.Status, c.State.Restarting], ["exited", false]);
  await b.close();
});

t.run();
