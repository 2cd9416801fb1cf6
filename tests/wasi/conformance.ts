/**
 * wasi-testsuite runner (WebAssembly/wasi-testsuite, branch prod/testsuite-base,
 * preview1 tests). The suite is not ours to commit: it is read from
 * bench/.cache/wasi-testsuite (git-ignored; extract the branch's tests/ there).
 * Each test runs in its own process, under three engines: strata (the test's `root`
 * directory loaded into the container rootfs, the program at /bin/<name>), node:wasi,
 * and bare browser_wasi_shim 0.4.2. Exit code and stdout are compared with the test's
 * JSON spec. Writes docs/wasi-conformance.md.
 *
 *   node --import tsx tests/wasi/conformance.ts
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, closeSync } from "node:fs";
import { join, basename } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const suiteRoot = join(repo, "bench/.cache/wasi-testsuite/tests");
const ENGINES = ["strata", "node:wasi", "browser_wasi_shim"] as const;
type Engine = typeof ENGINES[number];

interface Spec { args?: string[]; env?: Record<string, string>; root?: string; exit_code?: number; stdout?: string }
interface Outcome { exitCode: number | null; stdout: string; error?: string }

/** The test's root directory as layer-tar entries under `at` (the `.cleanup` files the suite leaves are skipped). */
function tarEntriesOf(host: string, at: string, out: import("../../src/tar/mod.ts").TarInput[] = []): import("../../src/tar/mod.ts").TarInput[] {
  for (const name of readdirSync(host).sort()) {
    if (name.endsWith(".cleanup")) continue;
    const p = join(host, name), q = at ? `${at}/${name}` : name;
    if (statSync(p).isDirectory()) { out.push({ path: q, type: "dir", mode: 0o755 }); tarEntriesOf(p, q, out); }
    else out.push({ path: q, type: "file", mode: 0o644, data: new Uint8Array(readFileSync(p)) });
  }
  return out;
}

async function runOne(engine: Engine, wasmPath: string, spec: Spec): Promise<Outcome> {
  const args = spec.args ?? [], env = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const bytes = new Uint8Array(readFileSync(wasmPath));
  const rootDir = spec.root ? join(wasmPath, "..", spec.root) : undefined;
  const name = basename(wasmPath, ".wasm");
  let stdout = "";
  if (engine === "strata") {
    const { runSync, Control, ModuleCache, StdinFd, OutputFd } = await import("../../src/wasi/mod.ts");
    const { Layer, UnionFS, WritableLayer } = await import("../../src/fs/mod.ts");
    const { writeTar } = await import("../../src/tar/mod.ts");
    // The container's rootfs: one image layer holding the program and the test's root,
    // under the container's own writable layer, as `strata run` gives it.
    const entries = [{ path: "bin", type: "dir" as const, mode: 0o755 }, { path: `bin/${name}`, type: "file" as const, mode: 0o755, data: bytes }];
    const vfs = new UnionFS({ lowers: [new Layer(writeTar([...entries, ...(rootDir ? tarEntriesOf(rootDir, "") : [])]))], upper: new WritableLayer() });
    const r = runSync({ vfs, argv: [`/bin/${name}`, ...args], env, cwd: "/", control: new Control(), modules: new ModuleCache(), strictSymlinks: true, preopen: !!rootDir,
      stdio: [new StdinFd(new Uint8Array(0)), new OutputFd((c) => void (stdout += new TextDecoder().decode(c))), new OutputFd(() => {})] });
    return { exitCode: r.exitCode, stdout };
  }
  if (engine === "node:wasi") {
    const { WASI } = await import("node:wasi");
    const tmp = mkdtempSync(join(tmpdir(), "wasi-"));
    if (rootDir) cpSync(rootDir, tmp, { recursive: true });
    const outFile = join(tmp, ".stdout.cleanup");
    const fd = openSync(outFile, "w");
    const w = new WASI({ version: "preview1", args: [name, ...args], env: spec.env ?? {}, preopens: rootDir ? { "/": tmp } : {}, returnOnExit: true, stdout: fd });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasi_snapshot_preview1: w.wasiImport });
    const code = w.start(inst);
    closeSync(fd);
    stdout = readFileSync(outFile, "utf8");
    rmSync(tmp, { recursive: true, force: true });
    return { exitCode: code, stdout };
  }
  const shim = await import("@bjorn3/browser_wasi_shim");
  const load = (dir: string): Map<string, InstanceType<typeof shim.File> | InstanceType<typeof shim.Directory>> => {
    const m = new Map();
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      m.set(n, statSync(p).isDirectory() ? new shim.Directory(load(p)) : new shim.File(readFileSync(p)));
    }
    return m;
  };
  const fds = [new shim.OpenFile(new shim.File([])), shim.ConsoleStdout.lineBuffered((l) => (stdout += l + "\n")), shim.ConsoleStdout.lineBuffered(() => {})];
  if (rootDir) fds.push(new shim.PreopenDirectory("/", load(rootDir)) as never);
  const w = new shim.WASI([name, ...args], env, fds, { debug: false });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasi_snapshot_preview1: w.wasiImport });
  return { exitCode: w.start(inst as never), stdout };
}

function verdict(o: Outcome, spec: Spec): boolean {
  // As the reference runner (test_case.py): stdout is compared only when the spec gives it.
  return o.exitCode === (spec.exit_code ?? 0) && (spec.stdout === undefined || o.stdout === spec.stdout);
}

async function child(): Promise<void> {
  const [, , , engine, wasm] = process.argv;
  const specPath = wasm.replace(/\.wasm$/, ".json");
  const spec: Spec = existsSync(specPath) ? JSON.parse(readFileSync(specPath, "utf8")) : {};
  let o: Outcome;
  try {
    o = await runOne(engine as Engine, wasm, spec);
  } catch (err) {
    o = { exitCode: null, stdout: "", error: String(err).split("\n")[0].slice(0, 120) };
  }
  process.stdout.write("\n@@RESULT@@" + JSON.stringify({ ...o, pass: verdict(o, spec) }));
  process.exit(0);
}

function main(): void {
  if (!existsSync(suiteRoot)) {
    console.log(`skip: wasi-testsuite not found under bench/.cache/wasi-testsuite (extract branch prod/testsuite-base there)`);
    return;
  }
  const rows: string[] = [];
  const totals: Record<Engine, number> = { strata: 0, "node:wasi": 0, browser_wasi_shim: 0 };
  let count = 0;
  for (const lang of ["assemblyscript", "c", "rust"]) {
    const dir = join(suiteRoot, lang, "testsuite/wasm32-wasip1");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".wasm")).sort()) {
      count++;
      const cells = ENGINES.map((engine) => {
        const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--one", engine, join(dir, file)], { cwd: repo, encoding: "utf8", timeout: 20_000 });
        const at = (r.stdout ?? "").lastIndexOf("@@RESULT@@");
        if (at < 0) return { pass: false, note: r.error ? "timeout" : `crashed (${r.status})` };
        const o = JSON.parse(r.stdout.slice(at + 10));
        if (o.pass) totals[engine]++;
        return { pass: o.pass as boolean, note: o.error ?? (o.pass ? "" : `exit ${o.exitCode}`) };
      });
      const note = cells.map((c, i) => (!c.pass && c.note ? `${ENGINES[i]}: ${c.note}` : "")).filter(Boolean).join("; ");
      rows.push(`| ${lang}/${file.replace(/\.wasm$/, "")} | ${cells.map((c) => (c.pass ? "pass" : "**fail**")).join(" | ")} | ${note.replaceAll("|", "\\|")} |`);
      console.log(rows[rows.length - 1]);
    }
  }
  const doc = `# WASI conformance (wasi-testsuite, preview1)

Made by \`node --import tsx tests/wasi/conformance.ts\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, from the
prebuilt tests of WebAssembly/wasi-testsuite branch prod/testsuite-base (kept outside the
repository in bench/.cache/wasi-testsuite). Each test runs in its own process; a test passes
when its exit code, and its stdout where the spec gives one, match its JSON spec, as in the
reference runner (stderr is not compared). Without a \`root\`, strata gives the program no
preopen (as the spec says), although its program file still lives in the rootfs.

- **strata**: the test's \`root\` directory and the program (at /bin/NAME) as one image
  layer under the container's own writable layer (UnionFS, the rootfs \`strata run\` gives), the preopen "/" with WASI
  capability rules for symlinks (\`strictSymlinks\`: absolute targets refused, as the suite demands;
  containers use chroot rules instead).
- **node:wasi**: Node's WASI with the root copied to a temp dir as preopen "/".
- **browser_wasi_shim**: bare 0.4.2, root loaded as an in-memory PreopenDirectory.

| | strata | node:wasi | browser_wasi_shim |
|---|---|---|---|
| passed (of ${count}) | ${totals.strata} | ${totals["node:wasi"]} | ${totals.browser_wasi_shim} |

| test | strata | node:wasi | browser_wasi_shim | notes |
|---|---|---|---|---|
${rows.join("\n")}
`;
  writeFileSync(join(repo, "docs/wasi-conformance.md"), doc);
  console.log(`strata ${totals.strata}/${count}, node:wasi ${totals["node:wasi"]}/${count}, browser_wasi_shim ${totals.browser_wasi_shim}/${count}`);
}

if (process.argv[2] === "--one") await child();
else main();
