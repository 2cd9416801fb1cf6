/**
 * Preemption points (issue 19; src/wasi/_preempt_rewrite.ts, _preempt.ts):
 * 1. What they cost: CPU-bound programs run inline with and without them, alternating
 *    in the same process: a tight C loop (`count`, built here with clang: the spin probe's
 *    loop, made to end), upstream sqlite3 summing a recursive CTE, and the toolbox's sh
 *    counting in shell arithmetic (calls everywhere: the worst case for checks at function
 *    entries). Under JSPI the instrumented run also lets the thread go every 5 ms.
 * 2. Under JSPI (Deno, Node 26), inline (the engine's one thread) and on shared workers (one per
 *    core, many processes each): with 4 `spin` containers, 100 containers started
 *    together each sleeping 1 s (`late 1000`, built here with clang, measures its own
 *    sleep; without clang, the toolbox's `sleep 1`): how late each wakes after its
 *    deadline, how long its start took, its StartedAt to FinishedAt minus 1 s, and the
 *    API's p99 meanwhile; how long a stop takes to end a spinning container;
 *    1,000 `sh -c 'sleep 1; echo done'` started together: a first burst, then three more,
 *    each with its page faults per container, and what a page fault costs here.
 * Run under Node (`npm run bench -- preempt`: part 1 only, part 2 says why not; writes
 * bench/results/preempt.md), under Deno (`node_modules/.bin/deno run -A bench/preempt.bench.ts`:
 * preempt_deno.md) and under a JSPI Node (`npm run bench:node-jspi`: preempt_node_jspi.md).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, cpus, loadavg } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { UnionFS, WritableLayer } from "../src/fs/mod.ts";
import { closeWorkers, ModuleCache, runProcess, suspendable, type WorkerHost } from "../src/wasi/mod.ts";
import { runtimeHost, tuneNodeHeap } from "../server/platform/mod.ts";
import { createEngine, type Engine } from "../src/engine/mod.ts";
import { createApi } from "../src/api/mod.ts";
import { MemoryStore } from "../src/store/mod.ts";
import { writeTar } from "../src/tar/mod.ts";

const ROUNDS = Number(process.env.PREEMPT_ROUNDS ?? 7);
// deno-lint-ignore no-explicit-any
const deno = (globalThis as any).Deno;
const runtime = deno ? `Deno ${deno.version.deno}` : `Node ${process.version}`;
const dist = new URL("../wasm/dist/", import.meta.url);
const samples = new URL("../rootfs-samples/", import.meta.url);

/** The spin probe's loop with an end: `count N` adds 1 to a volatile N times. */
const COUNT_C = `int main(int argc, char **argv) {
  unsigned long n = 0, i = 0, to = 0;
  for (char *p = argv[1]; *p; p++) to = to * 10 + (*p - '0');
  volatile unsigned long v = 0;
  for (; i < to; i++) v++;
  n = v;
  return n == to ? 0 : 1;
}
`;

/**
 * `late MS`: sleeps MS ms (nanosleep: poll_oneoff, as the toolbox's sleep) and prints, in
 * ms, when it called it (since the epoch) and how late it woke: its own measure of its
 * deadline, which a container's StartedAt to FinishedAt also counts its start in.
 */
const LATE_C = `#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
  long ms = atol(argv[1]);
  struct timespec a, b, d = { ms / 1000, (ms % 1000) * 1000000L };
  clock_gettime(CLOCK_REALTIME, &a);
  nanosleep(&d, 0);
  clock_gettime(CLOCK_REALTIME, &b);
  printf("%.3f %.3f\\n", a.tv_sec * 1e3 + a.tv_nsec / 1e6, (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6 - ms);
  return 0;
}
`;

function buildC(name: string, source: string): Uint8Array | string {
  const dir = mkdtempSync(join(tmpdir(), `strata-${name}-`));
  try {
    writeFileSync(join(dir, `${name}.c`), source);
    const r = spawnSync("clang", ["--target=wasm32-wasi", "-O2", "-o", join(dir, `${name}.wasm`), join(dir, `${name}.c`)], { encoding: "utf8" });
    if (r.error || r.status !== 0) return `clang could not build it (${r.error?.message ?? r.stderr.trim().split("\n")[0]})`;
    return new Uint8Array(readFileSync(join(dir, `${name}.wasm`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rootfs(count?: Uint8Array): UnionFS {
  const fs = new UnionFS({ lowers: [], upper: new WritableLayer() });
  fs.mkdir("/bin");
  fs.writeFile("/bin/sh", new Uint8Array(readFileSync(new URL("toolbox.wasm", dist))));
  fs.writeFile("/bin/sqlite3", new Uint8Array(readFileSync(new URL("sqlite3.wasm", dist))));
  if (count) fs.writeFile("/bin/count", count);
  return fs;
}

interface Work {
  name: string;
  cmd: string[];
}

async function once(fs: UnionFS, modules: ModuleCache, cmd: string[]): Promise<number> {
  let out = "";
  const stdout = { write: (c: Uint8Array) => void (out += new TextDecoder().decode(c)) };
  const t0 = performance.now();
  const r = await runProcess({ cmd }, { rootfs: fs, modules, stdout, stderr: stdout }).done;
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit ${r.exitCode}: ${out}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], d = 0) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;

async function cost(): Promise<string[]> {
  const count = buildC("count", COUNT_C);
  const works: Work[] = [
    ...(typeof count === "string" ? [] : [{ name: "`count 2000000000` (a tight C loop)", cmd: ["count", "2000000000"] }]),
    { name: "sqlite3: `WITH RECURSIVE` sum of 1..1,000,000", cmd: ["sqlite3", ":memory:", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<1000000) SELECT sum(x) FROM c;"] },
    { name: "sh: `i=$((i+1))` 20,000 times", cmd: ["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"] },
  ];
  const fs = rootfs(typeof count === "string" ? undefined : count);
  const plain = new ModuleCache({ preempt: false }), points = new ModuleCache();
  const rows: string[] = [];
  for (const w of works) {
    await once(fs, plain, w.cmd), await once(fs, points, w.cmd); // compile, warm up
    const a: number[] = [], b: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      a.push(await once(fs, plain, w.cmd));
      b.push(await once(fs, points, w.cmd));
    }
    const ratios = a.map((x, i) => b[i]! / x);
    console.log(`${w.name}: without ${median(a).toFixed(0)} ms, with ${median(b).toFixed(0)} ms`);
    rows.push(`| ${w.name} | ${median(a).toFixed(0)} ms (${spread(a)}) | ${median(b).toFixed(0)} ms (${spread(b)}) | ${median(ratios).toFixed(2)}× (${spread(ratios, 2)}) |`);
  }
  if (typeof count === "string") rows.push(`| \`count\`: skipped, ${count} | | | |`);
  return rows;
}

const lateBuilt = buildC("late", LATE_C);
const late = typeof lateBuilt === "string" ? undefined : lateBuilt;

async function engineWith(workerHost?: WorkerHost): Promise<Engine> {
  const engine = await createEngine({ store: new MemoryStore(), ...(workerHost ? { workerHost } : {}) });
  for (const n of ["toolbox", "probes"]) await engine.images.load(new Uint8Array(readFileSync(new URL(`${n}.tar`, samples))), { name: `${n}.tar` });
  if (late) {
    // The image "late": the toolbox with /bin/late.
    const { Id } = await engine.containers.create({ Image: "toolbox" });
    await engine.containers.putArchive(Id, "/bin", writeTar([{ path: "late", type: "file", data: late, mode: 0o755 }]));
    await engine.containers.commit(Id, { repo: "late" });
    await engine.containers.remove(Id);
  }
  return engine;
}

async function spinning(engine: Engine): Promise<string> {
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["spin"] });
  await engine.containers.start(Id);
  return Id;
}

/**
 * 4 spinners, 100 sleepers started together: how late each wakes (its State.FinishedAt
 * minus StartedAt minus 1 s: from its program's start to its end), the API's p99 meanwhile.
 * The API is measured once all have started, until they wake. A request is timed from a timer's firing (as a request arriving on a socket would wait
 * for the thread) to its answer, so the wait for a spinner's slice is in it.
 */
async function crowd(engine: Engine): Promise<Crowd> {
  const spinners = [];
  for (let i = 0; i < 4; i++) spinners.push(await spinning(engine));
  const app = createApi(engine);
  const ids: string[] = [];
  const own = late !== undefined; // the sleepers measure their own deadline (`late 1000`), or are the toolbox's `sleep 1`
  for (let i = 0; i < 100; i++) ids.push((await engine.containers.create({ Image: own ? "late" : "toolbox", Cmd: own ? ["late", "1000"] : ["sleep", "1"] })).Id);
  const t0 = performance.now();
  await Promise.all(ids.map((id) => engine.containers.start(id)));
  const ended = Promise.all(ids.map((id) => engine.containers.wait(id)));
  const ping: number[] = [], inspect: number[] = [];
  const deadline = t0 + 950;
  for (let i = 0; performance.now() < deadline; i++) {
    for (const [list, path] of [[ping, "/_ping"], [inspect, `/containers/${ids[i % 100]}/json`]] as const) {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 0));
      const res = await app.request(path);
      await res.arrayBuffer();
      list.push(performance.now() - t);
    }
  }
  await ended;
  const lateness: number[] = [], wakes: number[] = [], delays: number[] = [];
  for (const id of ids) {
    const s = (await engine.containers.inspect(id)).State;
    lateness.push(Date.parse(s.FinishedAt) - Date.parse(s.StartedAt) - 1000);
    if (!own) continue;
    let out = "";
    for await (const e of engine.containers.logs(id)) out += new TextDecoder().decode(e.data);
    const [called, woke] = out.trim().split(" ").map(Number);
    if (!Number.isFinite(called) || !Number.isFinite(woke)) throw new Error(`late printed ${JSON.stringify(out)}`);
    wakes.push(woke!), delays.push(called! - Date.parse(s.StartedAt));
  }
  for (const s of spinners) await engine.containers.kill(s);
  for (const id of [...ids, ...spinners]) await engine.containers.remove(id);
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;
  const max = (xs: number[]) => xs.length ? Math.max(...xs) : NaN;
  return {
    lateP50: median(lateness), lateMax: max(lateness), wakeMax: max(wakes), delayMax: max(delays), pingP99: p99(ping), inspectP99: p99(inspect),
  };
}

interface Crowd {
  /** From StartedAt to FinishedAt, minus 1 s: its start, its sleep and its end. */
  lateP50: number;
  lateMax: number;
  /** The sleep's own lateness, as the program measured it (NaN without clang). */
  wakeMax: number;
  /** From StartedAt until the program called its sleep. */
  delayMax: number;
  pingP99: number;
  inspectP99: number;
}

/** The process's minor page faults so far (all its threads: /proc/self/stat), or NaN where there is no /proc. */
function minorFaults(): number {
  try {
    return Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[7]);
  } catch {
    return NaN;
  }
}

/**
 * What a page fault costs on this machine now: the first touch of a page of a fresh wasm
 * memory, as each new process's memory is (microseconds, the median of 5 rounds of 2,000
 * memories of the toolbox's 17 pages, 12 pages touched in each, as a sleeping toolbox
 * process has about 12 resident). The bursts below fault 30–60 times per container the
 * first time (the memories, and the engine's and workers' heaps growing) and 15–20 once
 * the heaps have grown, so this price moves their times from one day to the next on a
 * shared host.
 */
function faultCost(): number {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const memories = Array.from({ length: 2000 }, () => new WebAssembly.Memory({ initial: 17 }));
    const t = performance.now();
    for (const m of memories) {
      const bytes = new Uint8Array(m.buffer);
      for (let page = 0; page < 12; page++) bytes[page * 4096 + 1024] = 1;
    }
    rounds.push((performance.now() - t) * 1000 / (2000 * 12));
  }
  return median(rounds);
}

/**
 * 1,000 containers started together, each `sh -c 'sleep 1; echo done'`: from the first
 * start until all have ended, and the minor page faults per container meanwhile.
 */
async function thousand(engine: Engine): Promise<{ ms: number; faults: number }> {
  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) ids.push((await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "sleep 1; echo done"] })).Id);
  const f0 = minorFaults(), t0 = performance.now();
  await Promise.all(ids.map(async (id) => {
    await engine.containers.start(id);
    const { StatusCode } = await engine.containers.wait(id);
    if (StatusCode !== 0) throw new Error(`a sleeper exited ${StatusCode}`);
  }));
  const ms = performance.now() - t0, faults = (minorFaults() - f0) / 1000;
  for (const id of ids) await engine.containers.remove(id);
  return { ms, faults };
}

async function stopLatency(engine: Engine): Promise<number> {
  const id = await spinning(engine);
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  await engine.containers.stop(id, 60);
  const ms = performance.now() - t0;
  const code = (await engine.containers.inspect(id)).State.ExitCode;
  if (code !== 143) throw new Error(`the stopped spinner exited ${code}`);
  await engine.containers.remove(id);
  return ms;
}

interface Figures {
  runs: Array<Awaited<ReturnType<typeof crowd>>>;
  stops: number[];
  firstThousand: number;
  /** Minor page faults per container in the first burst. */
  firstFaults: number;
  thousands: number[];
}

/** Part 2 on one engine: inline (no worker host), or on shared workers (a worker per core, many processes each). */
async function measure(mode: string, workerHost?: WorkerHost): Promise<Figures> {
  const engine = await engineWith(workerHost);
  await crowd(engine); // warm up
  const runs: Figures["runs"] = [];
  for (let i = 0; i < Math.max(3, Math.floor(ROUNDS / 2)); i++) {
    const r = await crowd(engine);
    console.log(`${mode} crowd: late p50 ${r.lateP50.toFixed(1)} ms, max ${r.lateMax.toFixed(1)} ms (sleep's own ${r.wakeMax.toFixed(1)}, start ${r.delayMax.toFixed(1)}); p99 _ping ${r.pingP99.toFixed(1)} ms, inspect ${r.inspectP99.toFixed(1)} ms`);
    runs.push(r);
  }
  const stops: number[] = [];
  for (let i = 0; i < ROUNDS; i++) stops.push(await stopLatency(engine));
  // The first burst of 1,000 carves the ring sets and grows each worker's heap; the next
  // ones reuse the sets (_shared_workers.ts) and find the heaps grown.
  const first = await thousand(engine);
  console.log(`${mode} 1000 × sh -c 'sleep 1; echo done', the first burst: ${first.ms.toFixed(0)} ms, ${first.faults.toFixed(0)} page faults per container`);
  const thousands: number[] = [];
  for (let i = 0; i < 3; i++) {
    const next = await thousand(engine);
    thousands.push(next.ms);
    console.log(`${mode} 1000 × sh -c 'sleep 1; echo done': ${next.ms.toFixed(0)} ms, ${next.faults.toFixed(0)} page faults per container`);
  }
  await engine.close();
  if (workerHost) await closeWorkers(workerHost);
  return { runs, stops, firstThousand: first.ms, firstFaults: first.faults, thousands };
}

async function shared(): Promise<string> {
  if (!suspendable) return `Part 2 needs JSPI; ${runtime} has none (it runs under Deno, or \`npm run bench:node-jspi\`).`;
  // As a server has it, inline too (server/platform/runtime.ts; on a JSPI Node, node_heap.ts's V8 flag).
  const host = runtimeHost().workerHost;
  const flag = tuneNodeHeap(); // null where the runtime needs none
  const inline = await measure("inline");
  const pool = await measure("shared", { ...host, shared: true });
  const col = (f: Figures, k: keyof Crowd) => `${median(f.runs.map((r) => r[k])).toFixed(1)} ms (${spread(f.runs.map((r) => r[k]), 1)})`;
  const both = (k: keyof Crowd) => `${col(inline, k)} | ${col(pool, k)}`;
  const stop = (f: Figures) => `${median(f.stops).toFixed(1)} ms (${spread(f.stops, 1)})`;
  const thou = (f: Figures) => `${median(f.thousands).toFixed(0)} ms (${spread(f.thousands)})`;
  return `With 4 \`spin\` containers running, 100 containers started together, each sleeping 1 s
(${late ? "\`late 1000\`: a C program built here that calls nanosleep, poll_oneoff as the toolbox's \`sleep\`, and prints when it called it and how late it woke" : `the toolbox's \`sleep 1\`; \`late\` was not built: ${lateBuilt}`}; median of ${inline.runs.length} rounds, range in brackets; the API measured in process with \`app.request\`
while they sleep, once all have started, each request timed from a \`setTimeout(0)\` before it, so
that it waits for the thread as a request from a socket would). Inline: every process on the
engine's one thread. Shared workers: ${cpus().length} worker threads (one per core), each running many
processes (src/wasi/_shared_workers.ts); the engine's thread runs none.${flag ? ` V8 flag set as the server sets it on this
runtime, before either: \`${flag}\` (server/platform/node_heap.ts).` : ""}

| figure | inline | shared workers | target |
|---|---|---|---|
| a sleeper's lateness, median of the 100 (its StartedAt to its FinishedAt, minus 1 s) | ${both("lateP50")} | — |
| … the latest of the 100 | ${both("lateMax")} | — |
| the latest sleep's own lateness: from its deadline (the time the program called it, plus 1 s) until it returned, as the program measured it | ${late ? both("wakeMax") : `— | — (${lateBuilt})`} | ≤ 50 ms |
| the longest start: from StartedAt until the program called its sleep | ${late ? both("delayMax") : "— | —"} | — |
| p99 GET /_ping | ${both("pingP99")} | < 50 ms |
| p99 GET /containers/{id}/json | ${both("inspectP99")} | < 50 ms |
| stop of a spinning container, until it has ended (143) | ${stop(inline)} | ${stop(pool)} | ≤ 100 ms |
| 1,000 containers started together, each \`sh -c 'sleep 1; echo done'\` (no spinners): the first start until all have ended; median of the 3 bursts after the first | ${thou(inline)} | ${thou(pool)} | ≤ 2000 ms |
| … the first burst of 1,000 on the engine (after the 100-sleeper rounds above) | ${inline.firstThousand.toFixed(0)} ms | ${pool.firstThousand.toFixed(0)} ms | ≤ 2000 ms |
| … its minor page faults per container (/proc/self/stat, all threads) | ${inline.firstFaults.toFixed(0)} | ${pool.firstFaults.toFixed(0)} | — |

A page fault's price on this machine as the bursts ran: ${faultCost().toFixed(1)} µs for the first touch of a page
of a fresh wasm memory (\`faultCost\` in the bench). Every burst faults, the first most (the last row: each
process's new memory, and the heaps growing), so this price moves the bursts' times from one day to the
next on a shared host (bench/results/preempt_first_burst.md).
`;
}

/**
 * The machine's CPU time so far, and how much of it the hypervisor gave to others ("steal",
 * /proc/stat's eighth column): on a shared VM the same run takes longer when it is high.
 * Undefined where there is no /proc.
 */
function cpuTicks(): { all: number; steal: number } | undefined {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { all: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return undefined;
  }
}

const loadBefore = loadavg()[0]!;
const ticksBefore = cpuTicks();
const rows = await cost();
const part2 = await shared();
const loadAfter = loadavg()[0]!;
const ticksAfter = cpuTicks();
const steal = ticksBefore && ticksAfter
  ? `; ${(100 * (ticksAfter.steal - ticksBefore.steal) / Math.max(1, ticksAfter.all - ticksBefore.all)).toFixed(1)}% of the CPU time stolen by the hypervisor meanwhile`
  : "";
const section = deno ? "preempt (Deno, JSPI)" : suspendable ? "preempt (Node, JSPI)" : "preempt (Node)";
const md = `## ${section}

Preemption points (bench/preempt.bench.ts), ${new Date().toISOString().slice(0, 10)}, ${runtime}, ${cpus().length} cores
shared with other work (load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after${steal}).
Part 1: each program run inline ${ROUNDS} times with and without the points, alternating, after one
uncounted run of each (compilation outside the times); the ratio is of each pair. ${suspendable ? "Under JSPI the run with points also lets the thread go every 5 ms." : "Without JSPI the run with points only looks at the process's control words."}

| program | without points | with points | ratio (target ≤ 1.3×) |
|---|---|---|---|
${rows.join("\n")}

${part2}
`;
writeFileSync(new URL(`results/${deno ? "preempt_deno" : suspendable ? "preempt_node_jspi" : "preempt"}.md`, import.meta.url), md);
console.log(md);
process.exit(0);
