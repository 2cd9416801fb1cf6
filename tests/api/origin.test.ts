import { suite } from "uvu";
import * as assert from "uvu/assert";
import { refuseSource, serveAttachWebSocket, serveHijack, type HijackConn, type WebSocketConn } from "../../src/api/mod.ts";
import { until } from "../_wait.ts";
import { message, post, sampleApi } from "./_app.ts";

const t = suite("API: requests from web pages, foreign Hosts and non-JSON bodies are refused");
const enc = new TextEncoder(), dec = new TextDecoder();
const BIND = { Image: "toolbox", Cmd: ["sh", "-c", "echo owned > /h/x"], HostConfig: { Binds: ["/tmp:/h"] } };
const count = async (req: (p: string, i?: RequestInit) => Promise<Response>) => ((await (await req("/containers/json?all=1")).json()) as unknown[]).length;

t("a create with Content-Type text/plain (a browser's simple request) is 400 with Docker's message, and nothing is created", async () => {
  const { req } = await sampleApi();
  const r = await req("/v1.47/containers/create", { method: "POST", body: JSON.stringify(BIND), headers: { "Content-Type": "text/plain" } });
  assert.is(r.status, 400);
  assert.is(await message(r), "unsupported Content-Type header (text/plain): must be 'application/json'");
  const form = await req("/containers/create", { method: "POST", body: "a=b", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  assert.is(form.status, 400);
  assert.is(await count(req), 0);
});

t("a JSON body without a Content-Type is refused too (a string body in fetch says text/plain), an empty one is not", async () => {
  const { req } = await sampleApi();
  const r = await req("/containers/create", { method: "POST", body: JSON.stringify(BIND) });
  assert.is(r.status, 400);
  assert.match(await message(r), /^unsupported Content-Type header \(text\/plain;charset=UTF-8\): must be 'application\/json'$/);
  const empty = await req("/containers/create", { method: "POST" });
  assert.is(empty.status, 400);
  assert.match(await message(empty), /^invalid body: field "Image"/); // past the type check, at the body check
});

t("exec create, exec start, volume create and commit check the Content-Type as moby does", async () => {
  const { req } = await sampleApi();
  const plain = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "text/plain" } });
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["true"] }))).json() as { Id: string };
  for (const [path, body] of [[`/containers/${Id}/exec`, { Cmd: ["true"] }], ["/exec/x/start", {}], ["/volumes/create", { Name: "v" }], [`/commit?container=${Id}`, {}]] as const) {
    const r = await req(path, plain(body));
    assert.is(r.status, 400, path);
    assert.match(await message(r), /^unsupported Content-Type header \(text\/plain\)/, path);
  }
  assert.is((await req("/volumes")).status, 200);
  assert.equal(((await (await req("/volumes")).json()) as { Volumes: unknown[] }).Volumes, []);
});

t("what the docker CLI and dockerode send still works: JSON with a charset, start and commit with no body and no Content-Type", async () => {
  const { req } = await sampleApi();
  const c = await req("/v1.47/containers/create?name=ok", { method: "POST", body: JSON.stringify({ Image: "toolbox", Cmd: ["true"] }), headers: { "Content-Type": "application/json; charset=utf-8" } });
  assert.is(c.status, 201);
  assert.is((await req("/v1.47/containers/ok/start", { method: "POST", headers: { "Content-Length": "0" } })).status, 204);
  const commit = await req("/v1.47/commit?container=ok&repo=img2&tag=latest", { method: "POST" });
  assert.is(commit.status, 201);
  const vol = await req("/volumes/create", { method: "POST", body: JSON.stringify({ Name: "v1" }), headers: { "Content-Type": "application/json" } });
  assert.is(vol.status, 201);
});

t("any Origin header is refused with 403 in Docker's shape, GET included, and nothing is created", async () => {
  const { req } = await sampleApi();
  const r = await req("/containers/create", { ...post(BIND), headers: { "Content-Type": "application/json", Origin: "http://evil.example" } });
  assert.is(r.status, 403);
  assert.match(await message(r), /^Forbidden: requests from web pages are refused \(Origin: http:\/\/evil\.example\).*--allow-origin http:\/\/evil\.example$/);
  assert.is((await req("/_ping", { headers: { Origin: "null" } })).status, 403);
  assert.is((await req("/containers/json", { headers: { Origin: "http://127.0.0.1:2375" } })).status, 403);
  assert.is(await count(req), 0);
});

t("Sec-Fetch-Site cross-site and same-site are refused; same-origin and none (a typed URL) are not", async () => {
  const { req } = await sampleApi();
  for (const site of ["cross-site", "same-site"]) {
    const r = await req("/containers/json", { headers: { "Sec-Fetch-Site": site } });
    assert.is(r.status, 403, site);
    assert.match(await message(r), new RegExp(`Sec-Fetch-Site: ${site}`));
  }
  for (const site of ["same-origin", "none"]) assert.is((await req("/containers/json", { headers: { "Sec-Fetch-Site": site } })).status, 200, site);
});

t("a Host that is not this server's (DNS rebinding, host.docker.internal) is refused; loopback names and addresses pass", async () => {
  const { req } = await sampleApi();
  for (const host of ["evil.example:2375", "evil.example", "host.docker.internal:2375", "192.168.1.5:2375", "127.0.0.1.nip.io"]) {
    const r = await req("/_ping", { headers: { Host: host } });
    assert.is(r.status, 403, host);
    assert.match(await message(r), /is not an address of this server.*--allow-host/, host);
  }
  for (const host of ["127.0.0.1:2375", "127.0.0.1", "localhost:2375", "LOCALHOST", "[::1]:2375", "127.1.2.3", "api.moby.localhost"]) {
    assert.is((await req("/_ping", { headers: { Host: host } })).status, 200, host);
  }
});

t("the listen address is an allowed Host; on a wildcard address any IP literal is; on a unix socket any Host is", async () => {
  const on = async (listen: { host?: string; socket?: string }, host: string) => (await (await sampleApi([], { listen })).req("/_ping", { headers: { Host: host } })).status;
  assert.is(await on({ host: "192.168.1.5" }, "192.168.1.5:2375"), 200);
  assert.is(await on({ host: "192.168.1.5" }, "10.0.0.1:2375"), 403);
  assert.is(await on({ host: "0.0.0.0" }, "10.0.0.1:2375"), 200);
  assert.is(await on({ host: "::" }, "[fe80::1]:2375"), 200);
  assert.is(await on({ host: "0.0.0.0" }, "evil.example:2375"), 403);
  assert.is(await on({ socket: "/run/strata.sock" }, "docker"), 200);
});

t("an allowed origin and an allowed host pass, with CORS headers and a preflight for the origin", async () => {
  const { req } = await sampleApi(["toolbox"], { allowOrigins: ["http://localhost:3000"], allowHosts: ["strata.lan", "box.lan:2375"] });
  const r = await req("/containers/create", { ...post({ Image: "toolbox", Cmd: ["true"] }), headers: { "Content-Type": "application/json", Origin: "http://localhost:3000" } });
  assert.is(r.status, 201);
  assert.is(r.headers.get("Access-Control-Allow-Origin"), "http://localhost:3000");
  const pre = await req("/containers/create", { method: "OPTIONS", headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" } });
  assert.is(pre.status, 204);
  assert.is(pre.headers.get("Access-Control-Allow-Origin"), "http://localhost:3000");
  assert.is((await req("/_ping", { headers: { Origin: "http://localhost:3001" } })).status, 403);
  assert.is((await req("/_ping", { headers: { Host: "strata.lan:9999" } })).status, 200);
  assert.is((await req("/_ping", { headers: { Host: "box.lan:2375" } })).status, 200);
  assert.is((await req("/_ping", { headers: { Host: "box.lan:2376" } })).status, 403);
});

t("refuseSource answers null for what the docker CLI sends over TCP and over a unix socket", () => {
  const h = (o: Record<string, string>) => (n: string) => o[n];
  assert.is(refuseSource(h({ host: "127.0.0.1:2375", "content-type": "application/json" }), {}), null);
  assert.is(refuseSource(h({ host: "api.moby.localhost" }), { listen: { socket: "/s" } }), null);
  assert.is(refuseSource(h({ host: "localhost", "sec-fetch-mode": "cors" }), {}), null); // Node's fetch
});

/** A hijack connection that records what is written. */
function fakeConn() {
  const written: Uint8Array[] = [];
  let ended!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  const conn: HijackConn = { stdin: new ReadableStream({ start: (c) => c.close() }), write: (b) => void written.push(b), end: () => ended(), onClose: () => {} };
  return { conn, done, text: () => written.map((b) => dec.decode(b)).join("") };
}

t("a hijacked attach or exec start with an Origin is refused 403 before anything runs; exec start needs JSON", async () => {
  const { engine, req } = await sampleApi();
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["true"] }))).json() as { Id: string };
  const f = fakeConn();
  const header = (o: Record<string, string>) => (n: string) => o[n.toLowerCase()];
  await serveHijack(engine, { method: "POST", url: `/containers/${Id}/attach?stream=1`, body: new Uint8Array(), header: header({ origin: "http://evil.example" }) }, f.conn);
  assert.match(f.text(), /^HTTP\/1\.1 403 Forbidden\r\n[^]*"message":"Forbidden: requests from web pages are refused/);
  const g = fakeConn();
  await serveHijack(engine, { method: "POST", url: `/exec/x/start`, body: enc.encode("{}"), header: header({ "content-type": "text/plain" }) }, g.conn);
  assert.match(g.text(), /^HTTP\/1\.1 400 Bad Request\r\n[^]*unsupported Content-Type header \(text\/plain\)/);
});

/** A websocket connection that records what is sent; `say` is a client message; `accepted` resolves at the handshake (the attach is in place). */
function fakeWs() {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const sent: Uint8Array[] = [];
  const log: string[] = [];
  let closed!: () => void, onAccept!: () => void;
  const done = new Promise<void>((r) => (closed = r));
  const accepted = new Promise<void>((r) => (onAccept = r));
  const ws: WebSocketConn = {
    stdin: new ReadableStream({ start: (c) => void (ctrl = c) }),
    accept: () => (log.push("accept"), onAccept()),
    reject: (status, msg) => { log.push(`reject ${status} ${msg}`); closed(); },
    send: (b) => void sent.push(b),
    close: () => { log.push("close"); closed(); },
    onClose: () => {},
  };
  return { ws, done, accepted, log, sent, say: (s: string) => ctrl.enqueue(enc.encode(s)), hangUp: () => ctrl.close() };
}

t("attach over a websocket: raw output (no frame header), client messages are stdin, closed at exit", async () => {
  const { engine, req } = await sampleApi();
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["sh", "-c", "cat; echo err >&2"], OpenStdin: true, StdinOnce: true }))).json() as { Id: string };
  const f = fakeWs();
  const served = serveAttachWebSocket(engine, { url: `/v1.47/containers/${Id}/attach/ws?stream=1&stdout=1&stderr=1&stdin=1`, header: () => undefined }, f.ws);
  f.say("hello ");
  f.say("ws\n");
  f.hangUp();
  await until(f.accepted, { what: "the websocket handshake" });
  assert.is((await req(`/containers/${Id}/start`, post())).status, 204);
  await served;
  assert.equal(f.log, ["accept", "close"]);
  assert.is(f.sent.map((b) => dec.decode(b)).join(""), "hello ws\nerr\n");
});

t("attach over a websocket refuses an Origin (403) and a missing container (404) before the handshake", async () => {
  const { engine } = await sampleApi();
  const a = fakeWs();
  await serveAttachWebSocket(engine, { url: "/containers/x/attach/ws?stream=1", header: (n) => (n === "origin" ? "http://evil.example" : undefined) }, a.ws);
  assert.match(a.log[0]!, /^reject 403 Forbidden: requests from web pages/);
  const b = fakeWs();
  await serveAttachWebSocket(engine, { url: "/containers/nosuch/attach/ws?stream=1", header: () => undefined }, b.ws);
  assert.equal(b.log, ["reject 404 No such container: nosuch"]);
});

t("the fetch app answers a websocket attach with 501 (no socket to take over)", async () => {
  const { req } = await sampleApi();
  const r = await req("/containers/x/attach/ws?stream=1", { headers: { Upgrade: "websocket", Connection: "Upgrade" } });
  assert.is(r.status, 501);
});

t.run();
