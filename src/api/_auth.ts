/**
 * `POST /auth` (`docker login`): the body is moby's AuthConfig; the engine checks it
 * against the registry and answers `{"Status":"Login Succeeded","IdentityToken":""}`, or
 * 401 with moby's "login attempt to http://HOST/v2/ failed with status: 401 Unauthorized".
 * The credentials are never logged or kept here: the client stores them.
 */
import type { Hono } from "hono";
import type { EngineApi } from "../engine/mod.ts";
import { ApiError } from "./errors.ts";
import { authConfig } from "./_registry_auth.ts";

export function authRoutes(app: Hono, engine: EngineApi): void {
  app.post("/auth", async (c) => {
    const raw = await c.req.text();
    let doc: unknown;
    try {
      doc = JSON.parse(raw);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      throw new ApiError(400, raw.trim() ? `invalid JSON body: ${err.message}` : "invalid JSON body: the auth configuration is empty");
    }
    return c.json(await engine.system.auth(authConfig(doc, "auth configuration")));
  });
}
