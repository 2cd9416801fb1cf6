/**
 * The Docker-compatible HTTP API: `createApi(engine)` returns a Hono app; `attach` is the
 * attach session a platform server runs over a hijacked socket. See docs/api.md.
 *
 * @example
 * ```ts
 * import { createApi } from "./mod.ts";
 * const app = createApi(engine);
 * const res = await app.request("/v1.47/containers/json?all=1");
 * console.log(await res.json());
 * ```
 */
export { createApi, execsOf, type ApiOptions } from "./app.ts";
export { attach, type AttachIo, type AttachOptions } from "./attach.ts";
export { ApiError, errorBody, toHttpStatus } from "./errors.ts";
export { frame, jsonLine, MULTIPLEXED, RAW } from "./streams.ts";
export { PING_HEADERS } from "./_system.ts";
