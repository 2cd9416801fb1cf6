/**
 * Bundles the edge entry (server/edge/mod.ts) with esbuild for a neutral platform into one
 * ES module whose default export is `{ fetch }`, the sample images inside (binary
 * loader). `node --import tsx server/edge/build.ts [outfile]` (default dist/edge.mjs).
 */
import { build } from "esbuild";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Build the bundle; returns its path. Errors: esbuild's (a `node:` import in src/ fails here). */
export async function buildEdge(outfile = fileURLToPath(new URL("../../dist/edge.mjs", import.meta.url))): Promise<string> {
  await build({
    entryPoints: [fileURLToPath(new URL("./mod.ts", import.meta.url))], bundle: true, platform: "neutral", format: "esm",
    mainFields: ["module", "main"], loader: { ".tar": "binary" }, outfile, logLevel: "warning", target: "es2022",
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await buildEdge(process.argv[2] ? resolve(process.argv[2]) : undefined));
}
