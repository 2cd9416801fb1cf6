/**
 * The Docker-compatible HTTP API. `createApi(engine)` returns a Hono app serving the
 * Engine API v1.47 subset the docker CLI and dockerode use; `serveHijack` is the attach /
 * exec-start half a platform server runs on a connection it took over (HTTP upgrade),
 * `serveAttachWebSocket` attach over a websocket the platform accepted;
 * `toHttpStatus` is the one mapping from engine errors to statuses. See docs/api.md.
 *
 * @example
 * ```ts
 * import { createApi } from "./mod.ts";
 * import { createEngine } from "../engine/mod.ts";
 * import { MemoryStore } from "../store/mod.ts";
 * const app = createApi(await createEngine({ store: new MemoryStore() }));
 * const res = await app.request("/v1.47/containers/json?all=1");
 * console.log(res.status, await res.json()); // 200 []
 * ```
 */
export { createApi, type ApiOptions } from "./app.ts";
export { serveHijack, stripVersion, wantsHijack, type HijackConn, type HijackRequest } from "./hijack.ts";
export { serveAttachWebSocket, wantsWebSocket, type WebSocketConn } from "./attach_ws.ts";
export { refuseSource, type SourcePolicy } from "./_origin.ts";
export { checkJsonType } from "./_bodies.ts";
export { ApiError, errorBody, errorResponse, toHttpStatus } from "./errors.ts";
export { demultiplex, frame, jsonLine, MULTIPLEXED, RAW } from "./streams.ts";
export { authorized } from "./_token.ts";
