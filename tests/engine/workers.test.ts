/**
 * The engine with processes in worker threads (Node's worker_threads, Deno's web
 * Workers): a container's main process and an exec each run in their own thread on their
 * own copy of the rootfs, and still see each other's writes as on one filesystem.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { output, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();
const dec = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t = suite("the engine with processes in workers");
t.after(() => closeWorkers(workerHost));

async function execText(engine: Awaited<ReturnType<typeof sampleEngine>>, id: string, cmd: string[]): Promise<[number, string]> {
  const ex = engine.exec.create(id, { Cmd: cmd });
  let got = "";
  const code = await engine.exec.start(ex.Id, { onOutput: (_s, d) => void (got += dec.decode(d)) });
  return [code, got];
}

t("a running process and an exec, each in its own worker, see each other's writes", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const { Id } = await engine.containers.create({
    Image: "toolbox",
    Cmd: ["sh", "-c", "echo from main > /tmp/m; i=0; while [ ! -f /tmp/flag ] && [ $i -lt 15 ]; do sleep 1; i=$((i+1)); done; cat /tmp/flag; cat /tmp/later"],
  });
  await engine.containers.start(Id);
  // The main process's write reaches the exec (retry while the engine has not drained it yet).
  let seen: [number, string] = [1, ""];
  for (let i = 0; i < 50 && seen[1] !== "from main\n"; i++) {
    seen = await execText(engine, Id, ["sh", "-c", "cat /tmp/m 2>/dev/null || true"]);
    if (seen[1] !== "from main\n") await sleep(20);
  }
  assert.equal(seen, [0, "from main\n"]);
  // The exec's writes reach the main process, which is looping in its own worker.
  assert.equal(await execText(engine, Id, ["sh", "-c", "echo later > /tmp/later; echo from exec > /tmp/flag"]), [0, ""]);
  const { StatusCode } = await engine.containers.wait(Id);
  assert.is(StatusCode, 0);
  assert.is((await output(engine, Id)).stdout, "from exec\nlater\n");
  assert.equal((await engine.containers.changes(Id)).map((c) => c.Path), ["/tmp", "/tmp/flag", "/tmp/later", "/tmp/m"]);
  await engine.close();
});

t("two execs at once in workers of one container: the second sees the first's files", async () => {
  const engine = await sampleEngine(["toolbox", "probes"], { workerHost });
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["spin"] });
  await engine.containers.start(Id);
  const slow = execText(engine, Id, ["sh", "-c", "echo one > /a; i=0; while [ ! -f /b ] && [ $i -lt 15 ]; do sleep 1; i=$((i+1)); done; cat /b"]);
  let r: [number, string] = [1, ""];
  for (let i = 0; i < 50 && r[1] !== "one\n"; i++) {
    r = await execText(engine, Id, ["sh", "-c", "cat /a 2>/dev/null && echo two > /b || true"]);
    if (r[1] !== "one\n") await sleep(20);
  }
  assert.equal(r, [0, "one\n"]);
  assert.equal(await slow, [0, "two\n"]);
  await engine.containers.kill(Id);
  await engine.close();
});

t.run();
