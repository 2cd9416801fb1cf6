/**
 * Workers shared by many processes (src/wasi/_shared_workers.ts), where processes are
 * suspendable (JSPI: Deno; not Node 20): hundreds of sleeping containers on one worker
 * per core; a spinner shares its thread with sleepers that still wake on time; stop,
 * kill and pause reach a process without ending the thread the others run on; a flood of
 * output waits for the engine suspended, not holding the thread; stdin streams; a program
 * without preemption points gets a thread of its own.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ModuleCache, runProcess, suspendable, type WorkerHost } from "../../src/wasi/mod.ts";
import { unionWithFixtures } from "../wasi/_helpers.ts";
import { shareWorker, trimIdleSets } from "../../src/wasi/_shared_workers.ts";
import { countingHosts } from "./_counting_hosts.ts";
import type { Engine } from "../../src/engine/mod.ts";
import { until } from "../_wait.ts";
import { output, outputUntil, sampleEngine } from "./_samples.ts";

const t = suite("workers shared by many processes (JSPI)");
const test = suspendable ? t : t.skip;
if (!suspendable) console.log("skip: workers shared by many processes: this platform has no JSPI (WebAssembly.Suspending), so every process has a worker of its own");

const countingHost = countingHosts(t);

async function engineWith(host: WorkerHost, more: Record<string, unknown> = {}): Promise<Engine> {
  return await sampleEngine(["toolbox", "probes"], { workerHost: host, ...more });
}

async function started(engine: Engine, image: string, cmd: string[], more: Record<string, unknown> = {}): Promise<string> {
  const { Id } = await engine.containers.create({ Image: image, Cmd: cmd, ...more });
  await engine.containers.start(Id);
  return Id;
}
const cores = Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2);
const exitOf = async (engine: Engine, id: string, what: string) => (await until(engine.containers.wait(id), { what, timeoutMs: 30_000 })).StatusCode;

test("200 sleeping containers run on one worker per core; another runs to its end among them; kill ends them all", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) ids.push(await started(engine, "toolbox", ["sleep", "300"]));
  assert.is((await engine.containers.list()).length, 200);
  assert.ok(host.spawned <= cores, `${host.spawned} threads for 200 sleepers (${cores} cores)`);
  const other = await started(engine, "toolbox", ["sh", "-c", "echo among them > /tmp/f; cat /tmp/f; exit 3"]);
  assert.is(await exitOf(engine, other, "the short program's exit"), 3);
  assert.is((await output(engine, other)).stdout, "among them\n");
  await Promise.all(ids.map((id) => engine.containers.kill(id)));
  const codes = await until(Promise.all(ids.map((id) => engine.containers.wait(id))), { what: "the sleepers' exits", timeoutMs: 30_000 });
  assert.equal(codes.map((c) => c.StatusCode), ids.map(() => 137));
  assert.ok(host.spawned <= cores, "a kill did not end a thread");
  const idle = shareWorker(host);
  for (const kind of ["run", "fs"] as const) assert.ok(idle.free[kind].length > 64, `${idle.free[kind].length} idle ring sets of kind ${kind} kept for the next burst`);
  // Two trims with no run between let go of all but 64 of each kind (tests/wasi/ring_sets.test.ts).
  trimIdleSets(idle);
  trimIdleSets(idle);
  for (const kind of ["run", "fs"] as const) assert.is(idle.free[kind].length, 64, `idle ring sets of kind ${kind} after the trims`);
});

test("a spinner shares its thread: sleepers beside it wake on time; pause holds it, stop and kill end it, and the thread lives on", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const spinners: string[] = [];
  for (let i = 0; i < cores; i++) spinners.push(await started(engine, "probes", ["spin"]));
  const t0 = Date.now();
  const sleepers: string[] = [];
  for (let i = 0; i < 20; i++) sleepers.push(await started(engine, "toolbox", ["sh", "-c", "sleep 1; echo done"]));
  for (const id of sleepers) assert.is(await exitOf(engine, id, "a sleeper beside the spinners"), 0);
  const took = Date.now() - t0;
  assert.ok(took < 10_000, `20 one-second sleepers beside ${cores} spinners took ${took} ms`);
  assert.is((await output(engine, sleepers[19]!)).stdout, "done\n");
  const [first, ...rest] = spinners;
  await engine.containers.pause(first!);
  assert.is((await engine.containers.inspect(first!)).State.Status, "paused");
  await engine.containers.unpause(first!);
  await engine.containers.stop(first!, 30);
  assert.is(await exitOf(engine, first!, "the stopped spinner"), 143);
  for (const id of rest) await engine.containers.kill(id);
  for (const id of rest) assert.is(await exitOf(engine, id, "a killed spinner"), 137);
  const spawned = host.spawned;
  const after = await started(engine, "toolbox", ["sh", "-c", "exit 7"]);
  assert.is(await exitOf(engine, after, "a program after the spinners"), 7);
  assert.is(host.spawned, spawned, "the threads the spinners ran on serve on");
});

test("a flood of output waits for the engine suspended: a sleeper on the same thread still wakes, and the flood is killed", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const floods: string[] = [];
  for (let i = 0; i < cores; i++) floods.push(await started(engine, "probes", ["spam"]));
  const sleeper = await started(engine, "toolbox", ["sh", "-c", "sleep 0.5; echo awake"]);
  assert.is(await exitOf(engine, sleeper, "the sleeper beside the floods"), 0);
  assert.is((await output(engine, sleeper)).stdout, "awake\n");
  for (const id of floods) await engine.containers.kill(id);
  for (const id of floods) assert.is(await exitOf(engine, id, "a killed flood"), 137);
  assert.ok((await output(engine, floods[0]!)).stdout.length > 1024, "the flood's output reached its log");
});

test("stdin streams into a process on a shared worker", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const sleeper = await started(engine, "toolbox", ["sleep", "300"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "read a; echo got $a; read b; echo got $b"], OpenStdin: true, StdinOnce: true });
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  void engine.containers.attach(Id, { stdin: new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) }), stream: false });
  await engine.containers.start(Id);
  ctl.enqueue(new TextEncoder().encode("first\n"));
  await outputUntil(engine, Id, "got first\n");
  assert.ok((await engine.containers.inspect(Id)).State.Running, "it waits for its second line");
  ctl.enqueue(new TextEncoder().encode("second\n"));
  assert.is(await exitOf(engine, Id, "the reader's exit"), 0);
  assert.is((await output(engine, Id)).stdout, "got first\ngot second\n");
  await engine.containers.kill(sleeper);
});

test("a program without preemption points gets a worker of its own", async () => {
  const host = countingHost();
  const modules = new ModuleCache({ preempt: false });
  const rootfs = unionWithFixtures();
  // cat on a stdin that stays open: it waits for input, each in its own thread.
  const runs = [0, 1, 2].map(() => runProcess({ cmd: ["cat"] }, { rootfs, workerHost: host, modules, stdin: new ReadableStream<Uint8Array>() }));
  await new Promise((r) => setTimeout(r, 200));
  assert.is(host.spawned, 3, "one thread each");
  for (const r of runs) assert.is((await until(r.kill(), { what: "a killed cat" })).exitCode, 137);
  const shared = runProcess({ cmd: ["cat"] }, { rootfs, workerHost: host, stdin: new ReadableStream<Uint8Array>() });
  await new Promise((r) => setTimeout(r, 200));
  assert.is(host.spawned, 4, "with points, a shared worker");
  assert.is((await until(shared.kill(), { what: "the killed shared cat" })).exitCode, 137);
});

t.run();
