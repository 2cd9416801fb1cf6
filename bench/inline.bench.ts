/**
 * Inline processes where there are no workers (issue 19): the edge bundle in a fetch
 * handler under `deno serve`, and the engine in a Chromium tab (Debian's chromium through
 * playwright-core; a page that is not cross-origin isolated, so no SharedArrayBuffer and
 * no workers). Both have JSPI, so a program suspends in its waits and lets the isolate go
 * at its preemption points. The scenario is bench/_inline_scenario.js, the same text in
 * both: 100 containers sleeping 2 s together, `/_ping` meanwhile, then a spinning
 * container ended by a stop and another by a kill, from the request until its wait
 * answers. Over HTTP at the edge (a Node client on loopback); in the tab, the calls go to
 * the page's engine directly (its API app's fetch, as the page's own UI calls it), timed
 * in the page. ROUNDS runs of the scenario each. Writes bench/results/inline.md.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { buildEdge } from "../server/edge/build.ts";
import { buildUi } from "../server/ui/build.ts";
import { serveUiStatics } from "./_ui_statics.ts";

const ROUNDS = Number(process.env.INLINE_ROUNDS ?? 3);
const SLEEPERS = 100, ENDS = 5;
const root = new URL("..", import.meta.url);
const scenarioUrl = new URL("./_inline_scenario.js", import.meta.url);
// deno-lint-ignore no-explicit-any
const { default: scenario } = await import(scenarioUrl.href) as { default: (...a: any[]) => Promise<Result> };

interface Result {
  started: number;
  ended: number;
  pings: number;
  pingP99: number;
  pingMax: number;
  stops: number[];
  kills: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], d = 0) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;

/** The edge bundle under `deno serve`, driven over HTTP. */
async function edge(): Promise<Result[] | string> {
  const deno = new URL("node_modules/.bin/deno", root).pathname;
  if (!existsSync(deno)) return "deno is not installed (node_modules/.bin/deno)";
  const dir = mkdtempSync(join(tmpdir(), "strata-inline-bench-"));
  let child: ChildProcess | undefined;
  try {
    const bundle = await buildEdge(join(dir, "edge.mjs"));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const base = `http://127.0.0.1:${port}`;
    child = spawn(deno, ["serve", "--host", "127.0.0.1", "--port", String(port), bundle], { stdio: ["ignore", "ignore", "inherit"] });
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/_ping`)).ok) break;
      } catch { /* not yet */ }
      if (i > 600) throw new Error("deno serve did not answer /_ping within 60 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${base}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}) });
      return { status: r.status, text: await r.text() };
    };
    const out: Result[] = [];
    for (let i = 0; i < ROUNDS + 1; i++) {
      const r = await scenario(call, () => performance.now(), SLEEPERS, ENDS);
      console.log(`deno serve, round ${i}: ${JSON.stringify(r)}`);
      if (i > 0) out.push(r); // the first warms the isolate (compilation of the modules)
    }
    return out;
  } finally {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The engine in a Chromium tab (inline: the page is not cross-origin isolated). */
async function tab(): Promise<{ results: Result[]; version: string } | string> {
  const chromium = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
  if (!chromium) return "no chromium here";
  const dir = await buildUi();
  const local = readdirSync(join(dir, "chunks")).find((f) => f.startsWith("local-"));
  if (!local) throw new Error("the UI build has no local chunk");
  const statics = await serveUiStatics(dir);
  const base = `http://127.0.0.1:${statics.port}/`;
  const { chromium: pw } = await import("playwright-core");
  const browser = await pw.launch({ executablePath: chromium, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
    await page.goto(base);
    await page.waitForSelector("body[data-ready]", { timeout: 120_000 });
    const where = await page.evaluate(() => ({
      jspi: typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending === "function",
      isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
      sab: typeof SharedArrayBuffer === "function",
    }));
    if (!where.jspi) return "this chromium has no JSPI";
    if (where.isolated || where.sab) throw new Error(`the page was to be without cross-origin isolation: ${JSON.stringify(where)}`);
    // An engine of the bench's own in the page, made as the page makes its own (server/ui/local.ts).
    await page.evaluate(async ([chunk, at]) => {
      const { localFetch } = await import(chunk!) as { localFetch: (base: URL) => Promise<(path: string, init?: RequestInit) => Promise<Response>> };
      const f = await localFetch(new URL(at!));
      (globalThis as Record<string, unknown>).__benchCall = async (method: string, path: string, body?: unknown) => {
        const r = await f(path, { method, ...(body ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}) });
        return { status: r.status, text: await r.text() };
      };
    }, [`${base}chunks/${local}`, base]);
    const source = readFileSync(scenarioUrl, "utf8").replace("export default async function", "async function");
    const results: Result[] = [];
    for (let i = 0; i < ROUNDS + 1; i++) {
      const r = await page.evaluate(`(${source})(globalThis.__benchCall, () => performance.now(), ${SLEEPERS}, ${ENDS})`) as Result;
      console.log(`chromium tab, round ${i}: ${JSON.stringify(r)}`);
      if (i > 0) results.push(r);
    }
    return { results, version: browser.version() };
  } finally {
    await browser.close();
    statics.close();
  }
}

const loadBefore = loadavg()[0]!;
const atEdge = await edge();
const inTab = await tab();
const loadAfter = loadavg()[0]!;

const columns = (rs: Result[] | string): string[] => {
  if (typeof rs === "string") return Array(6).fill(`not measured: ${rs}`);
  const all = (k: "stops" | "kills") => rs.flatMap((r) => r[k]);
  return [
    `${median(rs.map((r) => r.started)).toFixed(0)} ms (${range(rs.map((r) => r.started))})`,
    `${median(rs.map((r) => r.ended)).toFixed(0)} ms (${range(rs.map((r) => r.ended))})`,
    `${median(rs.map((r) => r.pingP99)).toFixed(1)} ms (${range(rs.map((r) => r.pingP99), 1)}; ${median(rs.map((r) => r.pings))} pings a round)`,
    `${median(all("stops")).toFixed(1)} ms (${range(all("stops"), 1)})`,
    `${median(all("kills")).toFixed(1)} ms (${range(all("kills"), 1)})`,
  ];
};
const e = columns(atEdge), b = columns(typeof inTab === "string" ? inTab : inTab.results);
const md = `## inline (edge, browser tab)

Inline processes where there are no workers (bench/inline.bench.ts), ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores
shared with other work (load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after). The edge bundle
(server/edge) under \`deno serve\` (Deno ${process.env.DENO_VERSION ?? "from node_modules/.bin/deno"}), called over HTTP on loopback; the engine
in a tab of ${typeof inTab === "string" ? "chromium" : `Chromium ${inTab.version}`} (playwright-core), not cross-origin isolated (no SharedArrayBuffer, no
workers), called in the page. Both suspend programs (JSPI). The scenario
(bench/_inline_scenario.js): ${SLEEPERS} toolbox containers started together, each \`sleep 2\`, while
\`/_ping\` is asked one request after another; then ${ENDS} \`spin\` containers (probes) ended by a
stop (\`stop?t=60\`, 143) and ${ENDS} by a kill (137), each from the request until its wait
answered. Median of ${ROUNDS} rounds after one uncounted (range in brackets; stops and kills:
all ${ROUNDS * ENDS} of each).

| figure | \`deno serve\` (edge bundle) | Chromium tab | target |
|---|---|---|---|
| ${SLEEPERS} sleepers: the last start answered | ${e[0]} | ${b[0]} | — |
| … all ${SLEEPERS} ended (one after another would take ${SLEEPERS * 2} s) | ${e[1]} | ${b[1]} | ${SLEEPERS} run concurrently in one isolate |
| p99 GET /_ping while they run | ${e[2]} | ${b[2]} | — |
| stop of a spinning container, until its wait answered (143) | ${e[3]} | ${b[3]} | ≤ 100 ms |
| kill of a spinning container, until its wait answered (137) | ${e[4]} | ${b[4]} | ≤ 100 ms |
`;
writeFileSync(new URL("./results/inline.md", import.meta.url), md);
console.log(md);
process.exit(0);
