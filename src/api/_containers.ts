/** /containers/* routes (Engine API v1.47). */
import type { Hono } from "hono";
import { z } from "zod";
import { type Engine, type ExitStatus } from "../engine/mod.ts";
import { attach } from "./attach.ts";
import { ApiError } from "./errors.ts";
import { bool, filters, int } from "./_query.ts";
import { frame, logTime, MULTIPLEXED, pushStream, RAW } from "./streams.ts";

const stringList = z.union([z.array(z.string()), z.string()]).nullable().optional();
/** The fields of ContainerCreate we use; others pass through untouched. */
export const CreateBody = z.object({
  Image: z.string({ error: "Config.Image must be a string" }).min(1, "Config.Image: no image was given"),
  Cmd: stringList, Entrypoint: stringList, Env: z.array(z.string()).nullable().optional(),
  WorkingDir: z.string().optional(), Labels: z.record(z.string(), z.string()).nullable().optional(),
  Tty: z.boolean().optional(), OpenStdin: z.boolean().optional(), StdinOnce: z.boolean().optional(),
  AttachStdin: z.boolean().optional(), AttachStdout: z.boolean().optional(), AttachStderr: z.boolean().optional(),
  User: z.string().optional(), Hostname: z.string().optional(), StopTimeout: z.number().nullable().optional(),
  HostConfig: z.object({ AutoRemove: z.boolean().optional(), Memory: z.number().optional(), Binds: z.array(z.string()).nullable().optional() }).passthrough().nullable().optional(),
}).passthrough();

export async function parseBody<T>(schema: z.ZodType<T>, raw: string): Promise<T> {
  let json: unknown;
  try {
    json = raw ? JSON.parse(raw) : {};
  } catch (err) {
    throw new ApiError(400, `invalid JSON body: ${(err as Error).message}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ApiError(400, `invalid body: field "${issue.path.join(".") || "(root)"}": ${issue.message}`);
  }
  return r.data;
}

function waitResponse(p: Promise<ExitStatus>): Response {
  // Headers go out at once and the body at exit: `docker run` sends /start only after the headers (reference §4).
  const { stream, push, close } = pushStream();
  p.then((s) => push(new TextEncoder().encode(`${JSON.stringify(s)}\n`)), (err) => push(new TextEncoder().encode(JSON.stringify({ StatusCode: -1, Error: { Message: String(err?.message ?? err) } }))))
    .finally(close);
  return new Response(stream, { status: 200, headers: { "Content-Type": "application/json" } });
}

export function containerRoutes(app: Hono, engine: Engine): void {
  app.get("/containers/json", async (c) => c.json(await engine.list({ all: bool(c, "all"), size: bool(c, "size"), limit: int(c, "limit"), filters: filters(c) })));
  app.post("/containers/create", async (c) => {
    const body = await parseBody(CreateBody, await c.req.text());
    return c.json(await engine.create({ ...body, name: c.req.query("name") || undefined, HostConfig: body.HostConfig ?? undefined }), 201);
  });
  app.get("/containers/:id/json", async (c) => c.json(await engine.inspect(c.req.param("id"), { size: bool(c, "size") })));
  app.post("/containers/:id/start", async (c) => {
    await engine.start(c.req.param("id"));
    return c.body(null, 204);
  });
  app.post("/containers/:id/stop", async (c) => {
    await engine.stop(c.req.param("id"), int(c, "t"));
    return c.body(null, 204);
  });
  app.post("/containers/:id/kill", async (c) => {
    await engine.kill(c.req.param("id"), c.req.query("signal") ?? "KILL");
    return c.body(null, 204);
  });
  app.post("/containers/:id/restart", async (c) => {
    await engine.restart(c.req.param("id"), int(c, "t"));
    return c.body(null, 204);
  });
  app.post("/containers/:id/wait", (c) => {
    const cond = (c.req.query("condition") || "not-running") as "not-running" | "next-exit" | "removed";
    engine.get(c.req.param("id")) ?? null; // 404 before the headers when it does not exist
    return waitResponse(engine.wait(c.req.param("id"), cond));
  });
  app.delete("/containers/:id", async (c) => {
    await engine.remove(c.req.param("id"), { force: bool(c, "force"), v: bool(c, "v") });
    return c.body(null, 204);
  });
  app.post("/containers/:id/rename", async (c) => {
    const name = c.req.query("name");
    if (!name) throw new ApiError(400, "name is required");
    await engine.rename(c.req.param("id"), name);
    return c.body(null, 204);
  });
  app.post("/containers/:id/resize", (c) => {
    engine.get(c.req.param("id"));
    return c.body(null, 200);
  });
  app.get("/containers/:id/changes", async (c) => c.json(await engine.changes(c.req.param("id"))));
  app.get("/containers/:id/export", async (c) => new Response(await engine.export(c.req.param("id")) as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": "application/x-tar" } }));
  app.get("/containers/:id/logs", (c) => logs(c, engine));
  app.post("/containers/:id/attach", (c) => {
    const rt = engine.get(c.req.param("id"));
    const { stream, push, close } = pushStream(() => detach());
    const detach = attach(engine, rt.rec.Id, { stdout: bool(c, "stdout"), stderr: bool(c, "stderr"), logs: bool(c, "logs"), stream: bool(c, "stream") }, { write: push, end: close });
    return new Response(stream, { headers: { "Content-Type": rt.rec.Config.Tty ? RAW : MULTIPLEXED } });
  });
}

function logs(c: import("hono").Context, engine: Engine): Response {
  const rt = engine.get(c.req.param("id")!);
  if (!bool(c, "stdout") && !bool(c, "stderr")) throw new ApiError(400, "You must choose at least one stream");
  const tty = rt.rec.Config.Tty, ts = bool(c, "timestamps");
  const tail = c.req.query("tail");
  const sel = { stdout: bool(c, "stdout"), stderr: bool(c, "stderr"), since: int(c, "since"), until: int(c, "until"), tail: tail && tail !== "all" ? Number(tail) : undefined };
  const enc = new TextEncoder();
  const encode = (e: { stream: "stdout" | "stderr"; data: Uint8Array; time: number }) => {
    const data = ts ? concat(enc.encode(`${logTime(e.time)} `), e.data) : e.data;
    return tty ? data : frame(e.stream, data);
  };
  const { stream, push, close } = pushStream(() => stop?.());
  for (const e of rt.logs.select(sel)) push(encode(e));
  let stop: (() => void) | undefined;
  if (bool(c, "follow") && rt.rec.State.Status === "running") {
    stop = rt.logs.follow((e) => {
      if (!e) return close();
      if ((e.stream === "stdout" && sel.stdout) || (e.stream === "stderr" && sel.stderr)) push(encode(e));
    });
  } else close();
  return new Response(stream, { headers: { "Content-Type": tty ? RAW : MULTIPLEXED } });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
