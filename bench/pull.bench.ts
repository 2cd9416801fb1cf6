/**
 * `npm run bench -- pull`: pulling a debootstrap-sized image (bench/_pull_image.ts: one
 * ~200 MiB layer of ~7,000 entries, gzipped ~3×) from a local registry (Debian's
 * docker-registry on loopback, the image put there by `skopeo copy` from an OCI layout),
 * side by side in the same run with `skopeo copy docker://… oci:…` of the same image.
 * strata's pull is `engine.images.pull()` into a fresh disk store (server/store), as the
 * server and the CLI do it; the two alternate, several times, and the median and the
 * spread are reported. Peak memory of each is measured in a fresh process: strata's as
 * VmHWM minus the RSS just before the pull (as the load bench does), skopeo's as its
 * maximum RSS (GNU time). Writes bench/results/pull.md.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine } from "../src/engine/mod.ts";
import { runtimeHost } from "../server/platform/mod.ts";
import { DiskStore } from "../server/store/mod.ts";
import { registryMissing, startRegistry } from "../tests/integration/_registry.ts";
import { pullImage } from "./_pull_image.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const cache = `${root}bench/.cache/pull`;
const REPO = "bench/rootfs:v1";
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** One pull by strata's engine into a fresh disk store; returns what it stored and how long the pull took (not the set-up and clean-up). */
async function strataPull(ref: string): Promise<{ digest: string; ms: number }> {
  const home = mkdtempSync(join(tmpdir(), "strata-pull-bench-"));
  const engine = await createEngine({ store: DiskStore.open(home), platform: runtimeHost().platform });
  try {
    (globalThis as { gc?: () => void }).gc?.();
    const t = performance.now();
    const r = await engine.images.pull(ref);
    return { digest: r.digest, ms: performance.now() - t };
  } finally {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * One `skopeo copy docker://…` into a fresh directory: to `oci:` (the blobs as they are)
 * or to `docker-archive:` (layers inflated, as a store that runs them needs); returns the
 * manifest digest the OCI copy wrote.
 */
function skopeoPull(ref: string, o: { time?: boolean; to?: "oci" | "docker-archive" } = {}): { digest?: string; maxRssKb?: number; ms: number } {
  const dir = mkdtempSync(join(tmpdir(), "skopeo-pull-bench-"));
  try {
    const dest = o.to === "docker-archive" ? `docker-archive:${dir}/image.tar:bench/rootfs:v1` : `oci:${dir}/oci:bench`;
    const args = ["copy", "-q", "--src-tls-verify=false", `docker://${ref}`, dest];
    const t = performance.now();
    const r = o.time
      ? spawnSync("/usr/bin/time", ["-f", "maxrss %M", "skopeo", ...args], { encoding: "utf8" })
      : spawnSync("skopeo", args, { encoding: "utf8" });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`skopeo copy failed: ${r.stderr}`);
    const digest = o.to === "docker-archive" ? undefined : JSON.parse(readFileSync(`${dir}/oci/index.json`, "utf8")).manifests[0].digest as string;
    const rss = /maxrss (\d+)/.exec(r.stderr ?? "");
    return { digest, maxRssKb: rss ? Number(rss[1]) : undefined, ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--peak") {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  await strataPull(process.argv[3]!);
  const hwm = readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+) kB/);
  console.log(`peak ${(hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) * 1024 - before}`);
  process.exit(0);
}

/** strata's peak RSS growth in a fresh process (bytes). */
function strataPeak(ref: string): number {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), "--peak", ref], { cwd: root, encoding: "utf8" });
  const m = r.stdout.match(/peak (\d+)/);
  if (!m) throw new Error(`peak run failed: ${r.stderr}`);
  return Number(m[1]);
}

const why = registryMissing() || (has("skopeo") ? "" : "skopeo is not installed") || (has("curl") ? "" : "curl is not installed") || (has("/usr/bin/time") ? "" : "GNU time is not installed");
mkdirSync(`${root}bench/results`, { recursive: true });
if (why) {
  writeFileSync(`${root}bench/results/pull.md`, `## pull\n\nNot run: ${why}.\n`);
  console.log(`pull bench not run: ${why}`);
  process.exit(0);
}

const image = await pullImage(cache);
const loadBefore = loadavg()[0]!;
const reg = await startRegistry();
const ref = `${reg.host}/${REPO}`;
const N = 5;
const times = { strata: [] as number[], skopeo: [] as number[], skopeoArchive: [] as number[], curl: [] as number[], gunzip: [] as number[] };
const layerDigest = JSON.parse(readFileSync(join(image.layout, "blobs", "sha256", image.manifestDigest.slice(7)), "utf8")).layers[0].digest as string;
const sh = (cmd: string) => execFileSync("sh", ["-c", cmd], { stdio: ["ignore", "pipe", "inherit"] });
let pushMs = 0, blobGets = 0;
let peaks = { strata: NaN, skopeo: NaN, skopeoArchive: NaN };
try {
  let t = performance.now();
  execFileSync("skopeo", ["copy", "-q", "--dest-tls-verify=false", `oci:${image.layout}:bench`, `docker://${ref}`]);
  pushMs = performance.now() - t;
  // A first pull of each warms the page cache and the registry's; it is not counted.
  const first = { strata: await strataPull(ref), skopeo: skopeoPull(ref) };
  if (first.strata.digest !== image.manifestDigest || first.skopeo.digest !== image.manifestDigest) {
    throw new Error(`digests differ: layout ${image.manifestDigest}, strata ${first.strata.digest}, skopeo ${first.skopeo.digest}`);
  }
  for (let i = 0; i < N; i++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    const order = i % 2 ? ["skopeo", "skopeoArchive", "strata"] as const : ["strata", "skopeo", "skopeoArchive"] as const;
    for (const who of order) {
      const r = who === "strata" ? await strataPull(ref) : skopeoPull(ref, { to: who === "skopeo" ? "oci" : "docker-archive" });
      times[who].push(r.ms);
    }
    // Floors: the layer's bytes over the same HTTP (curl), and inflating + hashing them (gzip | sha256sum).
    t = performance.now();
    sh(`curl -sf -o /dev/null ${reg.url}/v2/bench/rootfs/blobs/${layerDigest}`);
    times.curl.push(performance.now() - t);
    t = performance.now();
    sh(`gzip -dc '${image.gz}' | sha256sum`);
    times.gunzip.push(performance.now() - t);
  }
  peaks = {
    strata: strataPeak(ref), skopeo: (skopeoPull(ref, { time: true }).maxRssKb ?? NaN) * 1024,
    skopeoArchive: (skopeoPull(ref, { time: true, to: "docker-archive" }).maxRssKb ?? NaN) * 1024,
  };
  await reg.sync();
  blobGets = reg.blobGets();
} finally {
  await reg.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const spread = (xs: number[]) => `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`;
const met = (ok: boolean) => (ok ? "met" : "**not met**");
const limit = image.sizes.tar * 1.2;
const ratio = median(times.strata) / median(times.skopeo);
const md = `## pull

${N} pulls of each, alternating (after one uncounted pull of each), ${new Date().toISOString().slice(0, 10)}, Node ${process.version};
the machine's load average was ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after (on ${cpus().length} cores: other work ran beside it).
The image (bench/_pull_image.ts): one layer, ${MB(image.sizes.tar)} and ${image.entries} entries uncompressed (the
debootstrap minbase shape of bench/_rootfs_shape.ts, sizes scaled up), ${MB(image.sizes.gz)} gzipped (\`gzip -6 -n\`),
in a local docker-registry on loopback (plain HTTP), put there by \`skopeo copy oci:… docker://…\` (${ms(pushMs)}).
strata: \`engine.images.pull()\` into a fresh disk store, in this process: manifest, config, the layer
streamed through its sha256 and size check, gunzip (node:zlib, inflating in place into the layer's
buffer) and the diffId hash, written to the store as it inflates (synced as it goes), the tar
indexed and checked, the blob renamed into place and synced, the records committed. skopeo: \`skopeo copy docker://… oci:DIR:tag\`
as its own process (its start-up, a few ms, is in its time): it verifies the compressed blob's
digest and writes it as it is, without inflating it. Both wrote the same manifest digest
(${image.manifestDigest.slice(0, 19)}…). The registry answered ${blobGets} blob GETs in all.

| what | median | spread (min–max) |
|---|---|---|
| strata pull (engine, disk store) | ${ms(median(times.strata))} | ${spread(times.strata)} |
| \`skopeo copy docker://… oci:…\` | ${ms(median(times.skopeo))} | ${spread(times.skopeo)} |
| strata / skopeo | ${ratio.toFixed(2)}× | target ≤ 1×: ${met(ratio <= 1)} |
| \`skopeo copy docker://… docker-archive:…\` (inflates the layer) | ${ms(median(times.skopeoArchive))} | ${spread(times.skopeoArchive)} |
| strata / skopeo to docker-archive | ${(median(times.strata) / median(times.skopeoArchive)).toFixed(2)}× | — |
| floor: \`curl\` of the layer blob from the registry | ${ms(median(times.curl))} | ${spread(times.curl)} |
| floor: \`gzip -dc layer.tar.gz \\| sha256sum\` (inflate + diffId) | ${ms(median(times.gunzip))} | ${spread(times.gunzip)} |

| peak memory of one pull (fresh process) | bytes | of uncompressed | ≤ uncompressed + 20% (${MB(limit)}) |
|---|---|---|---|
| strata (RSS growth during the pull) | ${MB(peaks.strata)} | ${(peaks.strata / image.sizes.tar).toFixed(2)}× | ${met(peaks.strata <= limit)} |
| skopeo to oci: (maximum RSS of the process) | ${MB(peaks.skopeo)} | ${(peaks.skopeo / image.sizes.tar).toFixed(2)}× | — |
| skopeo to docker-archive: (maximum RSS of the process) | ${MB(peaks.skopeoArchive)} | ${(peaks.skopeoArchive / image.sizes.tar).toFixed(2)}× | — |

What the rows show:
- The issue's target (strata at least as fast as \`skopeo copy docker://… oci:…\`) compares
  unlike work: skopeo to an OCI layout moves the compressed blob (its time is about the
  curl floor plus writing ${MB(image.sizes.gz)}), while a pull that can run the image must inflate
  the layer, hash it for its diffId and index it; that part alone (the gzip floor, one core)
  is a large part of strata's time. skopeo to \`docker-archive:\` inflates too and is the like-for-like
  comparison.
- Where strata's time goes (CPU profiles and timings of such pulls, \`node --cpu-prof\`, per
  pull): inflating on a libuv thread, which bounds the pull (node:zlib's \`gunzipSync\` of
  this layer alone takes 1.1–1.5 s where \`gzip -dc\` takes 0.83 s), beside the download and
  the hashing; on the main thread sha256 of both
  digests ~0.25 s, garbage collection ~0.1–0.25 s, the download's web streams ~0.15 s,
  the tar index ~0.1 s; the store's write of the 205 MiB layer and its syncs run on the
  thread pool during the download, and the final fsync, rename and directory sync take
  ~30 ms after it. Before (2026-12-03's figures): GC ~0.8 s, because node:zlib handed out
  each 256 KiB piece as a fresh Buffer that was copied into the layer and freed, and with
  that churn V8 ran about 40 full mark-compacts a pull (its old-generation limit is small
  for this heap: started with a larger one it ran 7); the store's write ~0.4 s and fsync
  ~0.35 s after the download.
  The timings above are of the pull alone: the store's opening and the clean-up afterwards
  are outside them, for both. skopeo does not fsync what it writes; strata does (a pulled
  image is acknowledged state).
- Memory: strata holds the layer once, uncompressed (the union filesystem serves files from
  it), inflating as it downloads straight into that buffer; the compressed bytes are
  dropped as they inflate, and the store's writer reads the layer's own buffer. skopeo
  streams to disk and holds neither.
- The machine is shared with other work: the spreads are wide, so compare medians of the
  same run only.
`;
writeFileSync(`${root}bench/results/pull.md`, md);
console.log(md);
