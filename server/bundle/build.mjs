/**
 * Builds the Node bundle (dist/node/) with esbuild: the `strata` command (cli.mjs, from
 * server/cli/main.ts), the API server of `npm start` (server.mjs, from server/node/main.ts)
 * and the process worker (entry.mjs, from server/worker/entry.ts), as ES modules that
 * share chunks (code splitting: a verb's module and the engine are chunks of their own,
 * loaded by the dynamic imports that need them). Run at install (`prepare`), by
 * `npm run build:cli`, and by load.mjs when a source is newer than the bundle.
 *
 * Layout rules the sources rely on: dist/node/ is two levels under the repository, as
 * server/node/ and server/cli/ are, so `new URL("../../rootfs-samples/", import.meta.url)`
 * finds the samples from either; and the worker's bundle is `entry.mjs` beside the
 * chunks, where node_worker_host.ts looks for `./entry.mjs`.
 *
 * Files are written to a temporary name and renamed, chunks (content-hashed names) before
 * the entries that import them and manifest.json last, so a command started while another
 * one rebuilds reads either build whole. manifest.json lists the sources the bundle was
 * built from and when, for load.mjs's freshness check. Chunks of older builds are removed
 * once an hour old.
 *
 * `node server/bundle/build.mjs [outdir]` prints the outdir.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUTDIR = join(ROOT, "dist", "node");
const ENTRIES = { cli: "server/cli/main.ts", server: "server/node/main.ts", entry: "server/worker/entry.ts" };
const OLD_CHUNK_MS = 3600_000;
/**
 * How much earlier than the build's start the manifest says it was built. A file's mtime
 * is the kernel's coarse clock (a few ms behind), so a file written just before the build
 * read it might look older than the build without this; with it, such a file only costs
 * one more build.
 */
const MTIME_SLACK_MS = 1000;

/** Build the bundle into `outdir`; resolves with the manifest written. Errors: esbuild's (printed too, unless `quiet`). */
export async function buildNode(outdir = OUTDIR, o = {}) {
  const { build } = await import("esbuild");
  const started = Date.now() - MTIME_SLACK_MS;
  const r = await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, join(ROOT, v)])),
    bundle: true, splitting: true, format: "esm", platform: "node", target: "node20", outdir, write: false, metafile: true,
    entryNames: "[name]", chunkNames: "chunk-[hash]", outExtension: { ".js": ".mjs" }, logLevel: o.quiet ? "silent" : "warning",
    // Bundled CommonJS dependencies may require() Node's modules: give the ES module a require.
    banner: { js: 'import { createRequire as __strataRequire } from "node:module"; const require = __strataRequire(import.meta.url);' },
  });
  mkdirSync(outdir, { recursive: true });
  const isEntry = (p) => Object.keys(ENTRIES).includes(basename(p, ".mjs"));
  const files = [...r.outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)));
  for (const f of files) _writeAtomic(f.path, f.contents);
  const inputs = Object.keys(r.metafile.inputs).map((p) => relative(ROOT, resolve(p)).split(sep).join("/"))
    .filter((p) => !p.startsWith("node_modules/") && !p.startsWith("../"));
  inputs.push(relative(ROOT, fileURLToPath(import.meta.url)).split(sep).join("/"));
  const manifest = { built: started, entries: Object.keys(ENTRIES), inputs: inputs.sort() };
  _writeAtomic(join(outdir, "manifest.json"), JSON.stringify(manifest, null, 1));
  _removeOld(outdir, new Set(files.map((f) => basename(f.path))));
  return manifest;
}

function _writeAtomic(path, contents) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/**
 * Chunks of earlier builds an hour old (a process started before this build may still
 * import the younger ones), and the temporary files of a build that was killed.
 */
function _removeOld(outdir, current) {
  for (const name of readdirSync(outdir)) {
    if (!(name.startsWith("chunk-") || name.includes(".tmp-")) || current.has(name)) continue;
    const path = join(outdir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > OLD_CHUNK_MS) rmSync(path, { force: true });
    } catch { /* another build removed it */ }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ? resolve(process.argv[2]) : OUTDIR;
  await buildNode(outdir);
  console.log(relative(process.cwd(), outdir) || ".");
}
