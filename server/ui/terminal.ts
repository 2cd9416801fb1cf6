/**
 * A terminal in the page for a container run with `-it` (xterm.js): the container's
 * output written to it, the keys typed sent as its stdin, over the attach websocket
 * (`GET /containers/{id}/attach/ws`, src/api/attach_ws.ts; the Node server serves it),
 * and its size sent with `POST /containers/{id}/resize`. Served mode only: the
 * in-page engine has no websocket, and an inline program waiting for input would hold
 * the page's thread.
 */
import { Terminal } from "@xterm/xterm";
import type { Client } from "./client.ts";

const ROWS = 24, COLS = 100;

/** An open terminal: `ready` once attached (start the container then), `close` to leave it. */
export interface PageTerminal {
  ready: Promise<void>;
  close(): void;
}

/** Attach a terminal in `host` to container `id` (created with Tty and OpenStdin, not started yet). */
export function openTerminal(host: HTMLElement, client: Client, id: string): PageTerminal {
  const term = new Terminal({ rows: ROWS, cols: COLS, convertEol: false, fontSize: 13, cursorBlink: true });
  host.replaceChildren();
  term.open(host);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`);
  ws.binaryType = "arraybuffer";
  const enc = new TextEncoder();
  ws.onmessage = (e) => term.write(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
  ws.onclose = () => term.write("\r\n\x1b[2m[the terminal's connection closed]\x1b[0m\r\n");
  const typed = term.onData((d) => ws.readyState === WebSocket.OPEN && ws.send(enc.encode(d)));
  const ready = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`the terminal could not attach to ${id.slice(0, 12)} (a server with a token, or one that cannot take over connections, has no websocket attach for pages)`));
  });
  void ready.then(() => client.resize(id, ROWS, COLS).catch(() => {}), () => {});
  term.focus();
  return {
    ready,
    close: () => {
      typed.dispose();
      ws.close();
      term.dispose();
    },
  };
}
