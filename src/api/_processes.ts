/**
 * The routes on a running container's processes (Engine API v1.47): `GET
 * /containers/{id}/stats` (one JSON document, or one a second with `stream`, the
 * default), `GET /containers/{id}/top?ps_args=`, `POST /containers/{id}/pause` and
 * `/unpause` (204).
 */
import type { Hono } from "hono";
import type { EngineApi } from "../engine/mod.ts";
import { ApiError } from "./errors.ts";
import { bool } from "./_query.ts";
import { iterResponse, jsonLine } from "./streams.ts";

export function processRoutes(app: Hono, engine: EngineApi): void {
  const ct = engine.containers;
  app.get("/containers/:id/stats", async (c) => {
    const stream = bool(c, "stream", true), oneShot = bool(c, "one-shot");
    if (stream && oneShot) throw new ApiError(400, "cannot have stream=true and one-shot=true");
    const abort = new AbortController();
    const docs = ct.stats(c.req.param("id"), { stream, oneShot, signal: abort.signal });
    if (!stream) {
      for await (const doc of docs) return c.json(doc);
    }
    // A client that goes away aborts the stream (its timer is cleared: nothing is left running).
    return iterResponse(docs, jsonLine, { contentType: "application/json", abort });
  });
  app.get("/containers/:id/top", (c) => c.json(ct.top(c.req.param("id"), c.req.query("ps_args"))));
  app.post("/containers/:id/pause", async (c) => {
    await ct.pause(c.req.param("id"));
    return c.body(null, 204);
  });
  app.post("/containers/:id/unpause", async (c) => {
    await ct.unpause(c.req.param("id"));
    return c.body(null, 204);
  });
}
