/**
 * Programs end with the statuses a Linux shell sees (127 not found, 126 not a WASI
 * command, 128 + n for a trap as signal n, 137 for an OOM kill), with their messages on
 * stderr and never as an error of the run; what is not a WASI command is found before
 * anything is compiled; one compiled module serves every memory cap; a program in an
 * image layer is known by its place there and never hashed.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { closeWorkers, ModuleCache, runProcess, type RunOptions } from "../../src/wasi/mod.ts";
import { fileIdentity } from "../../src/wasi/module_cache.ts";
import { PREVIEW1_FUNCTIONS } from "../../src/wasi/_command.ts";
import { Layer, UnionFS, WritableLayer } from "../../src/fs/mod.ts";
import { writeTar } from "../../src/tar/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { WASI } from "@bjorn3/browser_wasi_shim";
import { fixture, rootfsWithFixtures, textSink, unionWithFixtures } from "./_helpers.ts";
import { command, elf, say, TRAPS, wasmModule } from "./_wasm.ts";
import { put } from "../fs/_view.ts";

const { workerHost } = runtimeHost();

/** Run `cmd` with `file` at /bin/t (inline, or in a worker over a union); exit code, stdout, stderr, error. */
async function runFile(file: Uint8Array, o: Partial<RunOptions> & { cmd?: string[] } = {}) {
  const rootfs = o.mode === "worker" ? unionWithFixtures() : rootfsWithFixtures();
  rootfs.writeFile("/bin/t", file);
  const stdout = textSink(), stderr = textSink();
  const r = await runProcess({ cmd: o.cmd ?? ["t"] }, { rootfs, stdout, stderr, modules: new ModuleCache(), ...o, ...(o.mode === "worker" ? { workerHost } : {}) }).done;
  return { code: r.exitCode, oom: r.oomKilled, error: r.error, stdout: stdout.text(), stderr: stderr.text() };
}

/** `f`'s result and how many modules were compiled in this thread meanwhile. */
async function compiles<T>(f: () => Promise<T>): Promise<[T, number]> {
  const Original = WebAssembly.Module;
  let n = 0;
  // deno-lint-ignore no-explicit-any
  (WebAssembly as any).Module = class extends Original {
    constructor(bytes: BufferSource) {
      n++;
      super(bytes);
    }
  };
  try {
    return [await f(), n];
  } finally {
    // deno-lint-ignore no-explicit-any
    (WebAssembly as any).Module = Original;
  }
}

const statuses = suite("exit statuses");
statuses.after(() => closeWorkers(workerHost));

/** Function 2, the table's first: `(i32) -> i32` returning its argument, or calling itself for ever. */
const IDENTITY = [0x20, 0], RECURSE = [0x20, 0, 0x10, 2];
const TRAP_CASES: Array<[string, number[], number[], number, RegExp]> = [
  ["abort() (unreachable)", TRAPS.unreachable, IDENTITY, 134, /^t: unreachable( executed)? \(SIGABRT\)\n$/],
  ["a memory access out of bounds", TRAPS.outOfBounds, IDENTITY, 139, /^t: memory access out of bounds \(SIGSEGV\)\n$/],
  ["an integer division by zero", TRAPS.divideByZero, IDENTITY, 136, /^t: divide by zero \(SIGFPE\)\n$/],
  ["an integer division overflow", TRAPS.divideOverflow, IDENTITY, 136, /^t: divide result unrepresentable \(SIGFPE\)\n$/],
  ["a stack overflow", [0x41, 0, 0x10, 2, 0x1a], RECURSE, 139, /^t: Maximum call stack size exceeded \(SIGSEGV\)\n$/],
  ["a call through a function pointer of the wrong type", TRAPS.signatureMismatch, IDENTITY, 139, /^t: (null function or )?function signature mismatch \(SIGSEGV\)\n$/],
  ["a call through a null function pointer", TRAPS.nullFunction(1), IDENTITY, 139, /^t: null function( or function signature mismatch)? \(SIGSEGV\)\n$/],
];
for (const [what, trap, fn, status, message] of TRAP_CASES) {
  statuses(`${what} ends the process as its signal would (${status}), with the trap on stderr and no error`, async () => {
    const r = await runFile(command([...say("before\n"), ...trap], { table: [fn] }));
    assert.equal([r.code, r.oom, r.error, r.stdout], [status, false, undefined, "before\n"]);
    assert.match(r.stderr, message);
  });
}

statuses("a trap in a worker ends the same way", async () => {
  const r = await runFile(command([...say("before\n"), ...TRAPS.unreachable]), { mode: "worker" });
  assert.equal([r.code, r.error, r.stdout, r.stderr], [134, undefined, "before\n", "t: unreachable (SIGABRT)\n"]);
});

statuses("a missing program is 127 inline and in a worker, its message on stderr, not an error", async () => {
  for (const mode of ["inline", "worker"] as const) {
    const r = await runFile(new Uint8Array(0), { mode, cmd: ["nosuch"] });
    assert.equal([r.code, r.error, r.stderr], [127, undefined, 'exec: "nosuch": executable file not found in $PATH\n'], mode);
  }
});

const refused = suite("126: not a WASI command, found before compiling");
refused.after(() => closeWorkers(workerHost));

const NOT_COMMANDS: Array<[string, Uint8Array, string]> = [
  ["an ELF binary", elf(), "an ELF binary, not a WebAssembly module (strata runs WASI programs only)"],
  ["a module importing a host strata does not have (ruby.wasm's rb-js-abi-host)", command([], { imports: [["rb-js-abi-host", "rb_abi_guest_arena_new"]] }),
    "a WebAssembly module that imports rb-js-abi-host.rb_abi_guest_arena_new, which strata does not provide"],
  ["a module of WASI's older preview0", command([], { imports: [["wasi_unstable", "fd_write"]] }),
    "a WebAssembly module that imports wasi_unstable.fd_write (WASI's older preview0 ABI), which strata does not provide"],
  ["a module importing a function preview1 does not have", command([], { imports: [["wasi_snapshot_preview1", "thread_spawn"]] }),
    "a WebAssembly module that imports wasi_snapshot_preview1.thread_spawn, which strata does not provide"],
  ["a WASI reactor", wasmModule({ body: [], entry: "_initialize" }), "a WASI reactor (it exports _initialize, not _start), not a command"],
  ["a module with no _start", wasmModule({ body: [], entry: null }), "a WebAssembly module with no _start export, not a WASI command"],
  ["a WebAssembly component", new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), "a WebAssembly component or another binary version, not a WASI preview1 module"],
];
for (const [what, bytes, message] of NOT_COMMANDS) {
  refused(`${what} exits 126 and says what it is, inline and in a worker, compiling nothing`, async () => {
    for (const mode of ["inline", "worker"] as const) {
      const [r, n] = await compiles(() => runFile(bytes, { mode }));
      assert.equal([r.code, r.error, r.stdout, n], [126, undefined, "", 0], mode);
      assert.is(r.stderr, `exec /bin/t: exec format error: ${message}\n`, mode);
    }
  });
}

refused("a malformed module is 126 too, with where it breaks", async () => {
  const bytes = command(say("hi\n"));
  const r = await runFile(bytes.subarray(0, bytes.length - 5));
  assert.is(r.code, 126);
  assert.match(r.stderr, /^exec \/bin\/t: exec format error: not a valid WebAssembly module \(.*byte \d+.*\)\n$/);
});

refused("a module importing only what strata provides runs (strata.spawn, env.memory, every preview1 call)", async () => {
  const r = await runFile(command(say("ran\n"), { imports: [["strata", "spawn"], ["wasi_snapshot_preview1", "sched_yield"]] }));
  assert.equal([r.code, r.stdout, r.stderr], [0, "ran\n", ""]);
  const shim = new WASI([], [], []);
  assert.equal([...PREVIEW1_FUNCTIONS].sort(), Object.keys(shim.wasiImport).sort(), "the preview1 names are the shim's");
});

const memory = suite("memory caps");
memory.after(() => closeWorkers(workerHost));

memory("a cap below the memory a module starts with is an OOM kill before it runs (137, oomKilled)", async () => {
  const big = command(say("ran\n"), { pages: 256 }); // starts with 16 MiB
  for (const mode of ["inline", "worker"] as const) {
    const r = await runFile(big, { mode, limits: { memoryBytes: 8 << 20 } });
    assert.equal([r.code, r.oom, r.error, r.stdout], [137, true, undefined, ""], mode);
    assert.is(r.stderr, "exec /bin/t: out of memory: it starts with 16 MiB of memory, over the memory limit of 8 MiB\n", mode);
  }
  assert.equal((await runFile(big, { limits: { memoryBytes: 16 << 20 } })).stdout, "ran\n", "at the cap it runs");
});

memory("one compiled module serves every cap, and each cap holds", async () => {
  const modules = new ModuleCache();
  const rootfs = rootfsWithFixtures();
  const alloc = async (memoryBytes?: number) => {
    const stdout = textSink(), stderr = textSink();
    const r = await runProcess({ cmd: ["alloc", "48"] }, { rootfs, modules, stdout, stderr, limits: memoryBytes ? { memoryBytes } : {} }).done;
    return `${r.exitCode} ${stdout.text()}${stderr.text()}`;
  };
  const [out, n] = await compiles(async () => [await alloc(16 << 20), await alloc(32 << 20), await alloc(), await alloc(16 << 20)]);
  assert.match(out[0]!, /^1 alloc: out of memory after 1[0-5] MiB\n$/);
  assert.match(out[1]!, /^1 alloc: out of memory after (2[6-9]|3[01]) MiB\n$/);
  assert.is(out[2], "0 allocated 48 MiB\n");
  assert.is(out[3], out[0]);
  assert.is(n, 1, "compiled once");
  assert.is(modules.size, 1);
});

memory("a run without a cap takes the module as it is; the first capped run compiles once more, for every run after", async () => {
  const modules = new ModuleCache();
  const rootfs = rootfsWithFixtures();
  const alloc = async (memoryBytes?: number) =>
    (await runProcess({ cmd: ["alloc", "20"] }, { rootfs, modules, stdout: textSink(), stderr: textSink(), limits: memoryBytes ? { memoryBytes } : {} }).done).exitCode;
  const [codes, n] = await compiles(async () => [await alloc(), await alloc(16 << 20), await alloc(), await alloc(12 << 20), await alloc(64 << 20)]);
  assert.equal(codes, [0, 1, 0, 1, 0]);
  assert.is(n, 2, "compiled as it is, then with its memory turned into an import");
  assert.is(modules.size, 2);
});

memory("in a worker, a different cap sends no new module", async () => {
  const rootfs = unionWithFixtures();
  const modules = new ModuleCache();
  const [codes, n] = await compiles(async () => {
    const out: number[] = [];
    for (const memoryBytes of [16 << 20, 64 << 20, 12 << 20]) {
      out.push((await runProcess({ cmd: ["alloc", "20"] }, { rootfs, modules, workerHost, stdout: textSink(), stderr: textSink(), limits: { memoryBytes } }).done).exitCode);
    }
    return out;
  });
  assert.equal(codes, [1, 0, 1]);
  assert.is(n, 0); // compiled in the worker, not on this thread
  assert.is(modules.size, 1); // the one module the worker compiled, sent back
});

memory("a module not compiled yet is compiled in the worker, off the engine's thread, and comes back for the cache", async () => {
  const rootfs = unionWithFixtures();
  const modules = new ModuleCache();
  const [code, n] = await compiles(async () => (await runProcess({ cmd: ["hello"] }, { rootfs, modules, workerHost, stdout: textSink(), stderr: textSink() }).done).exitCode);
  assert.is(code, 0);
  assert.is(n, 0);
  assert.is(modules.size, 1);
  const stdout = textSink();
  const [again, m] = await compiles(async () => (await runProcess({ cmd: ["hello"] }, { rootfs, modules, stdout, mode: "inline" }).done).exitCode);
  assert.is(again, 0);
  assert.is(m, 0); // the inline run takes the worker's module
  assert.is(stdout.text(), "hello\n");
});

const identity = suite("module identity");

/** A union whose image layer (with a diffId, as the engine's are) holds /bin/hello. */
function imageWithHello() {
  const tar = writeTar([{ path: "bin", type: "dir", mode: 0o755 }, { path: "bin/hello", type: "file", mode: 0o755, data: fixture("hello") }]);
  const layer = new Layer(tar, { diffId: `sha256:${createHash("sha256").update(tar).digest("hex")}` });
  return { layer, fs: new UnionFS({ lowers: [layer], upper: new WritableLayer() }) };
}

identity("a program in an image layer is known by its place in the layer, and never hashed", async () => {
  const { layer, fs } = imageWithHello();
  const bytes = fs.readFile("/bin/hello");
  assert.is(fileIdentity(bytes), `${layer.diffId}@${bytes.byteOffset - layer.bytes.byteOffset}+${bytes.length}`);
  let hashed = 0;
  const sha256 = (b: Uint8Array) => (hashed++, `sha256:${createHash("sha256").update(b).digest("hex")}`);
  const modules = new ModuleCache();
  for (let i = 0; i < 3; i++) {
    const stdout = textSink();
    await runProcess({ cmd: ["hello"] }, { rootfs: fs, modules, stdout, sha256 }).done;
    assert.is(stdout.text(), "hello\n");
  }
  assert.is(hashed, 0);
  fs.chmod("/bin/hello", 0o700); // copied up, its bytes still the layer's
  await runProcess({ cmd: ["hello"] }, { rootfs: fs, modules, stdout: textSink(), sha256 }).done;
  assert.is(hashed, 0);
  fs.writeFile("/bin/hello", fixture("hello")); // written by the container: hashed at each load, with the caller's SHA-256
  for (let i = 0; i < 2; i++) await runProcess({ cmd: ["hello"] }, { rootfs: fs, modules, stdout: textSink(), sha256 }).done;
  assert.is(hashed, 2);
  assert.is(modules.size, 2);
});

identity("a program rewritten in place runs its new bytes", async () => {
  const hello = fixture("hello");
  const at = Buffer.from(hello).indexOf("hello");
  assert.ok(at > 0);
  const shout = hello.slice();
  shout.set(new TextEncoder().encode("HELLO"), at);
  const fs = new UnionFS({ lowers: [], upper: new WritableLayer() });
  fs.mkdir("/bin");
  const modules = new ModuleCache();
  const run = async () => {
    const stdout = textSink();
    await runProcess({ cmd: ["x"], env: ["PATH=/bin"] }, { rootfs: fs, modules, stdout }).done;
    return stdout.text();
  };
  fs.writeFile("/bin/x", hello);
  assert.is(await run(), "hello\n");
  const h = fs.open("/bin/x", { read: false, write: true, create: false, exclusive: false, truncate: false, directory: false, follow: true });
  h.write(shout, 0); // the same bytes in memory, changed where they are
  h.close();
  assert.is(await run(), "HELLO\n");
});

identity("a program in a MemVfs is hashed, and the same bytes at two paths compile once", async () => {
  const rootfs = rootfsWithFixtures();
  put(rootfs, "/usr/bin/hi", fixture("hello"));
  const modules = new ModuleCache();
  for (const cmd of ["hello", "/usr/bin/hi"]) await runProcess({ cmd: [cmd] }, { rootfs, modules, stdout: textSink() }).done;
  assert.is(modules.size, 1);
});

statuses.run();
refused.run();
memory.run();
identity.run();
