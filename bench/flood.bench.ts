/**
 * API latency while a container floods its output (issue 12): a real Node server in a
 * child process (`npm start --home memory`, processes in worker threads) and a keep-alive
 * node:http client sending one request at a time. Each round, on the same server:
 * - p50/p99 of GET /_ping with no container running (baseline);
 * - the same while a `spam` container (probes image: 1 KiB lines to stdout, forever) runs;
 * - the latency of POST /containers/{id}/kill of that spamming container (the answer
 *   comes once its exit is recorded).
 * Rounds are repeated; the table gives the median of the rounds and their range.
 * Writes bench/results/flood.md.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { benchServer } from "./_server.ts";

const ROUNDS = Number(process.env.FLOOD_ROUNDS ?? 5), PINGS = Number(process.env.FLOOD_PINGS ?? 500);
async function pings(n: number): Promise<{ p50: number; p99: number; max: number }> {
  for (let i = 0; i < Number(process.env.FLOOD_WARM ?? 20); i++) await call("GET", "/_ping");
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await call("GET", "/_ping");
    times.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`ping: ${r.status}`);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n / 2)]!, p99: times[Math.min(n - 1, Math.floor(n * 0.99))]!, max: times[n - 1]! };
}

/** One round: idle pings, then a spam container's pings and kill. */
async function round(): Promise<Record<string, number>> {
  const idle = await pings(PINGS);
  const c = await call("POST", "/v1.47/containers/create", { Image: "probes", Cmd: ["spam"] });
  if (c.status !== 201) throw new Error(`create: ${c.status} ${c.text}`);
  const { Id } = JSON.parse(c.text) as { Id: string };
  const s = await call("POST", `/v1.47/containers/${Id}/start`);
  if (s.status !== 204) throw new Error(`start: ${s.status} ${s.text}`);
  // Until the flood is under way: its log has passed a few hundred KiB.
  for (let i = 0; i < 200; i++) {
    const logs = await call("GET", `/v1.47/containers/${Id}/logs?stdout=1&tail=500`);
    if (logs.text.length > 256 * 1024) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const busy = await pings(PINGS);
  const t = performance.now();
  const k = await call("POST", `/v1.47/containers/${Id}/kill`);
  const kill = performance.now() - t;
  if (k.status !== 204) throw new Error(`kill: ${k.status} ${k.text}`);
  const inspect = JSON.parse((await call("GET", `/v1.47/containers/${Id}/json`)).text) as { State: { Status: string; ExitCode: number } };
  if (inspect.State.Status !== "exited" || inspect.State.ExitCode !== 137) throw new Error(`after kill: ${JSON.stringify(inspect.State)}`);
  await call("DELETE", `/v1.47/containers/${Id}`);
  return { idleP50: idle.p50, idleP99: idle.p99, busyP50: busy.p50, busyP99: busy.p99, busyMax: busy.max, kill };
}

const server = await benchServer(4);
const { call } = server;

const rounds: Record<string, number>[] = [];
const loadBefore = loadavg()[0]!;
try {
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push(await round());
    console.log(`round ${i + 1}:`, Object.entries(rounds.at(-1)!).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", "));
  }
} finally {
  server.close();
}

const loadAfter = loadavg()[0]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
function summary(key: string): { median: number; text: string } {
  const xs = rounds.map((r) => r[key]!).sort((a, b) => a - b);
  const median = xs[Math.floor(xs.length / 2)]!;
  return { median, text: `${ms(median)} (${ms(xs[0]!)} – ${ms(xs.at(-1)!)})` };
}
const busyP99 = summary("busyP99"), kill = summary("kill");
const worstKill = Math.max(...rounds.map((r) => r.kill!)), worstP99 = Math.max(...rounds.map((r) => r.busyP99!));
const md = `## flood

API latency while a container floods its output (bench/flood.bench.ts), ${new Date().toISOString().slice(0, 10)}: a Node
server in a child process (\`npm start --home memory\`, processes in worker threads), a keep-alive
node:http client sending one request at a time. ${ROUNDS} rounds on one server; each round measures
${PINGS} GET /_ping with no container running, then ${PINGS} while a \`spam\` container (probes image:
1 KiB lines to stdout, forever) runs, then the kill of that container (the answer comes once its
exit is recorded). Figures: median of the rounds (lowest – highest). The machine's load average
(1 min) was ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after, on ${cpus().length} cores: the server's thread,
the spamming worker and whatever else runs share them, and the tails follow that load.

| what | p50 | p99 |
|---|---|---|
| GET /_ping, no container running | ${summary("idleP50").text} | ${summary("idleP99").text} |
| GET /_ping while \`spam\` runs | ${summary("busyP50").text} | ${busyP99.text} |

| what | latency |
|---|---|
| POST /containers/{id}/kill of a spamming container | ${kill.text} |
| slowest /_ping while \`spam\` runs (max of every round) | ${ms(Math.max(...rounds.map((r) => r.busyMax!)))} |

| target (issue 12) | measured (worst round) | |
|---|---|---|
| p99 of GET /_ping while \`spam\` runs < 50 ms | ${ms(worstP99)} | ${worstP99 < 50 ? "met" : "not met"} |
| kill of a spamming container < 100 ms | ${ms(worstKill)} | ${worstKill < 100 ? "met" : "not met"} |

Before issue 12 (measured once, 2026-12-03, with a script doing the same against commit 4c667d4):
/_ping still answered 1 s into the flood (8-16 ms), but 5 s in, GET /containers/{id}/logs?tail=500
never answered (the connection was reset): the engine drained a worker's whole ring in one go, in a
loop of microtasks that never let I/O in, and the issue's figures were 25-30 s per /_ping and
minutes per kill.

The engine takes a worker's output in slices (at most 256 KiB or 4 ms per turn of the event
loop) and the program blocks once 256 KiB of its output is in flight, as on a full pipe; the log
keeps at most 1 MiB and 16,384 writes per container.
`;
writeFileSync(new URL("./results/flood.md", import.meta.url), md);
console.log(md);
process.exit(0);
