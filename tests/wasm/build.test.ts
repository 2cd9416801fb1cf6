/**
 * The committed wasm/dist/*.wasm are what wasm/build.sh makes from the sources today,
 * byte for byte (wasm/check.sh), when clang with wasi-libc is present; and every program
 * is a WASI command whose only foreign imports are strata's (toolbox: spawn and the terminal's).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const test = suite("wasm build");
const dist = (name: string) => new URL(`../../wasm/dist/${name}.wasm`, import.meta.url);

function _clangMissing(): string {
  const probe = spawnSync("clang", ["--target=wasm32-wasi", "-print-file-name=libc.a"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return "clang is not installed";
  if (!probe.stdout.trim().startsWith("/")) return "wasi-libc for clang is not installed";
  return "";
}

// The check runs a shell script on files, the same under either runtime: `npm test` runs it
// once, under Node (sqlite3.c alone takes about a minute of clang).
// deno-lint-ignore no-explicit-any
const underDeno = (globalThis as any).Deno !== undefined;
const missing = underDeno ? "it is the same script, run under Node in this test command" : _clangMissing();
if (missing) console.log(`skip: wasm build check: ${missing}`);
(missing ? test.skip : test)("wasm/check.sh rebuilds wasm/dist byte for byte", () => {
  const out = execFileSync("bash", [new URL("../../wasm/check.sh", import.meta.url).pathname], { encoding: "utf8" });
  assert.match(out, /wasm\/dist matches a fresh build \(10 files\)/);
});

const TOOLBOX_STRATA = ["strata.spawn", "strata.catch_interrupts", "strata.take_interrupt", "strata.winsize"];

test("the programs import only WASI preview1, and the toolbox strata's spawn and terminal calls", () => {
  for (const name of ["toolbox", "hello", "spin", "spam", "alloc", "fsops", "escape", "bigfile", "tmpsort", "sqlite3"]) {
    const module = new WebAssembly.Module(readFileSync(dist(name)));
    const foreign = WebAssembly.Module.imports(module).filter((i) => i.module !== "wasi_snapshot_preview1");
    assert.equal(foreign.map((i) => `${i.module}.${i.name}`), name === "toolbox" ? TOOLBOX_STRATA : [], name);
    assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === "_start"), `${name} is a command`);
  }
});

test.run();
