/**
 * The HTTP API over loopback (issue 7), against a real Node server (a child process,
 * `--home memory`, processes in worker threads), beside a trivial GET /_ping on the same
 * server measured in the same run:
 * - create + start + wait + remove of a `hello` container (probes image): per second
 *   and latency (p50, p99), the way `docker run --rm` orders it (wait before start);
 * - GET /containers/json?all=1 with 1,000 containers;
 * - p99 latency of GET /containers/json while two `spin` containers compute (target
 *   < 50 ms: processes never block the server).
 * Writes bench/results/api.md.
 */
import { writeFileSync } from "node:fs";
import { benchServer } from "./_server.ts";

interface Stats { n: number; perSec: number; p50: number; p99: number; max: number }

async function measure(n: number, f: () => Promise<unknown>, warm = Math.min(20, n)): Promise<Stats> {
  for (let i = 0; i < warm; i++) await f();
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(n - 1, Math.floor(n * p))]!;
  return { n, perSec: (n / total) * 1000, p50: q(0.5), p99: q(0.99), max: times[n - 1]! };
}

const ping = async () => {
  const r = await call("GET", "/_ping");
  if (r.status !== 200) throw new Error(`ping: ${r.status}`);
};

async function hello(): Promise<void> {
  const c = await call("POST", "/v1.47/containers/create", { Image: "probes", Cmd: ["hello"] });
  if (c.status !== 201) throw new Error(`create: ${c.status} ${c.text}`);
  const { Id } = JSON.parse(c.text) as { Id: string };
  const wait = await callHeaders("POST", `/v1.47/containers/${Id}/wait?condition=next-exit`);
  const s = await call("POST", `/v1.47/containers/${Id}/start`);
  if (s.status !== 204) throw new Error(`start: ${s.status} ${s.text}`);
  const status = JSON.parse(await wait.body) as { StatusCode: number; Error: { Message: string } | null };
  if (status.StatusCode !== 0) throw new Error(`hello exited ${status.StatusCode}: ${status.Error?.Message ?? ""}`);
  const d = await call("DELETE", `/v1.47/containers/${Id}`);
  if (d.status !== 204) throw new Error(`remove: ${d.status}`);
}

const ms = (x: number) => `${x.toFixed(2)} ms`;
const row = (what: string, s: Stats) => `| ${what} | ${s.n} | ${s.perSec.toFixed(0)} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} |`;

const server = await benchServer(16);
const { call, callHeaders } = server;

const rows: string[] = [];
const notes: string[] = [];
let spinP99 = NaN;
try {
  rows.push(row("baseline: GET /_ping (idle server)", await measure(2000, ping)));
  try {
    rows.push(row("create + wait + start + remove of hello", await measure(200, hello)));
  } catch (err) {
    rows.push("| create + wait + start + remove of hello | — | failed | — | — | — |");
    notes.push(`The hello cycle failed in this run: ${(err as Error).message}`);
  }
  for (let i = 0; i < 1000; i++) await call("POST", "/v1.47/containers/create", { Image: "probes", Cmd: ["hello"] });
  rows.push(row("GET /containers/json?all=1 with 1,000 containers", await measure(100, async () => {
    const r = await call("GET", "/v1.47/containers/json?all=1");
    if ((JSON.parse(r.text) as unknown[]).length < 1000) throw new Error("short list");
  }, 5)));
  rows.push(row("baseline: GET /_ping with 1,000 containers", await measure(1000, ping)));
  for (const name of ["spin1", "spin2"]) {
    await call("POST", `/v1.47/containers/create?name=${name}`, { Image: "probes", Cmd: ["spin"] });
    const s = await call("POST", `/v1.47/containers/${name}/start`);
    if (s.status !== 204) throw new Error(`start ${name}: ${s.status} ${s.text}`);
  }
  await new Promise((r) => setTimeout(r, 200));
  const running = await measure(500, async () => {
    const r = await call("GET", "/v1.47/containers/json");
    if ((JSON.parse(r.text) as unknown[]).length !== 2) throw new Error(`expected the 2 spinning containers: ${r.text.slice(0, 200)}`);
  });
  spinP99 = running.p99;
  rows.push(row("GET /containers/json while two spin containers run", running));
  rows.push(row("baseline: GET /_ping while two spin containers run", await measure(1000, ping)));
  for (const name of ["spin1", "spin2"]) await call("POST", `/v1.47/containers/${name}/kill`);
} finally {
  server.close();
}

const met = Number.isFinite(spinP99) ? (spinP99 < 50 ? "met" : "not met") : "not measured";
const md = `## api

The HTTP API over loopback (bench/api.bench.ts), ${new Date().toISOString().slice(0, 10)}: a Node server in a child process
(\`npm start --home memory\`, processes in worker threads), a keep-alive node:http client sending one
request at a time. Each row runs after a short warm-up; latencies are per request (per cycle for hello).

| what | n | per second | p50 | p99 | max |
|---|---|---|---|---|---|
${rows.join("\n")}

| target (issue 7) | measured | |
|---|---|---|
| p99 of GET /containers/json while two \`spin\` containers run < 50 ms | ${Number.isFinite(spinP99) ? ms(spinP99) : "—"} | ${met} |

The hello cycle is the order \`docker run\` uses (wait's headers before start); compare it with the
engine's in-process figure in the engine section to see what HTTP adds.
${notes.join("\n")}
`;
writeFileSync(new URL("./results/api.md", import.meta.url), md);
console.log(md);
process.exit(0);
