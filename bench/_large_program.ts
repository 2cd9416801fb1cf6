/**
 * The first run of a large program (bench/_big_module.ts, about 24 MiB: the size of
 * ruby.wasm or python.wasm), side by side with node:wasi compiling and running the same
 * file. Each first run is measured in a fresh Node process (V8 shares compiled code
 * between modules of the same bytes while one is alive, so a second compile in one
 * process can be nearly free, which no engine can count on), with the file already in
 * memory, as an engine holds its image layers: node:wasi compiles, instantiates and runs
 * it; strata runs it as a container's program in an image layer (a SharedArrayBuffer
 * with its diffId, as the engine loads layers) inline and in a warm worker (started by a
 * first small program, so its start is not counted), inline with a memory cap (`-m 256m`:
 * the module's memory turned into an import first, a copy of the file), and as a program
 * the container wrote (hashed with node:crypto, as the servers do). Later runs: the same process runs
 * it again with the compiled module cached (node:wasi: the module reused).
 *
 * Run as a script, it is the child: `node --expose-gc --import tsx bench/_large_program.ts CASE FILE`
 * prints one JSON line `{ first, later }` (ms).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WASI as NodeWASI } from "node:wasi";
import { closeWorkers, ModuleCache, runProcess, type WorkerHost } from "../src/wasi/mod.ts";
import { Layer, UnionFS, WritableLayer } from "../src/fs/mod.ts";
import { writeTar } from "../src/tar/mod.ts";
import { sha256Hex } from "../src/wasi/_sha256.ts";
import { bigModule } from "./_big_module.ts";

const MIB = 24;
const REPEATS = Number(process.env["LARGE_PROGRAM_REPEATS"] ?? 7);
const LATER = 5;
const CASES = ["node", "inline", "worker", "capped", "written"] as const;
type Case = typeof CASES[number];

export interface Spread { median: number; min: number; max: number }

function spread(times: number[]): Spread {
  const s = [...times].sort((a, b) => a - b);
  return { median: s[s.length >> 1]!, min: s[0]!, max: s[s.length - 1]! };
}

const nodeSha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const sink = { write() {} };

/** One case, cold then warm, in this process: { first, later } in ms. */
async function child(which: Case, file: string): Promise<{ first: number; later: number }> {
  const bytes = new Uint8Array(readFileSync(file)) as Uint8Array<ArrayBuffer>;
  const time = async (f: () => unknown) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  const later = async (f: () => unknown) => {
    const times: number[] = [];
    for (let i = 0; i < LATER; i++) times.push(await time(f));
    return spread(times).median;
  };
  if (which === "node") {
    let module!: WebAssembly.Module;
    const run = () => {
      const w = new NodeWASI({ version: "preview1", args: ["big"], env: {}, returnOnExit: true, stdout: 2 });
      if (w.start(new WebAssembly.Instance(module, { wasi_snapshot_preview1: w.wasiImport })) !== 0) throw new Error("node:wasi: exit not 0");
    };
    const first = await time(() => (module = new WebAssembly.Module(bytes), run()));
    return { first, later: await later(run) };
  }
  let rootfs: UnionFS;
  if (which === "written") {
    rootfs = new UnionFS({ lowers: [], upper: new WritableLayer() });
    rootfs.mkdir("/bin");
    rootfs.writeFile("/bin/big", bytes);
  } else {
    const tar = writeTar([{ path: "bin", type: "dir", mode: 0o755 }, { path: "bin/big", type: "file", mode: 0o755, data: bytes }]);
    const shared = new Uint8Array(new SharedArrayBuffer(tar.length));
    shared.set(tar);
    rootfs = new UnionFS({ lowers: [new Layer(shared, { diffId: nodeSha256(tar) })], upper: new WritableLayer() });
    rootfs.writeFile("/bin/small", readFileSync(new URL("../tests/wasi/fixtures/hello.wasm", import.meta.url)));
  }
  const modules = new ModuleCache();
  let host: WorkerHost | undefined;
  if (which === "worker") host = (await import("../server/worker/node_worker_host.ts")).nodeWorkerHost();
  const limits = which === "capped" ? { memoryBytes: 256 << 20 } : {};
  const run = async (cmd = "/bin/big") => {
    const r = await runProcess({ cmd: [cmd] }, { rootfs, modules, stdout: sink, stderr: sink, sha256: nodeSha256, workerHost: host, mode: host ? "worker" : "inline", limits }).done;
    if (r.exitCode !== 0) throw new Error(`${cmd}: exit ${r.exitCode}`);
  };
  if (host) await run("/bin/small"); // the worker is up and warm
  const first = await time(run);
  const result = { first, later: await later(run) };
  if (host) await closeWorkers(host);
  return result;
}

/** Every case, REPEATS fresh processes each (interleaved, so a slow spell of the machine hits all alike). */
export function largeProgram(): { size: number; first: Record<Case, Spread>; later: Record<Case, Spread>; pureJsHash: number } {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const file = `${root}bench/.cache/large-program-${MIB}.wasm`;
  if (!existsSync(file)) {
    mkdirSync(`${root}bench/.cache`, { recursive: true });
    writeFileSync(file, bigModule(MIB));
  }
  const runs: Record<Case, Array<{ first: number; later: number }>> = { node: [], inline: [], worker: [], capped: [], written: [] };
  for (let i = 0; i < REPEATS; i++) {
    for (const c of CASES) {
      const r = spawnSync(process.execPath, ["--expose-gc", "--no-warnings", "--import", "tsx", "bench/_large_program.ts", c, file], { cwd: root, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`large program, ${c}: exit ${r.status}: ${r.stderr}`);
      runs[c].push(JSON.parse(r.stdout.trim().split("\n").at(-1)!));
    }
  }
  const bytes = new Uint8Array(readFileSync(file));
  const t = performance.now();
  sha256Hex(bytes);
  const pureJsHash = performance.now() - t;
  const pick = (k: "first" | "later") => Object.fromEntries(CASES.map((c) => [c, spread(runs[c].map((r) => r[k]))])) as Record<Case, Spread>;
  return { size: bytes.length, first: pick("first"), later: pick("later"), pureJsHash };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [which, file] = process.argv.slice(2) as [Case, string];
  console.log(JSON.stringify(await child(which, file)));
  process.exit(0);
}
