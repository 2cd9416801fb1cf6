/** The API over an engine with sample images on MemoryStore, and request helpers (no socket). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createApi, type ApiOptions } from "../../src/api/mod.ts";
import { createEngine, type EngineApi } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";

export { demultiplex } from "../../src/api/mod.ts";

const SAMPLES = fileURLToPath(new URL("../../rootfs-samples/", import.meta.url));

export async function sampleApi(names = ["toolbox"], o: ApiOptions = {}) {
  const engine: EngineApi = await createEngine({ store: new MemoryStore() });
  for (const n of names) await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}${n}.tar`)), { name: `${n}.tar` });
  const app = createApi(engine, o);
  const req = async (path: string, init?: RequestInit) => await app.request(path, init);
  return { engine, app, req };
}

export const post = (body?: unknown): RequestInit => ({
  method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
});

export const message = async (r: Response) => ((await r.json()) as { message: string }).message;

/** Create and start a container through the API; returns its id after it exits. */
export async function runThrough(req: (p: string, i?: RequestInit) => Promise<Response>, body: Record<string, unknown>, name?: string) {
  const c = await req(`/v1.47/containers/create${name ? `?name=${name}` : ""}`, post(body));
  const { Id } = (await c.json()) as { Id: string };
  const wait = req(`/v1.47/containers/${Id}/wait?condition=next-exit`, post());
  await req(`/v1.47/containers/${Id}/start`, post());
  const status = (await (await wait).json()) as { StatusCode: number };
  return { Id, status };
}
