/**
 * `createApi(engine)`: a Hono app that speaks the Docker Engine API (v1.47) as the docker
 * CLI 28 and dockerode use it. Versioned (`/v1.47/containers/json`) and unversioned
 * (dockerode's `/containers/json`) paths route alike; errors answer `{ "message" }` with
 * the status `toHttpStatus` gives. Attach and exec start with `Upgrade: tcp`, and attach
 * over a websocket, need the platform's socket (`serveHijack`, `serveAttachWebSocket`);
 * reaching the fetch app instead, they answer 501. Before anything else, requests from
 * web pages and foreign Host headers are refused (`sourceGuard`, _origin.ts).
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getPath } from "hono/utils/url";
import type { EngineApi } from "../engine/mod.ts";
import { buildRoutes } from "./_build.ts";
import { containerRoutes } from "./_containers.ts";
import { containerStreamRoutes } from "./_container_io.ts";
import { execRoutes } from "./_exec.ts";
import { imageRoutes } from "./_images.ts";
import { systemRoutes } from "./_system.ts";
import { volumeRoutes } from "./_volumes.ts";
import { sourceGuard } from "./_origin.ts";
import { authorized } from "./_token.ts";
import { wantsWebSocket } from "./attach_ws.ts";
import { errorResponse } from "./errors.ts";
import { stripVersion, wantsHijack } from "./hijack.ts";

export interface ApiOptions {
  /** Required bearer token (the Docker API is root-equivalent); absent = no check. */
  token?: string;
  /** Largest `docker load` body, and largest build context (default 2 GiB). */
  maxLoadBytes?: number;
  /** Largest JSON body of any other request (default 1 MiB). */
  maxJsonBytes?: number;
  /** `docker info` Name. */
  name?: string;
  /** `docker info` DockerRootDir. */
  root?: string;
  /** Why a hijack cannot be served here (the 501 message). */
  hijackUnavailable?: string;
  /** Origins whose web pages may drive the API (default none: any `Origin` header is refused, 403). */
  allowOrigins?: string[];
  /** Host header names (or `name:port`) allowed besides loopback and `listen`; `["*"]` turns the check off. */
  allowHosts?: string[];
  /** Where the server listens; its host is an allowed Host, a unix socket allows every Host. */
  listen?: { host?: string; port?: number; socket?: string };
}

const NO_HIJACK = "attach and exec over a hijacked connection (Upgrade: tcp) are not available on this server: it cannot take over the connection; use the Node server (npm start), or logs";

/**
 * The API as a Hono app.
 * @example
 * const app = createApi(engine);
 * await (await app.request("/v1.47/containers/json?all=1")).json();
 */
export function createApi(api: EngineApi, o: ApiOptions = {}): Hono {
  const app = new Hono({ getPath: (req) => stripVersion(getPath(req)) });
  app.onError((err) => errorResponse(err));
  app.notFound((c) => c.json({ message: "page not found" }, 404));
  app.use("*", sourceGuard({ allowOrigins: o.allowOrigins, allowHosts: o.allowHosts, listen: o.listen }));
  app.use("*", async (c, next) => {
    if (!authorized(c.req.header("Authorization"), o.token)) return c.json({ message: "Unauthorized: a bearer token is required" }, 401);
    if (wantsHijack(c.req.method, c.req.path, c.req.header("Upgrade")) || wantsWebSocket(c.req.method, c.req.path, c.req.header("Upgrade"))) {
      return c.json({ message: o.hijackUnavailable ?? NO_HIJACK }, 501);
    }
    await next();
  });
  const tooLarge = (max: number) => bodyLimit({ maxSize: max, onError: (c) => c.json({ message: `request body exceeds the limit of ${max} bytes` }, 413) });
  const maxJson = o.maxJsonBytes ?? 1 << 20;
  // Archive bodies (load, a build's context) are streamed and capped by their routes.
  app.use("*", async (c, next) => (c.req.path === "/images/load" || c.req.path === "/build" ? await next() : await tooLarge(maxJson)(c, next)));
  systemRoutes(app, api, { name: o.name, root: o.root });
  containerRoutes(app, api);
  containerStreamRoutes(app, api);
  execRoutes(app, api);
  imageRoutes(app, api, { maxLoadBytes: o.maxLoadBytes ?? 2 * 2 ** 30 });
  buildRoutes(app, api, { maxContextBytes: o.maxLoadBytes ?? 2 * 2 ** 30 });
  volumeRoutes(app, api);
  return app;
}

