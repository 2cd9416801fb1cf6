/**
 * The hijacked half of the API: `POST /containers/{id}/attach` and `POST /exec/{id}/start`
 * with `Upgrade: tcp` must answer `101 UPGRADED` and then speak raw bytes on the
 * connection (reference: the docker CLI fails on a 200). A fetch handler cannot do that,
 * so a platform server that owns the socket (server/node) reads the request head and
 * body, wraps the socket as a `HijackConn`, and calls `serveHijack`. Output stops and
 * the connection closes when the process exits (the CLI reads to EOF before it takes the
 * wait result); the client's stdin streams to the process (buffered until it starts)
 * and its half-close is Docker's (stdin's end with StdinOnce and no terminal; otherwise
 * the end of this attach); output keeps flowing after it. With a terminal, the detach
 * keys (`detachKeys`, default ctrl-p ctrl-q) end the attach and leave the process running. The refusals of every other request
 * apply first (`refuseSource`), and exec start's body must be JSON (moby's ReadJSON).
 */
import type { EngineApi } from "../engine/mod.ts";
import { checkJsonType, ExecStartBody, parseBody } from "./_bodies.ts";
import { outputEncoder } from "./_container_io.ts";
import { execFailure } from "./_exec.ts";
import { errorBody, toHttpStatus } from "./errors.ts";
import { frame, MULTIPLEXED, RAW } from "./streams.ts";
import { refuseSource, type SourcePolicy } from "./_origin.ts";
import { authorized } from "./_token.ts";

/** A connection the platform has taken over from its HTTP server. */
export interface HijackConn {
  /** The bytes after the request body: the client's stdin, ending at its half-close. */
  stdin: ReadableStream<Uint8Array>;
  /** Send bytes; a promise when the platform wants the sender to wait (a slow reader). */
  write(bytes: Uint8Array): void | Promise<void>;
  /** Resolves once what was written has left for the client (the 101 goes out alone, before any output). */
  flush?(): Promise<void>;
  /** Close our side (after the process exits, or after an error response). */
  end(): void;
  /** Called when the client goes away. */
  onClose(fn: () => void): void;
}

export interface HijackRequest {
  method: string;
  /** Path and query, as on the request line (`/v1.47/containers/x/attach?stdout=1`). */
  url: string;
  header(name: string): string | undefined;
  /** The request body (exec start sends JSON; attach none). */
  body: Uint8Array;
}

/** How long output waits after the 101 when it is ready at once (see _attach). */
const HEAD_ALONE_MS = 25;
const ATTACH = /^\/containers\/([^/]+)\/attach$/;
const EXEC_START = /^\/exec\/([^/]+)\/start$/;
const enc = new TextEncoder();

/** The path without its `/v1.NN` prefix. */
export function stripVersion(path: string): string {
  return path.replace(/^\/v1\.\d+(?=\/)/, "");
}

/** Is this request one the platform must hijack (attach or exec start with an Upgrade header)? */
export function wantsHijack(method: string, url: string, upgrade: string | undefined): boolean {
  if (method !== "POST" || !upgrade) return false;
  const path = stripVersion(url.split("?")[0]!);
  return ATTACH.test(path) || EXEC_START.test(path);
}

/** Answer a hijack request on `conn`: an HTTP error, or 101 and the stream until the process exits. */
export async function serveHijack(engine: EngineApi, req: HijackRequest, conn: HijackConn, o: { token?: string; source?: SourcePolicy } = {}): Promise<void> {
  const url = new URL(req.url, "http://strata");
  const path = stripVersion(decodeURIComponent(url.pathname));
  try {
    const refusal = refuseSource(req.header, o.source ?? {});
    if (refusal) return httpError(conn, refusal.status, refusal.message);
    if (!authorized(req.header("authorization"), o.token)) return httpError(conn, 401, "Unauthorized: a bearer token is required");
    const a = path.match(ATTACH), e = path.match(EXEC_START);
    if (a) return await _attach(engine, a[1]!, url.searchParams, conn);
    if (e) {
      checkJsonType(req.header("content-type"), req.body.length);
      return await _exec(engine, e[1]!, new TextDecoder().decode(req.body), conn);
    }
    return httpError(conn, 404, "page not found");
  } catch (err) {
    return httpError(conn, toHttpStatus(err), errorBody(err).message);
  }
}

/**
 * The 101, sent and flushed before any output: a client that reads the head through a
 * buffered HTTP parser and then switches to the raw socket (the Python docker SDK)
 * loses whatever arrived with the head.
 */
async function _upgraded(conn: HijackConn, tty: boolean): Promise<void> {
  await conn.write(enc.encode(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${tty ? RAW : MULTIPLEXED}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`));
  await conn.flush?.();
}

async function _attach(engine: EngineApi, id: string, q: URLSearchParams, conn: HijackConn): Promise<void> {
  const flag = (k: string, dflt: boolean) => (q.has(k) ? ["1", "true", "True"].includes(q.get(k)!) : dflt);
  const tty = (await engine.containers.inspect(id)).Config.Tty;
  const stdin = flag("stdin", false);
  const session = engine.containers.attach(id, {
    stdout: flag("stdout", true), stderr: flag("stderr", true), logs: flag("logs", false), stream: flag("stream", false),
    stdin: stdin ? conn.stdin : null, detachKeys: q.get("detachKeys") ?? undefined,
  });
  if (!stdin) void conn.stdin.cancel(); // read and dropped, never buffered
  await _upgraded(conn, tty);
  // Output that is there at once (the log replayed) would follow the head into the client's
  // buffered parser: a moment lets it switch to the raw socket first (Docker's daemon gets
  // the same from reading its log file).
  if (flag("logs", false)) await new Promise((r) => setTimeout(r, HEAD_ALONE_MS));
  conn.onClose(() => session.close());
  const encode = outputEncoder(tty, false);
  try {
    for await (const e of session.output) {
      const b = encode(e);
      const wait = b && conn.write(b);
      if (wait) await wait;
    }
  } finally {
    conn.end();
  }
}

async function _exec(engine: EngineApi, id: string, body: string, conn: HijackConn): Promise<void> {
  const opts = parseBody(ExecStartBody, body);
  const info = engine.exec.inspect(id);
  const tty = opts.Tty ?? info.ProcessConfig.tty;
  await _upgraded(conn, tty);
  if (!info.OpenStdin) void conn.stdin.cancel();
  // XXX: exec output arrives by callback, so a slow reader cannot hold the process back;
  // the platform bounds what it buffers (server/node/hijack.ts drops such a client).
  const run = engine.exec.start(id, {
    stdin: info.OpenStdin ? conn.stdin : undefined,
    onOutput: (s, d) => d.length && conn.write(tty ? d : frame(s, d)),
    onDetach: () => conn.end(), // the detach keys, or a terminal's input ended: the exec runs on
  });
  if (opts.Detach) conn.end();
  try {
    await run;
  } catch (err) {
    await conn.write(execFailure(err, tty)); // after the 101 an HTTP error cannot be sent
  } finally {
    conn.end();
  }
}

const REASONS: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 500: "Internal Server Error" };

/** An HTTP error response written on the raw connection, then close. */
function httpError(conn: Pick<HijackConn, "write" | "end">, status: number, message: string): void {
  const body = enc.encode(JSON.stringify({ message }));
  const head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  conn.write(enc.encode(head));
  conn.write(body);
  conn.end();
}
