/**
 * Node's half of the hijack: @hono/node-server handles only websocket upgrades it was
 * given a `ws` server for (none here), so the server's own `upgrade` listener takes
 * attach / exec start with `Upgrade: tcp`, and attach over a websocket (websocket.ts).
 * For `Upgrade: tcp` it reads the request body (Content-Length bytes, from `head` and
 * then the socket); every byte after it is the client's stdin, streamed to the process
 * with backpressure; the client's half-close ends that stream, and output keeps flowing
 * after it (Node's HTTP sockets are allowHalfOpen). The protocols themselves are
 * src/api's `serveHijack` and `serveAttachWebSocket`. Every socket gets its error
 * listener before anything else (_socket.ts), and every promise here ends in a catch,
 * so a client that resets, half-closes or stops reading never takes the server down.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { serveAttachWebSocket, serveHijack, wantsHijack, wantsWebSocket, type HijackConn, type SourcePolicy } from "../../src/api/mod.ts";
import type { EngineApi } from "../../src/engine/mod.ts";
import { errorHead, flushed, guardSocket, socketStdin, writeOrWait, type StdinPipe } from "./_socket.ts";
import { handshakeProblem, webSocketConn } from "./websocket.ts";

/** The largest body of a hijacked request (exec start sends a small JSON object). */
const MAX_BODY = 1 << 20;

interface UpgradeOptions {
  token?: string;
  /** Origins, Hosts and the listen address, as for createApi. */
  source?: SourcePolicy;
  log?: (line: string) => void;
}

/**
 * Read the request body off the socket; what follows goes to `stdin`. Node leaves an
 * upgrade request's body on the socket (`head`, then data); Deno's node:http hands it to
 * the request stream instead, so both are read until the body is complete.
 */
function splitBody(req: IncomingMessage, head: Buffer, length: number, stdin: StdinPipe): Promise<Uint8Array> {
  return new Promise((resolve) => {
    let buf: Uint8Array = new Uint8Array(head);
    let resolved = false;
    const add = (d: Uint8Array) => {
      const next = new Uint8Array(buf.length + d.length);
      next.set(buf);
      next.set(d, buf.length);
      buf = next;
    };
    const settle = (ended: boolean) => {
      if (resolved || (buf.length < length && !ended)) return;
      resolved = true;
      if (buf.length > length) stdin.push(buf.slice(length));
      resolve(buf.slice(0, Math.min(length, buf.length)));
    };
    req.on("data", (d: Buffer) => {
      if (resolved) return;
      add(new Uint8Array(d));
      settle(false);
    });
    stdin.take((d) => {
      if (resolved) return stdin.push(d);
      add(d);
      settle(false);
    }, () => settle(true));
    settle(false);
  });
}

/** The `upgrade` listener for a node:http server. */
export function upgradeHandler(engine: EngineApi, o: UpgradeOptions = {}) {
  const log = o.log ?? ((l: string) => console.error(l));
  const failed = (socket: Duplex) => (err: Error) => {
    log(`strata: ${err.message}`);
    socket.destroy();
  };
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    guardSocket(socket, log);
    const method = req.method ?? "", url = req.url ?? "/";
    const header = (name: string) => {
      const v = req.headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    };
    if (wantsWebSocket(method, url, req.headers["upgrade"])) {
      const problem = handshakeProblem(req);
      if (problem) return void socket.end(errorHead(400, problem));
      serveAttachWebSocket(engine, { url, header }, webSocketConn(req, socket, head), o).catch(failed(socket));
      return;
    }
    if (!wantsHijack(method, url, req.headers["upgrade"])) return void socket.end(errorHead(400, "unsupported upgrade"));
    const length = Number(req.headers["content-length"] ?? 0);
    if (!(length >= 0 && length <= MAX_BODY)) return void socket.end(errorHead(413, `request body exceeds the limit of ${MAX_BODY} bytes`));
    const stdin = socketStdin(socket);
    void (async () => {
      const body = await splitBody(req, head, length, stdin);
      (socket as Duplex & { setNoDelay?(on: boolean): void }).setNoDelay?.(true); // each write leaves at once (a keystroke's echo, the 101)
      const conn: HijackConn = {
        stdin: stdin.stream,
        write: (b) => writeOrWait(socket, b),
        flush: () => flushed(socket),
        end: () => {
          if (!socket.destroyed) socket.end();
        },
        onClose: (fn) => void socket.once("close", fn),
      };
      await serveHijack(engine, { method, url, header, body }, conn, o);
    })().catch(failed(socket));
  };
}
