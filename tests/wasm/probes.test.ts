/**
 * The probe programs under node:wasi. spin and spam never end, so they run in a worker
 * thread that the test terminates; hello, alloc and fsops run to completion.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { quietFor, until } from "../_wait.ts";
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

/** A probe started in a worker thread under node:wasi, its stdout going to a file; `/d` is a temp dir holding `f`. */
async function startProbe(name: string, args: string[] = []) {
  const { Worker } = await import("node:worker_threads");
  const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "strata-probe-"));
  writeFileSync(join(dir, "f"), "held\n");
  const out = join(dir, "out");
  const code = `
    const { WASI } = require("node:wasi"); const fs = require("node:fs");
    const { workerData: d } = require("node:worker_threads");
    const fd = fs.openSync(d.out, "w");
    const wasi = new WASI({ version: "preview1", args: [d.name, ...d.args], env: {}, preopens: { "/d": d.dir }, stdout: fd, returnOnExit: true });
    const m = new WebAssembly.Module(fs.readFileSync(d.wasm));
    wasi.start(new WebAssembly.Instance(m, wasi.getImportObject()));`;
  const wasm = new URL(`../../wasm/dist/${name}.wasm`, import.meta.url);
  const worker = new Worker(code, { eval: true, workerData: { name, args, dir, out, wasm: wasm.pathname }, stderr: true });
  let ended = false;
  worker.on("exit", () => (ended = true));
  const output = () => (existsSync(out) ? readFileSync(out) : new Uint8Array(0)); // the worker has not opened it yet
  return {
    ended: () => ended,
    output,
    /** Its output so far, once `pred` holds for it; fails if the probe ends first. */
    until: (pred: (o: Uint8Array) => boolean, what: string) => until(() => {
      if (ended) throw new Error(`${name} ended while the test waited for ${what}`);
      return pred(output()) && output();
    }, { timeoutMs: 10_000, what }),
    stop: async () => {
      await worker.terminate();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

it("spin keeps running, writing nothing more, until it is terminated", async () => {
  const p = await startProbe("spin", ["/d/f"]);
  try {
    await p.until((o) => o.length > 0, "spin to say it opened its file");
    assert.is(new TextDecoder().decode(p.output()), "open\n");
    await quietFor(300); // it does NOT end, nor write again, meanwhile
    assert.is(p.ended(), false);
    assert.is(p.output().length, 5);
  } finally {
    await p.stop();
  }
});

it("spam writes to stdout without end", async () => {
  const p = await startProbe("spam");
  try {
    await p.until((o) => o.length > 64 * 1024, "spam to write 64 KiB");
    assert.is(p.ended(), false);
  } finally {
    await p.stop();
  }
});

test.run();
