/** exec: create (201), start without a hijack (a streaming 200, or detached), inspect, resize. */
import type { Hono } from "hono";
import type { EngineApi } from "../engine/mod.ts";
import { ExecBody, ExecStartBody, jsonText, parseBody } from "./_bodies.ts";
import { frame, MULTIPLEXED, pushStream, RAW } from "./streams.ts";
import { terminalSize } from "./_containers.ts";
import { errorBody } from "./errors.ts";

/**
 * An exec that fails once its stream has begun (its container went away…): moby writes
 * the error and \r\n to the stream's stdout, as the client's only way to see it.
 */
export function execFailure(err: unknown, tty: boolean): Uint8Array {
  const line = new TextEncoder().encode(`${errorBody(err).message}\r\n`);
  return tty ? line : frame("stdout", line);
}

export function execRoutes(app: Hono, engine: EngineApi): void {
  app.post("/containers/:id/exec", async (c) => {
    const body = parseBody(ExecBody, await jsonText(c));
    return c.json(engine.exec.create(c.req.param("id"), { ...body, Env: body.Env ?? undefined }), 201);
  });
  app.get("/exec/:id/json", (c) => c.json(engine.exec.inspect(c.req.param("id"))));
  app.post("/exec/:id/resize", (c) => {
    const [rows, cols] = terminalSize(c.req.query("h"), c.req.query("w"));
    engine.exec.resize(c.req.param("id"), rows, cols);
    return c.body(null, 201);
  });
  app.post("/exec/:id/start", async (c) => {
    const id = c.req.param("id");
    const opts = parseBody(ExecStartBody, await jsonText(c));
    const tty = engine.exec.inspect(id).ProcessConfig.tty;
    if (opts.Detach) {
      void engine.exec.start(id).catch(() => {});
      return c.body(null, 200);
    }
    const { stream, push, close } = pushStream();
    void engine.exec.start(id, { onOutput: (s, d) => d.length && push(tty ? d : frame(s, d)), onDetach: close })
      .catch((err: unknown) => push(execFailure(err, tty))).finally(close);
    return new Response(stream, { headers: { "Content-Type": tty ? RAW : MULTIPLEXED } });
  });
}
