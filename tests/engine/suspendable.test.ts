/**
 * Inline processes that suspend (src/wasi/_suspend.ts), where the platform has JSPI
 * (Deno; not Node 20): an engine without a worker host runs `sleep` without holding its
 * thread, streams stdin into a program as it arrives, ends a sleeping container at a stop
 * or kill with Docker's statuses, and runs a hundred sleepers at once in one isolate.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { suspendable } from "../../src/wasi/mod.ts";
import type { Engine } from "../../src/engine/mod.ts";
import { createApi } from "../../src/api/mod.ts";
import { outputUntil, sampleEngine } from "./_samples.ts";
import { post, runThrough } from "../api/_app.ts";
import { until } from "../_wait.ts";

const t = suite("inline processes that suspend (JSPI)");
const test = suspendable ? t : t.skip;
if (!suspendable) console.log("skip: inline processes that suspend: this platform has no JSPI (WebAssembly.Suspending, WebAssembly.promising)");

const encoder = new TextEncoder();

async function started(engine: Engine, cmd: string[], more: Record<string, unknown> = {}): Promise<string> {
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: cmd, ...more });
  await engine.containers.start(Id);
  return Id;
}

const running = async (engine: Engine, id: string) => (await engine.containers.inspect(id)).State.Running;

test("while an inline container sleeps, another container runs to its end and the API answers", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const app = createApi(engine);
  const req = async (path: string, init?: RequestInit) => await app.request(path, init);
  const c = await req("/v1.47/containers/create?name=sleeper", post({ Image: "toolbox", Cmd: ["sh", "-c", "echo slept-in; sleep 10; echo woke"] }));
  assert.is(c.status, 201);
  // Without suspension the start itself would run the whole sleep before it answered.
  assert.is((await req("/v1.47/containers/sleeper/start", post())).status, 204);
  await outputUntil(engine, "sleeper", "slept-in\n");
  const other = await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "echo other; exit 3"] });
  assert.is(other.status.StatusCode, 3);
  assert.is(await (await req("/_ping")).text(), "OK");
  const json = await (await req("/v1.47/containers/sleeper/json")).json() as { State: { Status: string; Running: boolean } };
  assert.is(json.State.Status, "running", "the sleeper sleeps on");
  assert.is((await req("/v1.47/containers/sleeper/kill", post())).status, 204);
  const status = await until(engine.containers.wait("sleeper"), { what: "the killed sleeper's exit" });
  assert.is(status.StatusCode, 137);
});

test("a sleep in a child a shell spawned suspends too, and the shell goes on after it", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await started(engine, ["sh", "-c", "sleep 1 && echo after; exit 4"]);
  assert.ok(await running(engine, id));
  const status = await until(engine.containers.wait(id), { what: "the shell's exit" });
  assert.is(status.StatusCode, 4);
  assert.match(await outputUntil(engine, id, "after\n"), "after\n");
});

test("stdin streams: a line written after the start is read and echoed before stdin ends", async () => {
  const engine = await sampleEngine(["toolbox"]);
  for (const cmd of [["cat"], ["sh", "-c", "read a; echo got $a; read b; echo got $b"]]) {
    const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: cmd, OpenStdin: true, StdinOnce: true });
    let ctl!: ReadableStreamDefaultController<Uint8Array>;
    const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
    void engine.containers.attach(Id, { stdin, stream: false });
    await engine.containers.start(Id);
    ctl.enqueue(encoder.encode("first\n"));
    await outputUntil(engine, Id, "first\n");
    assert.ok(await running(engine, Id), `${cmd[0]} waits for more input`);
    ctl.enqueue(encoder.encode("second\n"));
    await outputUntil(engine, Id, "second\n");
    if (cmd[0] === "cat") ctl.close(); // sh ends after its second line (and its end closes stdin)
    const status = await until(engine.containers.wait(Id), { what: `${cmd[0]}'s exit` });
    assert.is(status.StatusCode, 0);
  }
});

test("an exec's stdin streams into a sleeping inline container's new process", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await started(engine, ["sleep", "60"]);
  const ex = engine.exec.create(id, { Cmd: ["cat"], AttachStdin: true });
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let got = "", seen!: () => void;
  const first = new Promise<void>((r) => (seen = r));
  const dec = new TextDecoder();
  const code = engine.exec.start(ex.Id, {
    stdin: new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) }),
    onOutput: (_s, d) => void ((got += dec.decode(d)).includes("one\n") && seen()),
  });
  ctl.enqueue(encoder.encode("one\n"));
  await until(first, { what: () => `cat's echo of its first line (got ${JSON.stringify(got)})` });
  assert.is(engine.exec.inspect(ex.Id).Running, true, "cat waits for more");
  ctl.close();
  assert.is(await until(code, { what: "the exec's exit" }), 0);
  await engine.containers.kill(id);
});

test("an open stdin with no client attached is no longer refused: the program waits for input", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await started(engine, ["cat"], { OpenStdin: true });
  assert.ok(await running(engine, id));
  await engine.containers.kill(id);
  assert.is((await until(engine.containers.wait(id), { what: "cat's exit" })).StatusCode, 137);
});

test("stop and kill end a sleeping inline container with Docker's statuses, long before its sleep would", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const killed = await started(engine, ["sleep", "60"]);
  const stopped = await started(engine, ["sleep", "60"]);
  const reading = await started(engine, ["cat"], { OpenStdin: true });
  assert.ok(await running(engine, killed) && await running(engine, stopped) && await running(engine, reading));
  await engine.containers.kill(killed);
  assert.is((await until(engine.containers.wait(killed), { what: "the killed sleeper's exit" })).StatusCode, 137);
  await engine.containers.stop(stopped);
  assert.is((await until(engine.containers.wait(stopped), { what: "the stopped sleeper's exit" })).StatusCode, 143);
  await engine.containers.stop(reading); // a read that waits for input ends at the stop as well
  assert.is((await until(engine.containers.wait(reading), { what: "the stopped reader's exit" })).StatusCode, 143);
});

test("a timeout ends a sleeping inline container (137), and ^C on its terminal ends a sleep (130)", async () => {
  const timed = await sampleEngine(["toolbox"], { limits: { timeoutMs: 300 } });
  const id = await started(timed, ["sleep", "60"]);
  assert.is((await until(timed.containers.wait(id), { what: "the timed-out sleeper's exit" })).StatusCode, 137);
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "echo asleep; sleep 60"], Tty: true, OpenStdin: true });
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  void engine.containers.attach(Id, { stdin: new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) }), stream: false });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "asleep");
  ctl.enqueue(encoder.encode("\x03"));
  assert.is((await until(engine.containers.wait(Id), { what: "the interrupted sleeper's exit" })).StatusCode, 130);
});

test("100 inline containers sleep at once in one isolate, and all finish", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) ids.push(await started(engine, ["sh", "-c", `sleep 5; echo done ${i}`]));
  const statuses = await until(Promise.all(ids.map((id) => engine.containers.wait(id))), { timeoutMs: 60_000, what: "the 100 sleepers' exits" });
  assert.equal(statuses.map((s) => s.StatusCode), ids.map(() => 0));
  const states = await Promise.all(ids.map(async (id) => (await engine.containers.inspect(id)).State));
  // They ran at once: the last one started before the first one finished.
  const lastStart = Math.max(...states.map((s) => Date.parse(s.StartedAt)));
  const firstEnd = Math.min(...states.map((s) => Date.parse(s.FinishedAt)));
  assert.ok(lastStart < firstEnd, `the last start (${lastStart}) came before the first end (${firstEnd})`);
  for (const [i, id] of ids.entries()) assert.match(await outputUntil(engine, id, `done ${i}\n`), `done ${i}\n`);
});

t.run();
