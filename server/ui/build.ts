/**
 * `npm run build:ui`: the web page as static files in dist/ui — index.html, style.css,
 * app.js (the page; the in-browser engine is a chunk of its own, loaded only in that
 * mode), worker.js (a process worker for a cross-origin isolated page) and samples/ (the
 * sample images toolbox, demo and probes, and index.json naming them). The same files
 * are what the servers serve at /ui and what a static host serves for the in-browser
 * mode. `node --import tsx server/ui/build.ts [outdir]`.
 */
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UI_DIR } from "./serve.ts";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** The samples the in-browser mode loads (sqlite's 2 MB is left out: the page stays light). */
const UI_SAMPLES = ["toolbox.tar", "demo.tar", "probes.tar"];

/** Build the page into `outdir` (emptied first); returns it. Errors: esbuild's. */
export async function buildUi(outdir = UI_DIR): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, "samples"), { recursive: true });
  await build({
    entryPoints: { app: here("./main.ts"), worker: here("../../src/wasi/web_worker_entry.ts") },
    bundle: true, splitting: true, format: "esm", platform: "browser", target: "es2022", minify: true,
    outdir, chunkNames: "chunks/[name]-[hash]", logLevel: "warning", legalComments: "none",
  });
  for (const f of ["index.html", "style.css"]) copyFileSync(here(`./${f}`), join(outdir, f));
  copyFileSync(here("../../node_modules/@xterm/xterm/css/xterm.css"), join(outdir, "xterm.css"));
  for (const f of UI_SAMPLES) copyFileSync(here(`../../rootfs-samples/${f}`), join(outdir, "samples", f));
  writeFileSync(join(outdir, "samples", "index.json"), JSON.stringify(UI_SAMPLES));
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await buildUi(process.argv[2] ? resolve(process.argv[2]) : undefined));
}
