/**
 * strata's own read-only routes, under `/strata/` so that no Docker path is taken:
 * `GET /strata/containers/{id}/tree?path=/etc&whiteouts=1` lists a directory of a
 * container's layers with the layer each entry comes from (src/fs/origins.ts), for the
 * web page's file browser (docs/ui.md, docs/api.md).
 */
import type { Hono } from "hono";
import type { EngineApi } from "../engine/mod.ts";
import { bool } from "./_query.ts";

export function strataRoutes(app: Hono, engine: EngineApi): void {
  app.get("/strata/containers/:id/tree", async (c) => {
    const path = c.req.query("path") || "/";
    return c.json(await engine.containers.tree(c.req.param("id"), path, { whiteouts: bool(c, "whiteouts") }));
  });
}
