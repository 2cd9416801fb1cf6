/** /volumes routes: create (201), list, inspect, remove (204), prune. */
import type { Hono } from "hono";
import type { EngineApi } from "../engine/mod.ts";
import { jsonText, parseBody, VolumeBody } from "./_bodies.ts";
import { bool, filterValues, filters } from "./_query.ts";

export function volumeRoutes(app: Hono, engine: EngineApi): void {
  const v = engine.volumes;
  app.get("/volumes", async (c) => c.json(await v.list({ filters: filters(c) })));
  app.post("/volumes/create", async (c) => {
    const body = parseBody(VolumeBody, await jsonText(c));
    return c.json(await v.create({ ...body, DriverOpts: body.DriverOpts ?? undefined, Labels: body.Labels ?? undefined }), 201);
  });
  app.post("/volumes/prune", async (c) => {
    const f = filters(c);
    const all = filterValues(f, "all")[0];
    const r = await v.prune({ all: all === "true" || all === "1", filters: f });
    return c.json({ VolumesDeleted: r.VolumesDeleted.length ? r.VolumesDeleted : null, SpaceReclaimed: r.SpaceReclaimed });
  });
  app.get("/volumes/:name", async (c) => c.json(await v.inspect(c.req.param("name"))));
  app.delete("/volumes/:name", async (c) => {
    await v.remove(c.req.param("name"), { force: bool(c, "force") });
    return c.body(null, 204);
  });
}
