/** /containers/* lifecycle routes (Engine API v1.47), with the status codes clients whitelist. */
import type { Hono } from "hono";
import type { EngineApi, WaitCondition } from "../engine/mod.ts";
import { CreateBody, jsonText, parseBody, UpdateBody } from "./_bodies.ts";
import { ApiError } from "./errors.ts";
import { bool, filters, num } from "./_query.ts";

const CONDITIONS = new Set<WaitCondition>(["not-running", "next-exit", "removed"]);

/** Create, start, stop, kill, restart, remove, update, rename, list, inspect, changes, resize, prune. */
export function containerRoutes(app: Hono, engine: EngineApi): void {
  const ct = engine.containers;
  app.get("/containers/json", async (c) => c.json(await ct.list({ all: bool(c, "all"), size: bool(c, "size"), limit: num(c, "limit"), filters: filters(c) })));
  app.post("/containers/create", async (c) => {
    // dockerode copies its options into the query too: only `name` is read from there.
    const body = parseBody(CreateBody, await jsonText(c));
    const name = c.req.query("name") || undefined;
    return c.json(await ct.create({ ...body, name, HostConfig: body.HostConfig ?? undefined }), 201);
  });
  app.post("/containers/prune", async (c) => {
    const r = await ct.prune({ filters: filters(c) });
    return c.json({ ContainersDeleted: r.ContainersDeleted.length ? r.ContainersDeleted : null, SpaceReclaimed: r.SpaceReclaimed });
  });
  app.get("/containers/:id/json", async (c) => c.json(await ct.inspect(c.req.param("id"), { size: bool(c, "size") })));
  app.post("/containers/:id/start", async (c) => {
    await ct.start(c.req.param("id"));
    return c.body(null, 204);
  });
  app.post("/containers/:id/stop", async (c) => {
    await ct.stop(c.req.param("id"), num(c, "t"));
    return c.body(null, 204);
  });
  app.post("/containers/:id/kill", async (c) => {
    await ct.kill(c.req.param("id"), c.req.query("signal") || "KILL");
    return c.body(null, 204);
  });
  app.post("/containers/:id/restart", async (c) => {
    await ct.restart(c.req.param("id"), num(c, "t"));
    return c.body(null, 204);
  });
  app.delete("/containers/:id", async (c) => {
    await ct.remove(c.req.param("id"), { force: bool(c, "force"), v: bool(c, "v") });
    return c.body(null, 204);
  });
  app.post("/containers/:id/update", async (c) => c.json(await ct.update(c.req.param("id"), parseBody(UpdateBody, await jsonText(c)))));
  app.post("/containers/:id/rename", async (c) => {
    const name = c.req.query("name");
    if (!name) throw new ApiError(400, `invalid query: "name" is required`);
    await ct.rename(c.req.param("id"), name);
    return c.body(null, 204);
  });
  app.post("/containers/:id/resize", (c) => {
    const [rows, cols] = terminalSize(c.req.query("h"), c.req.query("w"));
    ct.resize(c.req.param("id"), rows, cols);
    return c.body(null, 200);
  });
  app.get("/containers/:id/changes", async (c) => c.json(await ct.changes(c.req.param("id"))));
}

/** `?h=&w=` of a resize, as Docker reads them (missing is 0; not a number is a 400). */
export function terminalSize(h: string | undefined, w: string | undefined): [number, number] {
  const n = (v: string | undefined, name: string) => {
    const x = Number(v ?? 0);
    if (!Number.isInteger(x) || x < 0 || x > 65535) throw new ApiError(400, `invalid value for ${name}: "${v}"`);
    return x;
  };
  return [n(h, "h"), n(w, "w")];
}

/** The `condition` query of wait; 400 for an unknown one (Docker's wording). */
export function waitCondition(raw: string | undefined): WaitCondition {
  const cond = (raw || "not-running") as WaitCondition;
  if (!CONDITIONS.has(cond)) throw new ApiError(400, `invalid condition: "${raw}"`);
  return cond;
}
