/**
 * A terminal in the page for a container run with `-it` (xterm.js): the container's
 * output written to it, the keys typed sent as its stdin, and its size sent with
 * `POST /containers/{id}/resize`. Served, over the attach websocket
 * (`GET /containers/{id}/attach/ws`, src/api/attach_ws.ts; the Node server serves it); in
 * the in-page engine, over a plain attach whose request body streams stdin (its fetch is
 * a function call, not the network). In-page, stdin streams where programs run in workers
 * (a cross-origin isolated page) or suspend (JSPI); elsewhere a program waiting for input
 * would hold the page's thread, so the page offers no terminal there.
 */
import { Terminal } from "@xterm/xterm";
import { ApiFailure, type Client } from "./client.ts";

const ROWS = 24, COLS = 100;

/** An open terminal: `ready` once attached (start the container then), `close` to leave it. */
export interface PageTerminal {
  ready: Promise<void>;
  close(): void;
}

/** How a terminal reaches its container's stdin and output. */
interface Link {
  /** Settles once attached (the container may start then). */
  ready: Promise<void>;
  send(bytes: Uint8Array): void;
  close(): void;
}

const CLOSED = "\r\n\x1b[2m[the terminal's connection closed]\x1b[0m\r\n";

/** The attach websocket of the server that served the page. */
function websocketLink(id: string, write: (b: Uint8Array | string) => void): Link {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (e) => write(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
  ws.onclose = () => write(CLOSED);
  const ready = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`the terminal could not attach to ${id.slice(0, 12)} (a server with a token, or one that cannot take over connections, has no websocket attach for pages)`));
  });
  return { ready, send: (b) => ws.readyState === WebSocket.OPEN && ws.send(b), close: () => ws.close() };
}

/** The in-page engine: a plain attach, stdin as its request body, the output as its response (raw: a TTY). */
function streamLink(client: Client, id: string, write: (b: Uint8Array | string) => void): Link {
  let input!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (input = c) });
  const response = client.attachStreaming(id, stdin);
  const ready = response.then((r) => {
    const reader = r.body!.getReader();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        write(value);
      }
    })().catch((err: unknown) => write(`\r\n[the container's output stopped: ${err instanceof Error ? err.message : String(err)}]`)).finally(() => write(CLOSED));
  });
  return {
    ready,
    send: (b) => open && input.enqueue(b),
    close: () => {
      if (open) (open = false, input.close());
    },
  };
}

/**
 * Attach a terminal in `host` to container `id` (created with Tty and OpenStdin, not
 * started yet): over the served page's websocket, or (`inPage`) the in-page engine's attach.
 */
export function openTerminal(host: HTMLElement, client: Client, id: string, inPage = false): PageTerminal {
  const term = new Terminal({ rows: ROWS, cols: COLS, convertEol: false, fontSize: 13, cursorBlink: true });
  host.replaceChildren();
  term.open(host);
  const write = (b: Uint8Array | string) => term.write(b);
  const link = inPage ? streamLink(client, id, write) : websocketLink(id, write);
  const enc = new TextEncoder();
  const typed = term.onData((d) => link.send(enc.encode(d)));
  // The size is a courtesy: a container that has already ended (409) keeps its output as
  // it is; any other failure is said in the terminal.
  const sizeFailed = (err: unknown) => {
    if (err instanceof ApiFailure && err.status === 409) return;
    write(`\r\n[the terminal's size was not set: ${err instanceof Error ? err.message : String(err)}]\r\n`);
  };
  // A failed attach is not handled here: the caller awaits `ready` and reports it.
  void link.ready.then(() => client.resize(id, ROWS, COLS).catch(sizeFailed), () => {});
  term.focus();
  return {
    ready: link.ready,
    close: () => {
      typed.dispose();
      link.close();
      term.dispose();
    },
  };
}
