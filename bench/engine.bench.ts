/**
 * The engine's own costs (issue 6), in-process, no HTTP:
 * - create+start+wait+remove of a `hello` container (the probes image), containers per
 *   second and median latency, on MemoryStore inline and in a warm worker, and on the
 *   disk store; beside it, in the same run, a bare `runProcess` of the same program
 *   (the WASI part alone), so the engine's share is visible.
 * - 10,000 created containers of one image: heap per container (target ≤ 10 KB with
 *   empty uppers) and the time of a full `list({ all, size })` (target ≤ 50 ms).
 * Writes bench/results/engine.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, type Engine } from "../src/engine/mod.ts";
import { Layer, UnionFS, WritableLayer } from "../src/fs/mod.ts";
import { MemoryStore, type Store } from "../src/store/mod.ts";
import { runProcess, warmWorkers, type WorkerHost } from "../src/wasi/mod.ts";
import { DiskStore } from "../server/store/mod.ts";
import { nodeWorkerHost } from "../server/worker/node_worker_host.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const samples = (n: string) => new Uint8Array(readFileSync(new URL(`../rootfs-samples/${n}.tar`, import.meta.url)));

async function engineOn(store: Store, workerHost?: WorkerHost): Promise<Engine> {
  const engine = await createEngine({ store, workerHost });
  await engine.images.load(samples("probes"));
  return engine;
}

async function timed(n: number, f: () => Promise<unknown>): Promise<{ perSec: number; median: number }> {
  for (let i = 0; i < Math.min(10, n); i++) await f();
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  return { perSec: (n / total) * 1000, median: times[Math.floor(n / 2)]! };
}

async function helloCycle(engine: Engine): Promise<void> {
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["hello"] });
  await engine.containers.start(Id);
  const { StatusCode } = await engine.containers.wait(Id);
  if (StatusCode !== 0) throw new Error(`hello exited ${StatusCode}: ${(await engine.containers.inspect(Id)).State.Error}`);
  await engine.containers.remove(Id);
}

const rows: string[] = [];
const row = (what: string, r: { perSec: number; median: number }) => rows.push(`| ${what} | ${r.perSec.toFixed(0)} | ${r.median.toFixed(2)} ms |`);

// 1. hello per second
const mem = await engineOn(new MemoryStore());
row("engine, MemoryStore, inline", await timed(300, () => helloCycle(mem)));
const lowers = await Promise.all((await mem.images.layers("probes")).reverse().map(async (l) => new Layer(await mem.images.layerBytes(l.diffId), { diffId: l.diffId })));
const rootfs = new UnionFS({ lowers, upper: new WritableLayer() }); // what a container of the image mounts
row("baseline: bare runProcess of hello on the same rootfs, inline", await timed(300, async () => {
  await runProcess({ cmd: ["hello"] }, { rootfs, stdout: { write() {} } }).done;
}));
const host = nodeWorkerHost();
warmWorkers(host, 2);
const workers = await engineOn(new MemoryStore(), host);
let workerNote = "";
try {
  row("engine, MemoryStore, warm worker", await timed(100, () => helloCycle(workers)));
} catch (err) {
  workerNote = `Worker mode failed in this run: ${(err as Error).message}`;
  rows.push(`| engine, MemoryStore, warm worker | failed | — |`);
}
const home = mkdtempSync(join(tmpdir(), "strata-bench-"));
const disk = await engineOn(DiskStore.open(home));
row("engine, disk store (fsync per record), inline", await timed(100, () => helloCycle(disk)));
await disk.close();
rmSync(home, { recursive: true, force: true });
const cps = Number(rows[0]!.split("|")[2]);

// 2. 10,000 created containers
const N = 10_000;
const many = await engineOn(new MemoryStore());
await many.containers.list({ all: true, size: true }); // warm: the image's layers are indexed once
gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < N; i++) await many.containers.create({ Image: "probes", Cmd: ["hello"] });
gc();
const perContainer = (process.memoryUsage().heapUsed - before) / N;
const t1 = performance.now();
const listed = await many.containers.list({ all: true, size: true });
const firstList = performance.now() - t1;
const t2 = performance.now();
await many.containers.list({ all: true, size: true });
const secondList = performance.now() - t2;
if (listed.length !== N) throw new Error(`listed ${listed.length}`);

const kb = perContainer / 1024;
const md = `## engine

In-process engine costs (bench/engine.bench.ts), ${new Date().toISOString().slice(0, 10)}.

create + start + wait + remove of a \`hello\` container (probes image), one after another:

| how | containers/s | median latency |
|---|---|---|
${rows.join("\n")}

For scale (quoted from the issue, not measured here): runc starts a container in about 33 ms
and crun in about 17 ms (crun's README, 100 × /bin/true); \`docker run\` takes about 300 ms.
${workerNote}

${N.toLocaleString("en")} created containers of one image (empty uppers), MemoryStore:

| figure | measured | target | |
|---|---|---|---|
| heap per container (records in the engine and in MemoryStore) | ${kb.toFixed(2)} KB | ≤ 10 KB | ${kb <= 10 ? "met" : "not met"} |
| \`list({ all: true, size: true })\`, first | ${firstList.toFixed(1)} ms | ≤ 50 ms | ${firstList <= 50 ? "met" : "not met"} |
| \`list({ all: true, size: true })\`, again | ${secondList.toFixed(1)} ms | ≤ 50 ms | ${secondList <= 50 ? "met" : "not met"} |

A never-run container's sizes are its image's (SizeRw 0), found once per image, so the list
does not mount 10,000 filesystems; ${cps.toFixed(0)} hello containers/s is the in-process figure that
the HTTP bench (issue 7) adds its own costs to.
`;
writeFileSync(new URL("./results/engine.md", import.meta.url), md);
console.log(md);
process.exit(0);
