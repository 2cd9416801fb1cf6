/**
 * Loads a module of the Node bundle (build.mjs) when the bundle is there and fresh: no
 * source it was built from (manifest.json's list, a stat each) is newer than the build.
 * When one is (a source edited in a checkout), it is rebuilt first (esbuild, a few
 * hundred ms, once); when it cannot be built (no esbuild: a production install without
 * a bundle), or STRATA_BUNDLE=0, the TypeScript sources run through tsx's loader
 * instead. So a command never runs code older than its sources. Where Node has it
 * (22.1+), V8's compile cache is turned on, which spares most of the bundle's parse.
 */
import { readFileSync, statSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUTDIR = join(ROOT, "dist", "node");

/** The bundle's `name` (cli, server) if fresh or rebuilt, else `source` (a .ts URL) through tsx. */
export async function loadBuilt(name, source) {
  // Node 22.1 and later keep V8's compiled code between runs (on disk, in the temporary directory); Node 20 has no such cache.
  module.enableCompileCache?.();
  if (process.env["STRATA_BUNDLE"] !== "0") {
    if (bundleFresh()) return await import(pathToFileURL(join(OUTDIR, `${name}.mjs`)).href);
    try {
      await (await import("./build.mjs")).buildNode(OUTDIR, { quiet: true });
      return await import(pathToFileURL(join(OUTDIR, `${name}.mjs`)).href);
    } catch { /* no esbuild, or a source that does not build: tsx says what is wrong */ }
  }
  const { register } = await import("tsx/esm/api");
  register();
  return await import(source.href);
}

/** Is there a bundle in `outdir`, built after every file it was built from was last changed? */
export function bundleFresh(outdir = OUTDIR) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  } catch {
    return false;
  }
  for (const input of manifest.inputs) {
    const st = statSync(ROOT + input, { throwIfNoEntry: false }); // ROOT ends with a separator; the inputs are relative, with "/"
    if (!st || st.mtimeMs >= manifest.built) return false;
  }
  return true;
}
