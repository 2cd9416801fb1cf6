/** /_ping, /version, /info, /events, /system/df and /exec routes. */
import type { Hono } from "hono";
import { type Engine, type EngineEvent, Execs, filterValues as values, info, systemDf, versionInfo, API_VERSION } from "../engine/mod.ts";
import { z } from "zod";
import { parseBody } from "./_containers.ts";
import { filters, int } from "./_query.ts";
import { frame, jsonLine, MULTIPLEXED, pushStream, RAW } from "./streams.ts";


export const PING_HEADERS = { "Api-Version": API_VERSION, "OSType": "linux", "Docker-Experimental": "false", "Builder-Version": "1", "Swarm": "inactive", "Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache" };

const ExecBody = z.object({
  Cmd: z.array(z.string()).min(1, "No exec command specified"), Env: z.array(z.string()).nullable().optional(), WorkingDir: z.string().optional(),
  Tty: z.boolean().optional(), AttachStdin: z.boolean().optional(), AttachStdout: z.boolean().optional(), AttachStderr: z.boolean().optional(), User: z.string().optional(),
}).passthrough();

export function systemRoutes(app: Hono, engine: Engine, execs: Execs, o: { name?: string; root?: string }): void {
  app.get("/_ping", (c) => c.text("OK", 200, PING_HEADERS));
  app.on("HEAD", "/_ping", (c) => c.body(null, 200, PING_HEADERS));
  app.get("/version", (c) => c.json(versionInfo()));
  app.get("/info", async (c) => c.json(await info(engine, o)));
  app.get("/system/df", async (c) => c.json(await systemDf(engine)));
  app.get("/events", (c) => {
    const since = int(c, "since"), until = int(c, "until");
    const f = filters(c);
    const match = (e: EngineEvent) => (values(f, "type").length === 0 || values(f, "type").includes(e.Type))
      && (values(f, "container").length === 0 || values(f, "container").some((v) => e.Actor.ID.startsWith(v) || e.Actor.Attributes["name"] === v))
      && (values(f, "event").length === 0 || values(f, "event").includes(e.Action));
    const { stream, push, close } = pushStream(() => unsub());
    if (since !== undefined) for (const e of engine.events.history) if (e.time >= since && (until === undefined || e.time <= until) && match(e)) push(jsonLine(e));
    const unsub = until !== undefined && until <= Date.now() / 1000 ? () => {} : engine.events.subscribe((e) => { if (match(e)) push(jsonLine(e)); });
    if (until !== undefined) setTimeout(() => { unsub(); close(); }, Math.max(0, until * 1000 - Date.now()));
    return new Response(stream, { headers: { "Content-Type": "application/json" } });
  });
  app.post("/containers/:id/exec", async (c) => c.json(execs.create(c.req.param("id"), await parseBody(ExecBody, await c.req.text()) as never), 201));
  app.get("/exec/:id/json", (c) => c.json(execs.inspect(c.req.param("id"))));
  app.post("/exec/:id/start", (c) => {
    const id = c.req.param("id");
    const tty = execs.tty(id);
    const { stream, push, close } = pushStream();
    void execs.start(id, { onOutput: (s, d) => push(tty ? d : frame(s, d)) }).finally(close);
    return new Response(stream, { headers: { "Content-Type": tty ? RAW : MULTIPLEXED } });
  });
  app.post("/exec/:id/resize", (c) => c.body(null, 200));
}
