/**
 * `npm run bench -- cli`: how long the `strata` command and the server take to start
 * (issue 18), each a fresh process, beside `node -e 0` measured in the same run, in
 * interleaved rounds (one of each per round, so a busy spell on the machine touches all
 * alike):
 * - `strata --version` (target: within 2× `node -e 0`), `strata --help`;
 * - `strata run --rm toolbox true`, daemonless on a home that has the toolbox image
 *   (target: within 4×), and `strata ps -a` on it;
 * - the server's cold start, `node server/node/start.mjs` (what `npm start` runs) until
 *   GET /_ping answers: on a new home (the sample images are loaded first; target 1 s)
 *   and on a home that has them; and `npm start` itself once per round (npm's own start
 *   added).
 * Each through the bundle the users run (built first if stale). Writes bench/results/cli.md.
 * `ROUNDS=N` changes the number of rounds (default 15).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain ES module without types
import { buildNode } from "../server/bundle/build.mjs";
// @ts-expect-error: a plain ES module without types
import { bundleFresh } from "../server/bundle/load.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const ROUNDS = Number(process.env["ROUNDS"] ?? 15);
const BIN = join(root, "server/cli/bin.mjs");
const START = join(root, "server/node/start.mjs");

function timeCommand(args: string[], env: Record<string, string> = {}): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** ms from spawning `cmd` until GET /_ping answers on its port; then it is stopped (its process group). */
async function timeServer(cmd: string, args: string[], home: string): Promise<number> {
  const port = await freePort();
  const t = performance.now();
  const child = spawn(cmd, [...args, "--port", String(port), "--home", home], { cwd: root, stdio: "ignore", detached: true });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(" ")} exited ${child.exitCode}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/_ping`);
        if (r.ok) return performance.now() - t;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    const done = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGTERM");
    await done;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;
const spread = (xs: number[]) => `${ms(median(xs))} (${ms(Math.min(...xs))} – ${ms(Math.max(...xs))})`;

async function main(): Promise<void> {
  if (!bundleFresh()) await buildNode();
  const home = mkdtempSync(join(tmpdir(), "strata-bench-cli-"));
  const homes: string[] = [home];
  try {
    timeCommand([BIN, "--home", home, "load", "-i", join(root, "rootfs-samples/toolbox.tar")]);
    const warmHome = mkdtempSync(join(tmpdir(), "strata-bench-srv-"));
    homes.push(warmHome);
    await timeServer(process.execPath, [START], warmHome); // loads the samples once
    const rows: Array<[string, () => Promise<number> | number, string?]> = [
      ["`node -e 0` (the floor)", () => timeCommand(["-e", "0"])],
      ["`strata --version`", () => timeCommand([BIN, "--version"]), "≤ 2×"],
      ["`strata --help`", () => timeCommand([BIN, "--help"])],
      ["`strata run --rm toolbox true`", () => timeCommand([BIN, "--home", home, "run", "--rm", "toolbox", "true"]), "≤ 4×"],
      ["`strata ps -a`", () => timeCommand([BIN, "--home", home, "ps", "-a"])],
      ["server start, new home (samples loaded) until /_ping", async () => {
        const h = mkdtempSync(join(tmpdir(), "strata-bench-srv-"));
        homes.push(h);
        return await timeServer(process.execPath, [START], h);
      }, "≤ 1 s"],
      ["server start, home with the samples, until /_ping", () => timeServer(process.execPath, [START], warmHome)],
      ["`npm start`, home with the samples, until /_ping", () => timeServer("npm", ["start", "--silent", "--"], warmHome)],
    ];
    const times = rows.map(() => [] as number[]);
    for (const [, f] of rows) await f(); // warm-up: the page cache
    for (let i = 0; i < ROUNDS; i++) {
      for (const [k, [, f]] of rows.entries()) times[k]!.push(await f());
      process.stdout.write(".");
    }
    console.log();
    const floor = median(times[0]!);
    const table = rows.map(([what, , target], k) => {
      const m = median(times[k]!);
      const ratio = k === 0 ? "1×" : `${(m / floor).toFixed(1)}×`;
      const met = !target ? "" : target.endsWith("s") ? (m <= 1000 ? "met" : "not met") : (m / floor <= Number(target.slice(2, -1)) ? "met" : "not met");
      return `| ${what} | ${spread(times[k]!)} | ${ratio} | ${target ?? ""} | ${met} |`;
    });
    const md = `## cli

How long the \`strata\` command and the server take to start, each a new process
(bench/cli.bench.ts), ${new Date().toISOString().slice(0, 10)}: median (min – max) of ${ROUNDS}
interleaved rounds after a warm-up round, beside \`node -e 0\` in the same rounds (the
ratio is to its median). The command runs the bundle (dist/node/, docs/cli.md); \`run\`
is daemonless on a home that has the toolbox image, its program in a worker thread.
The server figures are \`node server/node/start.mjs\` (what \`npm start\` runs) until
GET /_ping answers, and \`npm start\` itself (npm's own start included).

| what | time | × node -e 0 | target | |
|---|---|---|---|---|
${table.join("\n")}
`;
    console.log(md);
    writeFileSync(join(root, "bench/results/cli.md"), md);
  } finally {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  }
}

await main();
