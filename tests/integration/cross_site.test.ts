import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseServeArgs } from "../../server/node/args.ts";
import { httpGet, startServer, type Started } from "./_server.ts";

const t = suite("the Node server refuses what a web page can send it");
let s: Started, hostDir: string;

t.before(async () => {
  s = await startServer(["--home", "memory", "--allow-origin", "http://localhost:3000", "--allow-host", "strata.lan"]);
  hostDir = mkdtempSync(join(tmpdir(), "strata-victim-"));
});
t.after(async () => {
  await s.stop();
  rmSync(hostDir, { recursive: true, force: true });
});

const url = (path: string) => `http://127.0.0.1:${s.port}${path}`;
const count = async () => ((await (await fetch(url("/containers/json?all=1"))).json()) as unknown[]).length;
/** A container that writes into a bind of a host directory: what a page must not get to run. */
const ATTACK = () => JSON.stringify({ Image: "toolbox", Cmd: ["sh", "-c", "echo owned > /h/owned"], HostConfig: { Binds: [`${hostDir}:/h`] } });

/** A request with a Host of our choosing (fetch will not set one). */
const withHost = (host: string, path: string) => httpGet({ port: s.port, path, headers: { Host: host } });

t("a cross-site simple request (text/plain, Origin http://evil.example) cannot create a container with a bind", async () => {
  const r = await fetch(url("/v1.47/containers/create?name=pwn"), { method: "POST", body: ATTACK(), headers: { "Content-Type": "text/plain", Origin: "http://evil.example", "Sec-Fetch-Site": "cross-site" } });
  assert.is(r.status, 403);
  assert.match(((await r.json()) as { message: string }).message, /^Forbidden: requests from web pages are refused \(Origin: http:\/\/evil\.example\)/);
  const start = await fetch(url("/v1.47/containers/pwn/start"), { method: "POST", headers: { "Content-Type": "text/plain", Origin: "http://evil.example" } });
  assert.is(start.status, 403);
  assert.is(await count(), 0);
  assert.not.ok(existsSync(join(hostDir, "owned")));
});

t("without an Origin, a text/plain body is still refused with Docker's 400", async () => {
  const r = await fetch(url("/v1.47/containers/create"), { method: "POST", body: ATTACK(), headers: { "Content-Type": "text/plain" } });
  assert.is(r.status, 400);
  assert.equal(await r.json(), { message: "unsupported Content-Type header (text/plain): must be 'application/json'" });
  assert.is(await count(), 0);
});

t("a no-cors GET from another site (Sec-Fetch-Site: cross-site, no Origin) is refused", async () => {
  const r = await fetch(url("/containers/json"), { headers: { "Sec-Fetch-Site": "cross-site" } });
  assert.is(r.status, 403);
});

t("a rebound name (Host: evil.example) is refused; the loopback address and an allowed host are not", async () => {
  const evil = await withHost(`evil.example:${s.port}`, "/_ping");
  assert.is(evil.status, 403);
  assert.match(JSON.parse(evil.body).message, /Host header "evil\.example:\d+" is not an address of this server/);
  assert.is((await withHost("host.docker.internal", "/_ping")).status, 403);
  assert.is((await withHost(`127.0.0.1:${s.port}`, "/_ping")).status, 200);
  assert.is((await withHost(`localhost:${s.port}`, "/_ping")).status, 200);
  assert.is((await withHost(`strata.lan:${s.port}`, "/_ping")).status, 200);
});

t("the allowed origin may drive it (with CORS headers); JSON from a program still works", async () => {
  const ok = await fetch(url("/v1.47/containers/create?name=fine"), {
    method: "POST", body: JSON.stringify({ Image: "toolbox", Cmd: ["true"] }), headers: { "Content-Type": "application/json", Origin: "http://localhost:3000" },
  });
  assert.is(ok.status, 201);
  assert.is(ok.headers.get("Access-Control-Allow-Origin"), "http://localhost:3000");
  assert.is((await fetch(url("/v1.47/containers/fine/start"), { method: "POST" })).status, 204);
  assert.match(await (await fetch(url("/v1.47/containers/fine/wait"), { method: "POST" })).text(), /"StatusCode":0/);
  assert.is((await fetch(url("/v1.47/containers/fine"), { method: "DELETE" })).status, 204);
});

t("--allow-origin and --allow-host repeat or take commas; STRATA_ALLOW_ORIGINS and STRATA_ALLOW_HOSTS stand in for them", () => {
  assert.equal(parseServeArgs(["--allow-origin", "http://a.test,http://b.test", "--allow-origin=http://c.test", "--allow-host", "box.lan"]), {
    allowOrigins: ["http://a.test", "http://b.test", "http://c.test"], allowHosts: ["box.lan"],
  });
  assert.equal(parseServeArgs([], { STRATA_ALLOW_ORIGINS: "http://a.test, http://b.test", STRATA_ALLOW_HOSTS: "x.lan" }), { allowOrigins: ["http://a.test", "http://b.test"], allowHosts: ["x.lan"] });
});

t("over a unix socket every Host passes (the docker CLI sends api.moby.localhost), an Origin still does not", async () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-sock-"));
  const sock = join(dir, "docker.sock");
  const u = await startServer(["--socket", sock, "--home", "memory"]);
  const get = async (headers: Record<string, string>) => (await httpGet({ socketPath: sock, path: "/v1.47/_ping", headers })).status;
  try {
    assert.is(await get({ Host: "api.moby.localhost" }), 200);
    assert.is(await get({ Host: "docker" }), 200);
    assert.is(await get({ Host: "api.moby.localhost", Origin: "http://evil.example" }), 403);
  } finally {
    await u.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
