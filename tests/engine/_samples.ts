/** An engine over MemoryStore with the sample images loaded, and helpers to run and read containers. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEngine, type Engine, type EngineError, type EngineOptions } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { until } from "../_wait.ts";

export const SAMPLES = fileURLToPath(new URL("../../rootfs-samples/", import.meta.url));

export async function sampleEngine(names = ["toolbox", "demo", "probes"], opts: Partial<EngineOptions> = {}): Promise<Engine> {
  const engine = await createEngine({ store: new MemoryStore(), ...opts });
  for (const n of names) await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}${n}.tar`)), { name: `${n}.tar` });
  return engine;
}

/** Create, start, wait; returns exit code and the log as text. */
export async function run(engine: Engine, opts: Parameters<Engine["containers"]["create"]>[0]) {
  const { Id } = await engine.containers.create(opts);
  await engine.containers.start(Id);
  const { StatusCode } = await engine.containers.wait(Id);
  return { id: Id, code: StatusCode, ...(await output(engine, Id)) };
}

/** The container's whole log as text, per stream. */
export async function output(engine: Engine, id: string) {
  let stdout = "", stderr = "";
  const dec = new TextDecoder();
  for await (const e of engine.containers.logs(id)) e.stream === "stdout" ? (stdout += dec.decode(e.data)) : (stderr += dec.decode(e.data));
  return { stdout, stderr };
}

/**
 * Follow the container's output (both streams) until `text` has appeared in it: the
 * program has got that far. Resolves with the output so far; fails if the output ends
 * without it, or after `timeoutMs`.
 */
export async function outputUntil(engine: Engine, id: string, text: string, o: { timeoutMs?: number } = {}): Promise<string> {
  const abort = new AbortController();
  const dec = new TextDecoder();
  let seen = "";
  const found = (async () => {
    for await (const e of engine.containers.logs(id, { follow: true, signal: abort.signal })) {
      seen += dec.decode(e.data, { stream: true });
      if (seen.includes(text)) return seen;
    }
    if (abort.signal.aborted) return seen; // the wait below has already failed
    throw new Error(`The output of ${id} ended without ${JSON.stringify(text)}: ${JSON.stringify(seen)}`);
  })();
  try {
    return await until(found, { timeoutMs: o.timeoutMs, what: () => `${JSON.stringify(text)} in the output of ${id} (got ${JSON.stringify(seen)})` });
  } finally {
    abort.abort();
  }
}

/** [kind, message] of a rejected call, or ["none", ""]. */
export async function failure(p: Promise<unknown> | (() => unknown)): Promise<[string, string]> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    return [(err as EngineError).kind ?? (err as Error).name, (err as Error).message];
  }
  return ["none", ""];
}

/**
 * A container that is running until `release()`: its stdin stream stays open, and an
 * inline process either waits for it, suspended, or starts only at stdin's end (src/wasi
 * collects stdin first where processes cannot suspend), so it is "running" without a worker. `release(text)` ends stdin and lets `cat` print it.
 */
export async function heldOpen(engine: Engine, opts: Partial<Parameters<Engine["containers"]["create"]>[0]> = {}) {
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true, ...opts });
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  engine.containers.attach(Id, { stdin, stream: false });
  await engine.containers.start(Id);
  return {
    id: Id,
    release: (text = "") => {
      if (text) ctl.enqueue(new TextEncoder().encode(text));
      ctl.close();
    },
  };
}
