/**
 * docker stats, top and pause/unpause on the engine: figures counted where the processes
 * run (CPU time, linear memory, file bytes, live programs), the container's programs with
 * strata's pid numbering, and processes held at their next system call.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers, suspendable } from "../../src/wasi/mod.ts";
import type { Engine, StatsJson } from "../../src/engine/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { quietFor, until } from "../_wait.ts";
import { failure, heldOpen, output, outputUntil, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();
const t = suite("docker stats, top and pause");
t.after(() => closeWorkers(workerHost));

async function oneShot(engine: Engine, id: string): Promise<StatsJson> {
  for await (const doc of engine.containers.stats(id, { stream: false, oneShot: true })) return doc;
  throw new Error("no stats document");
}

const blkio = (d: StatsJson, op: string) => d.blkio_stats.io_service_bytes_recursive?.find((e) => e.op === op)?.value;

async function started(engine: Engine, cmd: string[], image = "toolbox"): Promise<string> {
  const { Id } = await engine.containers.create({ Image: image, Cmd: cmd });
  await engine.containers.start(Id);
  return Id;
}

t("stats of a running container: its programs' memory plus its files, the bytes it read and wrote, its pids", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const id = await started(engine, ["sh", "-c", "echo 0123456789 > /tmp/f; cat /tmp/f; sleep 30"]);
  await outputUntil(engine, id, "0123456789\n");
  const d = await oneShot(engine, id);
  assert.is(d.id, id);
  assert.match(d.name, /^\//);
  assert.is.not(d.read, "0001-01-01T00:00:00Z");
  assert.is(d.preread, "0001-01-01T00:00:00Z"); // one-shot: no earlier reading
  assert.is(d.pids_stats.current, 1); // sleep is an applet of the shell's binary: no child
  assert.ok(blkio(d, "write")! >= 11, `written ${blkio(d, "write")}`);
  assert.ok(blkio(d, "read")! >= 11, `read ${blkio(d, "read")}`);
  const anon = d.memory_stats.stats!["anon"]!, file = d.memory_stats.stats!["file"]!;
  assert.ok(anon >= 65536, `linear memory ${anon}`);
  assert.ok(file >= 11, `writable layer ${file}`);
  assert.is(d.memory_stats.usage, anon + file);
  assert.is(d.memory_stats.limit, 4 * 2 ** 30);
  assert.ok(d.cpu_stats.cpu_usage.total_usage > 0);
  assert.ok(d.cpu_stats.online_cpus! >= 1);
  assert.not.ok("networks" in d);
  await engine.containers.kill(id);
  const after = await oneShot(engine, id);
  assert.is(after.read, "0001-01-01T00:00:00Z"); // a stopped container answers zeros, as Docker does
  assert.is(after.cpu_stats.cpu_usage.total_usage, 0);
  assert.equal(after.memory_stats, {});
  await engine.close();
});

t("stats: CPU time grows while a program computes, and the memory limit is the container's --memory", async () => {
  const engine = await sampleEngine(["toolbox", "probes"], { workerHost });
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["spin"], HostConfig: { Memory: 64 * 2 ** 20 } });
  await engine.containers.start(Id);
  const first = (await oneShot(engine, Id)).cpu_stats.cpu_usage.total_usage;
  await until(async () => (await oneShot(engine, Id)).cpu_stats.cpu_usage.total_usage > first, { what: "the CPU time to grow", pollMs: 20 });
  assert.is((await oneShot(engine, Id)).memory_stats.limit, 64 * 2 ** 20);
  // Without one-shot, the document has the previous reading in precpu_stats (Docker's second sample).
  for await (const d of engine.containers.stats(Id, { stream: false })) {
    assert.is.not(d.preread, "0001-01-01T00:00:00Z");
    assert.ok(d.cpu_stats.cpu_usage.total_usage > d.precpu_stats.cpu_usage.total_usage);
  }
  await engine.containers.kill(Id);
  await engine.close();
});

t("a stats stream ends when its signal aborts, and when the container is removed", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const id = await started(engine, ["sleep", "30"]);
  const abort = new AbortController();
  let n = 0;
  for await (const _ of engine.containers.stats(id, { signal: abort.signal })) if (++n === 2) abort.abort();
  assert.is(n, 2);
  let m = 0;
  const ended = (async () => {
    for await (const _ of engine.containers.stats(id)) m++;
  })();
  await until(() => m >= 1, { what: "a first streamed document" });
  await engine.containers.remove(id, { force: true });
  await until(ended, { what: "the stream to end with the container" });
  await engine.close();
});

t("top lists the main program, a child its shell spawned, and an exec, with strata's pids", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const id = await started(engine, ["sh", "-c", "/bin/toolbox sleep 30"]);
  const top = await until(() => {
    const r = engine.containers.top(id);
    return r.Processes.length === 2 ? r : undefined;
  }, { what: "the spawned child in top" });
  assert.equal(top.Titles, ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
  const [main, child] = top.Processes;
  assert.equal([main![0], main![1], main![2], main![5], main![7]], ["root", "1", "0", "?", "sh -c /bin/toolbox sleep 30"]);
  assert.equal([child![1], child![2], child![7]], ["2", "1", "/bin/toolbox sleep 30"]);
  assert.match(main![6]!, /^\d\d:\d\d:\d\d$/);
  const ex = engine.exec.create(id, { Cmd: ["sleep", "30"] });
  const execDone = engine.exec.start(ex.Id);
  const withExec = await until(() => {
    const r = engine.containers.top(id);
    return r.Processes.length === 3 ? r : undefined;
  }, { what: "the exec in top" });
  assert.equal(withExec.Processes[2]!.slice(1, 3), ["3", "0"]);
  assert.is(withExec.Processes[2]![7], "sleep 30");
  assert.is(engine.exec.inspect(ex.Id).Pid, 3);
  assert.is((await oneShot(engine, id)).pids_stats.current, 3);
  const aux = engine.containers.top(id, "aux");
  assert.equal(aux.Titles, ["USER", "PID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME", "COMMAND"]);
  assert.is(aux.Processes.length, 3);
  assert.ok(Number(aux.Processes[0]![5]) > 0, "RSS of the shell");
  assert.equal(engine.containers.top(id, "-e -f").Titles, engine.containers.top(id, "-ef").Titles);
  const [kind, message] = await failure(() => engine.containers.top(id, "-o pid"));
  assert.is(kind, "internal");
  assert.match(message, /^Error running ps: .*"-o pid"/);
  await engine.containers.kill(id);
  await execDone;
  assert.equal(await failure(() => engine.containers.top(id)), ["conflict", `container ${id} is not running`]);
  await engine.close();
});

t("pause holds every process at its next system call; unpause lets it go on", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const id = await started(engine, ["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.02; done"]);
  await outputUntil(engine, id, "\n3\n");
  const seen: string[] = [];
  const unsubscribe = engine.events.subscribe((e) => void seen.push(e.Action));
  await engine.containers.pause(id);
  const inspect = await engine.containers.inspect(id);
  assert.equal([inspect.State.Status, inspect.State.Paused, inspect.State.Running], ["paused", true, true]);
  const [row] = await engine.containers.list({ filters: { status: ["paused"] } });
  assert.is(row?.Id, id);
  assert.is(row?.State, "paused");
  assert.match(row!.Status, /^Up .* \(Paused\)$/);
  assert.equal(await engine.containers.list({ filters: { status: ["running"] } }), []);
  assert.is((await engine.system.info())["ContainersPaused"], 1);
  assert.equal(await failure(engine.containers.pause(id)), ["conflict", `container ${id} is already paused`]);
  assert.equal(await failure(async () => engine.exec.create(id, { Cmd: ["true"] })), ["conflict", `Container ${id} is paused, unpause the container before exec`]);
  // Held: at most a line already on its way arrives; then nothing while it stays paused.
  await quietFor(200); // a paused program writes nothing: a window to see it write
  const held = (await output(engine, id)).stdout;
  await quietFor(400); // …and it still writes nothing
  assert.is((await output(engine, id)).stdout, held);
  assert.is(engine.containers.top(id, "aux").Processes[0]![7], "T");
  await engine.containers.unpause(id);
  const last = Number(held.trim().split("\n").pop());
  await outputUntil(engine, id, `\n${last + 2}\n`);
  assert.equal(await failure(engine.containers.unpause(id)), ["conflict", `Container ${id} is not paused`]);
  assert.equal(seen.filter((a) => a === "pause" || a === "unpause"), ["pause", "unpause"]);
  unsubscribe();
  await engine.containers.kill(id);
  assert.equal(await failure(engine.containers.pause(id)), ["conflict", `container ${id} is not running`]);
  await engine.close();
});

t("kill and stop end a paused container (Docker unpauses to kill); it is not paused afterwards", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const a = await started(engine, ["sleep", "30"]);
  const b = await started(engine, ["sleep", "30"]);
  await engine.containers.pause(a);
  await engine.containers.pause(b);
  await until(engine.containers.kill(a), { what: "the kill of a paused container" });
  await until(engine.containers.stop(b, 30), { what: "the stop of a paused container" });
  for (const [id, code] of [[a, 137], [b, 143]] as const) {
    const s = (await engine.containers.inspect(id)).State;
    assert.equal([s.Status, s.Paused, s.ExitCode], ["exited", false, code]);
  }
  await engine.close();
});

t("a paused spinning program is still ended by a kill (137)", async () => {
  const engine = await sampleEngine(["toolbox", "probes"], { workerHost });
  const id = await started(engine, ["spin"], "probes");
  await engine.containers.pause(id);
  assert.is((await engine.containers.inspect(id)).State.Paused, true);
  await engine.containers.unpause(id);
  await engine.containers.pause(id);
  await until(engine.containers.kill(id), { what: "the kill of a paused spinning program" });
  assert.is((await engine.containers.inspect(id)).State.ExitCode, 137);
  await engine.close();
});

t("an inline engine (no workers) refuses pause with 409 without JSPI, holds its processes with it; top and stats answer", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const held = await heldOpen(engine);
  assert.is(engine.containers.top(held.id).Processes[0]![7], "cat");
  assert.is((await oneShot(engine, held.id)).pids_stats.current, 1);
  if (suspendable) {
    await engine.containers.pause(held.id);
    assert.is((await engine.containers.inspect(held.id)).State.Paused, true);
    held.release("x"); // input arrives while paused: cat reads it, and holds at its next point
    await new Promise((r) => setTimeout(r, 200));
    assert.is((await engine.containers.inspect(held.id)).State.Running, true);
    assert.is((await output(engine, held.id)).stdout, "", "nothing written while paused");
    await engine.containers.unpause(held.id);
    await outputUntil(engine, held.id, "x");
  } else {
    const [kind, message] = await failure(engine.containers.pause(held.id));
    assert.is(kind, "conflict");
    assert.match(message, /pause is not available in inline mode without JSPI/);
    held.release("x");
  }
  await engine.containers.wait(held.id);
  await engine.close();
});

t.run();
