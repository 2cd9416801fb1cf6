/**
 * WASI process cost, side by side in one run with the same modules (tests/wasi/fixtures):
 * - hello: a container run (runProcess, module cached) inline and in a warm worker, vs a
 *   bare browser_wasi_shim run and a node:wasi run (module compiled once for all).
 * - fsops: the fsops probe in a container (inline) vs bare browser_wasi_shim in memory vs
 *   node:wasi on /dev/shm.
 * - kill: how long `kill` of a process spinning in a worker (the `spin` fixture: a loop
 *   with no system calls) takes to end it.
 * - a large program's first run (bench/_large_program.ts: about 24 MiB, each first run in a
 *   fresh process) vs node:wasi compiling and running the same file, and its later runs.
 * The container's rootfs is a UnionFS (an image layer under a writable layer), as `strata run` gives.
 * Writes bench/results/wasi.md.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { WASI as NodeWASI } from "node:wasi";
import * as shim from "@bjorn3/browser_wasi_shim";
import { ModuleCache, runProcess, warmWorkers } from "../src/wasi/mod.ts";
import { Layer, UnionFS, WritableLayer } from "../src/fs/mod.ts";
import { writeTar } from "../src/tar/mod.ts";
import { nodeWorkerHost } from "../server/worker/node_worker_host.ts";
import { largeProgram, type Spread } from "./_large_program.ts";

const fixture = (n: string) => new Uint8Array(readFileSync(new URL(`../tests/wasi/fixtures/${n}.wasm`, import.meta.url))) as Uint8Array<ArrayBuffer>;
const hello = fixture("hello"), fsops = fixture("fsops"), spin = fixture("spin");
const helloMod = new WebAssembly.Module(hello), fsopsMod = new WebAssembly.Module(fsops);
const FSOPS_N = "200";

async function median(n: number, f: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await f();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const sink = { write() {} };
const modules = new ModuleCache();
// A container's rootfs as the engine makes it: an image layer (its bytes in shared memory,
// so a worker gets them without a copy) under the container's own writable layer.
const image = writeTar([
  { path: "bin", type: "dir", mode: 0o755 },
  { path: "bin/fsops", type: "file", mode: 0o755, data: fsops },
  { path: "bin/hello", type: "file", mode: 0o755, data: hello },
  { path: "bin/spin", type: "file", mode: 0o755, data: spin },
  { path: "tmp", type: "dir", mode: 0o1777 },
]);
const shared = new Uint8Array(new SharedArrayBuffer(image.length));
shared.set(image);
const rootfs = new UnionFS({ lowers: [new Layer(shared)], upper: new WritableLayer() });

function bareShim(mod: WebAssembly.Module, args: string[], preopen: boolean): void {
  const fds: shim.Fd[] = [new shim.OpenFile(new shim.File([])), shim.ConsoleStdout.lineBuffered(() => {}), shim.ConsoleStdout.lineBuffered(() => {})];
  if (preopen) fds.push(new shim.PreopenDirectory("/", new Map([["tmp", new shim.Directory(new Map())]])));
  const w = new shim.WASI(args, [], fds, { debug: false });
  const code = w.start(new WebAssembly.Instance(mod, { wasi_snapshot_preview1: w.wasiImport }) as never);
  if (code !== 0) throw new Error(`bare shim exit ${code}`);
}

const devnull = (await import("node:fs")).openSync("/dev/null", "w");
function nodeWasi(mod: WebAssembly.Module, args: string[], dir?: string): void {
  const w = new NodeWASI({ version: "preview1", args, env: {}, preopens: dir ? { "/": dir } : {}, returnOnExit: true, stdout: devnull });
  const code = w.start(new WebAssembly.Instance(mod, { wasi_snapshot_preview1: w.wasiImport }));
  if (code !== 0) throw new Error(`node:wasi exit ${code}`);
}

async function container(cmd: string[], mode: "inline" | "worker", workerHost?: ReturnType<typeof nodeWorkerHost>): Promise<void> {
  const r = await runProcess({ cmd }, { rootfs, modules, stdout: sink, stderr: sink, mode, workerHost }).done;
  if (r.exitCode !== 0) throw new Error(`container exit ${r.exitCode}`);
}

const host = nodeWorkerHost();
warmWorkers(host, 1);
const h = {
  shim: await median(2000, () => bareShim(helloMod, ["hello"], false)),
  node: await median(2000, () => nodeWasi(helloMod, ["hello"])),
  inline: await median(2000, () => container(["hello"], "inline")),
  worker: await median(300, () => container(["hello"], "worker", host)),
};
const shmBase = existsSync("/dev/shm") ? "/dev/shm" : undefined;
const shm = mkdtempSync(`${shmBase ?? "/tmp"}/wasi-bench-`);
const f = {
  shim: await median(100, () => bareShim(fsopsMod, ["fsops", FSOPS_N], true)),
  node: await median(100, () => nodeWasi(fsopsMod, ["fsops", FSOPS_N], shm)),
  inline: await median(100, () => container(["fsops", FSOPS_N], "inline")),
};
// The probes' own fsops (wasm/dist, 1,000 small files in /tmp), when built: the workload the issue measured.
const probe = existsSync(new URL("../wasm/dist/fsops.wasm", import.meta.url))
  ? new Uint8Array(readFileSync(new URL("../wasm/dist/fsops.wasm", import.meta.url))) as Uint8Array<ArrayBuffer> : undefined;
let p: { shim: number; node: number; inline: number } | undefined;
if (probe) {
  const probeMod = new WebAssembly.Module(probe);
  rootfs.writeFile("/bin/fsops-probe", probe);
  p = {
    shim: await median(100, () => bareShim(probeMod, ["fsops", "/tmp"], true)),
    node: await median(100, () => nodeWasi(probeMod, ["fsops", "/"], shm)),
    inline: await median(100, () => container(["fsops-probe", "/tmp"], "inline")),
  };
}
rmSync(shm, { recursive: true, force: true });

// kill of a spinning worker: from the call to the exit (137), each run 50 ms into the loop.
const kills: number[] = [];
for (let i = 0; i < 20; i++) {
  const run = runProcess({ cmd: ["spin"] }, { rootfs, modules, stdout: sink, stderr: sink, mode: "worker", workerHost: host });
  await new Promise((r) => setTimeout(r, 50));
  const t = performance.now();
  const r = await run.kill();
  kills.push(performance.now() - t);
  if (r.exitCode !== 137) throw new Error(`spin killed with exit ${r.exitCode}`);
}
kills.sort((a, b) => a - b);
const kill = { median: kills[kills.length >> 1]!, max: kills[kills.length - 1]! };

const large = largeProgram();
const REPEATS_TEXT = process.env["LARGE_PROGRAM_REPEATS"] ?? "7";

const ms = (x: number) => `${x.toFixed(3)} ms`;
const spreadMs = (x: Spread) => `${x.median.toFixed(0)} ms (${x.min.toFixed(0)}–${x.max.toFixed(0)})`;
const vsNode = (x: Spread) => x.median / large.first.node.median;
const met = (ok: boolean) => (ok ? "met" : "**not met**");
const md = `## wasi

Median of repeated runs, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}. Same modules for all
(tests/wasi/fixtures, clang -O2); compiled once. "container" = \`runProcess\` with the program
found in the rootfs, a container's rootfs as the engine makes it (an image layer in shared memory
under a writable layer, kept across the runs), module cache warm; "worker" = a pooled, warm
worker_threads worker (the layer is shared, the upper is serialized to it each run).
fsops = create, write 16 KiB, stat, read, readdir, rename, unlink ${FSOPS_N} files in /tmp/fsops.

| run | strata inline | strata worker | bare browser_wasi_shim | node:wasi |
|---|---|---|---|---|
| hello (create → exit) | ${ms(h.inline)} | ${ms(h.worker)} | ${ms(h.shim)} | ${ms(h.node)} |
| fsops ${FSOPS_N} (tests/wasi/fixtures) | ${ms(f.inline)} | — | ${ms(f.shim)} (in memory) | ${ms(f.node)} (${shmBase ?? "/tmp"}) |
${p ? `| fsops probe (wasm/dist, 1,000 files) | ${ms(p.inline)} | — | ${ms(p.shim)} (in memory) | ${ms(p.node)} (${shmBase ?? "/tmp"}) |\n` : ""}
kill of \`spin\` (a loop with no system calls) in a worker, 20 runs: median ${ms(kill.median)}, slowest ${ms(kill.max)}.

| target (issue 5) | measured | |
|---|---|---|
| inline hello within 2× bare shim | ${(h.inline / h.shim).toFixed(2)}× | ${met(h.inline <= 2 * h.shim)} |
| worker hello within 0.5 ms of bare shim | +${ms(h.worker - h.shim)} | ${met(h.worker - h.shim <= 0.5)} |
| fsops within 1.3× bare shim | ${(f.inline / f.shim).toFixed(2)}× (fixture)${p ? `, ${(p.inline / p.shim).toFixed(2)}× (probe)` : ""} | ${met(f.inline <= 1.3 * f.shim && (!p || p.inline <= 1.3 * p.shim))} |
| kill ends a tight loop within 100 ms | slowest of 20: ${ms(kill.max)} | ${met(kill.max <= 100)} |
| fsops ≥ 3× faster than node:wasi | ${(f.node / f.inline).toFixed(2)}× (fixture)${p ? `, ${(p.node / p.inline).toFixed(2)}× (probe)` : ""} | ${met(f.node >= 3 * f.inline && (!p || p.node >= 3 * p.inline))} |

### A large program's first run

A generated WASI command of ${(large.size / 2 ** 20).toFixed(1)} MiB (bench/_big_module.ts: thousands of functions of
loops, loads and stores, a function table, a quarter of it data: the size of ruby.wasm or
python.wasm). Each first run in a fresh Node process, the file already in memory; median
(min–max) of ${REPEATS_TEXT} processes per case. "image layer": the program in a layer with its diffId (as the engine loads
images), known by its place there and never hashed; "written": a program the container wrote,
hashed with node:crypto. Later runs: the same process again, module cached (node:wasi: module reused).
A layer's bytes live in shared memory (workers read them without a copy), and V8 copies shared
bytes before it compiles them: part of the gap to node:wasi, which compiles a file read into a plain buffer.
The pure-JS SHA-256 takes ${large.pureJsHash.toFixed(0)} ms over this file: every first run paid it on top of the compile before
programs in layers were known by their place (with a version of it twice as slow), and a written program pays it
still where the platform has no hash of its own (a browser, an edge worker).

| run | first run | × node:wasi | later runs |
|---|---|---|---|
| node:wasi: compile, instantiate, run | ${spreadMs(large.first.node)} | 1.00× | ${spreadMs(large.later.node)} |
| strata inline, image layer | ${spreadMs(large.first.inline)} | ${vsNode(large.first.inline).toFixed(2)}× | ${spreadMs(large.later.inline)} |
| strata worker (warm, module not yet sent), image layer | ${spreadMs(large.first.worker)} | ${vsNode(large.first.worker).toFixed(2)}× | ${spreadMs(large.later.worker)} |
| strata inline, image layer, \`-m 256m\` (its memory turned into an import: a copy of the file) | ${spreadMs(large.first.capped)} | ${vsNode(large.first.capped).toFixed(2)}× | ${spreadMs(large.later.capped)} |
| strata inline, written by the container | ${spreadMs(large.first.written)} | ${vsNode(large.first.written).toFixed(2)}× | ${spreadMs(large.later.written)} |

| target (issue 14) | measured | |
|---|---|---|
| first run of a 20–30 MB module within 1.5× node:wasi's compile-and-run | ${vsNode(large.first.inline).toFixed(2)}× inline, ${vsNode(large.first.worker).toFixed(2)}× worker | ${met(vsNode(large.first.inline) <= 1.5 && vsNode(large.first.worker) <= 1.5)} |
`;
writeFileSync(new URL("./results/wasi.md", import.meta.url), md);
console.log(md);
process.exit(0);
