/**
 * A fake terminal and a fake engine, to test the CLI's TTY sessions without a pty or an
 * engine that has one: `fakeTerminal()` is an Io whose keys the test types chunk by chunk
 * and whose raw mode and size it watches; `fakeEngine()` is a Transport that answers the
 * calls run/start/exec/attach make, records them, and lets the test write the program's
 * output, read what arrived on its stdin, and end it with a status.
 */
import type { Io } from "../../server/cli/_io.ts";
import type { Transport } from "../../server/cli/_transport.ts";
import { Client } from "../../server/cli/client.ts";
import { main } from "../../server/cli/main.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

/** A queue of chunks read as an async iterable; `end()` ends it. */
function chunks() {
  const items: Uint8Array[] = [];
  let ended = false, wake: (() => void) | undefined;
  return {
    push(b: Uint8Array) { items.push(b); wake?.(); },
    end() { ended = true; wake?.(); },
    async *read(): AsyncGenerator<Uint8Array> {
      for (;;) {
        while (items.length) yield items.shift()!;
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
  };
}

export interface FakeTerminal {
  io: Io;
  /** Type: the bytes reach stdin now, as one read. */
  type(keys: string): void;
  /** Close stdin (EOF). */
  eof(): void;
  /** Every setRawMode call, in order. */
  rawCalls: boolean[];
  /** Change the window's size and say so. */
  resize(rows: number, columns: number): void;
  stdout(): string;
  stderr(): string;
}

/** A terminal of `rows` × `columns`; `stdinTTY: false` is a pipe on stdin with a terminal for output. */
export function fakeTerminal(o: { rows?: number; columns?: number; stdinTTY?: boolean; stdoutTTY?: boolean } = {}): FakeTerminal {
  const input = chunks();
  let out = "", err = "", size: [number, number] = [o.rows ?? 30, o.columns ?? 100];
  const listeners = new Set<() => void>();
  const rawCalls: boolean[] = [];
  const text = (d: string | Uint8Array) => (typeof d === "string" ? d : dec.decode(d));
  const stdoutTTY = o.stdoutTTY ?? true;
  const io: Io = {
    out: async (d) => void (out += text(d)),
    err: async (d) => void (err += text(d)),
    stdin: () => input.read(),
    stdoutTTY, stderrTTY: stdoutTTY, stdinTTY: o.stdinTTY ?? true, columns: size[1],
    env: {},
    ttySize: () => (stdoutTTY ? size : undefined),
    setRawMode: (on) => void rawCalls.push(on),
    onResize: (fn) => {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
  };
  return {
    io, rawCalls,
    type: (keys) => input.push(enc.encode(keys)),
    eof: () => input.end(),
    resize: (rows, columns) => {
      size = [rows, columns];
      listeners.forEach((fn) => fn());
    },
    stdout: () => out,
    stderr: () => err,
  };
}

export interface Call {
  method: string;
  /** Path and query, without the version prefix. */
  path: string;
  body?: Record<string, unknown>;
}

export interface FakeEngine {
  transport: Transport;
  calls: Call[];
  /** The program writes (raw for a TTY, else framed as stdout). */
  write(text: string): void;
  /** What reached the program's stdin so far. */
  stdin(): string;
  /** The client half-closed stdin (an EOF for the program). */
  stdinEnded(): boolean;
  /** The client dropped the hijacked connection (a detach). */
  closed(): boolean;
  /** The program ends with `status`: its stream closes, and wait answers. */
  exit(status: number): void;
}

/** An engine with one container `c1` (running unless `running: false`) and exec `e1`. */
export function fakeEngine(o: { tty: boolean; running?: boolean; openStdin?: boolean }): FakeEngine {
  const calls: Call[] = [];
  const output = chunks();
  let received = "", stdinEnded = false, closed = false;
  let exited: (status: number) => void;
  const exit = new Promise<number>((r) => (exited = r));
  const frame = (t: string) => {
    const b = enc.encode(t), f = new Uint8Array(8 + b.length);
    f[0] = 1;
    new DataView(f.buffer).setUint32(4, b.length);
    f.set(b, 8);
    return f;
  };
  const info = {
    Id: "c1", State: { Running: o.running ?? true, Paused: false, Restarting: false },
    Config: { Tty: o.tty, OpenStdin: o.openStdin ?? true }, HostConfig: { AutoRemove: false },
  };
  const route = async (method: string, path: string): Promise<Response> => {
    const p = path.split("?")[0]!;
    if (method === "POST" && p === "/containers/create") return Response.json({ Id: "c1", Warnings: [] }, { status: 201 });
    if (method === "GET" && p === "/containers/c1/json") return Response.json(info);
    if (method === "POST" && p === "/containers/c1/wait") {
      const body = new ReadableStream<Uint8Array>({ start: async (c) => { c.enqueue(enc.encode(JSON.stringify({ StatusCode: await exit }))); c.close(); } });
      return new Response(body, { headers: { "Content-Type": "application/json" } });
    }
    if (method === "POST" && p === "/containers/c1/exec") return Response.json({ Id: "e1" }, { status: 201 });
    if (method === "GET" && p === "/exec/e1/json") return Response.json({ ExitCode: await exit, Running: false });
    if (method === "POST" && /^\/(containers\/c1|exec\/e1)\/(start|resize|kill)$/.test(p)) return new Response(null, { status: p.endsWith("start") ? 204 : 200 });
    return Response.json({ message: `no route ${method} ${path}` }, { status: 404 });
  };
  const transport: Transport = {
    where: "fake",
    request: async (path, init = {}) => {
      const method = init.method ?? "GET";
      calls.push({ method, path, body: typeof init.body === "string" ? JSON.parse(init.body) : undefined });
      return await route(method, path);
    },
    hijack: async (path, h) => {
      calls.push({ method: "POST", path, body: h.body?.length ? JSON.parse(dec.decode(h.body)) : undefined });
      if (h.stdin) {
        void (async () => {
          for await (const chunk of h.stdin!) received += dec.decode(chunk);
          stdinEnded = true;
        })();
      }
      return {
        contentType: o.tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream",
        output: output.read(),
        close: () => {
          closed = true;
          output.end();
        },
      };
    },
    close: async () => {},
  };
  return {
    transport, calls,
    write: (text) => output.push(o.tty ? enc.encode(text) : frame(text)),
    stdin: () => received,
    stdinEnded: () => stdinEnded,
    closed: () => closed,
    exit: (status) => {
      output.end();
      exited(status);
    },
  };
}

/** `strata ARGV` on the fake terminal against the fake engine: its exit status, once it ends. */
export function runOn(term: FakeTerminal, engine: FakeEngine, argv: string[]): Promise<number> {
  return main(argv, term.io, { connect: async () => new Client(engine.transport) });
}
