/** /_ping, /version, /info, /system/df and /events. */
import type { Hono } from "hono";
import type { EngineApi, EngineEvent } from "../engine/mod.ts";
import { filters, seconds } from "./_query.ts";
import { iterResponse, jsonLine } from "./streams.ts";

/** The Engine API version strata speaks; the CLI then uses /v1.47/… paths. */
const API_VERSION = "1.47";

/** Headers of `/_ping` (the CLI reads Api-Version for version negotiation). */
const PING_HEADERS: Record<string, string> = {
  "Api-Version": API_VERSION, "OSType": "linux", "Docker-Experimental": "false", "Builder-Version": "1",
  "Swarm": "inactive", "Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache",
};

export function systemRoutes(app: Hono, engine: EngineApi, o: { name?: string; root?: string }): void {
  app.get("/_ping", (c) => c.text("OK", 200, PING_HEADERS));
  app.on("HEAD", "/_ping", (c) => c.body(null, 200, PING_HEADERS));
  app.get("/version", (c) => c.json({ ...engine.system.version(), ApiVersion: API_VERSION }));
  app.get("/info", async (c) => c.json(await engine.system.info(o)));
  app.get("/system/df", async (c) => c.json(await engine.system.df()));
  app.get("/events", (c) => {
    const abort = new AbortController();
    const items = engine.events.stream({ since: seconds(c, "since"), until: seconds(c, "until"), filters: filters(c), signal: abort.signal });
    return iterResponse<EngineEvent>(items, jsonLine, { contentType: "application/json", abort });
  });
}
