/**
 * strata's runtime-agnostic core: tar, image formats, the union filesystem, WASI
 * processes, the engine, the store interface and the Docker-compatible API. Web
 * platform APIs only: the same code runs on Node, Deno, browsers and edge workers.
 *
 * @example
 * ```ts
 * import { createApi, createEngine, MemoryStore } from "./mod.ts";
 * const engine = await createEngine({ store: new MemoryStore() });
 * const app = createApi(engine);
 * export default { fetch: app.fetch };
 * ```
 */
export * as tar from "./tar/mod.ts";
export * as oci from "./oci/mod.ts";
export * as fs from "./fs/mod.ts";
export * as wasi from "./wasi/mod.ts";
export * as dockerfile from "./dockerfile/mod.ts";
export { MemoryStore, type Store } from "./store/mod.ts";
export { createEngine, Engine, EngineError, type CreateOptions } from "./engine/mod.ts";
export { createApi, type ApiOptions } from "./api/mod.ts";
