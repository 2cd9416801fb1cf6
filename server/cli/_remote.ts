/**
 * The remote transport: the Docker Engine API over HTTP to `tcp://HOST:PORT` (fetch) or
 * `unix:///path` (node:http, since fetch cannot dial a unix socket), and the hijacked
 * attach/exec over node:net. Works against strata's own server and any Docker engine.
 */
import { request as httpRequest } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { type HijackResult, readUpgrade, upgradeRequest } from "./_hijack.ts";
import type { HijackOptions, Transport } from "./_transport.ts";

/** Where a DOCKER_HOST points. */
type Endpoint = { kind: "tcp"; host: string; port: number; base: string } | { kind: "unix"; path: string };

/** Parse `tcp://h:p`, `http://h:p`, `h:p`, or `unix:///path`. Errors: an unsupported scheme. */
function parseHost(raw: string): Endpoint {
  if (raw.startsWith("unix://")) return { kind: "unix", path: raw.slice(7) };
  const m = raw.match(/^(?:(tcp|http):\/\/)?(\[[^\]]+\]|[^:/]+)?(?::(\d+))?\/?$/);
  if (!m) throw new Error(`unable to parse docker host \`${raw}\`: use tcp://HOST:PORT or unix:///PATH`);
  const host = m[2] ?? "127.0.0.1", port = Number(m[3] ?? 2375);
  return { kind: "tcp", host: host.replace(/^\[|\]$/g, ""), port, base: `http://${host}:${port}` };
}

export function remoteTransport(raw: string, o: { token?: string; version?: string } = {}): Transport {
  const ep = parseHost(raw);
  const prefix = `/v${o.version ?? "1.47"}`;
  const auth: Record<string, string> = o.token ? { Authorization: `Bearer ${o.token}` } : {};
  return {
    where: raw,
    request: (path, init = {}) => {
      const headers = { ...auth, ...(init.headers as Record<string, string> | undefined) };
      if (ep.kind === "unix") return _unixFetch(ep.path, `${prefix}${path}`, { ...init, headers });
      // @ts-expect-error: Node's fetch needs duplex for a streamed request body
      return fetch(`${ep.base}${prefix}${path}`, { ...init, headers, duplex: "half" });
    },
    hijack: (path, h) => _hijack(ep, `${prefix}${path}`, { ...h, token: o.token }),
    close: async () => {},
  };
}

async function _hijack(ep: Endpoint, path: string, o: HijackOptions & { token?: string }): Promise<HijackResult> {
  const sock: Socket = ep.kind === "unix" ? netConnect({ path: ep.path, allowHalfOpen: true }) : netConnect({ host: ep.host, port: ep.port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  sock.setNoDelay(true); // each key goes out as it is typed (Nagle would hold small writes back)
  const body = o.body ?? new Uint8Array(0);
  sock.write(upgradeRequest(path, { host: ep.kind === "tcp" ? `${ep.host}:${ep.port}` : "localhost", body, token: o.token, contentType: o.contentType }));
  const result = await readUpgrade(sock as AsyncIterable<Uint8Array>);
  if (o.stdin) void _sendStdin(sock, o.stdin);
  let closed = false;
  return {
    contentType: result.contentType,
    output: (async function* () {
      try {
        yield* result.output;
      } catch (err) {
        if (!closed) throw err; // else our own close() cut the read short
      } finally {
        sock.destroy();
      }
    })(),
    close: () => {
      closed = true;
      sock.destroy();
    },
  };
}

/** Write stdin as it comes, then half-close: the program sees EOF, output keeps coming. Nothing once the socket is gone. */
async function _sendStdin(sock: Socket, stdin: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const chunk of stdin) {
      if (sock.destroyed) return;
      if (!sock.write(chunk)) await new Promise((r) => sock.once("drain", r));
    }
  } finally {
    if (!sock.destroyed) sock.end();
  }
}

/** fetch over a unix socket, answering a web Response (bodies stream both ways). */
function _unixFetch(socketPath: string, path: string, init: RequestInit): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, path, method: init.method ?? "GET", headers: init.headers as Record<string, string> }, (res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      const body = res.statusCode === 204 || res.statusCode === 304 ? null : new ReadableStream<Uint8Array>({
        start(c) {
          res.on("data", (d: Uint8Array) => c.enqueue(new Uint8Array(d)));
          res.on("end", () => c.close());
          res.on("error", (e) => c.error(e));
        },
        cancel() { res.destroy(); },
      });
      resolve(new Response(body, { status: res.statusCode ?? 500, headers }));
    });
    req.on("error", reject);
    init.signal?.addEventListener("abort", () => req.destroy());
    void _sendBody(req, init.body).catch(reject);
  });
}

async function _sendBody(req: ReturnType<typeof httpRequest>, body: RequestInit["body"]): Promise<void> {
  if (body === undefined || body === null) return void req.end();
  if (typeof body === "string" || body instanceof Uint8Array) return void req.end(body);
  if (body instanceof ReadableStream) {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
    return void req.end();
  }
  throw new TypeError("unsupported request body for a unix socket");
}
