/**
 * `createApi(engine)`: a Hono app that speaks the Docker Engine API (v1.47) as the docker
 * CLI 28 and dockerode use it. Versioned (`/v1.47/containers/json`) and unversioned
 * paths both route; errors answer `{ "message" }` with Docker's status codes through the
 * one `toHttpStatus`. Hijacked attach/exec need the platform's socket: the Node server
 * does the upgrade and calls `attach`; elsewhere those answer 501 (`hijack: false`).
 */
import { Hono } from "hono";
import { type Engine, Execs } from "../engine/mod.ts";
import { errorBody, toHttpStatus } from "./errors.ts";
import { containerRoutes } from "./_containers.ts";
import { imageRoutes } from "./_images.ts";
import { systemRoutes } from "./_system.ts";

export interface ApiOptions {
  /** Required bearer token (the Docker API is root-equivalent); none = no check. */
  token?: string;
  /** Largest body of a load (default 2 GiB). */
  maxLoadBytes?: number;
  /** Largest JSON body (default 1 MiB). */
  maxJsonBytes?: number;
  /** Shown by /info. */
  name?: string;
  root?: string;
}

/** The engine's exec table, shared by the app and the platform's hijack handler. */
export const execTables = new WeakMap<Engine, Execs>();

export function execsOf(engine: Engine): Execs {
  let e = execTables.get(engine);
  if (!e) execTables.set(engine, (e = new Execs(engine)));
  return e;
}

export function createApi(engine: Engine, o: ApiOptions = {}): Hono {
  const app = new Hono({ getPath: (req) => new URL(req.url).pathname.replace(/^\/v1\.\d+(?=\/)/, "") });
  app.onError((err, c) => {
    const status = toHttpStatus(err);
    if (status === 304) return c.body(null, 304);
    return c.json(errorBody(err), status as 400);
  });
  app.notFound((c) => c.json({ message: "page not found" }, 404));
  if (o.token) {
    app.use("*", async (c, next) => {
      if (c.req.header("Authorization") !== `Bearer ${o.token}`) return c.json({ message: "Unauthorized: a bearer token is required" }, 401);
      await next();
    });
  }
  const maxJson = o.maxJsonBytes ?? 1 << 20;
  app.use("*", async (c, next) => {
    const len = Number(c.req.header("Content-Length") ?? 0);
    const isTar = (c.req.header("Content-Type") ?? "").includes("tar") || c.req.path.endsWith("/images/load");
    if (!isTar && len > maxJson) return c.json({ message: `request body of ${len} bytes exceeds the limit of ${maxJson}` }, 413);
    await next();
  });
  systemRoutes(app, engine, execsOf(engine), { name: o.name, root: o.root });
  containerRoutes(app, engine);
  imageRoutes(app, engine, { maxLoadBytes: o.maxLoadBytes ?? 2 * 2 ** 30 });
  return app;
}
