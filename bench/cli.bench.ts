/**
 * `npm run bench -- cli`: how long the `strata` command and the server take to start
 * (issue 18), each a fresh process, beside `node -e 0` measured in the same run, in
 * interleaved rounds (one of each per round, so a busy spell on the machine touches all
 * alike):
 * - `strata --version` (target: within 2× `node -e 0`), `strata --help`;
 * - `strata run --rm toolbox true`, daemonless on a home that has the toolbox image
 *   (target: within 4×), and `strata ps -a` on it;
 * - both again through tsx (STRATA_BUNDLE=0), as the command ran before the bundle;
 * - the server's cold start, `node server/node/start.mjs` (what `npm start` runs) until
 *   GET /_ping answers: on a new home (the sample images are loaded first; target 1 s)
 *   and on a home that has them; and `npm start` itself once per round (npm's own start
 *   added).
 * Each through the bundle the users run (built first if stale). Writes bench/results/cli.md.
 * `ROUNDS=N` changes the number of rounds (default 15).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain ES module without types
import { buildNode } from "../server/bundle/build.mjs";
// @ts-expect-error: a plain ES module without types
import { bundleFresh } from "../server/bundle/load.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "strata-bench-cli-"));
/** GNU time, for the CPU a command used (absent: wall time only). */
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

interface Sample { wall: number; cpu?: number }
const ROUNDS = Number(process.env["ROUNDS"] ?? 15);
const BIN = join(root, "server/cli/bin.mjs");
const START = join(root, "server/node/start.mjs");

/** Wall time of the command, and its CPU time (user + system, every thread) where /usr/bin/time can tell. */
function timeCommand(args: string[], env: Record<string, string> = {}): Sample {
  const cpuFile = TIME ? join(scratch, "cpu") : undefined;
  const [cmd, argv] = cpuFile ? [TIME!, ["-f", "%U %S", "-o", cpuFile, process.execPath, ...args]] : [process.execPath, args];
  const t = performance.now();
  const r = spawnSync(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  const cpu = cpuFile ? readFileSync(cpuFile, "utf8").trim().split(/\s+/).slice(-2).reduce((n, x) => n + Number(x) * 1000, 0) : undefined;
  return { wall, cpu };
}

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Time from spawning `cmd` until GET /_ping answers on its port (and the CPU it used by then, from /proc); then it is stopped (its process group). */
async function timeServer(cmd: string, args: string[], home: string): Promise<Sample> {
  const port = await freePort();
  const t = performance.now();
  const child = spawn(cmd, [...args, "--port", String(port), "--home", home], { cwd: root, stdio: "ignore", detached: true });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(" ")} exited ${child.exitCode}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/_ping`);
        if (r.ok) return { wall: performance.now() - t, cpu: cmd === process.execPath ? _procCpu(child.pid!) : undefined };
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    const done = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGTERM");
    await done;
  }
}

/** utime + stime of a process in ms (Linux /proc, in clock ticks of 10 ms), or undefined elsewhere. */
function _procCpu(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;
const spread = (xs: number[]) => `${ms(median(xs))} (${ms(Math.min(...xs))} – ${ms(Math.max(...xs))})`;

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  if (!bundleFresh()) await buildNode();
  const home = mkdtempSync(join(tmpdir(), "strata-bench-cli-"));
  const homes: string[] = [home];
  try {
    timeCommand([BIN, "--home", home, "load", "-i", join(root, "rootfs-samples/toolbox.tar")]);
    const warmHome = mkdtempSync(join(tmpdir(), "strata-bench-srv-"));
    homes.push(warmHome);
    await timeServer(process.execPath, [START], warmHome); // loads the samples once
    const rows: Array<[string, () => Promise<Sample> | Sample, string?]> = [
      ["`node -e 0` (the floor)", () => timeCommand(["-e", "0"])],
      ["`strata --version`", () => timeCommand([BIN, "--version"]), "≤ 2×"],
      ["`strata --help`", () => timeCommand([BIN, "--help"])],
      ["`strata run --rm toolbox true`", () => timeCommand([BIN, "--home", home, "run", "--rm", "toolbox", "true"]), "≤ 4×"],
      ["`strata ps -a`", () => timeCommand([BIN, "--home", home, "ps", "-a"])],
      ["before: `strata --version` through tsx (`STRATA_BUNDLE=0`)", () => timeCommand([BIN, "--version"], { STRATA_BUNDLE: "0" })],
      ["before: `strata run --rm toolbox true` through tsx", () => timeCommand([BIN, "--home", home, "run", "--rm", "toolbox", "true"], { STRATA_BUNDLE: "0" })],
      ["server start, new home (samples loaded) until /_ping", async () => {
        const h = mkdtempSync(join(tmpdir(), "strata-bench-srv-"));
        homes.push(h);
        return await timeServer(process.execPath, [START], h);
      }, "≤ 1 s"],
      ["server start, home with the samples, until /_ping", () => timeServer(process.execPath, [START], warmHome)],
      ["`npm start`, home with the samples, until /_ping", () => timeServer("npm", ["start", "--silent", "--"], warmHome)],
    ];
    const times = rows.map(() => [] as Sample[]);
    for (const [, f] of rows) await f(); // warm-up: the page cache
    for (let i = 0; i < ROUNDS; i++) {
      for (const [k, [, f]] of rows.entries()) times[k]!.push(await f());
      process.stdout.write(".");
    }
    console.log();
    const walls = times.map((xs) => xs.map((x) => x.wall));
    const cpuTimes = times.map((xs) => (xs.every((x) => x.cpu !== undefined) ? xs.map((x) => x.cpu!) : undefined));
    const floor = median(walls[0]!), cpuFloor = cpuTimes[0] ? median(cpuTimes[0]) : undefined;
    const table = rows.map(([what, , target], k) => {
      const m = median(walls[k]!);
      const ratio = k === 0 ? "1×" : `${(m / floor).toFixed(1)}×`;
      const cpu = cpuTimes[k] && cpuFloor ? `${ms(median(cpuTimes[k]!))} (${(median(cpuTimes[k]!) / cpuFloor).toFixed(1)}×)` : "—";
      const met = !target ? "" : target.endsWith("s") ? (m <= 1000 ? "met" : "not met") : (m / floor <= Number(target.slice(2, -1)) ? "met" : "not met");
      return `| ${what} | ${spread(walls[k]!)} | ${ratio} | ${cpu} | ${target ?? ""} | ${met} |`;
    });
    const md = `## cli

How long the \`strata\` command and the server take to start, each a new process
(bench/cli.bench.ts), ${new Date().toISOString().slice(0, 10)}: median (min – max) of ${ROUNDS}
interleaved rounds after a warm-up round, beside \`node -e 0\` in the same rounds (the
ratio is to its median). The command runs the bundle (dist/node/, docs/cli.md); \`run\`
is daemonless on a home that has the toolbox image, its program in a worker thread.
The server figures are \`node server/node/start.mjs\` (what \`npm start\` runs) until
GET /_ping answers, and \`npm start\` itself (npm's own start included). CPU is user +
system time of the process (all its threads: the worker's too), less sensitive than the
wall time to other work on the machine; for a server, what it used until /_ping
answered (/proc, 10 ms ticks). The "before" rows run the TypeScript sources through tsx
(\`STRATA_BUNDLE=0\`), as every command did before the bundle (the lazy verb table and
engine apply there too, so the old command was slower still). Machine load (1-minute average) at the start: ${load.toFixed(1)}
on ${cpus().length} cores.

| what | time | × node -e 0 | CPU (× node -e 0's) | target | |
|---|---|---|---|---|---|
${table.join("\n")}
`;
    console.log(md);
    writeFileSync(join(root, "bench/results/cli.md"), md);
  } finally {
    for (const h of [...homes, scratch]) rmSync(h, { recursive: true, force: true });
  }
}

await main();
