/**
 * The probe programs under node:wasi. spin and spam never end, so they run in a worker
 * thread that the test terminates; hello, alloc and fsops run to completion.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { makeRoot, run, WASI_SKIP } from "./_run.ts";

const test = suite("probes");
if (WASI_SKIP) console.log(`skip: probes: ${WASI_SKIP}`);
const it = WASI_SKIP ? test.skip : test;

it("hello prints one line and exits 0", () => {
  const root = makeRoot();
  try {
    assert.equal(run(root.dir, ["hello"], { program: "hello" }), { code: 0, stdout: "Hello from WebAssembly!\n", stderr: "" });
  } finally {
    root.rm();
  }
});

it("alloc N grows memory in N MiB steps until the runtime refuses, then exits 1", () => {
  const root = makeRoot();
  try {
    const r = run(root.dir, ["alloc", "1024"], { program: "alloc" });
    const lines = r.stdout.trim().split("\n");
    assert.is(lines[0], "grew to 1024 MiB");
    assert.match(lines.at(-1)!, /^refused after \d+ MiB$/);
    assert.ok(lines.length >= 2 && lines.length <= 5, "a 32-bit memory stops below 4 GiB");
    assert.is(r.code, 1);
  } finally {
    root.rm();
  }
});

it("fsops creates, writes, reads, stats and deletes 1,000 files", () => {
  const root = makeRoot();
  try {
    run(root.dir, ["mkdir", "/tmp"]);
    const r = run(root.dir, ["fsops", "/tmp"], { program: "fsops" });
    assert.equal(r, { code: 0, stdout: `fsops: 1000 files, ${_expectedBytes()} bytes, checksum ${_expectedChecksum()}\n`, stderr: "" });
    assert.equal(run(root.dir, ["ls", "/tmp"]).stdout, "", "every file is deleted again");
  } finally {
    root.rm();
  }
});

function _contents(): string[] {
  return Array.from({ length: 1000 }, (_, i) => `file ${i} of the fsops probe\n`);
}
function _expectedBytes(): number {
  return _contents().reduce((n, s) => n + s.length, 0);
}
function _expectedChecksum(): string {
  let sum = 0n;
  for (const s of _contents()) for (const c of s) sum = (sum * 31n + BigInt(c.charCodeAt(0))) & 0xffffffffn;
  return sum.toString();
}

/** Runs a probe in a worker for `ms`, then terminates it; what it wrote and whether it ended. */
async function runFor(name: string, ms: number): Promise<{ ended: boolean; bytes: number }> {
  const { Worker } = await import("node:worker_threads");
  const { mkdtempSync, statSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "strata-probe-"));
  const out = join(dir, "out");
  const code = `
    const { WASI } = require("node:wasi"); const fs = require("node:fs");
    const { workerData: d } = require("node:worker_threads");
    const fd = fs.openSync(d.out, "w");
    const wasi = new WASI({ version: "preview1", args: [d.name], env: {}, stdout: fd, returnOnExit: true });
    const m = new WebAssembly.Module(fs.readFileSync(d.wasm));
    wasi.start(new WebAssembly.Instance(m, wasi.getImportObject()));`;
  const wasm = new URL(`../../wasm/dist/${name}.wasm`, import.meta.url);
  const worker = new Worker(code, { eval: true, workerData: { name, out, wasm: wasm.pathname }, stderr: true });
  let ended = false;
  worker.on("exit", () => (ended = true));
  await new Promise((r) => setTimeout(r, ms));
  const wasEnded = ended;
  let bytes = 0;
  try {
    bytes = statSync(out).size;
  } catch { /* not opened yet */ }
  await worker.terminate();
  rmSync(dir, { recursive: true, force: true });
  return { ended: wasEnded, bytes };
}

it("spin keeps running, writing nothing, until it is terminated", async () => {
  const r = await runFor("spin", 400);
  assert.is(r.ended, false);
  assert.is(r.bytes, 0);
});

it("spam writes to stdout without end", async () => {
  const r = await runFor("spam", 600);
  assert.is(r.ended, false);
  assert.ok(r.bytes > 64 * 1024, `spam wrote ${r.bytes} bytes`);
});

test.run();
