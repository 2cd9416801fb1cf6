#!/usr/bin/env node
/**
 * Import cycles among the files of src/: prints each cycle found ("a.ts → b.ts → a.ts")
 * and exits 1, or prints nothing and exits 0. Run by scripts/test.mjs as one of its checks.
 *
 * The graph is the one esbuild builds anyway (it already bundles src/ in the checks):
 * every src/**\/*.ts file is an entry point of one in-memory build, and the metafile
 * lists each input's imports, static `import` and `export … from` alike. No dependency
 * beyond esbuild: madge and dpdm would find the same cycles with a few dozen packages more.
 *
 * Type-only imports are not edges. With `verbatimModuleSyntax` (tsconfig.json) esbuild
 * drops `import type …` and `export type … from`, exactly as they vanish at run time, so
 * the graph is the modules' evaluation order. A cycle through types alone cannot leave a
 * binding uninitialized (the hazard a cycle brings: a class or const read before its
 * module has run), so it is allowed; an `import { type A }` whose braces hold only
 * types still evaluates the module (verbatimModuleSyntax keeps it), so it counts.
 * Dynamic `import()` does not count either: it runs after every static import has settled.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

function tsFiles(dir) {
  return readdirSync(`${root}${dir}`, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(`${dir}/${e.name}`) : e.name.endsWith(".ts") ? [`${dir}/${e.name}`] : []
  );
}

/** path → the src/ paths it imports statically, as esbuild resolved them. */
export async function importGraph(dir = "src") {
  const { metafile } = await build({
    absWorkingDir: root, entryPoints: tsFiles(dir), bundle: true, write: false, metafile: true,
    outdir: "dist/import_cycles", platform: "neutral", format: "esm", mainFields: ["module", "main"],
    packages: "external", logLevel: "error",
  });
  const graph = new Map();
  for (const [path, input] of Object.entries(metafile.inputs)) {
    if (!path.startsWith(`${dir}/`)) continue;
    const deps = input.imports.filter((i) => i.kind === "import-statement" && i.path.startsWith(`${dir}/`));
    graph.set(path, [...new Set(deps.map((i) => i.path))].sort());
  }
  return graph;
}

/** Each elementary cycle that a depth-first search meets, once (by its smallest path). */
export function findCycles(graph) {
  const cycles = new Map(), state = new Map(), stack = [];
  const visit = (node) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0]);
        const key = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(key.join(" → "), key);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return [...cycles.values()];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = await importGraph(process.argv[2] ?? "src");
  const cycles = findCycles(graph);
  for (const c of cycles) console.log(`${[...c, c[0]].join(" → ")}`);
  if (cycles.length) console.log(`${cycles.length} import cycle(s) among ${graph.size} files`);
  process.exit(cycles.length ? 1 : 0);
}
