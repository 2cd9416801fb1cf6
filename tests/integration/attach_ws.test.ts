import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { quietFor, until } from "../_wait.ts";
import { startServer, type Started } from "./_server.ts";
import { openWs } from "./_ws_client.ts";

const t = suite("the Node server: attach over a websocket, and clients that reset");
let s: Started;

t.before(async () => {
  s = await startServer(["--home", "memory"]);
});
t.after(async () => {
  await s.stop();
});

const call = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${s.port}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
const json = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
const create = async (body: unknown) => ((await (await call("/v1.47/containers/create", json(body))).json()) as { Id: string }).Id;

/** The server still answers, and its process has not exited. */
async function alive(): Promise<void> {
  const r = await call("/_ping");
  assert.is(r.status, 200);
  assert.is(await r.text(), "OK");
  assert.is(s.child.exitCode, null);
}

t("a websocket attach gets the output raw, in binary messages, and the server closes it at exit", async () => {
  // XXX: stdin over the websocket is covered in tests/api: the engine starts a process once
  // its stdin stream has ended, and a websocket cannot half-close.
  const id = await create({ Image: "toolbox", Cmd: ["sh", "-c", "echo ready; echo oops >&2; echo done"] });
  const ws = await openWs(s.port, `/v1.47/containers/${id}/attach/ws?stream=1&stdout=1&stderr=1`);
  assert.match(ws.head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  ws.send("dropped: stdin was not asked for\n");
  assert.is((await call(`/v1.47/containers/${id}/start`, { method: "POST" })).status, 204);
  await ws.closed;
  const text = ws.messages.map((m) => Buffer.from(m).toString()).join("");
  assert.equal(text.split("\n").sort(), ["", "done", "oops", "ready"]); // no 8-byte headers, nothing else
  assert.ok(text.indexOf("ready") < text.indexOf("done"));
  assert.is(ws.closeCode, 1000);
});

t("a websocket attach with logs=1 replays the past output, and refuses a page's Origin with 403", async () => {
  const id = await create({ Image: "toolbox", Cmd: ["echo", "before"] });
  await call(`/containers/${id}/start`, { method: "POST" });
  // The answer's head comes at once; its body when the container has exited.
  assert.equal(await (await call(`/containers/${id}/wait`, { method: "POST" })).json(), { StatusCode: 0, Error: null });
  const ws = await openWs(s.port, `/containers/${id}/attach/ws?logs=1&stdout=1`);
  await ws.closed;
  const got = ws.messages.map((m) => Buffer.from(m).toString()).join("");
  if (got !== "before\n") {
    // A rare failure: say whether the log had the line, and what the container was, then.
    const log = Buffer.from(await (await call(`/containers/${id}/logs?stdout=1&stderr=1`)).arrayBuffer()).toString("latin1");
    const state = JSON.stringify(((await (await call(`/containers/${id}/json`)).json()) as { State: unknown }).State);
    assert.unreachable(`the attach replayed ${JSON.stringify(got)} (close ${ws.closeCode}); the log: ${JSON.stringify(log)}; the container: ${state}`);
  }
  const refused = await openWs(s.port, `/containers/${id}/attach/ws?stream=1&stdout=1`, { Origin: "http://evil.example" }).then(() => "opened", (e: Error) => e.message);
  assert.match(refused, /^HTTP\/1\.1 403 Forbidden[^]*requests from web pages are refused/);
});

t("a websocket client that resets mid-stream leaves the server answering /_ping", async () => {
  const id = await create({ Image: "toolbox", Cmd: ["sh", "-c", "while true; do echo tick; done"] });
  const ws = await openWs(s.port, `/containers/${id}/attach/ws?stream=1&stdout=1&stderr=1`);
  await call(`/containers/${id}/start`, { method: "POST" });
  await ws.until((t) => t.includes("tick\ntick\n"));
  ws.socket.resetAndDestroy();
  await alive();
  await call(`/containers/${id}/kill`, { method: "POST" });
  await alive();
});

t("a hijacked (Upgrade: tcp) attach that resets, one that half-closes, and a refused upgrade that resets leave the server up", async () => {
  const id = await create({ Image: "toolbox", Cmd: ["sh", "-c", "while true; do echo tick; done"] });
  const raw = (head: string) => {
    const sock = connect({ host: "127.0.0.1", port: s.port });
    sock.on("error", () => sock.destroy()); // the test resets it on purpose
    sock.write(head);
    return sock;
  };
  const attach = (q: string) => `POST /v1.47/containers/${id}/attach?stream=1&stdout=1${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`;
  const data = (sock: ReturnType<typeof raw>, what: string) => until(new Promise<void>((r) => sock.once("data", () => r())), { what });
  const a = raw(attach(""));
  await data(a, "the 101 of the first attach");
  await call(`/containers/${id}/start`, { method: "POST" });
  await data(a, "output on the first attach");
  a.resetAndDestroy();
  const b = raw(attach("&stdin=1"));
  await data(b, "the 101 of the second attach");
  b.end(); // half-close: stdin ends, output keeps coming until we go
  await data(b, "output on the half-closed attach");
  b.resetAndDestroy();
  const c = raw("GET /_ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
  c.resetAndDestroy();
  const d = raw(`POST /v1.47/containers/${id}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`);
  await data(d, "the flood on the last attach");
  d.pause(); // a reader that stops reading: the server waits for it instead of buffering the flood
  await quietFor(300); // and does NOT fall over meanwhile
  d.resetAndDestroy();
  await alive();
  await call(`/containers/${id}/kill`, { method: "POST" });
  await alive();
});

t("a real WebSocket client (Node's undici, --experimental-websocket) receives a container's output", async () => {
  const id = await create({ Image: "toolbox", Cmd: ["sh", "-c", "echo from-the-container"] });
  const script = `
    const ws = new WebSocket(process.argv[1]);
    ws.binaryType = "arraybuffer";
    let out = "";
    ws.onmessage = (e) => { out += typeof e.data === "string" ? "TEXT:" + e.data : Buffer.from(e.data).toString(); };
    ws.onopen = () => fetch(process.argv[2], { method: "POST" });
    ws.onclose = (e) => { process.stdout.write(JSON.stringify({ out, code: e.code })); };
    ws.onerror = (e) => { process.stderr.write(String(e.message)); };`;
  const node = "Deno" in globalThis ? "node" : process.execPath;
  const child = spawn(node, ["--experimental-websocket", "--no-warnings", "-e", script,
    `ws://127.0.0.1:${s.port}/v1.47/containers/${id}/attach/ws?stream=1&stdout=1&stderr=1`, `http://127.0.0.1:${s.port}/v1.47/containers/${id}/start`]);
  let out = "", err = "";
  child.stdout.on("data", (d) => void (out += d));
  child.stderr.on("data", (d) => void (err += d));
  const code = await new Promise<number | null>((r) => child.once("close", r));
  assert.is(code, 0, err);
  assert.equal(JSON.parse(out), { out: "from-the-container\n", code: 1000 });
});

t.run();
