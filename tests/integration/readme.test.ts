/**
 * The README, followed literally on a fresh clone: `git clone` this repository (its HEAD,
 * with the working tree's README.md copied over, since the README may be uncommitted
 * while it is written), then every ```sh block of README.md in order, run as written
 * with bash in the clone, STRATA_HOME a temp directory, each under a deadline. Markers
 * in the README (HTML comments, see _readme.ts) say which blocks start servers, which
 * stop them, which need the docker CLI, and which to skip. A step fails the test with its
 * output when it exits non-zero or passes its deadline; a few outputs a reader would
 * check are asserted too. Nothing is left behind: servers get SIGTERM, temp dirs go.
 *
 * STRATA_README_REPO clones another repository instead of this one (e.g. a scratch
 * commit of uncommitted code); the README still comes from this working tree.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Block, freshEnv, hasCommand, parseDirective, readmeBlocks, runStep, type Server, startServerStep, stopServer,
} from "./_readme.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** What a reader would check after a step: a block whose text matches `command` must print `output`. */
const EXPECT: Array<{ command: RegExp; output: RegExp[] }> = [
  { command: /npx strata diff first/, output: [/^A \/greeting$/m, /^D \/etc\/motd$/m] },
  { command: /npx strata run --rm greeted cat \/greeting/, output: [/^hello$/m] },
  { command: /npx strata ps -a -s/, output: [/\bfirst\s+\d+(\.\d+)?[kMG]?B \(virtual \d+(\.\d+)?[kMG]?B\)/] },
  { command: /docker run --rm toolbox echo hi/, output: [/^hi$/m] },
  { command: /node --import tsx hello\.ts/, output: [/^0 hello \[\{"Path":"\/greeting","Kind":1\}\]$/m, /^200 toolbox exited$/m] },
];

/** Deadlines: `npm ci` fetches packages, so its steps get five minutes; any other step two. */
const deadline = (code: string) => (/\bnpm ci\b/.test(code) ? 300_000 : 120_000);

const m = suite("markers in the README");

m("blocks come in order with the markers written just before them", () => {
  const md = [
    "intro", "<!-- readme-test: server 2375 -->", "```sh", "npm start", "```", "text",
    "<!-- readme-test: stop-server -->", "<!-- readme-test: needs docker -->", "```sh", "docker ps", "```",
    "```text", "out", "```", "<!-- readme-test: skip: it is this test -->", "```sh", "npm test", "```",
    "<!-- readme-test: save hello.ts -->", "```ts", "console.log(1);", "```",
  ].join("\n");
  const b = readmeBlocks(md);
  assert.equal(b.map((x) => [x.lang, x.line, x.code]), [["sh", 3, "npm start\n"], ["sh", 9, "docker ps\n"], ["text", 12, "out\n"], ["sh", 16, "npm test\n"], ["ts", 20, "console.log(1);\n"]]);
  assert.equal(b.map((x) => x.directives), [
    [{ kind: "server", port: 2375 }], [{ kind: "stop-server" }, { kind: "needs", command: "docker" }], [],
    [{ kind: "skip", reason: "it is this test" }], [{ kind: "save", file: "hello.ts" }],
  ]);
});

m("an unknown marker, an unclosed fence or a marker before nothing is an error", () => {
  assert.throws(() => readmeBlocks("<!-- readme-test: serve 2375 -->\n```sh\nx\n```\n"), /line 1: "serve 2375"/);
  assert.throws(() => readmeBlocks("```sh\nnpm start\n"), /fence at line 1 is never closed/);
  assert.throws(() => readmeBlocks("```sh\nx\n```\n<!-- readme-test: stop-server -->\n"), /after the last block/);
  assert.throws(() => parseDirective("save ../outside.ts", 3), /line 3/);
});

m.run();

/** A walk through the README: the clone, its environment, the servers it started, the steps it ran. */
interface Walk {
  repo: string;
  env: Record<string, string>;
  servers: Server[];
  ran: Array<{ block: Block; out: string }>;
}

async function _stopAll(w: Walk): Promise<void> {
  for (const s of w.servers.splice(0)) {
    const { killed } = await stopServer(s);
    if (killed) throw new Error(`README line ${s.line}: the server on ${s.port} ignored SIGTERM for 20 s:\n${s.log()}`);
  }
}

/** Why a block is not run (a skip marker, a missing command), or undefined. */
async function _skipReason(block: Block, w: Walk): Promise<string | undefined> {
  for (const d of block.directives) if (d.kind === "skip") return `(${block.code.trim()}): ${d.reason}`;
  const missing: string[] = [];
  for (const d of block.directives) if (d.kind === "needs" && !(await hasCommand(d.command, w.env))) missing.push(d.command);
  return missing.length ? `${missing.join(", ")} not installed` : undefined;
}

/** Do what one block says: stop servers, skip, save a file, start a server, or run it. Errors: a failed step. */
async function _follow(block: Block, w: Walk): Promise<void> {
  const d = block.directives;
  if (d.some((x) => x.kind === "stop-server")) await _stopAll(w);
  const skip = await _skipReason(block, w);
  if (skip) return console.log(`skip: README line ${block.line}: ${skip}`);
  const save = d.find((x) => x.kind === "save");
  if (save?.kind === "save") {
    mkdirSync(dirname(join(w.repo, save.file)), { recursive: true });
    return writeFileSync(join(w.repo, save.file), block.code);
  }
  if (block.lang !== "sh") return;
  const o = { cwd: w.repo, env: w.env, timeoutMs: deadline(block.code) };
  const server = d.find((x) => x.kind === "server");
  if (server?.kind === "server") {
    const t0 = Date.now();
    w.servers.push(await startServerStep(block.code, server.port, block.line, o));
    return console.log(`readme: line ${block.line}: a server answers on ${server.port} (${Date.now() - t0} ms)`);
  }
  const r = await runStep(block.code, o);
  const what = r.timedOut ? `passed its deadline of ${o.timeoutMs} ms` : `exited ${r.code}`;
  assert.ok(!r.timedOut && r.code === 0, `README line ${block.line} ${what}:\n${block.code}--- output:\n${r.out}`);
  console.log(`readme: line ${block.line}: ok (${r.ms} ms)`);
  w.ran.push({ block, out: r.out });
}

/** The outputs a reader would check; a step the README lost fails, a skipped one is left out. */
function _expectations(w: Walk): void {
  for (const e of EXPECT) {
    assert.ok(readmeBlocks(README).some((b) => b.lang === "sh" && e.command.test(b.code)), `the README has no step that runs ${e.command}`);
    const step = w.ran.find((r) => e.command.test(r.block.code));
    if (!step) continue; // its block was skipped (the docker CLI absent), as printed above
    for (const want of e.output) assert.match(step.out, want, `README line ${step.block.line}: ${want} not in the output:\n${step.out}`);
  }
}

const t = suite("the README on a fresh clone");
const hasGit = spawnSync("git", ["--version"]).status === 0;

if (!hasGit) {
  console.log("skip: git is not installed; the README walk-through is skipped");
  t.skip("README walk-through", () => {});
} else {
  t("every shell block of README.md runs as written, in order, on a fresh clone", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "strata-readme-"));
    const home = join(tmp, "home");
    mkdirSync(home);
    const w: Walk = { repo: join(tmp, "strata"), env: freshEnv({ STRATA_HOME: home }), servers: [], ran: [] };
    let failed = true;
    try {
      const source = process.env["STRATA_README_REPO"] || ROOT;
      const clone = spawnSync("git", ["clone", "--quiet", source, w.repo], { encoding: "utf8" });
      assert.is(clone.status, 0, `git clone ${source}: ${clone.stderr}`);
      writeFileSync(join(w.repo, "README.md"), README);
      for (const block of readmeBlocks(README)) await _follow(block, w);
      _expectations(w);
      failed = false;
    } finally {
      try {
        await _stopAll(w);
      } catch (err) {
        if (!failed) throw err;
        console.log(String(err)); // the first failure is the one to report
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  });
}

t.run();
