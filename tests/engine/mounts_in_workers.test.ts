/**
 * Containers with binds and volumes run in workers like any other: a program that spins
 * with a bind mounted cannot stall the engine's thread, a bind's changes reach the host
 * once (the worker makes them there; they are not journaled and replayed), and a
 * volume's changes come back to the engine's copy.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { nodePlatform, runtimeHost } from "../../server/platform/mod.ts";
import { shWaitFor, until } from "../_wait.ts";
import { output, outputUntil, run, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();
const t = suite("containers with mounts in workers");
t.after(() => closeWorkers(workerHost));

/** How late a 10 ms timer fires: the engine's event loop is free if it is not much late. */
const tick = () => new Promise<number>((resolve) => {
  const t0 = Date.now();
  setTimeout(() => resolve(Date.now() - t0), 10);
});

t("a spinning program with a bind and a volume leaves the engine's thread free, and kill ends it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-spin-"));
  try {
    writeFileSync(join(dir, "f"), "held\n");
    const engine = await sampleEngine(["probes"], { platform: nodePlatform(), workerHost });
    const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["spin", "/h/f"], HostConfig: { Binds: [`${dir}:/h`, "vol:/v"] } });
    await engine.containers.start(Id);
    await outputUntil(engine, Id, "open\n"); // it spins from here on
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) waits.push(await tick());
    assert.ok(Math.max(...waits) < 2000, `the event loop answered while the program spun (${waits.join(", ")} ms)`);
    assert.is((await engine.containers.inspect(Id)).State.Status, "running");
    await engine.containers.kill(Id, "KILL");
    assert.is((await engine.containers.wait(Id)).StatusCode, 137);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t("a bind's changes reach the host once, a volume's come back to the engine, read-only holds", async () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-wbind-"));
  try {
    const engine = await sampleEngine(["toolbox"], { platform: nodePlatform(), workerHost });
    const binds = [`${dir}:/h`, "data:/data"];
    const a = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo one >> /h/f; mkdir /h/d; mv /h/f /h/d/g; echo kept > /data/note"], HostConfig: { Binds: binds } });
    assert.is(a.stderr, "");
    assert.is(a.code, 0);
    const b = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo two >> /h/d/g; cat /data/note"], HostConfig: { Binds: binds } });
    assert.is(b.stdout, "kept\n");
    assert.is(readFileSync(join(dir, "d", "g"), "utf8"), "one\ntwo\n");
    assert.ok(statSync(join(dir, "d")).isDirectory());
    const c = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo no > /h/x; touch /h/d/g"], HostConfig: { Binds: [`${dir}:/h:ro`] } });
    assert.is(c.code, 1);
    assert.match(c.stderr, /Read-only file system/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t("two running containers that mount one volume see each other's writes, wherever each mounts it", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  // a looks for b's file, which b renames into place; "waiting" says a runs with the volume mounted.
  const waiter = `echo waiting; ${shWaitFor("/a/ping")}; cat /a/ping; echo pong > /a/pong`;
  const { Id: a } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", waiter], HostConfig: { Binds: ["shared:/a"] } });
  await engine.containers.start(a);
  await outputUntil(engine, a, "waiting\n");
  const b = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo ping from b > /deep/b/.ping; mv /deep/b/.ping /deep/b/ping"], HostConfig: { Binds: ["shared:/deep/b"] } });
  assert.is(b.code, 0);
  assert.is((await until(engine.containers.wait(a), { what: "a to see b's file and exit" })).StatusCode, 0);
  assert.is((await output(engine, a)).stdout, "waiting\nping from b\n");
  const c = await run(engine, { Image: "toolbox", Cmd: ["cat", "/v/ping", "/v/pong"], HostConfig: { Binds: ["shared:/v"] } });
  assert.is(c.stdout, "ping from b\npong\n");
});

const openFds = () => readdirSync("/proc/self/fd").length;
const linux = (() => {
  try {
    return openFds() > 0;
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return false;
    throw err;
  }
})();
// Deno cannot end a worker spinning in WebAssembly (its terminate leaves the thread running,
// denoland/deno#35657; see tests/run.ts), so the thread keeps what it holds.
const deno = "Deno" in globalThis;
if (!linux) console.log("skip: descriptors left by killed workers: no /proc/self/fd here");
else if (deno) console.log("skip: descriptors left by killed workers: Deno cannot end a worker spinning in WebAssembly (denoland/deno#35657)");

(linux && !deno ? t : t.skip)("a program killed while it holds files of a bind open leaves no host descriptor behind", async () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-fds-"));
  try {
    writeFileSync(join(dir, "f"), "held\n");
    const engine = await sampleEngine(["probes"], { platform: nodePlatform(), workerHost });
    const killFive = async () => {
      for (let i = 0; i < 5; i++) {
        const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["spin", "/h/f", "/h/f"], HostConfig: { Binds: [`${dir}:/h`] } });
        await engine.containers.start(Id);
        await outputUntil(engine, Id, "open\n"); // the files are open; the loop makes no system call, so only terminate ends it
        await engine.containers.kill(Id, "KILL");
        await engine.containers.wait(Id);
      }
    };
    await killFive(); // the runtime's own descriptors for its first workers (Deno keeps some) are counted in before
    const before = openFds();
    await killFive();
    // A terminated thread's runtime gives its own descriptors back as it winds down (no event says when).
    await until(() => openFds() <= before, { timeoutMs: 5000, what: () => `the descriptors to go back to ${before} after five more kills (${openFds()} open)` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
