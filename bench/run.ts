/**
 * `npm run bench`: runs every bench/*.bench.ts in its own Node process (so one
 * benchmark's heap never skews another's memory figures), each of which writes its
 * figures as markdown to bench/results/<name>.md; then docs/benchmarks.md is made
 * from those sections. Arguments filter by file name: `npm run bench -- union`.
 *
 * `--node-jspi` runs them under a Node with JSPI instead (Node 26, npm's `node-<os>-<cpu>`
 * package fetched by `npm exec` into npm's cache, not the project): `npm run bench:node-jspi`
 * runs the benches whose figures need JSPI (preempt's part 2, sleepers) under it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cpus, totalmem } from "node:os";
import { node26Exec } from "../scripts/node26.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const jspiNode = process.argv.includes("--node-jspi");
const filters = process.argv.slice(2).filter((a) => a !== "--" && a !== "--node-jspi");
/** The command that runs a bench file: this Node, or Node 26 through `npm exec`. */
const runner: [string, string[]] = jspiNode
  ? ["npm", node26Exec()]
  : [process.execPath, []];
const benches = readdirSync(`${root}bench`).filter((f) => f.endsWith(".bench.ts")).sort();
let failed = 0;
for (const file of benches) {
  if (filters.length && !filters.some((f) => file.includes(f))) continue;
  console.log(`\n== ${file}`);
  const r = spawnSync(runner[0], [...runner[1], "--expose-gc", "--max-old-space-size=16384", "--import", "tsx", `bench/${file}`], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.log(`${file} failed (exit ${r.status})`);
    failed++;
  }
}

const sections = readdirSync(`${root}bench/results`).filter((f) => f.endsWith(".md")).sort();
const head = `# Benchmarks

Made by \`npm run bench\` (bench/run.ts): each bench/*.bench.ts writes its section to
bench/results/, and this page is rebuilt from them. Each section says when and on what it
ran. Figures are from one run on a ${cpus().length}-core machine with ${Math.round(totalmem() / 2 ** 30)} GiB
(${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version} unless the section names another runtime.
What needs JSPI runs under Deno (\`node_modules/.bin/deno run -A bench/<name>.bench.ts\`) and
under Node 26 (\`npm run bench:node-jspi\`, which fetches it through \`npm exec\`). Benchmarks are
measurements, not tests: nothing here is asserted in CI.
`;
const body = sections.map((f) => readFileSync(`${root}bench/results/${f}`, "utf8").trim()).join("\n\n");
if (existsSync(`${root}docs`)) writeFileSync(`${root}docs/benchmarks.md`, `${head}\n${body}\n`);
process.exit(failed ? 1 : 0);
