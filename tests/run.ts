/**
 * Runs every uvu suite under tests/ (files named `*.test.ts`) in one process, under
 * Node (through tsx) or Deno; both resolve the same imports. Arguments filter the
 * files by substring: `npm run test:node -- tar` runs tests/tar/*, and `!wasm/` leaves
 * tests/wasm/* out.
 *
 * uvu's own CLI cannot load TypeScript under Deno, so this does what `uvu/run` does:
 * defer every suite, import the files, then `exec()`; uvu prints its Total/Passed/
 * Skipped lines, which scripts/test.mjs reads.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name === "fixtures" || name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

// deno-lint-ignore no-explicit-any
const deno = (globalThis as any).Deno;
const args = (deno ? deno.args as string[] : process.argv.slice(2)).filter((a) => a !== "--");
const filters = args.filter((a) => !a.startsWith("!")), excluded = args.filter((a) => a.startsWith("!")).map((a) => a.slice(1));
const files = walk(root, []).filter((f) => {
  const rel = relative(root, f);
  return (filters.length === 0 || filters.some((p) => rel.includes(p))) && !excluded.some((p) => rel.includes(p));
});

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
g.UVU_DEFER = 1;
g.UVU_QUEUE = [];
const uvu = await import("uvu");
let index = 0;
for (const file of files) {
  g.UVU_INDEX = index++;
  g.UVU_QUEUE.push([relative(root, file)]);
  try {
    await import(pathToFileURL(file).href);
  } catch (err) {
    // A file that cannot even load counts as one failed test, never as zero tests.
    const { suite } = uvu;
    const broken = suite(relative(root, file));
    broken("loads", () => {
      throw err;
    });
    broken.run();
  }
}
await uvu.exec(false);
// Deno cannot end a worker spinning in WebAssembly (worker.terminate() leaves its thread
// running: denoland/deno#35657), so a test that killed one would keep Deno alive: exit.
if (deno) deno.exit(Number(g.process?.exitCode ?? 0));
