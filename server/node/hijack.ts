/**
 * Node's half of the hijack: @hono/node-server handles only websocket upgrades, so the
 * server's own `upgrade` listener takes attach / exec start with `Upgrade: tcp`. It reads
 * the request body (Content-Length bytes, from `head` and then the socket); every byte
 * after it is the client's stdin, buffered in a stream until the process reads it; the
 * client's half-close ends that stream, and output keeps flowing after it (Node's HTTP
 * sockets are allowHalfOpen). The protocol itself is src/api's `serveHijack`.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { serveHijack, wantsHijack, type HijackConn } from "../../src/api/mod.ts";
import type { EngineApi } from "../../src/engine/mod.ts";

/** The largest body of a hijacked request (exec start sends a small JSON object). */
const MAX_BODY = 1 << 20;

/**
 * Split the socket's bytes into the request body and a stdin stream. Node leaves an
 * upgrade request's body on the socket (`head`, then data); Deno's node:http hands it to
 * the request stream instead, so both are read until the body is complete.
 */
function splitBody(req: IncomingMessage, socket: Duplex, head: Buffer, length: number): Promise<{ body: Uint8Array; stdin: ReadableStream<Uint8Array> }> {
  return new Promise((resolve) => {
    let buf = head;
    let resolved = false;
    let ended = false;
    let ctrl!: ReadableStreamDefaultController<Uint8Array>;
    const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (ctrl = c) });
    const settle = () => {
      if (resolved || (buf.length < length && !ended)) return;
      resolved = true;
      if (buf.length > length) ctrl.enqueue(new Uint8Array(buf.subarray(length)));
      resolve({ body: new Uint8Array(buf.subarray(0, Math.min(length, buf.length))), stdin });
    };
    req.on("data", (d: Buffer) => {
      if (resolved) return;
      buf = Buffer.concat([buf, d]);
      settle();
    });
    socket.on("data", (d: Buffer) => {
      if (resolved) ctrl.enqueue(new Uint8Array(d));
      else {
        buf = Buffer.concat([buf, d]);
        settle();
      }
    });
    socket.on("end", () => {
      ended = true;
      settle();
      try {
        ctrl.close();
      } catch { /* closed already */ }
    });
    socket.on("error", () => {});
    settle();
  });
}

/** The `upgrade` listener for a node:http server. */
export function upgradeHandler(engine: EngineApi, o: { token?: string } = {}) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!wantsHijack(req.method ?? "", req.url ?? "/", req.headers["upgrade"])) {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"message\":\"unsupported upgrade\"}");
      return;
    }
    const length = Number(req.headers["content-length"] ?? 0);
    if (!(length >= 0 && length <= MAX_BODY)) {
      socket.end(`HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"message":"request body exceeds the limit of ${MAX_BODY} bytes"}`);
      return;
    }
    void (async () => {
      const { body, stdin } = await splitBody(req, socket, head, length);
      const conn: HijackConn = {
        stdin,
        write: (b) => {
          if (!socket.destroyed) socket.write(b);
        },
        end: () => {
          if (!socket.destroyed) socket.end();
        },
        onClose: (fn) => socket.once("close", fn),
      };
      const header = (name: string) => {
        const v = req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      };
      await serveHijack(engine, { method: req.method ?? "POST", url: req.url ?? "/", header, body }, conn, o);
    })();
  };
}
