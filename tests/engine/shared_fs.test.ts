/**
 * A container's filesystem on a shared worker (src/wasi/_shared_fs.ts), where processes
 * are suspendable (JSPI: Deno; not Node 20): the container's processes there share one
 * copy of it, so an exec's write is the main process's at once; the engine's copy follows
 * through the copy's change records (a commit reads it back), the engine's own changes
 * (an archive upload) reach the processes, a write far larger than the copy's journal
 * goes through, a kill keeps every write completed, and the copy is let go with the last
 * process and sent anew with the next; so do the container's own files (/etc/hosts,
 * /dev/shm, a --tmpfs).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { suspendable, type WorkerHost } from "../../src/wasi/mod.ts";
import { indexTar, writeTar } from "../../src/tar/mod.ts";
import type { Engine } from "../../src/engine/mod.ts";
import { shWaitFor, until } from "../_wait.ts";
import { output, outputUntil, run, sampleEngine } from "./_samples.ts";
import { watchUncaught } from "../wasi/_helpers.ts";
import { countingHosts } from "./_counting_hosts.ts";

const t = suite("a container's filesystem on a shared worker (JSPI)");
const test = suspendable ? t : t.skip;
if (!suspendable) console.log("skip: a container's filesystem on a shared worker: this platform has no JSPI (WebAssembly.Suspending), so every process has a worker and a copy of its own");

let uncaught: ReturnType<typeof watchUncaught>;
t.before.each(() => void (uncaught = watchUncaught()));
t.after.each(() => {
  uncaught.stop();
  uncaught.check();
});

const countingHost = countingHosts(t);

async function engineWith(host: WorkerHost): Promise<Engine> {
  return await sampleEngine(["toolbox", "probes"], { workerHost: host });
}

async function exec(engine: Engine, id: string, cmd: string[]): Promise<number> {
  const ex = engine.exec.create(id, { Cmd: cmd });
  return await until(engine.exec.start(ex.Id), { what: `exec ${cmd.join(" ")}`, timeoutMs: 30_000 });
}

/** What `script` prints in a container made from what container `id` left behind (the engine's copy). */
async function afterwards(engine: Engine, id: string, script: string): Promise<string> {
  const { Id: image } = await engine.containers.commit(id, {});
  const r = await run(engine, { Image: image, Cmd: ["sh", "-c", script] });
  assert.is(r.code, 0, r.stderr);
  return r.stdout;
}

test("an exec shares the main process's copy on its worker; the engine's copy follows both, and the engine's changes reach them", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const script = [
    `echo ready; ${shWaitFor("/tmp/go")}; cat /tmp/go`,
    "echo from main > /tmp/back; echo wrote back",
    `${shWaitFor("/tmp/fin")}; cat /tmp/in`,
  ].join("; ");
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", script] });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready\n");
  assert.is(await exec(engine, Id, ["sh", "-c", "echo hello > /tmp/go.new; mv /tmp/go.new /tmp/go"]), 0);
  await outputUntil(engine, Id, "wrote back\n");
  // On two or more cores a second run would have started a second worker had it not gone
  // where the container's filesystem is.
  assert.is(host.spawned, 1, "the exec ran on the main process's worker");
  const back = engine.exec.create(Id, { Cmd: ["cat", "/tmp/back"], AttachStdout: true });
  const chunks: Uint8Array[] = [];
  const code = await until(engine.exec.start(back.Id, { onOutput: (_stream, c) => void chunks.push(c.slice()) }), { what: "cat /tmp/back" });
  assert.is(code, 0);
  assert.is(new TextDecoder().decode(concat(chunks)), "from main\n");
  // The engine's own change, while they run: it reaches the copy they share.
  await engine.containers.putArchive(Id, "/tmp", writeTar([{ path: "in", type: "file", data: new TextEncoder().encode("uploaded\n"), mode: 0o644 }]));
  assert.is(await exec(engine, Id, ["touch", "/tmp/fin"]), 0);
  assert.equal(await until(engine.containers.wait(Id), { what: "the main process's end" }), { StatusCode: 0, Error: null });
  assert.equal(await output(engine, Id), { stdout: "ready\nhello\nwrote back\nuploaded\n", stderr: "" });
  assert.is(await afterwards(engine, Id, "cat /tmp/go /tmp/back /tmp/in; ls /tmp"), "hello\nfrom main\nuploaded\nback\nfin\ngo\nin\n");
});

test("the copy is let go with the last process and sent anew, as the engine has it, with the next start", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "cat /tmp/between /tmp/seen 2>/dev/null; echo run >> /tmp/seen"] });
  await engine.containers.start(Id);
  assert.equal(await until(engine.containers.wait(Id), { what: "the first run" }), { StatusCode: 0, Error: null });
  await engine.containers.putArchive(Id, "/tmp", writeTar([{ path: "between", type: "file", data: new TextEncoder().encode("between\n"), mode: 0o644 }]));
  await engine.containers.start(Id);
  assert.equal(await until(engine.containers.wait(Id), { what: "the second run" }), { StatusCode: 0, Error: null });
  // A copy kept from the first run would lack the file the engine put between the runs.
  assert.is((await output(engine, Id)).stdout, "between\nrun\n");
  await engine.containers.start(Id);
  assert.equal(await until(engine.containers.wait(Id), { what: "the third run" }), { StatusCode: 0, Error: null });
  assert.is((await output(engine, Id)).stdout, "between\nrun\nbetween\nrun\nrun\n");
  assert.is(await afterwards(engine, Id, "cat /tmp/between /tmp/seen"), "between\nrun\nrun\nrun\n");
});

test("an exec's 8 MiB write, many times the copy's journal, goes through while the main process reads it back", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const script = `echo ready; ${shWaitFor("/go")}; bigfile /tmp/big 8 check; echo main done`;
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["sh", "-c", script] });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready\n");
  assert.is(await exec(engine, Id, ["bigfile", "/tmp/big", "8"]), 0);
  assert.is(await exec(engine, Id, ["touch", "/go"]), 0);
  assert.equal(await until(engine.containers.wait(Id), { what: "the main process's check" }), { StatusCode: 0, Error: null });
  assert.equal(await output(engine, Id), { stdout: "ready\nok 8 MiB\nmain done\n", stderr: "" });
  assert.is(await afterwards(engine, Id, "bigfile /tmp/big 8 check"), "ok 8 MiB\n");
});

test("two processes creating 300 files each at once in the copy they share: all 600 are on the engine's copy, each its own", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const make = (who: string) => `i=0; while [ $i -lt 300 ]; do echo ${who}$i > /w/${who}$i; i=$((i+1)); done`;
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", `mkdir /w; echo ready; ${make("m")}; ${shWaitFor("/go")}; ls /w | wc -l`] });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready\n");
  assert.is(await exec(engine, Id, ["sh", "-c", make("x")]), 0);
  assert.is(await exec(engine, Id, ["touch", "/go"]), 0);
  assert.equal(await until(engine.containers.wait(Id), { what: "the main process's count" }), { StatusCode: 0, Error: null });
  assert.match((await output(engine, Id)).stdout, /^ready\n\s*600\n$/);
  // Two files given one inode number would show one content twice.
  const seen = await afterwards(engine, Id, "ls /w | wc -l; cat /w/* | sort | uniq | wc -l; cat /w/m299 /w/x299");
  assert.match(seen, /^\s*600\n\s*600\nm299\nx299\n$/);
});

test("a container killed while its exec appends to a file in the copy they share: the engine's copy keeps every line written, in order", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "echo ready; sleep 300"] });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready\n");
  const ex = engine.exec.create(Id, { Cmd: ["sh", "-c", "i=0; while true; do echo line $i >> /tmp/log; i=$((i+1)); done"] });
  const appending = engine.exec.start(ex.Id);
  await new Promise((r) => setTimeout(r, 400));
  await engine.containers.kill(Id);
  assert.is((await until(engine.containers.wait(Id), { what: "the killed container's end" })).StatusCode, 137);
  await until(appending, { what: "the exec's end with its container" });
  const check = 'i=0; while read a b; do [ "$b" = "$i" ] || { echo "line $i is: $a $b"; exit 1; }; i=$((i+1)); done < /tmp/log; echo $i';
  const seen = Number((await afterwards(engine, Id, check)).trim());
  assert.ok(seen > 0, `${seen} lines kept`);
});

test("the container's own files on a shared worker: an exec's change to them reaches the engine's copy, and the engine's reaches the processes", async () => {
  const host = countingHost();
  const engine = await engineWith(host);
  const script = `echo main > /dev/shm/m; echo ready; ${shWaitFor("/v/go")}; cat /dev/shm/x /scratch/in; tail -n 1 /etc/hosts`;
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", script], HostConfig: { Binds: ["shared:/v"], Tmpfs: { "/scratch": "" } } });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready\n");
  assert.is(await exec(engine, Id, ["sh", "-c", "cat /dev/shm/m > /dev/shm/x; echo '10.0.0.1\tdb' >> /etc/hosts"]), 0);
  const hosts = indexTar(await new Response((await engine.containers.getArchive(Id, "/etc/hosts")).tar).bytes());
  assert.ok(new TextDecoder().decode(hosts[0]!.data).endsWith("10.0.0.1\tdb\n"), "the engine's copy has the exec's line");
  // docker cp into the container's --tmpfs, one of its own files.
  await engine.containers.putArchive(Id, "/scratch", writeTar([{ path: "in", type: "file", data: new TextEncoder().encode("uploaded\n"), mode: 0o644 }]));
  assert.is(await exec(engine, Id, ["touch", "/v/go"]), 0);
  assert.equal(await until(engine.containers.wait(Id), { what: "the main process's end" }), { StatusCode: 0, Error: null });
  assert.equal(await output(engine, Id), { stdout: "ready\nmain\nuploaded\n10.0.0.1\tdb\n", stderr: "" });
  // Its mount points only, as Docker's diff has them: none of its own files.
  assert.equal((await engine.containers.changes(Id)).map((c) => c.Path), ["/scratch", "/v"]);
});

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, at), at += c.length;
  return out;
}

t.run();
