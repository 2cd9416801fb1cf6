/**
 * A container writing one file, by where its process runs: `sh -c 'head -c N /dev/zero >
 * /tmp/f'` (the rootfs's writable layer) and `> /dev/shm/f` (the container's own files),
 * from its start until it has exited, so the engine's copy holds every byte. Inline (the
 * engine's thread), on a dedicated worker (a thread of its own: its changes go through
 * its own 4 MiB journal), and on shared workers (where processes suspend: a container's
 * processes there share a copy of its filesystems, whose changes go through that copy's
 * 64 KiB journal, drained by the engine when a full journal rings the process's own
 * doorbell: src/wasi/_ring.ts). Run under Deno (`node_modules/.bin/deno run -A
 * bench/file_write.bench.ts`: file_write_deno.md) for all three; under Node 20 (`npm run
 * bench -- file_write`: file_write.md) there are no shared workers.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import process from "node:process";
import { closeWorkers, suspendable, type WorkerHost } from "../src/wasi/mod.ts";
import { runtimeHost } from "../server/platform/mod.ts";
import { createEngine, type Engine } from "../src/engine/mod.ts";
import { MemoryStore } from "../src/store/mod.ts";

// deno-lint-ignore no-explicit-any
const deno = (globalThis as any).Deno;
const runtime = deno ? `Deno ${deno.version.deno}` : `Node ${process.version}`;
const ROUNDS = Number(process.env.FILE_WRITE_ROUNDS ?? 5);
const MIB = Number(process.env.FILE_WRITE_MIB ?? 32);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

async function engineWith(workerHost?: WorkerHost): Promise<Engine> {
  const engine = await createEngine({ store: new MemoryStore(), ...(workerHost ? { workerHost } : {}) });
  await engine.images.load(new Uint8Array(readFileSync(new URL("../rootfs-samples/toolbox.tar", import.meta.url))), { name: "toolbox.tar" });
  return engine;
}

/** One container writing `MIB` MiB to `path`: ms from its start until it has exited. */
async function once(engine: Engine, path: string): Promise<number> {
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", `head -c ${MIB * 1024 * 1024} /dev/zero > ${path}`] });
  const t0 = performance.now();
  await engine.containers.start(Id);
  const { StatusCode } = await engine.containers.wait(Id);
  const ms = performance.now() - t0;
  if (StatusCode !== 0) throw new Error(`the writer exited ${StatusCode}`);
  await engine.containers.remove(Id);
  return ms;
}

const modes: Array<{ name: string; host?: WorkerHost; skip?: string }> = [
  { name: "inline (the engine's thread)" },
  { name: "dedicated workers (a thread per process)", host: { ...runtimeHost().workerHost, shared: false } },
  suspendable
    ? { name: "shared workers (many processes per thread)", host: { ...runtimeHost().workerHost, shared: true } }
    : { name: "shared workers", skip: `${runtime} has no JSPI` },
];

const loadBefore = loadavg()[0]!;
const rows: string[] = [];
for (const mode of modes) {
  if (mode.skip) {
    rows.push(`| ${mode.name} | — (${mode.skip}) | — |`);
    continue;
  }
  const engine = await engineWith(mode.host);
  const cells: string[] = [];
  for (const path of ["/tmp/f", "/dev/shm/f"]) {
    await once(engine, path); // warm: the module compiled, the worker up
    const ms: number[] = [];
    for (let i = 0; i < ROUNDS; i++) ms.push(await once(engine, path));
    const rate = MIB / (median(ms) / 1000);
    console.log(`${mode.name}, ${path}: ${median(ms).toFixed(0)} ms (${spread(ms)}), ${rate.toFixed(0)} MiB/s`);
    cells.push(`${median(ms).toFixed(0)} ms (${spread(ms)}): ${rate.toFixed(0)} MiB/s`);
  }
  rows.push(`| ${mode.name} | ${cells.join(" | ")} |`);
  await engine.close();
  if (mode.host) await closeWorkers(mode.host);
}

const md = `## A container writing one file (bench/file_write.bench.ts, ${runtime})

${new Date().toISOString().slice(0, 10)}, ${runtime}, ${cpus().length} cores shared with other work (load average
${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after). A container runs \`sh -c 'head -c ${MIB} MiB /dev/zero > FILE'\`;
from its start until it has exited (the engine's copy then holds every byte), median of ${ROUNDS} runs
after one uncounted (range in brackets), and the rate that makes.

| where its process runs | /tmp/f (its layer) | /dev/shm/f (its own files) |
|---|---|---|
${rows.join("\n")}
`;
writeFileSync(new URL(`results/${deno ? "file_write_deno" : "file_write"}.md`, import.meta.url), md);
console.log(md);
process.exit(0);
