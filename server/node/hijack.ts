/**
 * The HTTP upgrade that `docker run`/`attach`/`exec` need: POST …/attach and
 * POST /exec/{id}/start with `Upgrade: tcp` must answer 101 and then stream over the raw
 * connection (Hono cannot hijack). stdin bytes and the client's half-close may arrive
 * before /start; they are buffered as a stream and the FIN becomes stdin's end, and
 * output keeps flowing after that FIN (Node sockets here are allowHalfOpen).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { attach, execsOf, MULTIPLEXED, RAW } from "../../src/api/mod.ts";
import type { Engine } from "../../src/engine/mod.ts";
import { EngineError } from "../../src/engine/mod.ts";

const ATTACH = /^\/containers\/([^/]+)\/attach$/;
const EXEC = /^\/exec\/([^/]+)\/start$/;

function fail(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? "Not Found" : status === 401 ? "Unauthorized" : "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Read `length` body bytes (from `head`, then the socket); the rest of the data is stdin. */
function split(socket: Duplex, head: Buffer, length: number): Promise<{ body: Buffer; stdin: ReadableStream<Uint8Array> }> {
  return new Promise((resolve) => {
    let buf = head;
    let resolved = false;
    let ctrl!: ReadableStreamDefaultController<Uint8Array>;
    const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (ctrl = c) });
    const done = () => {
      if (resolved || buf.length < length) return;
      resolved = true;
      if (buf.length > length) ctrl.enqueue(new Uint8Array(buf.subarray(length)));
      resolve({ body: buf.subarray(0, length), stdin });
    };
    socket.on("data", (d: Buffer) => {
      if (resolved) ctrl.enqueue(new Uint8Array(d));
      else {
        buf = Buffer.concat([buf, d]);
        done();
      }
    });
    socket.on("end", () => {
      done();
      try { ctrl.close(); } catch { /* already closed */ }
    });
    done();
  });
}

export function handleUpgrade(engine: Engine, token: string | undefined, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname.replace(/^\/v1\.\d+(?=\/)/, "");
  const q = (k: string) => ["1", "true", "True"].includes(url.searchParams.get(k) ?? "");
  if (token && req.headers["authorization"] !== `Bearer ${token}`) return fail(socket, 401, "Unauthorized: a bearer token is required");
  const a = path.match(ATTACH), e = path.match(EXEC);
  if (!a && !e) return fail(socket, 404, "page not found");
  void (async () => {
    const { body, stdin } = await split(socket, head, Number(req.headers["content-length"] ?? 0));
    try {
      if (a) {
        const rt = engine.get(decodeURIComponent(a[1]!));
        socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${rt.rec.Config.Tty ? RAW : MULTIPLEXED}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
        const detach = attach(engine, rt.rec.Id, { stdout: q("stdout") || !url.searchParams.has("stdout"), stderr: q("stderr") || !url.searchParams.has("stderr"), logs: q("logs"), stream: true, stdin: q("stdin") ? stdin : null },
          { write: (b) => socket.write(b), end: () => socket.end() });
        socket.on("close", detach);
      } else {
        const execs = execsOf(engine);
        const id = decodeURIComponent(e![1]!);
        const tty = execs.tty(id);
        const opts = body.length ? JSON.parse(body.toString("utf8")) as { Detach?: boolean } : {};
        socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${tty ? RAW : MULTIPLEXED}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
        const { frame } = await import("../../src/api/mod.ts");
        const run = execs.start(id, { stdin, onOutput: (s, d) => socket.write(tty ? d : frame(s, d)) });
        if (opts.Detach) socket.end();
        await run;
        socket.end();
      }
    } catch (err) {
      fail(socket, err instanceof EngineError && err.kind === "not-found" ? 404 : 500, (err as Error).message);
    }
  })();
}
