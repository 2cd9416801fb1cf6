import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { closeWorkers, ModuleCache, runProcess, webWorkerHost } from "../../src/wasi/mod.ts";
import { nodeWorkerHost } from "../../server/worker/node_worker_host.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { fixture, unionWithFixtures, textSink, watchUncaught } from "./_helpers.ts";
import { Layer, UnionFS, WritableLayer } from "../../src/fs/mod.ts";
import { writeTar } from "../../src/tar/mod.ts";

/** A container's rootfs as the engine makes it: an image layer (in shared memory) under a writable layer. */
function unionRootfs(): UnionFS {
  const tar = writeTar([
    { path: "bin", type: "dir", mode: 0o755 },
    ...["cat", "fsops", "hello"].map((n) => ({ path: `bin/${n}`, type: "file" as const, mode: 0o755, data: fixture(n) })),
  ]);
  const shared = new Uint8Array(new SharedArrayBuffer(tar.length));
  shared.set(tar);
  return new UnionFS({ lowers: [new Layer(shared)], upper: new WritableLayer() });
}

/** A rootfs with the toolbox as /bin/sh. */
function shRootfs(): UnionFS {
  const vfs = new UnionFS({ lowers: [], upper: new WritableLayer() });
  vfs.mkdir("/bin");
  vfs.writeFile("/bin/sh", readFileSync(new URL("../../wasm/dist/toolbox.wasm", import.meta.url)));
  return vfs;
}

const workers = suite("runProcess in a worker");
const { workerHost } = runtimeHost();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
workers.after(() => closeWorkers(workerHost));

workers("a program runs in a worker and its output reaches the sink", async () => {
  const stdout = textSink();
  const r = await runProcess({ cmd: ["hello"] }, { rootfs: unionWithFixtures(), workerHost, stdout }).done;
  assert.equal([r.exitCode, stdout.text()], [0, "hello\n"]);
});

workers("every write a killed program completed survives the kill", async () => {
  const rootfs = unionWithFixtures();
  rootfs.mkdir("/data");
  const stdout = textSink();
  const h = runProcess({ cmd: ["writer", "/data", "40"] }, { rootfs, workerHost, stdout });
  await stdout.until("wrote 39\n"); // then it spins forever
  const r = await h.kill();
  assert.is(r.exitCode, 137);
  const reported = stdout.text().trim().split("\n").map((l) => Number(l.split(" ")[1]));
  for (const i of reported) {
    const h2 = rootfs.open(`/data/f${i}`, { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false, follow: true });
    const buf = new Uint8Array(64);
    const n = h2.read(buf, 0);
    assert.is(new TextDecoder().decode(buf.subarray(0, n)), `body of file ${i}\n`);
  }
  assert.is(reported.length, 40);
});

workers("a kill killed mid-write keeps the files it had closed", async () => {
  const rootfs = unionWithFixtures();
  rootfs.mkdir("/data");
  const stdout = textSink();
  const h = runProcess({ cmd: ["writer", "/data", "100000"] }, { rootfs, workerHost, stdout, limits: { outputBytes: 1 << 20 } });
  await stdout.until("wrote 50\n");
  await h.kill();
  const reported = stdout.text().trim().split("\n").filter((l) => l.startsWith("wrote ")).map((l) => Number(l.split(" ")[1]));
  for (const i of reported) assert.is(rootfs.stat(`/data/f${i}`).size, BigInt(`body of file ${i}\n`.length));
});

// How fast (the issue's 100 ms) is measured in bench/wasi.bench.ts; a test asserts no timing
// beyond "at once, not after a grace period": a loaded machine must not fail it.
workers("kill ends a loop with no system calls at once and exits 137", async () => {
  const stdout = textSink();
  const h = runProcess({ cmd: ["spin"] }, { rootfs: unionWithFixtures(), workerHost, stdout });
  await stdout.until("spinning");
  const t = performance.now();
  const r = await h.kill();
  const ms = performance.now() - t;
  assert.is(r.exitCode, 137);
  assert.ok(ms < 2000, `kill took ${ms} ms`);
});

workers("stop is honoured at the next system call with exit 143", async () => {
  const stdout = textSink();
  const h = runProcess({ cmd: ["ticker"] }, { rootfs: unionWithFixtures(), workerHost, stdout });
  await stdout.until("tick");
  const r = await h.stop({ graceMs: 5000 });
  assert.equal([r.exitCode, r.reason], [143, "stop"]);
});

workers("stop wakes a sleeping program at once", async () => {
  const stderr = textSink();
  const h = runProcess({ cmd: ["sleeper", "5000"] }, { rootfs: unionWithFixtures(), workerHost, stderr });
  await stderr.until("sleeping");
  const t = Date.now();
  const r = await h.stop({ graceMs: 5000 });
  assert.is(r.exitCode, 143);
  assert.ok(Date.now() - t < 2500, "woken, not killed after the 5 s grace");
});

workers("a stop ends a program that makes no system call at its next preemption point (143)", async () => {
  const stdout = textSink();
  const h = runProcess({ cmd: ["spin"] }, { rootfs: unionWithFixtures(), workerHost, stdout });
  await stdout.until("spinning");
  const r = await h.stop({ graceMs: 60_000 });
  assert.equal([r.exitCode, r.reason], [143, "stop"]);
});

workers("stop kills after the grace period a program that has no preemption points and makes no system call", async () => {
  const stdout = textSink();
  const h = runProcess({ cmd: ["spin"] }, { rootfs: unionWithFixtures(), workerHost, stdout, modules: new ModuleCache({ preempt: false }) });
  await stdout.until("spinning");
  const r = await h.stop({ graceMs: 100 });
  assert.equal([r.exitCode, r.reason], [137, "kill"]);
});

/**
 * Holds this thread (so the worker's end message cannot be taken) until the process has
 * ended in its worker: its CPU time is above zero and stands still (the program makes no
 * wait). Gives up after 10 s.
 */
function holdUntilEnded(h: { usage(): { cpuMs: number } }): void {
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (const until = Date.now() + 10_000; Date.now() < until;) {
    const a = h.usage().cpuMs;
    Atomics.wait(tick, 0, 0, 20);
    if (a > 0 && h.usage().cpuMs === a) return;
  }
}

workers("a kill that comes after the program ended, its end not yet taken, leaves its status (0 by return, 3 by exit, 127 not found)", async () => {
  // A container's execs are killed when its pid 1 ends; an exec that had ended first keeps its status, as in Docker.
  for (const [cmd, code] of [[["hello"], 0], [["sh", "-c", "exit 3"], 3], [["nosuch"], 127]] as const) {
    const rootfs = cmd[0] === "sh" ? shRootfs() : unionWithFixtures();
    const h = runProcess({ cmd: [...cmd] }, { rootfs, workerHost, stdout: textSink() });
    holdUntilEnded(h);
    const r = await h.kill();
    assert.equal([r.exitCode, r.reason], [code, "exit"], cmd.join(" "));
  }
});

workers("a timeout kills a spinning program", async () => {
  const r = await runProcess({ cmd: ["spin"] }, { rootfs: unionWithFixtures(), workerHost, limits: { timeoutMs: 150 } }).done;
  assert.equal([r.exitCode, r.timedOut], [137, true]);
});

workers("output in flight never exceeds the output cap while the sink is slow", async () => {
  let inflight = 0, peak = 0, total = 0;
  const cap = 64 * 1024;
  const stdout = { write: async (c: Uint8Array) => { inflight += c.length; peak = Math.max(peak, inflight); total += c.length; await sleep(0); inflight -= c.length; } };
  const r = await runProcess({ cmd: ["spam", "20000"] }, { rootfs: unionWithFixtures(), workerHost, stdout, limits: { outputBytes: cap } }).done;
  assert.is(r.exitCode, 0);
  assert.ok(total > 900_000, `total ${total}`);
  assert.ok(peak <= cap + 256, `peak ${peak}`);
});

workers("alloc fails at the memory cap in a worker too", async () => {
  const r = await runProcess({ cmd: ["alloc", "64"] }, { rootfs: unionWithFixtures(), workerHost, stderr: textSink(), limits: { memoryBytes: 16 << 20 } }).done;
  assert.is(r.oomKilled, true);
});

workers("runs one after another in a pooled worker each change only their own rootfs", async () => {
  const a = unionWithFixtures(), b = unionWithFixtures();
  const first = await runProcess({ cmd: ["fsops", "3"] }, { rootfs: a, workerHost, stdout: textSink() }).done;
  const stdout = textSink();
  const second = await runProcess({ cmd: ["hello"] }, { rootfs: b, workerHost, stdout }).done;
  assert.equal([first.exitCode, second.exitCode, stdout.text()], [0, 0, "hello\n"]);
  assert.is(a.stat("/tmp").type, "dir"); // fsops made it
  assert.throws(() => b.stat("/tmp"), (e: Error & { code?: string }) => e.code === "ENOENT");
});

workers("a warm worker's runs on one rootfs see every change made to it between them", async () => {
  const rootfs = unionRootfs();
  const cat = async (path: string) => {
    const out = textSink(), err = textSink();
    const r = await runProcess({ cmd: ["cat", path] }, { rootfs, workerHost, stdout: out, stderr: err }).done;
    return `${r.exitCode} ${out.text()}${err.text()}`;
  };
  assert.is(await cat("/note"), "1 /note: No such file or directory\n");
  rootfs.writeFile("/note", new TextEncoder().encode("one\n")); // by the engine, between runs
  assert.is(await cat("/note"), "0 one\n");
  assert.is(await cat("/note"), "0 one\n"); // nothing changed: the worker's copy serves again
  assert.is((await runProcess({ cmd: ["fsops", "2"] }, { rootfs, workerHost, stdout: textSink() }).done).exitCode, 0); // makes /tmp
  rootfs.writeFile("/tmp/later", new TextEncoder().encode("two\n"));
  assert.is(await cat("/tmp/later"), "0 two\n");
});

workers("a program's output and its file writes arrive in the order it made them", async () => {
  const rootfs = unionWithFixtures();
  rootfs.mkdir("/data");
  const seen: string[] = [];
  let twenty!: () => void;
  const all = new Promise<void>((resolve) => (twenty = resolve));
  const stdout = {
    write: (c: Uint8Array) => {
      for (const line of new TextDecoder().decode(c).split("\n")) {
        if (!line) continue;
        const i = Number(line.split(" ")[1]);
        seen.push(`${line}: ${rootfs.stat(`/data/f${i}`).size}`); // written and closed before it was printed
      }
      if (seen.length >= 20) twenty();
    },
  };
  const h = runProcess({ cmd: ["writer", "/data", "20"] }, { rootfs, workerHost, stdout });
  await all;
  await h.kill();
  assert.equal(seen, Array.from({ length: 20 }, (_, i) => `wrote ${i}: ${`body of file ${i}\n`.length}`));
});

workers("a change the engine cannot apply ends that process with 255 and an error naming it, and nothing else", async () => {
  const uncaught = watchUncaught();
  const rootfs = unionWithFixtures();
  rootfs.mkdir("/data");
  // The engine's copy parts from the process's: once "wrote 0" is out, /data goes on the
  // engine's side only. The files written since may be there already (a shared worker's
  // filesystem changes come in no later than the output after them), so all go.
  const stdout = {
    write: (c: Uint8Array) => {
      if (!new TextDecoder().decode(c).includes("wrote 0")) return;
      for (const { name } of rootfs.readdir("/data")) rootfs.unlink(`/data/${name}`);
      rootfs.rmdir("/data");
    },
  };
  const r = await runProcess({ cmd: ["writer", "/data", "2000"] }, { rootfs, workerHost, stdout }).done; // then it spins: the failure must end it
  assert.equal([r.exitCode, r.reason], [255, "error"]);
  assert.match(r.error!, /^Cannot apply the process's change \(.* inode \d+\) to the container's filesystem: .*no upper inode/);
  const next = textSink(); // the next process on a worker of the same host runs as ever
  assert.equal([(await runProcess({ cmd: ["hello"] }, { rootfs, workerHost, stdout: next }).done).exitCode, next.text()], [0, "hello\n"]);
  uncaught.check();
  uncaught.stop();
});

workers("a sink that throws or rejects is recorded on the result, and the program runs on", async () => {
  const uncaught = watchUncaught();
  for (const mode of ["worker", "inline"] as const) {
    const stdout = { write: () => { throw new Error("disk full"); } };
    const stderr = { write: () => Promise.reject(new Error("log gone")) };
    const r = await runProcess({ cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"] }, { rootfs: shRootfs(), workerHost, mode, stdout, stderr }).done;
    assert.equal([r.exitCode, r.error], [3, "Cannot log the process's output: disk full"], mode);
  }
  await sleep(10); // rejections are reported a turn later: this waits for one that must not come
  uncaught.check();
  uncaught.stop();
});

workers("an error nobody catches in a worker ends its process (137, the error), not the engine", async () => {
  const uncaught = watchUncaught();
  const entry = new URL("./fixtures/throwing_worker.mjs", import.meta.url);
  // deno-lint-ignore no-explicit-any
  const host = (globalThis as any).Deno ? webWorkerHost(entry) : nodeWorkerHost(entry);
  const r = await runProcess({ cmd: ["hello"] }, { rootfs: unionWithFixtures(), workerHost: host }).done;
  assert.equal([r.exitCode, r.reason], [137, "error"]);
  assert.match(r.error!, /boom in the worker/);
  await sleep(10); // a rejection would be reported a turn later: this waits for one that must not come
  uncaught.check();
  uncaught.stop();
});

workers.run();
