/**
 * The preemption points put into modules (src/wasi/_preempt_rewrite.ts): every program
 * built here, sqlite3 among them, still compiles and imports `strata.preempt`; a module
 * assembled byte by byte with what clang does not emit (a start function, `ref.func` in
 * an element expression, an exported global, a function import before the new one)
 * computes the same results with and without the points, and calls the import from its loop;
 * C built by clang with SIMD, bulk memory and tail calls prints the same with and without them.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemVfs, ModuleCache, runProcess } from "../../src/wasi/mod.ts";
import { put } from "../fs/_view.ts";
import { FUEL_EXPORT, instrumentPreempt, PREEMPT_IMPORT } from "../../src/wasi/_preempt_rewrite.ts";
import { leb, name, sleb } from "./_wasm.ts";

const t = suite("preemption points (module rewrite)");
const DIST = new URL("../../wasm/dist/", import.meta.url);

t("every program in wasm/dist gets the points, compiles, and keeps its imports and exports", () => {
  const names = readdirSync(DIST).filter((n) => n.endsWith(".wasm"));
  assert.ok(names.includes("sqlite3.wasm") && names.includes("toolbox.wasm"));
  for (const name of names) {
    const bytes = new Uint8Array(readFileSync(new URL(name, DIST)));
    const out = instrumentPreempt(bytes);
    assert.ok(out, `${name} is instrumented`);
    const before = new WebAssembly.Module(bytes), after = new WebAssembly.Module(out!);
    const key = (d: { module?: string; name: string; kind: string }) => `${d.module ?? ""}.${d.name}:${d.kind}`;
    assert.equal(WebAssembly.Module.exports(after).map(key), [...WebAssembly.Module.exports(before).map(key), `.${FUEL_EXPORT}:global`], name);
    assert.equal(
      WebAssembly.Module.imports(after).map(key),
      [...WebAssembly.Module.imports(before).map(key), `${PREEMPT_IMPORT.module}.${PREEMPT_IMPORT.name}:function`],
      name,
    );
    assert.equal(instrumentPreempt(bytes), out, `${name}: the same bytes give the same module`);
  }
});

t("a module nobody here built (playwright-core's emscripten webp codec) rewrites to a valid one", () => {
  const file = new URL("../../node_modules/playwright-core/lib/webp_codec.wasm", import.meta.url);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch {
    return console.log("skip: playwright-core's webp_codec.wasm is not installed");
  }
  const out = instrumentPreempt(bytes);
  assert.ok(out && WebAssembly.validate(out));
  assert.ok(WebAssembly.Module.imports(new WebAssembly.Module(out!)).some((i) => i.module === PREEMPT_IMPORT.module && i.name === PREEMPT_IMPORT.name));
});

t("what is not a module, or is cut short, is left alone (undefined), not thrown", () => {
  const toolbox = new Uint8Array(readFileSync(new URL("toolbox.wasm", DIST)));
  assert.is(instrumentPreempt(new TextEncoder().encode("#!/bin/sh\necho hi\n")), undefined);
  assert.is(instrumentPreempt(toolbox.subarray(0, toolbox.length - 1000)), undefined);
  assert.is(instrumentPreempt(toolbox.subarray(0, 8)), undefined, "no code: nothing to instrument");
});

// A small assembler over tests/wasi/_wasm.ts's encodings: enough of the binary format for one hand-made module.
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const str = name;
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const body = (locals: number[][], code: number[]) => {
  const b = [...vec(locals), ...code];
  return [...leb(b.length), ...b];
};
const I32 = 0x7f;

/**
 * Imports env.twice (i32 -> i32); defines inc (i32 -> i32), run (-> i32: a loop of 10,000
 * rounds through the table, its first entry from an index list, its second from a
 * `ref.func` expression, and the import), init (the start function: g = inc(41)).
 */
function handMade(): Uint8Array<ArrayBuffer> {
  const types = section(1, vec([[0x60, 1, I32, 1, I32], [0x60, 0, 1, I32], [0x60, 0, 0]]));
  const imports = section(2, vec([[...str("env"), ...str("twice"), 0x00, 0]]));
  const funcs = section(3, vec([[0], [1], [2]])); // inc = 1, run = 2, init = 3
  const table = section(4, vec([[0x70, 0x00, 2]]));
  const globals = section(6, vec([[I32, 1, 0x41, 0, 0x0b]]));
  const exports = section(7, vec([[...str("run"), 0, 2], [...str("g"), 3, 0], [...str("inc"), 0, 1]]));
  const start = section(8, leb(3));
  const elems = section(9, vec([
    [0, 0x41, 0, 0x0b, ...vec([[1]])], // active, table 0 at 0: [inc]
    [4, 0x41, 1, 0x0b, ...vec([[0xd2, 1, 0x0b]])], // active, expressions, at 1: [ref.func inc]
  ]));
  const inc = body([], [0x20, 0, 0x41, 1, 0x6a, 0x0b]);
  // local 0: i, local 1: acc. loop { acc = table[0](acc); acc = table[1](acc); i++; br_if i < 10,000 } acc + twice(g)
  const run = body([[2, I32]], [
    0x03, 0x40,
    0x20, 1, 0x41, 0, 0x11, 0, 0, 0x21, 1,
    0x20, 1, 0x41, 1, 0x11, 0, 0, 0x21, 1,
    0x20, 0, 0x41, 1, 0x6a, 0x22, 0, 0x41, ...sleb(10_000), 0x48, 0x0d, 0,
    0x0b,
    0x20, 1, 0x23, 0, 0x10, 0, 0x6a, 0x0b,
  ]);
  const init = body([], [0x41, 41, 0x10, 1, 0x24, 0, 0x0b]);
  const code = section(10, vec([inc, run, init]));
  const names = section(0, [...str("name"), 1, ...leb(vec([[...leb(1), ...str("inc")]]).length), ...vec([[...leb(1), ...str("inc")]])]);
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...funcs, ...table, ...globals, ...exports, ...start, ...elems, ...code, ...names]);
}

t("a hand-made module: start, element lists and expressions, exports and globals renumbered; the loop calls the import", () => {
  const plain = handMade();
  const out = instrumentPreempt(plain);
  assert.ok(out);
  const twice = (x: number) => x * 2;
  const a = new WebAssembly.Instance(new WebAssembly.Module(plain), { env: { twice } }).exports as Record<string, unknown>;
  let calls = 0;
  const preempt = () => (calls++, 5);
  const b = new WebAssembly.Instance(new WebAssembly.Module(out!), { env: { twice }, strata: { preempt } }).exports as Record<string, unknown>;
  assert.is((a.g as WebAssembly.Global).value, 42);
  assert.is((b.g as WebAssembly.Global).value, 42, "the start function ran, and called inc by its new number");
  assert.is((a.run as () => number)(), 20084);
  assert.is((b.run as () => number)(), 20084, "both table entries and the import are called as before");
  assert.is((b.inc as (x: number) => number)(1), 2);
  // 10,000 loop heads and 20,003 function entries (run, inc twice a round, init, the export's inc):
  // the module's first countdown (10,000 checks), then one call per five checks.
  assert.ok(calls >= 3900 && calls <= 4100, `preempt called ${calls} times`);
  const fuel = b[FUEL_EXPORT] as WebAssembly.Global;
  fuel.value = 0;
  const before = calls;
  (b.inc as (x: number) => number)(1);
  assert.is(calls, before + 1, "a countdown set to 0 from outside calls the import at the next check");
  assert.ok(!WebAssembly.Module.customSections(new WebAssembly.Module(out!), "name").length, "the name section, now stale, is dropped");
  assert.ok(WebAssembly.Module.customSections(new WebAssembly.Module(plain), "name").length);
});

t("a module with no type, import or global section gets them, in the spec's order", () => {
  // One function, exported: (func (result i32) i32.const 7)
  const m = new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([[0x60, 0, 1, I32]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str("seven"), 0, 0]])),
    ...section(10, vec([body([], [0x41, 7, 0x0b])])),
  ]);
  const out = instrumentPreempt(m)!;
  let calls = 0;
  const e = new WebAssembly.Instance(new WebAssembly.Module(out), { strata: { preempt: () => (calls++, 1) } }).exports;
  (e[FUEL_EXPORT] as WebAssembly.Global).value = 0;
  assert.is((e.seven as () => number)(), 7);
  assert.is(calls, 1, "the import was added and is called at the function's entry");
  const noTypes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(3, vec([])), ...section(10, vec([]))]);
  const made = new WebAssembly.Module(instrumentPreempt(noTypes)!);
  assert.equal(WebAssembly.Module.exports(made).map((e) => e.name), [FUEL_EXPORT], "type, import, global and export sections are made where there were none");
});

t("a function using what the rewrite does not decode (a GC-proposal instruction) leaves the whole module as it was", () => {
  const m = new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([[0x60, 0, 0]])),
    ...section(3, vec([[0], [0]])),
    ...section(10, vec([body([], [0x03, 0x40, 0x0b, 0x0b]), body([], [0xfb, 0x1a, 0x0b])])),
  ]);
  assert.is(instrumentPreempt(m), undefined);
});

/** Built here with clang (its features decide the opcodes), when clang and wasi-libc are present. */
function built(flags: string[], dir: string): Uint8Array | string {
  const out = join(dir, `${flags.join("").replace(/[^a-z0-9]/gi, "")}.wasm`);
  const r = spawnSync("clang", ["--target=wasm32-wasi", ...flags, "-o", out, fileURLToPath(new URL("./fixtures/vectors.c", import.meta.url))], { encoding: "utf8" });
  if (r.error) return "clang is not installed";
  if (r.status !== 0) return `clang could not build it: ${r.stderr.trim().split("\n")[0]}`;
  return new Uint8Array(readFileSync(out));
}

const probe = spawnSync("clang", ["--target=wasm32-wasi", "-print-file-name=libc.a"], { encoding: "utf8" });
const noClang = probe.error || probe.status !== 0 ? "clang is not installed" : probe.stdout.trim().startsWith("/") ? "" : "wasi-libc for clang is not installed";
if (noClang) console.log(`skip: programs built with SIMD, bulk memory and tail calls, with and without points: ${noClang}`);
(noClang ? t.skip : t)("C built with SIMD, bulk memory, saturating conversions, sign extension or tail calls prints the same with and without points", async () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-vectors-"));
  try {
    const outputs = new Set<string>();
    const builds: Uint8Array[] = [];
    for (const flags of [["-O2"], ["-O3", "-msimd128"], ["-O3", "-msimd128", "-mbulk-memory", "-mnontrapping-fptoint", "-msign-ext"], ["-Os", "-mtail-call"]]) {
      const bytes = built(flags, dir);
      if (typeof bytes === "string") throw new Error(bytes);
      builds.push(bytes);
      assert.ok(instrumentPreempt(bytes), `${flags.join(" ")}: instrumented`);
      for (const preempt of [false, true]) {
        const vfs = new MemVfs();
        put(vfs, "/bin/vectors", bytes);
        let text = "";
        const sink = { write: (c: Uint8Array) => void (text += new TextDecoder().decode(c)) };
        const r = await runProcess({ cmd: ["vectors", "100000"] }, { rootfs: vfs, modules: new ModuleCache({ preempt }), stdout: sink, stderr: sink }).done;
        assert.is(r.exitCode, 0, `${flags.join(" ")}, ${preempt ? "with" : "without"} points: ${text}`);
        outputs.add(text);
      }
    }
    assert.is(outputs.size, 1, `every build prints the same: ${[...outputs].join(" / ")}`);
    assert.is([...outputs][0], "83334285754368.0 12742320 2047 7 99997.0\n");
    assert.not.equal(builds[0], builds[1], "the SIMD build is another module");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
