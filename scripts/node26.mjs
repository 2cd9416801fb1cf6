/**
 * The Node with JSPI that the JSPI suites (scripts/test.mjs) and benches (bench/run.ts
 * `--node-jspi`) run under: npm's `node-<os>-<cpu>` package of Node 26 for this machine,
 * fetched by `npm exec` into npm's cache, not the project (scripts/install-tools.sh
 * fetches it ahead for CI). One place names it.
 */
export const NODE26_PACKAGE = `node-${process.platform === "win32" ? "win" : process.platform}-${process.arch}@26`;

/** `npm exec` arguments that run Node 26's `node` with `args`. */
export function node26Exec(...args) {
  return ["exec", "--yes", `--package=${NODE26_PACKAGE}`, "--", "node", ...args];
}
