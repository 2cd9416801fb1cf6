/**
 * Memory per sleeping container (issue 19): N toolbox containers running `sleep 3600`
 * at once in one engine, inline and suspendable (JSPI: src/wasi/_suspend.ts), beside M
 * in worker mode (a worker thread each). Each round runs in a fresh process (so freed
 * memory of an earlier round does not hide growth). The figure is the RSS growth from
 * before the starts to when all are running, divided by the count; also the time to
 * start them all and to kill them all. The table gives the median of the rounds and
 * their range (a shared, noisy machine).
 *
 * Runs under Deno (`node_modules/.bin/deno run -A bench/sleepers.bench.ts`: writes
 * bench/results/sleepers.md) or a JSPI Node (`npm run bench:node-jspi`: sleepers_node_jspi.md);
 * elsewhere it says so and writes nothing.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cpus, loadavg, totalmem } from "node:os";
import process from "node:process";
import { createApi } from "../src/api/mod.ts";
import { createEngine, type Engine } from "../src/engine/mod.ts";
import { MemoryStore } from "../src/store/mod.ts";
import { closeWorkers, suspendable, type WorkerHost } from "../src/wasi/mod.ts";
import { runtimeHost, tuneNodeHeap } from "../server/platform/mod.ts";

const ROUNDS = Number(process.env.SLEEPERS_ROUNDS ?? 3);
const INLINE = Number(process.env.SLEEPERS_INLINE ?? 10000), SHARED = Number(process.env.SLEEPERS_SHARED ?? 10000);
const WORKERS = Number(process.env.SLEEPERS_WORKERS ?? 20);
const samples = new URL("../rootfs-samples/", import.meta.url);
// deno-lint-ignore no-explicit-any
const deno = (globalThis as any).Deno;
const runtime = deno ? `Deno ${deno.version.deno}` : `Node ${process.version}`;

if (!suspendable) {
  console.log(`skip: sleepers: ${runtime} has no JSPI (WebAssembly.Suspending); run it under Deno`);
  process.exit(0);
}

/** Half the machine's memory, at least 8 GiB: V8's default (about 4 GiB) makes starts past ~6,500 live instances cost collections. */
const HEAP_MIB = Math.max(8192, Math.round(totalmem() / 2 / 2 ** 20));

const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function engineOf(workerHost?: WorkerHost): Promise<Engine> {
  const engine = await createEngine({ store: new MemoryStore(), ...(workerHost ? { workerHost } : {}) });
  await engine.images.load(new Uint8Array(readFileSync(new URL("toolbox.tar", samples))), { name: "toolbox.tar" });
  return engine;
}

/** One round: start n sleepers, measure, kill them all. */
async function round(engine: Engine, n: number): Promise<{
  perContainerMiB: number; startMs: number; killMs: number; pingP99Ms: number; inspectP99Ms: number; httpPingP99Ms: number; httpInspectP99Ms: number;
}> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await engine.containers.create({ Image: "toolbox", Cmd: ["sleep", "3600"] })).Id);
  gc();
  await new Promise((r) => setTimeout(r, 200));
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  for (const id of ids) await engine.containers.start(id);
  const startMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const running = (await engine.containers.list()).length;
  if (running !== n) throw new Error(`${running} of ${n} running`);
  const grown = process.memoryUsage().rss - before;
  // While they all sleep: the API's latency (in process, app.request: the event loop's share, no network).
  const app = createApi(engine);
  const p99 = async (path: (i: number) => string) => {
    const ms: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      const res = await app.request(path(i));
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path(i)}: ${res.status}`);
      ms.push(performance.now() - t);
    }
    return ms.sort((a, b) => a - b)[Math.floor(ms.length * 0.99)]!;
  };
  const pingP99Ms = await p99(() => "/_ping");
  const inspectP99Ms = await p99((i) => `/v1.47/containers/${ids[(i * 7919) % n]}/json`);
  const http = await overHttp(app, ids);
  const t1 = performance.now();
  await Promise.all(ids.map((id) => engine.containers.kill(id)));
  await Promise.all(ids.map((id) => engine.containers.wait(id)));
  const killMs = performance.now() - t1;
  for (const id of ids) await engine.containers.remove(id);
  return { perContainerMiB: grown / n / 2 ** 20, startMs, killMs, pingP99Ms, inspectP99Ms, httpPingP99Ms: http.ping, httpInspectP99Ms: http.inspect };
}

/** The app on 127.0.0.1, an ephemeral port: Deno.serve as server/deno serves it, or @hono/node-server as server/node does. */
async function listen(app: ReturnType<typeof createApi>): Promise<{ port: number; close: () => Promise<void> }> {
  if (deno) {
    const server = deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    return { port: server.addr.port, close: () => server.shutdown() };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
      resolve({ port: info.port, close: () => new Promise<void>((r) => { (server as { closeAllConnections?: () => void }).closeAllConnections?.(); server.close(() => r()); }) }));
  });
}

/**
 * The same two p99s through a socket: the app served on 127.0.0.1 (`listen`), a client in
 * a process of its own (bench/_http_p99.mjs under Node) making 300 requests of each, one
 * after another.
 */
async function overHttp(app: ReturnType<typeof createApi>, ids: string[]): Promise<{ ping: number; inspect: number }> {
  const server = await listen(app);
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const client = fileURLToPath(new URL("_http_p99.mjs", import.meta.url));
    const some = Array.from({ length: 200 }, (_, i) => ids[(i * 7919) % ids.length]!);
    const text = await new Promise<string>((resolve, reject) => {
      const p = spawn("node", [client, base, "300", "/_ping", "/v1.47/containers/{id}/json", "--ids", ...some], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      p.stdout!.on("data", (c: Uint8Array) => (out += new TextDecoder().decode(c)));
      p.on("error", reject);
      p.on("close", (code: number) => (code === 0 ? resolve(out) : reject(new Error(`the HTTP client exited ${code}`))));
    });
    const r = JSON.parse(text.trim().split("\n").at(-1)!);
    return { ping: r["/_ping"], inspect: r["/v1.47/containers/{id}/json"] };
  } finally {
    await server.close();
  }
}

type Rounds = Array<Awaited<ReturnType<typeof round>>>;

/** In a child process: one round of `mode` with `n` containers, printed as a JSON line. */
async function child(mode: string, n: number): Promise<never> {
  // shared: a worker per core, each running many processes (src/wasi/_shared_workers.ts); worker: a thread per process.
  const workerHost = runtimeHost().workerHost; // as a server has it, inline too: on a JSPI Node, node_heap.ts's V8 flag
  const host = mode === "inline" ? undefined : { ...workerHost, shared: mode === "shared" };
  const engine = await engineOf(host);
  await round(engine, 2); // warm-up: the compiled module, the code paths
  const r = await round(engine, n);
  await engine.close();
  if (host) await closeWorkers(host);
  console.log(JSON.stringify(r));
  process.exit(0);
}

const args = deno ? deno.args as string[] : process.argv.slice(2);
if (args[0] === "--child") await child(args[1]!, Number(args[2]));

function rounds(mode: string, n: number): Rounds {
  const self = fileURLToPath(import.meta.url);
  // The heap limit as the servers advise for thousands of inline processes (server/platform/runtime.ts,
  // `heapAdvice`); SLEEPERS_V8_FLAGS: more V8 flags for the rounds, comma-separated.
  const more = `,--max-old-space-size=${HEAP_MIB}${process.env.SLEEPERS_V8_FLAGS ? `,${process.env.SLEEPERS_V8_FLAGS}` : ""}`;
  const cmd = deno ? [deno.execPath(), "run", "-A", `--v8-flags=--expose-gc${more}`, self] : [process.execPath, "--expose-gc", ...(more ? more.slice(1).split(",") : []), "--import", "tsx", self];
  const out: Rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), "--child", mode, String(n)], { encoding: "utf8", maxBuffer: 1 << 26 });
    const line = r.stdout.trim().split("\n").at(-1) ?? "";
    if (r.status !== 0 || !line.startsWith("{")) throw new Error(`${mode} round ${i + 1} failed (${r.status}): ${r.stderr}`);
    out.push(JSON.parse(line));
    const x = out.at(-1)!;
    console.log(`${mode} ×${n} round ${i + 1}: ${x.perContainerMiB.toFixed(2)} MiB per container, start ${x.startMs.toFixed(0)} ms, kill ${x.killMs.toFixed(0)} ms, p99 _ping ${x.pingP99Ms.toFixed(1)} ms, inspect ${x.inspectP99Ms.toFixed(1)} ms; over HTTP ${x.httpPingP99Ms.toFixed(1)} / ${x.httpInspectP99Ms.toFixed(1)} ms`);
  }
  return out;
}

const loadBefore = loadavg()[0]!;
const inline = rounds("inline", INLINE);
const shared = rounds("shared", SHARED);
const worker = rounds("worker", WORKERS);
const loadAfter = loadavg()[0]!;

function summary(rs: Rounds, key: keyof Rounds[number], unit: string, digits: number): string {
  const xs = rs.map((r) => r[key]).sort((a, b) => a - b);
  const f = (x: number) => `${x.toFixed(digits)}${unit}`;
  return `${f(xs[Math.floor(xs.length / 2)]!)} (${f(xs[0]!)} – ${f(xs.at(-1)!)})`;
}
const row = (mode: string, n: number, rs: Rounds) =>
  `| ${mode} | ${n} | ${summary(rs, "perContainerMiB", " MiB", 2)} | ${summary(rs, "startMs", " ms", 0)} | ${summary(rs, "killMs", " ms", 0)} | ${summary(rs, "pingP99Ms", " ms", 1)} | ${summary(rs, "inspectP99Ms", " ms", 1)} | ${summary(rs, "httpPingP99Ms", " ms", 1)} | ${summary(rs, "httpInspectP99Ms", " ms", 1)} |`;

const flag = tuneNodeHeap();
const md = `## ${deno ? "sleepers" : "sleepers (Node, JSPI)"}

Memory per sleeping container (bench/sleepers.bench.ts), ${new Date().toISOString().slice(0, 10)}, ${runtime}${flag ? ` (with \`${flag}\`, as the server sets it here: server/platform/node_heap.ts)` : ""}:
toolbox containers running \`sleep 3600\`, started one after another on one engine over
MemoryStore, then killed together. RSS growth of the process from before the starts to
when all run, divided by the count; while they sleep, the API's p99 over 300 requests each,
in process (\`app.request\`: the event loop's share, no network) and over HTTP (the app
served by ${deno ? "\`Deno.serve\`" : "@hono/node-server"} on 127.0.0.1, a Node client in a process of its own:
bench/_http_p99.mjs, one request after another on a kept-alive connection). Median (min – max) of ${ROUNDS} rounds, each in a fresh
process after a warm-up, on a ${cpus().length}-core machine shared with other work (load average
${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after).

| mode | containers | RSS growth per container | start all | kill all | p99 GET /_ping | p99 GET /containers/{id}/json | over HTTP: p99 GET /_ping | over HTTP: p99 GET /containers/{id}/json |
|---|---|---|---|---|---|---|---|---|
${row("inline, suspendable (JSPI): the engine's one thread", INLINE, inline)}
${row(`shared workers (JSPI): ${cpus().length} threads, many processes each`, SHARED, shared)}
${row("worker per process (thread each)", WORKERS, worker)}

Inline, a sleeping container holds its program's instance, linear memory and suspended
stack, and no thread. On a shared worker it holds the same in one of the worker threads,
plus three ring sets in the worker's 64 MiB slabs of shared memory, touched as used (its
own: journal 256 KiB, stdin 16 KiB; one for each of its two filesystem copies, the rootfs's
union and the container's own files (/etc/hosts…): journal 64 KiB, inbox 32 KiB each;
src/wasi/_ring_sets.ts, _shared_fs.ts) and the worker's copies of its writable layers. Issue 19's target is 1 MiB or less per
sleeper, 10,000 at once, beside the thread-per-process figure.

The rounds run with V8's heap limit at ${HEAP_MIB} MiB (half the machine's memory, at least
8 GiB: \`--max-old-space-size\`), as the servers advise for thousands of inline processes
(server/platform/runtime.ts, \`heapAdvice\`). Every live process's linear memory (1.06 MiB for
the toolbox, mostly untouched) counts as V8 external memory; under the default limit
(~4 GiB) past ~6,500 of them each start waited for full collections ("external memory
pressure" in \`--trace-gc\`): 10,000 inline starts took 228 s on 2026-12-04, against 8–15 s with
the limit raised. (An earlier guess, V8's guarded address reservations running out, was
wrong: 17,000 wasm memories are made at ~0.03 ms each in Deno here.)
${deno ? "\`node_modules/.bin/deno run -A --v8-flags=--expose-gc bench/sleepers.bench.ts\`" : "\`npm run bench:node-jspi\`"} (under Node 20,
which has no JSPI, it skips and leaves this section as it was).
`;
writeFileSync(new URL(`results/${deno ? "sleepers" : "sleepers_node_jspi"}.md`, import.meta.url), md);
console.log(md);
process.exit(0);
