/**
 * docker build (issue 16): the four sample images built by the classic builder from their
 * Dockerfiles (rootfs-samples/<name>/, as `npm run build:samples` builds them), cold (a
 * new engine: every step runs, RUN included) and cached (the same engine again: every
 * step is taken from the cache), beside loading the same images from their archives
 * (rootfs-samples/<name>.tar) into a new engine — on MemoryStore and on the disk store.
 * Median and spread (min – max) over repeats. Writes bench/results/build.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, type Engine } from "../src/engine/mod.ts";
import { MemoryStore, type Store } from "../src/store/mod.ts";
import { DiskStore } from "../server/store/mod.ts";
import { runtimeHost } from "../server/platform/mod.ts";
import { buildSamples, SAMPLE_NAMES, sampleContext } from "../rootfs-samples/build.ts";

const REPEATS = 7;
const { platform } = runtimeHost();
const archives = SAMPLE_NAMES.map((n) => new Uint8Array(readFileSync(new URL(`../rootfs-samples/${n}.tar`, import.meta.url))));
const contextBytes = SAMPLE_NAMES.reduce((n, name) => n + sampleContext(name).length, 0);
const archiveBytes = archives.reduce((n, a) => n + a.length, 0);

/** A fresh store of each kind, and its clean-up. */
function stores(): Array<{ name: string; open(): { store: Store; done(): void } }> {
  return [
    { name: "MemoryStore", open: () => ({ store: new MemoryStore(), done: () => {} }) },
    {
      name: "disk store", open: () => {
        const home = mkdtempSync(join(tmpdir(), "strata-bench-build-"));
        return { store: DiskStore.open(home), done: () => rmSync(home, { recursive: true, force: true }) };
      },
    },
  ];
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** One round on a kind of store: [cold build, cached build, load of the archives] in ms. */
async function round(open: () => { store: Store; done(): void }): Promise<[number, number, number]> {
  const a = open();
  const engine: Engine = await createEngine({ store: a.store, platform });
  // The base of every sample is toolbox, which the cold build makes FROM scratch: nothing is loaded first.
  const cold = await time(() => buildSamples(engine));
  const cached = await time(() => buildSamples(engine));
  await engine.close();
  a.done();
  const b = open();
  const fresh = await createEngine({ store: b.store, platform });
  const load = await time(async () => {
    for (const [i, bytes] of archives.entries()) await fresh.images.load(bytes, { name: `${SAMPLE_NAMES[i]}.tar` });
  });
  await fresh.close();
  b.done();
  return [cold, cached, load];
}

const stat = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return `${s[Math.floor(s.length / 2)]!.toFixed(0)} ms (${s[0]!.toFixed(0)} – ${s.at(-1)!.toFixed(0)})`;
};

const rows: string[] = [];
for (const kind of stores()) {
  await round(kind.open); // warm: module compilation of the programs a RUN runs, JIT
  const runs: Array<[number, number, number]> = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await round(kind.open));
  rows.push(`| ${kind.name} | ${stat(runs.map((r) => r[0]))} | ${stat(runs.map((r) => r[1]))} | ${stat(runs.map((r) => r[2]))} |`);
}

const md = `## build

The four sample images (toolbox, demo, probes, sqlite) built by the classic builder from
their Dockerfiles in rootfs-samples/ (bench/build.bench.ts), ${new Date().toISOString().slice(0, 10)}: cold (a new
engine; every step runs, demo's RUN included) and cached (the same engine again; every step
is a cache hit), beside \`docker load\` of the same images from their archives into a new
engine. Median (min – max) of ${REPEATS} rounds after a warm-up round; programs run inline.

| store | build, cold | build, cached | load of the archives |
|---|---|---|---|
${rows.join("\n")}

The contexts are ${(contextBytes / 1e6).toFixed(2)} MB (mostly sqlite3.wasm), the archives ${(archiveBytes / 1e6).toFixed(2)} MB. A cold
build hashes every COPY source, writes each step's layer through a union filesystem and
stores an image per step (18 steps, 5 of them with a layer); a cached build reads the context,
hashes the COPY sources again (their sums are the cache keys) and looks each step up
among the stored images' children; a load verifies and stores the layers once.
`;
writeFileSync(new URL("./results/build.md", import.meta.url), md);
console.log(md);
process.exit(0);
