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
import { DEFAULT_MAX_ARCHIVE, type EngineApi } from "../engine/mod.ts";
import { archiveRoutes } from "./_archive.ts";
import { authRoutes } from "./_auth.ts";
import { buildRoutes } from "./_build.ts";
import { containerRoutes } from "./_containers.ts";
import { containerStreamRoutes } from "./_container_io.ts";
import { processRoutes } from "./_processes.ts";
import { execRoutes } from "./_exec.ts";
import { imageRoutes } from "./_images.ts";
import { strataRoutes } from "./_strata.ts";
import { systemRoutes } from "./_system.ts";
import { volumeRoutes } from "./_volumes.ts";
import { networkRoutes } from "./_networks.ts";
import { unsupportedRoutes } from "./_unsupported.ts";
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
  /** Largest `docker cp` archive into a container, as sent and as a tar (default 2 GiB). */
  maxArchiveBytes?: number;
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
  /**
   * The web page (server/ui, docs/ui.md): answers `GET /ui/*` (path after `/ui`, "/" for
   * the page itself; null for 404). With it, a page of the server's own origin may drive
   * the API (its Origin is this Host, which must be ours); other pages stay refused.
   */
  ui?: (path: string) => Promise<Response | null>;
}

const ARCHIVE = /^\/containers\/[^/]+\/archive$/;

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
  if (o.ui) uiRoutes(app, o.ui);
  app.use("*", sourceGuard({ allowOrigins: o.allowOrigins, allowHosts: o.allowHosts, listen: o.listen, allowSameOrigin: o.ui !== undefined }));
  app.use("*", async (c, next) => {
    if (!authorized(c.req.header("Authorization"), o.token)) return c.json({ message: "Unauthorized: a bearer token is required" }, 401);
    if (wantsHijack(c.req.method, c.req.path, c.req.header("Upgrade")) || wantsWebSocket(c.req.method, c.req.path, c.req.header("Upgrade"))) {
      return c.json({ message: o.hijackUnavailable ?? NO_HIJACK }, 501);
    }
    await next();
  });
  const tooLarge = (max: number) => bodyLimit({ maxSize: max, onError: (c) => c.json({ message: `request body exceeds the limit of ${max} bytes` }, 413) });
  const maxJson = o.maxJsonBytes ?? 1 << 20;
  app.use("*", async (c, next) => (streamsBody(c.req.method, c.req.path) ? await next() : await tooLarge(maxJson)(c, next)));
  systemRoutes(app, api, { name: o.name, root: o.root });
  containerRoutes(app, api);
  containerStreamRoutes(app, api);
  processRoutes(app, api);
  archiveRoutes(app, api, { maxArchiveBytes: o.maxArchiveBytes ?? DEFAULT_MAX_ARCHIVE });
  execRoutes(app, api);
  imageRoutes(app, api, { maxLoadBytes: o.maxLoadBytes ?? 2 * 2 ** 30 });
  buildRoutes(app, api, { maxContextBytes: o.maxLoadBytes ?? 2 * 2 ** 30 });
  volumeRoutes(app, api);
  strataRoutes(app, api);
  networkRoutes(app, api);
  authRoutes(app, api);
  unsupportedRoutes(app); // last: 501 for what no route above serves
  return app;
}

/** The page's files, before the guard: a static file drives nothing, and a link from anywhere may open it. */
function uiRoutes(app: Hono, files: (path: string) => Promise<Response | null>): void {
  app.get("/ui", (c) => c.redirect("/ui/"));
  app.get("/ui/*", async (c) => {
    const res = await files(c.req.path.slice("/ui".length));
    if (!res) return c.json({ message: "page not found" }, 404);
    res.headers.set("X-Content-Type-Options", "nosniff");
    return res;
  });
}

/**
 * Routes whose body is a stream the route consumes as it arrives (a tar, stdin), not a
 * JSON document: the JSON limit would read a chunked body whole before the route runs
 * (hono's bodyLimit buffers a body without Content-Length), so a plain attach's stdin
 * would reach the program only at the request's end. Each bounds its body itself.
 */
const STREAMED_BODIES: Array<[method: string, path: RegExp]> = [
  ["POST", /^\/images\/load$/], // docker load: maxLoadBytes
  ["POST", /^\/containers\/[^/]+\/attach$/], // a plain attach's stdin: held back by the program's reading
  ["PUT", ARCHIVE], // docker cp: maxArchiveBytes
  ["POST", /^\/build$/], // a build's context: maxLoadBytes
  ["POST", /^\/images\/create$/], // docker import's tar: maxLoadBytes
];

function streamsBody(method: string, path: string): boolean {
  return STREAMED_BODIES.some(([m, re]) => m === method && re.test(path));
}
