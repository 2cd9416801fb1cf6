/** An engine over MemoryStore with the sample images loaded. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";

export const SAMPLES = fileURLToPath(new URL("../../rootfs-samples/", import.meta.url));

export async function sampleEngine(names = ["toolbox", "demo", "probes"]): Promise<Engine> {
  const engine = await createEngine({ store: new MemoryStore() });
  for (const n of names) await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}${n}.tar`)), { name: `${n}.tar` });
  return engine;
}

/** Create, start, wait; returns exit code and the log as text. */
export async function run(engine: Engine, opts: Parameters<Engine["create"]>[0]) {
  const { Id } = await engine.create(opts);
  await engine.start(Id);
  const { StatusCode } = await engine.wait(Id);
  const rt = engine.get(Id);
  const text = (s: string) => rt.logs.entries.filter((e) => e.stream === s).map((e) => new TextDecoder().decode(e.data)).join("");
  return { id: Id, code: StatusCode, stdout: text("stdout"), stderr: text("stderr") };
}
