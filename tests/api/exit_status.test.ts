/**
 * What a program's exit status says reaches the API as Docker's daemon gives it: `wait`
 * answers the status with `Error: null` (an Error makes the docker CLI print "Error
 * waiting for container" and exit 125), `inspect` shows the ExitCode (and OOMKilled)
 * with an empty State.Error, and the reason is in the container's stderr. Inline and
 * with the programs in workers, as the servers run them.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type EngineOptions } from "../../src/engine/mod.ts";
import { writeDockerArchive } from "../../src/oci/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { makeImage } from "../oci/_images.ts";
import { command, elf, say, TRAPS } from "../wasi/_wasm.ts";
import { output, SAMPLES } from "../engine/_samples.ts";
import { runThrough } from "./_app.ts";

const host = runtimeHost();
const t = suite("exit statuses through the API");
t.after(() => closeWorkers(host.workerHost));

/** An image of programs that end badly, each in /bin. */
async function oddities() {
  const file = (name: string, data: Uint8Array) => ({ path: `bin/${name}`, type: "file" as const, mode: 0o755, data });
  return await makeImage([[
    { path: "bin", type: "dir", mode: 0o755 },
    file("abort", command([...say("about to abort\n"), ...TRAPS.unreachable])),
    file("segv", command(TRAPS.outOfBounds)),
    file("elf", elf()),
    file("rubyish", command([], { imports: [["rb-js-abi-host", "rb_abi_guest_arena_new"]] })),
    file("big", command(say("ran\n"), { pages: 256 })),
  ]], ["oddities:latest"], { Env: ["PATH=/bin"], Cmd: ["abort"] });
}

async function setup(o: Partial<EngineOptions>) {
  const engine = await createEngine({ store: new MemoryStore(), ...o });
  await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}toolbox.tar`)), { name: "toolbox.tar" });
  await engine.images.load(await writeDockerArchive([await oddities()]));
  const app = createApi(engine);
  const req = async (path: string, init?: RequestInit) => await app.request(path, init);
  /** Run through the API as `docker run` does; the wait's answer, the State, and stderr. */
  const run = async (body: Record<string, unknown>) => {
    const { Id, status } = await runThrough(req, body);
    const { State } = await (await req(`/containers/${Id}/json`)).json() as { State: Record<string, unknown> };
    return { status, state: { ExitCode: State.ExitCode, OOMKilled: State.OOMKilled, Error: State.Error, Status: State.Status }, stderr: (await output(engine, Id)).stderr };
  };
  return { run };
}

const MODES: Array<[string, Partial<EngineOptions>]> = [["inline", {}], ["in workers", host]];

for (const [mode, opts] of MODES) {
  t(`a missing program: wait answers 127 with no Error, State.Error stays empty, stderr says why (${mode})`, async () => {
    const { run } = await setup(opts);
    const r = await run({ Image: "toolbox", Cmd: ["nosuchprog"] });
    assert.equal(r.status, { StatusCode: 127, Error: null });
    assert.equal(r.state, { ExitCode: 127, OOMKilled: false, Error: "", Status: "exited" });
    assert.is(r.stderr, 'exec: "nosuchprog": executable file not found in $PATH\n');
  });

  t(`what is not a WASI command is 126, saying what it is (${mode})`, async () => {
    const { run } = await setup(opts);
    const elfRun = await run({ Image: "oddities", Cmd: ["elf"] });
    assert.equal([elfRun.status, elfRun.state.Error], [{ StatusCode: 126, Error: null }, ""]);
    assert.is(elfRun.stderr, "exec /bin/elf: exec format error: an ELF binary, not a WebAssembly module (strata runs WASI programs only)\n");
    const ruby = await run({ Image: "oddities", Cmd: ["rubyish"] });
    assert.equal([ruby.status, ruby.state.Error], [{ StatusCode: 126, Error: null }, ""]);
    assert.match(ruby.stderr, /imports rb-js-abi-host\.rb_abi_guest_arena_new, which strata does not provide\n$/);
  });

  t(`a trap ends the container as its signal would, the trap on stderr, no State.Error (${mode})`, async () => {
    const { run } = await setup(opts);
    const abort = await run({ Image: "oddities" });
    assert.equal(abort.status, { StatusCode: 134, Error: null });
    assert.equal(abort.state, { ExitCode: 134, OOMKilled: false, Error: "", Status: "exited" });
    assert.is(abort.stderr, "abort: unreachable (SIGABRT)\n");
    const segv = await run({ Image: "oddities", Cmd: ["segv"] });
    assert.equal([segv.status, segv.stderr], [{ StatusCode: 139, Error: null }, "segv: memory access out of bounds (SIGSEGV)\n"]);
  });

  t(`-m below the memory a program starts with is an OOM kill: 137, OOMKilled, no State.Error (${mode})`, async () => {
    const { run } = await setup(opts);
    const r = await run({ Image: "oddities", Cmd: ["big"], HostConfig: { Memory: 8 << 20 } });
    assert.equal(r.status, { StatusCode: 137, Error: null });
    assert.equal(r.state, { ExitCode: 137, OOMKilled: true, Error: "", Status: "exited" });
    assert.is(r.stderr, "exec /bin/big: out of memory: it starts with 16 MiB of memory, over the memory limit of 8 MiB\n");
    const fits = await run({ Image: "oddities", Cmd: ["big"], HostConfig: { Memory: 32 << 20 } });
    assert.equal([fits.status.StatusCode, fits.state.OOMKilled], [0, false]);
  });
}

t.run();
