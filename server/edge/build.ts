/** Bundles the edge entry with esbuild into dist/edge.mjs (neutral platform, sample images inside). */
import { build } from "esbuild";

await build({
  entryPoints: [new URL("./mod.ts", import.meta.url).pathname], bundle: true, platform: "neutral", format: "esm",
  mainFields: ["module", "main"], loader: { ".tar": "binary" }, outfile: new URL("../../dist/edge.mjs", import.meta.url).pathname, logLevel: "warning",
});
console.log("dist/edge.mjs");
