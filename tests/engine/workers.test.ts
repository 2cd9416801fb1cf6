/**
 * The engine with processes in worker threads (Node's worker_threads, Deno's web
 * Workers): a container's main process and an exec each run in their own thread on their
 * own copy of the rootfs, and still see each other's writes as on one filesystem.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { shWaitFor, until } from "../_wait.ts";
import { output, outputUntil, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();
const dec = new TextDecoder();
const t = suite("the engine with processes in workers");
t.after(() => closeWorkers(workerHost));

/** Run an exec; `seen(text)` resolves once its output holds `text`, `done` with [exit code, output]. */
function execText(engine: Awaited<ReturnType<typeof sampleEngine>>, id: string, cmd: string[]) {
  const ex = engine.exec.create(id, { Cmd: cmd });
  let got = "";
  const wake = new Set<() => void>();
  const done = engine.exec.start(ex.Id, { onOutput: (_s, d) => (got += dec.decode(d), wake.forEach((f) => f())) }).then((code): [number, string] => [code, got]);
  const seen = (text: string) => until(new Promise<void>((r) => {
    const check = () => got.includes(text) && (wake.delete(check), r());
    wake.add(check);
    check();
  }), { what: () => `${JSON.stringify(text)} from the exec ${cmd.join(" ")} (got ${JSON.stringify(got)})` });
  return { done, seen };
}

t("a running process and an exec, each in its own worker, see each other's writes", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const { Id } = await engine.containers.create({
    Image: "toolbox",
    // It looks for the exec's file, which the exec renames into place (see shWaitFor).
    Cmd: ["sh", "-c", `echo from main > /tmp/m; echo wrote; ${shWaitFor("/tmp/flag")}; cat /tmp/flag; cat /tmp/later`],
  });
  await engine.containers.start(Id);
  // The main process's write reaches the exec: its output comes after the write, in the same ring.
  await outputUntil(engine, Id, "wrote\n");
  assert.equal(await execText(engine, Id, ["cat", "/tmp/m"]).done, [0, "from main\n"]);
  // The exec's writes reach the main process, which is looping in its own worker.
  assert.equal(await execText(engine, Id, ["sh", "-c", "echo later > /tmp/later; echo from exec > /tmp/f; mv /tmp/f /tmp/flag"]).done, [0, ""]);
  const { StatusCode } = await until(engine.containers.wait(Id), { what: "the main process to see /tmp/flag and exit" });
  assert.is(StatusCode, 0);
  assert.is((await output(engine, Id)).stdout, "wrote\nfrom exec\nlater\n");
  assert.equal((await engine.containers.changes(Id)).map((c) => c.Path), ["/tmp", "/tmp/flag", "/tmp/later", "/tmp/m"]);
  await engine.close();
});

t("two execs at once in workers of one container: the second sees the first's files", async () => {
  const engine = await sampleEngine(["toolbox", "probes"], { workerHost });
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["spin"] });
  await engine.containers.start(Id);
  // The first exec looks for /b; the second renames it into place, as above.
  const slow = execText(engine, Id, ["sh", "-c", `echo one > /a; echo wrote; ${shWaitFor("/b")}; cat /b`]);
  await slow.seen("wrote\n");
  assert.equal(await execText(engine, Id, ["sh", "-c", "cat /a && echo two > /c && mv /c /b"]).done, [0, "one\n"]);
  assert.equal(await until(slow.done, { what: "the first exec to see /b and exit" }), [0, "wrote\ntwo\n"]);
  await engine.containers.kill(Id);
  await engine.close();
});

t.run();
