/**
 * The client half of Docker's hijacked attach/exec: send `POST … Upgrade: tcp`, expect
 * `101 UPGRADED`, write stdin and half-close, then read the output until the server
 * closes; or, at the detach keys, close both ways at once (no EOF for the program). One parser reads the server's answer, whether it came over a socket (remote)
 * or from `serveHijack` in this process (daemonless), so both paths behave alike.
 */

/** The server's answer to a hijack: the stream's content type and its output bytes. */
interface Upgraded {
  contentType: string;
  output: AsyncIterable<Uint8Array>;
}

/** What a hijacked call gives back: the answer, and a way to drop the connection. */
export interface HijackResult extends Upgraded {
  /**
   * Close the connection both ways at once (a detach): the output ends, and the program's
   * stdin gets no EOF from us (a half-close would be one).
   */
  close(): void;
}

/** An HTTP error answered instead of the 101 (status and Docker's `message`). */
class HijackRefused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const dec = new TextDecoder();

/** The Content-Type of a TTY's stream (no frame headers). */
export const RAW_STREAM = "application/vnd.docker.raw-stream";

/**
 * Read the response head from `bytes` (the raw server side of the connection): on 101,
 * resolve with the rest as output; on another status, reject with its `{message}`.
 */
export async function readUpgrade(bytes: AsyncIterable<Uint8Array>): Promise<Upgraded> {
  const it = bytes[Symbol.asyncIterator]();
  let head: Uint8Array = new Uint8Array(0);
  let end = -1;
  while (end < 0) {
    const r = await it.next();
    if (r.done) throw new HijackRefused(502, `the server closed the connection before answering (${head.length} bytes)`);
    head = _concat(head, r.value);
    end = _indexOfCrlfCrlf(head);
  }
  const text = dec.decode(head.subarray(0, end));
  const [statusLine, ...lines] = text.split("\r\n");
  const status = Number(statusLine!.split(" ")[1]);
  const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  let rest: Uint8Array = head.subarray(end + 4);
  if (status !== 101) {
    const len = Number(headers.get("content-length") ?? -1);
    while (len < 0 || rest.length < len) {
      const r = await it.next();
      if (r.done) break;
      rest = _concat(rest, r.value);
    }
    let message = dec.decode(rest).trim();
    try { message = (JSON.parse(message) as { message: string }).message; } catch { /* not JSON */ }
    throw new HijackRefused(status, message || `unable to upgrade to tcp, received ${status}`);
  }
  const first = rest;
  return {
    contentType: headers.get("content-type") ?? "",
    output: (async function* () {
      if (first.length) yield first;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    })(),
  };
}

/** The request head of a hijack (`Upgrade: tcp`), with a body length. */
export function upgradeRequest(path: string, o: { host: string; body: Uint8Array; token?: string; contentType?: string }): Uint8Array {
  const lines = [
    `POST ${path} HTTP/1.1`, `Host: ${o.host}`, "User-Agent: strata-cli", "Connection: Upgrade", "Upgrade: tcp",
    `Content-Type: ${o.contentType ?? "text/plain"}`, `Content-Length: ${o.body.length}`,
    ...(o.token ? [`Authorization: Bearer ${o.token}`] : []),
  ];
  return _concat(new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`), o.body);
}

/**
 * Split Docker's multiplexed stream (8-byte headers: stream, 0, 0, 0, size BE) into
 * writes; stream 2 is stderr, 0 and 1 are stdout. With `raw` (a TTY) bytes pass through.
 */
export async function demux(body: AsyncIterable<Uint8Array>, raw: boolean, write: (stream: 1 | 2, data: Uint8Array) => void | Promise<void>): Promise<void> {
  let buf: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    if (raw) { await write(1, chunk); continue; }
    buf = buf.length ? _concat(buf, chunk) : chunk;
    while (buf.length >= 8) {
      const size = new DataView(buf.buffer, buf.byteOffset + 4, 4).getUint32(0);
      if (buf.length < 8 + size) break;
      await write(buf[0] === 2 ? 2 : 1, buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
  }
}

function _indexOfCrlfCrlf(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  return -1;
}

function _concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
