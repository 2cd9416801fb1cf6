/**
 * The web page (issue 20, docs/ui.md): its weight — what a browser downloads in each mode,
 * raw and gzipped (as a static host or a proxy would send it; the servers send it raw) —
 * and its time to first picture: from navigation to the first drawing of the layers
 * (body[data-first-picture-ms]), in Debian's chromium through playwright-core, over
 * loopback, served by a Node server at /ui and as static files with the engine in the
 * page (which first fetches and loads the sample images). Median and max of a few
 * loads, each in a fresh browser context (no cache). Writes bench/results/ui.md.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildUi } from "../server/ui/build.ts";
import { serveUiStatics } from "./_ui_statics.ts";
import { benchServer } from "./_server.ts";

const chromium = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
const LOADS = 5;
const dir = await buildUi();

const files = (sub = ""): string[] => readdirSync(join(dir, sub)).flatMap((f) => (statSync(join(dir, sub, f)).isDirectory() ? files(join(sub, f)) : [join(sub, f)]));
const all = files();
/** The files each mode fetches: the page, its static imports; the in-page engine's chunk, worker and samples besides. */
/** A module and what it imports statically (`from"./x.js"`, `import"./x.js"`; not `import("./x.js")`), transitively. */
const closure = (entry: string, seen = new Set<string>()): Set<string> => {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const base = entry.includes("/") ? entry.slice(0, entry.lastIndexOf("/") + 1) : "";
  for (const m of readFileSync(join(dir, entry), "utf8").matchAll(/(?:from|import)\s*"\.\/([^"]+)"/g)) closure(join(base, m[1]!), seen);
  return seen;
};
const local = all.find((f) => f.startsWith("chunks/local-"))!;
const served = ["index.html", "style.css", "xterm.css", ...closure("app.js")];
const terminal = [...closure(all.find((f) => f.startsWith("chunks/terminal-"))!)].filter((f) => !served.includes(f));
const inPage = [...new Set([...served, ...closure(local), ...all.filter((f) => f.startsWith("samples/"))])];
const weigh = (list: string[]) => list.reduce((w, f) => {
  const b = readFileSync(join(dir, f));
  return { raw: w.raw + b.length, gz: w.gz + gzipSync(b).length };
}, { raw: 0, gz: 0 });
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const wt = weigh(terminal), w1 = weigh(served), w2 = weigh(inPage.filter((f) => !f.startsWith("samples/"))), w3 = weigh(inPage);

const rows: string[] = [];
if (chromium) {
  const { chromium: pw } = await import("playwright-core");
  const server = await benchServer(4);
  const statics = await serveUiStatics(dir);
  const staticPort = statics.port;
  const browser = await pw.launch({ executablePath: chromium, args: ["--no-sandbox"] });
  try {
    for (const [what, url] of [["served by the Node server (/ui)", `http://127.0.0.1:${server.port}/ui/`], ["static files, engine in the page (inline)", `http://127.0.0.1:${staticPort}/`]] as const) {
      const times: number[] = [];
      for (let i = 0; i < LOADS + 1; i++) {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        await page.goto(url);
        await page.waitForSelector("body[data-ready]", { timeout: 120_000 });
        const ms = Number(await page.getAttribute("body", "data-first-picture-ms"));
        if (i > 0) times.push(ms); // the first load warms the server and the browser
        await ctx.close();
      }
      times.sort((a, b) => a - b);
      rows.push(`| ${what} | ${LOADS} | ${times[Math.floor(times.length / 2)]} ms | ${times[times.length - 1]} ms |`);
    }
  } finally {
    await browser.close();
    server.close();
    statics.close();
  }
}

const md = `## ui

The web page (bench/ui.bench.ts), ${new Date().toISOString().slice(0, 10)}: built by \`npm run build:ui\` (esbuild, minified).

| what the browser downloads | files | raw | gzipped |
|---|---|---|---|
| served mode: the page, its style and script | ${served.length} | ${kb(w1.raw)} | ${kb(w1.gz)} |
| served mode, with the first \`-it\`: xterm.js besides | ${served.length + terminal.length} | ${kb(w1.raw + wt.raw)} | ${kb(w1.gz + wt.gz)} |
| in-browser mode: the page and the engine's chunk | ${inPage.length - inPage.filter((f) => f.startsWith("samples/")).length} | ${kb(w2.raw)} | ${kb(w2.gz)} |
| in-browser mode with the sample images (toolbox, demo, probes) | ${inPage.length} | ${kb(w3.raw)} | ${kb(w3.gz)} |

${chromium ? `Time to first picture (navigation start → the layers drawn), chromium headless over loopback, a fresh context each load, after one warm-up load:

| mode | loads | median | max |
|---|---|---|---|
${rows.join("\n")}` : "Time to first picture: not measured (no chromium here)."}
`;
writeFileSync(new URL("./results/ui.md", import.meta.url), md);
console.log(md);
process.exit(0);
