/**
 * `GET /containers/{id}/attach/ws` as moby's daemon serves it (`wsContainersAttach`,
 * API >= 1.28 binary frames, >= 1.42 stdin/stdout/stderr opt in, default off): the
 * container's output goes out raw, one binary message per write, never multiplexed
 * (moby's `MuxStreams: false`: stdout and stderr arrive interleaved as they were
 * written, with no frame header); every message the client sends (text or binary) is
 * stdin. The connection closes when the process exits. The handshake and the
 * RFC 6455 framing belong to the platform (server/node/websocket.ts; Deno's upgradeWebSocket),
 * which hands a `WebSocketConn` to `serveAttachWebSocket`; the same refusals as every
 * other request apply first (a page's `new WebSocket()` gets no CORS protection).
 */
import type { EngineApi } from "../engine/mod.ts";
import { errorBody, toHttpStatus } from "./errors.ts";
import { stripVersion, type HijackRequest } from "./hijack.ts";
import { refuseSource, type SourcePolicy } from "./_origin.ts";
import { authorized } from "./_token.ts";

/** A websocket the platform is about to accept (or refuse) for us. */
export interface WebSocketConn {
  /** The client's messages as bytes: the container's stdin; ends when the client closes. Cancel it to discard them. */
  stdin: ReadableStream<Uint8Array>;
  /** Finish the handshake (101 Switching Protocols). */
  accept(): void;
  /** Refuse the handshake with an HTTP error in Docker's shape. */
  reject(status: number, message: string): void;
  /** One binary message; a promise when the platform wants the sender to wait (a slow reader). */
  send(bytes: Uint8Array): void | Promise<void>;
  /** Close (1000) and end the connection. */
  close(): void;
  /** Called when the client goes away. */
  onClose(fn: () => void): void;
}

const ATTACH_WS = /^\/containers\/([^/]+)\/attach\/ws$/;

/** Is this a websocket handshake for attach (`GET …/attach/ws` with `Upgrade: websocket`)? */
export function wantsWebSocket(method: string, url: string, upgrade: string | undefined | null): boolean {
  return method === "GET" && upgrade?.toLowerCase() === "websocket" && ATTACH_WS.test(stripVersion(url.split("?")[0]!));
}

/** Serve attach on `ws` until the process exits or the client leaves; errors before the handshake are HTTP errors. */
export async function serveAttachWebSocket(engine: EngineApi, req: Omit<HijackRequest, "body" | "method">, ws: WebSocketConn, o: { token?: string; source?: SourcePolicy } = {}): Promise<void> {
  let accepted = false;
  try {
    const refusal = refuseSource(req.header, o.source ?? {});
    if (refusal) return ws.reject(refusal.status, refusal.message);
    if (!authorized(req.header("authorization"), o.token)) return ws.reject(401, "Unauthorized: a bearer token is required");
    const url = new URL(req.url, "http://strata");
    const m = stripVersion(decodeURIComponent(url.pathname)).match(ATTACH_WS);
    if (!m) return ws.reject(404, "page not found");
    await engine.containers.inspect(m[1]!); // 404 before the handshake
    const q = url.searchParams, all = _before142(url.pathname);
    const flag = (k: string, dflt: boolean) => (q.has(k) ? ["1", "true", "True"].includes(q.get(k)!) : dflt);
    const stdin = flag("stdin", all);
    const session = engine.containers.attach(m[1]!, {
      stdout: flag("stdout", all), stderr: flag("stderr", all), logs: flag("logs", false), stream: flag("stream", false),
      stdin: stdin ? ws.stdin : null,
    });
    if (!stdin) void ws.stdin.cancel();
    ws.accept();
    accepted = true;
    ws.onClose(() => session.close());
    try {
      for await (const e of session.output) {
        if (e.data.length === 0) continue;
        const wait = ws.send(e.data);
        if (wait) await wait;
      }
    } finally {
      ws.close();
    }
  } catch (err) {
    if (!accepted) return ws.reject(toHttpStatus(err), errorBody(err).message);
    ws.close();
    throw err;
  }
}

/** Before API 1.42 attach/ws attached all three streams whatever the query said. */
function _before142(pathname: string): boolean {
  const v = /^\/v1\.(\d+)\//.exec(pathname);
  return v !== null && Number(v[1]) < 42;
}
