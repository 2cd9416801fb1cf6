/**
 * `npm run bench -- load_bomb`: a gzip bomb loaded as `docker load` sends it. The bomb is
 * a tar of one 10 GiB file of zeros, gzipped (`gzip -9`, about 10 MB), as the only layer
 * of an OCI layout archive (made in setup under bench/.cache/; about 90 s of gzip). Each
 * case runs in a fresh child process: one bomb, then three at once into one engine (its
 * loads share one memory budget), each streamed from the file in 1 MiB chunks, with the
 * default limits and with smaller ones. The child reports its peak RSS growth (VmHWM
 * minus the RSS just before the loads), the time until every load was refused, and the
 * errors. Writes bench/results/load_bomb.md.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEngine } from "../src/engine/mod.ts";
import { DEFAULT_LOAD_MEMORY, encodeConfig, sha256 } from "../src/oci/mod.ts";
import { MemoryStore } from "../src/store/mod.ts";
import { DEFAULT_MAX_UNCOMPRESSED, writeTar } from "../src/tar/mod.ts";
import { runtimeHost } from "../server/platform/mod.ts";
import { fileStream } from "./_file_stream.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const cache = `${root}bench/.cache/`;
const INFLATED = 10 * 2 ** 30;
const files = { gz: `${cache}bomb-10g.tar.gz`, archive: `${cache}bomb-10g-oci.tar` };

/** The bomb layer (tar of a sparse 10 GiB file of zeros, gzip -9) and the OCI archive around it, once. */
async function setup(): Promise<void> {
  mkdirSync(cache, { recursive: true });
  if (!existsSync(files.gz)) {
    console.log("setup: gzip -9 of a tar of 10 GiB of zeros (about 90 s)");
    const sh = `truncate -s ${INFLATED} zeros.bin && tar --numeric-owner --owner=0 --group=0 --mtime=@0 -cf - zeros.bin | gzip -9 -n > bomb.tmp && mv bomb.tmp '${files.gz}'; rm -f zeros.bin`;
    execFileSync("sh", ["-c", sh], { cwd: cache, stdio: "inherit" });
  }
  if (existsSync(files.archive)) return;
  const gz = new Uint8Array(readFileSync(files.gz));
  const enc = new TextEncoder(), json = (v: unknown) => enc.encode(JSON.stringify(v));
  // The diff_id is never reached: the layer is refused while it inflates.
  const configBytes = encodeConfig({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [`sha256:${"0".repeat(64)}`] }, history: [] });
  const config = { mediaType: "application/vnd.oci.image.config.v1+json", digest: await sha256(configBytes), size: configBytes.length };
  const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: await sha256(gz), size: gz.length };
  const manifest = json({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer] });
  const md = await sha256(manifest);
  const blob = (d: string) => `blobs/sha256/${d.slice(7)}`;
  writeFileSync(files.archive, writeTar([
    { path: "oci-layout", type: "file", data: json({ imageLayoutVersion: "1.0.0" }) },
    { path: "index.json", type: "file", data: json({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: md, size: manifest.length, annotations: { "org.opencontainers.image.ref.name": "bomb" } }] }) },
    { path: blob(md), type: "file", data: manifest },
    { path: blob(config.digest), type: "file", data: configBytes },
    { path: blob(layer.digest), type: "file", data: gz },
  ], { mtime: 0 }));
}

interface Run { peak: number; ms: number; errors: string[] }

interface Limits { maxLayerBytes?: number; loadMemoryBytes?: number }

/** In a fresh process: `n` bombs at once into one engine with these limits. */
function run(n: number, limits: Limits = {}): Run {
  const args = [fileURLToPath(import.meta.url), "--child", String(n), JSON.stringify(limits)];
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", ...args], { cwd: root, encoding: "utf8" });
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`bomb run failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Run;
}

if (process.argv[2] === "--child") {
  const { platform } = runtimeHost(); // node:crypto, node:zlib's inflater and the collection hint, as the server hands them in
  const engine = await createEngine({ store: new MemoryStore(), platform, ...(JSON.parse(process.argv[4]!) as Limits) });
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: Number(process.argv[3]) }, (_, i) => engine.images.load(fileStream(files.archive), { name: `bomb${i + 1}.tar` })));
  const ms = performance.now() - t0;
  const hwm = readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+) kB/);
  const errors = results.map((x) => (x.status === "rejected" ? String((x.reason as Error).message ?? x.reason) : "loaded"));
  console.log(JSON.stringify({ peak: (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) * 1024 - before, ms, errors }));
  process.exit(0);
}

await setup();
const small = { maxLayerBytes: 256 * 2 ** 20, loadMemoryBytes: 512 * 2 ** 20 };
const rows: Array<[string, Limits, number]> = [["defaults", {}, 1], ["defaults", {}, 3], ["layer 256 MiB, budget 512 MiB", small, 1], ["layer 256 MiB, budget 512 MiB", small, 3]];
const runs = rows.map(([, limits, n]) => run(n, limits));
const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const GB = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
const md = `## load_bomb

${new Date().toISOString().slice(0, 10)}, Node ${process.version}. The bomb: a tar of one file of 10 GiB of zeros,
\`gzip -9\`: ${MB(statSync(files.gz).size)} inflating to 10 GiB, the only layer of an OCI layout archive
(${MB(statSync(files.archive).size)}). Each row runs in a fresh process: an engine on a MemoryStore with node:zlib and
node:crypto as server/ installs them, the archive streamed from its file in 1 MiB chunks as \`docker load\`
sends it, once or three times at once (the engine's loads share one budget). The defaults: a layer's
limit (\`maxLayerBytes\`) ${MB(DEFAULT_MAX_UNCOMPRESSED)}, the load budget (\`loadMemoryBytes\`) ${MB(DEFAULT_LOAD_MEMORY)}.
Peak = RSS high-water mark minus RSS before the loads.

| limits | bombs | peak RSS growth | time until refused |
|---|---|---|---|
${rows.map(([what, , n], i) => `| ${what} | ${n === 1 ? "one" : "three at once"} | ${MB(runs[i]!.peak)} (${GB(runs[i]!.peak)}) | ${runs[i]!.ms.toFixed(0)} ms |`).join("\n")}

Before the bounds (commit 4719558, 2026-12-03, same bomb and machine): one bomb peaked at 3205.3 MiB
(3.36 GB) and three at once at 9624.7 MiB (10.09 GB); each was refused only when its buffer passed
V8's 4 GiB typed-array limit, as "corrupt or truncated gzip data (The operation was aborted)".

The errors, as the loads reported them (digests shortened):

${rows.flatMap(([what, , n], i) => runs[i]!.errors.map((e, j) => `- ${what}, ${n === 1 ? "one" : `three, load ${j + 1}`}: ${e.replace(/([a-f0-9]{12})[a-f0-9]{52}/g, "$1…")}`)).join("\n")}
`;
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/load_bomb.md`, md);
console.log(md);
