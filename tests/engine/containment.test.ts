/**
 * One program must never take the server down or stall it (issue 12): what goes wrong in
 * one container's replay or output ends that container, with its reason on State.Error,
 * and nothing escapes as an unhandled rejection or exception (which ends a Node server).
 * Timings are measured in bench/flood.bench.ts; here only generous bounds.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers, webWorkerHost } from "../../src/wasi/mod.ts";
import { nodeWorkerHost } from "../../server/worker/node_worker_host.ts";
import { createApi } from "../../src/api/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { watchUncaught } from "../wasi/_helpers.ts";
import { quietFor, shWaitFor, until } from "../_wait.ts";
import { output, outputUntil, run, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();
const t = suite("containment: one container never ends or stalls the server");
let uncaught: ReturnType<typeof watchUncaught>;
t.before.each(() => void (uncaught = watchUncaught()));
t.after.each(async () => {
  await quietFor(10); // no rejection is left unhandled: one would be reported a turn after
  uncaught.stop();
  uncaught.check();
});
t.after(() => closeWorkers(workerHost));

t("a file renamed or unlinked while the program writes it replays where it now is", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const r = await run(engine, {
    Image: "toolbox",
    Cmd: ["sh", "-c", "echo old > /tmp/a; { mv /tmp/a /tmp/b; echo hello; } > /tmp/a; { rm /tmp/c; echo lost; } > /tmp/c; cat /tmp/b"],
  });
  assert.equal([r.code, r.stdout, r.stderr], [0, "hello\n", ""]);
  assert.equal((await engine.containers.changes(r.id)).map((c) => `${c.Kind} ${c.Path}`), ["0 /tmp", "1 /tmp/b"]);
  // The engine's copy is the program's: a new image made from it has /tmp/b as the program left it.
  const { Id } = await engine.containers.commit(r.id, { repo: "after" });
  assert.equal((await run(engine, { Image: Id, Cmd: ["sh", "-c", "cat /tmp/b; ls /tmp"] })).stdout, "hello\nb\n");
  await engine.close();
});

t("sh runs a program with output to /dev/null, and with output captured through a temp file; without a temp dir it says why", async () => {
  const engine = await sampleEngine(["probes"], { workerHost });
  // /dev/null is the container's device (an image needs none); $(...) is held in memory, so the child writes it through an unlinked temp file.
  const script = 'hello > /dev/null; echo $?; x=$(hello); echo $? "$x"';
  assert.equal(await run(engine, { Image: "probes", Cmd: ["sh", "-c", script] }).then((r) => [r.code, r.stdout, r.stderr]), [0, "0\n0 Hello from WebAssembly!\n", ""]);
  const r = await run(engine, { Image: "probes", Env: ["TMPDIR=/nowhere"], Cmd: ["sh", "-c", script] });
  assert.equal(r.code, 0);
  assert.is(r.stdout, "0\n1 \n");
  assert.match(r.stderr, /^sh: can't create \/nowhere\/\.toolbox-spawn-\d+: No such file or directory\n$/);
  await engine.close();
});

t("a change the engine cannot replay ends that container with 255 and the reason; the others go on", async () => {
  // A worker whose copy has parted from the engine's (tests/engine/_diverging_worker.ts):
  // changes travel by inode and replay exactly, so a failed replay is forced here.
  // deno-lint-ignore no-explicit-any
  const deno = (globalThis as any).Deno !== undefined;
  const entry = new URL(deno ? "./_diverging_worker.ts" : "./_diverging_worker.mjs", import.meta.url);
  const diverging = { ...(deno ? webWorkerHost(entry) : nodeWorkerHost(entry)), hostFiles: true };
  const engine = await sampleEngine(["toolbox"], { workerHost: diverging });
  const api = createApi(engine);
  // The other container runs until it finds /go, which an exec puts there once the failure is over.
  const other = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", `echo waiting; ${shWaitFor("/go")}; echo fine`] });
  await engine.containers.start(other.Id);
  await outputUntil(engine, other.Id, "waiting\n");
  const { Id } = await engine.containers.create({
    Image: "toolbox", Env: ["STRATA_TEST_DIVERGE=1"], Cmd: ["sh", "-c", "echo x > /tmp/f; while true; do sleep 1; done"],
  });
  await engine.containers.start(Id);
  const status = await until(engine.containers.wait(Id), { timeoutMs: 5000, what: "the failed container's end" });
  assert.is(status.StatusCode, 255);
  assert.match(status.Error!.Message, /^Cannot apply the process's change \(set name "parted" in directory inode 1099511627776\) to the container's filesystem: .*no upper inode/);
  const state = (await engine.containers.inspect(Id)).State;
  assert.equal([state.Status, state.ExitCode, state.Error], ["exited", 255, status.Error!.Message]);
  assert.is((await api.request("/_ping")).status, 200);
  assert.is((await engine.containers.inspect(other.Id)).State.Status, "running");
  assert.is(await engine.exec.start(engine.exec.create(other.Id, { Cmd: ["touch", "/go"] }).Id), 0);
  assert.equal(await until(engine.containers.wait(other.Id), { what: "the other container to find /go and exit" }), { StatusCode: 0, Error: null });
  assert.is((await output(engine, other.Id)).stdout, "waiting\nfine\n");
  await engine.close();
  await closeWorkers(diverging);
});

t("while a container floods its output, /_ping answers, kill ends it, and its log stays bounded", async () => {
  const logCap = 256 * 1024;
  const engine = await sampleEngine(["probes"], { workerHost, logCap });
  const api = createApi(engine);
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["spam"] });
  await engine.containers.start(Id);
  let seen = 0; // until the flood has filled the log several times over
  for await (const e of engine.containers.logs(Id, { follow: true })) if ((seen += e.data.length) > 4 * logCap) break;
  for (let i = 0; i < 20; i++) {
    const ping = await until(Promise.resolve(api.request("/_ping")), { timeoutMs: 5000, what: "GET /_ping while spam runs" });
    assert.is(ping.status, 200);
    await new Promise((r) => setTimeout(r, 1)); // a request a turn, as a client's arrive (a pace, not a wait for anything)
  }
  await until(engine.containers.kill(Id), { timeoutMs: 5000, what: "kill of a spamming container" });
  assert.equal([(await engine.containers.inspect(Id)).State.ExitCode, (await engine.containers.inspect(Id)).State.Error], [137, ""]);
  let kept = 0;
  for await (const e of engine.containers.logs(Id)) kept += e.data.length;
  assert.ok(kept <= logCap && kept > logCap / 2, `kept ${kept} bytes of log`);
  await engine.sync();
  const stored = (await engine.store.getBytes("logs", Id))!.length;
  assert.ok(stored < 3 * logCap, `stored ${stored} bytes of log`);
  await engine.close();
});

t.run();
