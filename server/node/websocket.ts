/**
 * The server half of RFC 6455 on a socket node:http handed to an `upgrade` listener, as
 * a `WebSocketConn` for src/api's `serveAttachWebSocket`. Written here rather than taken
 * from `ws`: `ws` is not a dependency (only @hono/node-server's dev dependency, absent
 * from node_modules), and attach needs only a small part of the protocol: the handshake
 * (§4.2.2), masked client frames in (§5.3), unmasked binary frames out, ping/pong and
 * close (§5.5). Data frames (continuations included) go straight to stdin as they
 * arrive, so nothing is reassembled and a message is never held whole; a frame larger
 * than MAX_FRAME closes with 1009, an unmasked one with 1002 (§5.1).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketConn } from "../../src/api/mod.ts";
import { errorHead, socketStdin, writeOrWait } from "./_socket.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** The largest frame a client may send (stdin arrives in small writes). */
const MAX_FRAME = 1 << 20;
const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** `Sec-WebSocket-Accept` for a client's key (§4.2.2). */
function acceptKey(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** One server frame: FIN set, unmasked (§5.2). */
function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = new Uint8Array(head + n);
  out[0] = 0x80 | opcode;
  const view = new DataView(out.buffer);
  if (n < 126) out[1] = n;
  else if (n < 65536) { out[1] = 126; view.setUint16(2, n); }
  else { out[1] = 127; view.setBigUint64(2, BigInt(n)); }
  out.set(payload, head);
  return out;
}

interface Frame { opcode: number; payload: Uint8Array }

/** Parse masked client frames from a byte stream. Errors: `{ close: 1002 | 1009 }` for a frame the server refuses. */
class FrameReader {
  #buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Frame[] {
    this.#buf = this.#buf.length ? _concat(this.#buf, chunk) : chunk;
    const frames: Frame[] = [];
    for (;;) {
      const f = this.#next();
      if (!f) return frames;
      frames.push(f);
    }
  }

  #next(): Frame | null {
    const b = this.#buf;
    if (b.length < 2) return null;
    if ((b[1]! & 0x80) === 0) throw new FrameError(1002, "client frames must be masked");
    let len = b[1]! & 0x7f, at = 2;
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    if (len === 126) { if (b.length < 4) return null; len = view.getUint16(2); at = 4; }
    else if (len === 127) {
      if (b.length < 10) return null;
      const big = view.getBigUint64(2);
      if (big > BigInt(MAX_FRAME)) throw new FrameError(1009, "frame too large");
      len = Number(big); at = 10;
    }
    if (len > MAX_FRAME) throw new FrameError(1009, "frame too large");
    if (b.length < at + 4 + len) return null;
    const mask = b.subarray(at, at + 4);
    const payload = b.slice(at + 4, at + 4 + len);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
    this.#buf = b.subarray(at + 4 + len);
    return { opcode: b[0]! & 0x0f, payload };
  }
}

/** A frame the server will not take: close with `code`. */
class FrameError extends Error {
  override name = "FrameError";
  constructor(readonly code: 1002 | 1009, message: string) {
    super(message);
  }
}

/** The `WebSocketConn` over an upgraded socket (whose error listener is already set). */
export function webSocketConn(req: IncomingMessage, socket: Duplex, head: Buffer): WebSocketConn {
  const stdin = socketStdin(socket);
  const reader = new FrameReader();
  let open = false, closeSent = false;
  const sendClose = (code: number) => {
    if (closeSent || socket.destroyed) return;
    closeSent = true;
    const body = new Uint8Array(2);
    new DataView(body.buffer).setUint16(0, code);
    socket.end(encodeFrame(OP.close, body));
  };
  const onBytes = (chunk: Uint8Array) => {
    let frames: Frame[];
    try {
      frames = reader.push(chunk);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      stdin.end();
      return sendClose(err.code);
    }
    for (const f of frames) {
      if (f.opcode === OP.close) { stdin.end(); return sendClose(1000); }
      if (f.opcode === OP.ping) { if (!closeSent && !socket.destroyed) socket.write(encodeFrame(OP.pong, f.payload)); }
      else if (f.opcode <= OP.binary && f.payload.length) stdin.push(f.payload);
    }
  };
  return {
    stdin: stdin.stream,
    accept: () => {
      if (socket.destroyed) return;
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(String(req.headers["sec-websocket-key"]))}\r\n\r\n`);
      open = true;
      // Frames sent with the handshake, then the rest; a client's FIN without a close frame ends it too.
      stdin.take(onBytes, () => sendClose(1000));
      if (head.length) onBytes(new Uint8Array(head));
    },
    reject: (status, message) => {
      if (!socket.destroyed) socket.end(errorHead(status, message));
    },
    send: (bytes) => (open && !closeSent ? writeOrWait(socket, encodeFrame(OP.binary, bytes)) : undefined),
    close: () => (open ? sendClose(1000) : undefined),
    onClose: (fn) => void socket.once("close", fn),
  };
}

/** Is the handshake well formed (§4.2.1)? The reason when not. */
export function handshakeProblem(req: IncomingMessage): string | null {
  if (req.headers["sec-websocket-version"] !== "13") return "Sec-WebSocket-Version must be 13";
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || Buffer.from(key, "base64").length !== 16) return "a Sec-WebSocket-Key of 16 bytes in base64 is required";
  return null;
}

function _concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
