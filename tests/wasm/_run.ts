/**
 * Runs the committed WASI programs (wasm/dist/) under Node's own `node:wasi` — a WASI
 * runtime independent of strata's — over a temporary directory preopened as `/`.
 * Deno does not implement node:wasi: `WASI_SKIP` says why, and the suites skip.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeTerminal, terminalImports } from "./_terminal.ts";

// deno-lint-ignore no-explicit-any
const isDeno = typeof (globalThis as any).Deno !== "undefined";

/** Why the node:wasi tests cannot run here, or "" when they can. */
export const WASI_SKIP = isDeno ? "node:wasi is not implemented in Deno" : "";

type WasiCtor = new (opts: object) => { start(i: WebAssembly.Instance): number; getImportObject(): WebAssembly.Imports };
let WASI: WasiCtor | undefined;
if (!WASI_SKIP) WASI = ((await import("node:wasi")) as unknown as { WASI: WasiCtor }).WASI;

const modules = new Map<string, WebAssembly.Module>();

/** The compiled module of wasm/dist/NAME.wasm (compiled once per test run). */
export function program(name: string): WebAssembly.Module {
  let m = modules.get(name);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(new URL(`../../wasm/dist/${name}.wasm`, import.meta.url)));
    modules.set(name, m);
  }
  return m;
}

export interface RunResult { code: number; stdout: string; stderr: string }
/** A call the toolbox made through the `strata.spawn` import, decoded (docs/wasi-host.md). */
export interface SpawnCall { argv: string[]; env: string[]; cwd: string; fds: number[] }
export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  program?: string;
  /** Stands in for strata's spawn; the default answers 127, as a runtime without strata would. */
  spawn?: (call: SpawnCall) => number;
  /** fds 0-2 are this fake terminal (_terminal.ts); without it, the terminal imports answer "no terminal". */
  terminal?: FakeTerminal;
}

function _strings(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  return text.length ? text.slice(0, -1).split("\0") : [];
}

/** The `strata` import module node:wasi lacks: decodes the call and hands it to `spawn`. */
function _strataImport(memory: () => WebAssembly.Memory, spawn: (call: SpawnCall) => number): Record<string, (...a: number[]) => number> {
  return {
    spawn(argv: number, argvLen: number, env: number, envLen: number, cwd: number, cwdLen: number, fds: number): number {
      const mem = new Uint8Array(memory().buffer);
      const view = new DataView(memory().buffer);
      return spawn({
        argv: _strings(mem.slice(argv, argv + argvLen)), env: _strings(mem.slice(env, env + envLen)),
        cwd: new TextDecoder().decode(mem.slice(cwd, cwd + cwdLen)),
        fds: [0, 1, 2].map((i) => view.getInt32(fds + 4 * i, true)),
      });
    },
  };
}

/** A temporary root directory with some files; `rm()` removes it. */
export function makeRoot(files: Record<string, string> = {}): { dir: string; rm(): void } {
  const dir = mkdtempSync(join(tmpdir(), "strata-wasm-"));
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    rmSync(full, { force: true, recursive: true });
    writeFileSync(full, text);
  }
  return { dir, rm: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs argv (argv[0] picks the applet, like a /bin/NAME symlink) in root. */
export function run(root: string, argv: string[], opts: RunOptions = {}): RunResult {
  if (!WASI) throw new Error(WASI_SKIP);
  const io = mkdtempSync(join(tmpdir(), "strata-wasm-io-"));
  writeFileSync(join(io, "in"), opts.stdin ?? "");
  const fds = [openSync(join(io, "in"), "r"), openSync(join(io, "out"), "w+"), openSync(join(io, "err"), "w+")];
  try {
    const wasi = new WASI({
      version: "preview1", args: argv, env: { PATH: "/bin", ...opts.env }, preopens: { "/": root },
      stdin: fds[0], stdout: fds[1], stderr: fds[2], returnOnExit: true,
    });
    let instance: WebAssembly.Instance | undefined;
    const memory = () => instance!.exports.memory as WebAssembly.Memory;
    const base = wasi.getImportObject().wasi_snapshot_preview1 as Record<string, (...a: number[]) => number>;
    const imports = terminalImports(base, _strataImport(memory, opts.spawn ?? (() => 127)), memory, opts.terminal);
    instance = new WebAssembly.Instance(program(opts.program ?? "toolbox"), { wasi_snapshot_preview1: imports.wasi, strata: imports.strata });
    const code = wasi.start(instance);
    return { code, stdout: readFileSync(join(io, "out"), "utf8"), stderr: readFileSync(join(io, "err"), "utf8") };
  } finally {
    for (const fd of fds) closeSync(fd);
    rmSync(io, { recursive: true, force: true });
  }
}

/** `sh -c SCRIPT` in root. */
export function sh(root: string, script: string, opts: RunOptions = {}): RunResult {
  return run(root, ["sh", "-c", script], opts);
}
