/**
 * The container routes that stream: wait (headers at once, body at exit), logs (with
 * follow), attach without a hijack (dockerode's plain POST; with stdin=1 the request
 * body is the container's stdin, streamed), and export (a tar).
 */
import type { Context, Hono } from "hono";
import type { EngineApi, ExitStatus, LogEntry } from "../engine/mod.ts";
import { waitCondition } from "./_containers.ts";
import { ApiError } from "./errors.ts";
import { bool, num, seconds } from "./_query.ts";
import { frame, iterResponse, jsonLine, logTime, MULTIPLEXED, pushStream, RAW } from "./streams.ts";

const enc = new TextEncoder();

export function containerStreamRoutes(app: Hono, engine: EngineApi): void {
  const ct = engine.containers;
  app.post("/containers/:id/wait", async (c) => await waitResponse(ct.wait(c.req.param("id"), waitCondition(c.req.query("condition")))));
  app.get("/containers/:id/logs", (c) => logs(c, engine));
  app.post("/containers/:id/attach", async (c) => {
    const id = c.req.param("id");
    const tty = (await ct.inspect(id)).Config.Tty;
    // Without a hijack (a fetch handler cannot take the connection over), stdin streams in as this request's body.
    const stdin = bool(c, "stdin") && c.req.raw.body ? c.req.raw.body : null;
    const session = ct.attach(id, {
      stdout: bool(c, "stdout", true), stderr: bool(c, "stderr", true), logs: bool(c, "logs"), stream: bool(c, "stream", false),
      stdin, detachKeys: c.req.query("detachKeys"),
    });
    const abort = new AbortController();
    abort.signal.addEventListener("abort", () => session.close());
    return iterResponse(session.output, outputEncoder(tty, false), { contentType: tty ? RAW : MULTIPLEXED, abort });
  });
  app.get("/containers/:id/export", async (c) => {
    const tar = await ct.export(c.req.param("id"));
    return new Response(tar as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": "application/x-tar" } });
  });
}

/**
 * `POST /containers/{id}/wait`: `docker run` sends /start only after this call's headers
 * arrive, so they go out at once and the body at exit. An error or a result known within
 * a tick (no such container; already stopped) is answered as a plain response.
 */
async function waitResponse(p: Promise<ExitStatus>): Promise<Response> {
  const early = await Promise.race([
    p.then((v) => ({ v }), (err: unknown) => ({ err })),
    new Promise<null>((r) => setTimeout(() => r(null), 0)),
  ]);
  if (early && "err" in early) throw early.err;
  if (early) return Response.json(early.v);
  const { stream, push, close } = pushStream();
  p.then((v) => push(jsonLine(v)), (err: Error) => push(jsonLine({ StatusCode: -1, Error: { Message: String(err?.message ?? err) } }))).finally(close);
  return new Response(stream, { headers: { "Content-Type": "application/json" } });
}

/** Encode output for the client: raw for a TTY, else 8-byte frames; optionally timestamped; null for an empty write. */
export function outputEncoder(tty: boolean, timestamps: boolean): (e: LogEntry) => Uint8Array | null {
  return (e) => {
    if (e.data.length === 0) return null; // Docker never sends an empty frame
    const data = timestamps ? _prefix(enc.encode(`${logTime(e.time)} `), e.data) : e.data;
    return tty ? data : frame(e.stream, data);
  };
}

async function logs(c: Context, engine: EngineApi): Promise<Response> {
  const id = c.req.param("id")!;
  const stdout = bool(c, "stdout"), stderr = bool(c, "stderr");
  if (!stdout && !stderr) throw new ApiError(400, "You must choose at least one stream");
  const tty = (await engine.containers.inspect(id)).Config.Tty;
  const tailRaw = c.req.query("tail");
  const tail = !tailRaw || tailRaw === "all" ? "all" : Number(tailRaw);
  if (tail !== "all" && !Number.isInteger(tail)) throw new ApiError(400, `invalid value for "tail": "${tailRaw}"`);
  const abort = new AbortController();
  const items = engine.containers.logs(id, {
    stdout, stderr, tail: tail === "all" || tail < 0 ? "all" : tail, since: seconds(c, "since"), until: num(c, "until") || undefined,
    follow: bool(c, "follow"), signal: abort.signal,
  });
  return iterResponse(items, outputEncoder(tty, bool(c, "timestamps")), { contentType: tty ? RAW : MULTIPLEXED, abort });
}

function _prefix(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
