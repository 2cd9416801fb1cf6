import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain ES module without types
import { buildNode } from "../../server/bundle/build.mjs";
// @ts-expect-error: a plain ES module without types
import { bundleFresh } from "../../server/bundle/load.mjs";
import { ROOT, spawnCli, tempHome, TOOLBOX } from "./_cli.ts";

const bundle = suite("the bundle `strata` runs (server/bundle): fresh, used by bin.mjs, a verb's code loaded when it runs");
const BIN = join(ROOT, "server/cli/bin.mjs");
const TRACE = fileURLToPath(new URL("./fixtures/trace_modules.mjs", import.meta.url));
const DIST = join(ROOT, "dist/node/");
const scratch = mkdtempSync(join(tmpdir(), "strata-bundle-"));

/** Run the command under Node with the module trace: its result, and the modules it loaded (paths; their total size). */
function traced(args: string[], env: Record<string, string> = {}) {
  const out = join(scratch, `trace-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync(process.execPath, ["--import", TRACE, BIN, ...args], {
    cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, TRACE_MODULES_OUT: out, ...env },
  });
  const files = readFileSync(out, "utf8").split("\n").filter(Boolean).map((u) => fileURLToPath(u));
  return { ...r, files, bytes: files.reduce((n, f) => n + statSync(f).size, 0) };
}

if ("Deno" in globalThis) {
  console.log("skip: under Deno the command runs the TypeScript sources (deno task strata); the bundle is Node's");
  bundle.skip("bundle", () => {});
} else {
  bundle.before(async () => {
    if (!bundleFresh()) await buildNode();
  });
  bundle.after(() => rmSync(scratch, { recursive: true, force: true }));

  bundle("bin.mjs runs the bundle; --version loads its small entry and nothing of the engine, and touches no store", () => {
    const home = join(scratch, "never-made");
    const r = traced(["--version"], { STRATA_HOME: home });
    assert.is(r.stdout, "strata version 0.1.0\n", r.stderr);
    assert.ok(r.files.includes(join(DIST, "cli.mjs")), r.files.join("\n"));
    const other = r.files.filter((f) => !f.startsWith(DIST) && !f.endsWith("bin.mjs") && !f.endsWith("load.mjs"));
    assert.equal(other, [], "no TypeScript source, no package: only the bundle");
    assert.ok(r.bytes < 64 * 1024, `--version loaded ${r.bytes} bytes`);
    assert.ok(!existsSync(home), "the store is not opened (not even made)");
  });

  bundle("the engine's code is loaded by a command that opens the store, not by one that talks to a server", () => {
    const home = tempHome();
    try {
      const local = traced(["ps", "-a"], { STRATA_HOME: home });
      assert.is(local.status, 0, local.stderr);
      const remote = traced(["-H", "tcp://127.0.0.1:1", "ps"], { STRATA_HOME: home });
      assert.is.not(remote.status, 0, remote.stderr); // nothing listens there
      assert.ok(local.bytes > remote.bytes + 256 * 1024, `daemonless ps ${local.bytes} bytes, remote ps ${remote.bytes}`);
      assert.ok(remote.files.every((f) => f.startsWith(DIST) || f.endsWith(".mjs")), remote.files.join("\n"));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  bundle("the bundle runs a program in a worker (the worker's own bundle, dist/node/entry.mjs)", async () => {
    const home = tempHome();
    try {
      assert.is((await spawnCli(["load", "-i", TOOLBOX], { home })).code, 0);
      const r = await spawnCli(["run", "--rm", "toolbox", "sh", "-c", "echo in a worker; exit 3"], { home });
      assert.is(r.stdout, "in a worker\n", r.stderr);
      assert.is(r.code, 3);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  bundle("a bundle is stale when a file it was built from changed after it, or is gone", async () => {
    const out = join(scratch, "dist");
    const manifest = await buildNode(out) as { built: number; inputs: string[] };
    assert.ok(manifest.inputs.includes("server/cli/main.ts") && manifest.inputs.includes("src/engine/engine.ts"));
    assert.ok(!manifest.inputs.some((p) => p.startsWith("node_modules/")));
    assert.ok(bundleFresh(out));
    writeFileSync(join(out, "manifest.json"), JSON.stringify({ ...manifest, built: 0 }));
    assert.not.ok(bundleFresh(out), "a source newer than the build");
    writeFileSync(join(out, "manifest.json"), JSON.stringify({ ...manifest, inputs: [...manifest.inputs, "server/cli/gone.ts"] }));
    assert.not.ok(bundleFresh(out), "a source that is gone");
    rmSync(join(out, "manifest.json"));
    assert.not.ok(bundleFresh(out), "no manifest");
  });

  bundle("STRATA_BUNDLE=0 runs the TypeScript sources through tsx", () => {
    const r = traced(["--version"], { STRATA_BUNDLE: "0" });
    assert.is(r.stdout, "strata version 0.1.0\n", r.stderr);
    assert.ok(r.files.includes(join(ROOT, "server/cli/main.ts")), r.files.join("\n"));
    assert.not.ok(r.files.includes(join(DIST, "cli.mjs")));
  });
}

bundle.run();
