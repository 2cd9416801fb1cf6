/**
 * A minimal websocket client over node:net for the tests, written apart from the
 * server's codec (server/node/websocket.ts) so the two check each other: the RFC 6455
 * handshake with a Sec-WebSocket-Accept check, masked frames out, unmasked frames in.
 */
import { createHash, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { until as waitFor } from "../_wait.ts";

export interface WsClient {
  socket: Socket;
  /** The status line and headers of the answer. */
  head: string;
  /** Data frames' payloads as they arrive, and the close frame's code once it comes. */
  messages: Uint8Array[];
  closeCode?: number;
  /** Resolves when a message makes `pred` true over the text so far. */
  until(pred: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves at the server's close frame or the socket's end. */
  closed: Promise<void>;
  send(text: string): void;
}

/** Open `path` on 127.0.0.1:`port`; rejects with the answer's head if it is not a 101. */
export function openWs(port: number, path: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const key = randomBytes(16).toString("base64");
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => socket.destroy()); // the tests reset sockets on purpose
  const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Key: ${key}`, "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let client: WsClient | undefined;
    let waiters: Array<() => void> = [];
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));
    const text = () => client!.messages.map((m) => Buffer.from(m).toString()).join("");
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!client) {
        const at = buf.indexOf("\r\n\r\n");
        if (at < 0) return;
        const head = buf.subarray(0, at).toString();
        buf = buf.subarray(at + 4);
        if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`${head}\r\n\r\n${buf.toString()}`));
        const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
        if (!head.includes(`Sec-WebSocket-Accept: ${accept}`)) return reject(new Error(`bad accept: ${head}`));
        client = { socket, head, messages: [], closed, until, send };
        resolve(client);
      }
      for (;;) {
        if (buf.length < 2) break;
        let len = buf[1]! & 0x7f, at = 2;
        if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); at = 4; }
        else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); at = 10; }
        if (buf.length < at + len) break;
        const op = buf[0]! & 0x0f, payload = buf.subarray(at, at + len);
        buf = buf.subarray(at + len);
        if (op === 8) { client!.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005; closedResolve(); }
        else if (op === 1 || op === 2 || op === 0) client!.messages.push(new Uint8Array(payload));
      }
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    });
    socket.on("close", () => {
      closedResolve();
      waiters.forEach((f) => f());
    });
    function until(pred: (t: string) => boolean, timeoutMs = 15_000): Promise<string> {
      return waitFor(new Promise((res, rej) => {
        const check = () => {
          if (pred(text())) res(text());
          else if (socket.destroyed) rej(new Error(`socket closed; got ${JSON.stringify(text())}`));
          else waiters.push(check);
        };
        check();
      }), { timeoutMs, what: () => `the expected websocket messages; got ${JSON.stringify(text())}` });
    }
    function send(s: string): void {
      const payload = Buffer.from(s), mask = randomBytes(4);
      const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
      const masked = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!));
      socket.write(Buffer.concat([head, mask, masked]));
    }
  });
}
