import { suite } from "uvu";
import * as assert from "uvu/assert";
import { serveAttachWebSocket, type WebSocketConn } from "../../src/api/mod.ts";
import { message, sampleApi } from "./_app.ts";

const t = suite("API: with the web page on (ui), a page of the server's own origin drives it, no other page does");
const page = async (path: string) => (path === "/" ? new Response("<h1>strata</h1>", { headers: { "Content-Type": "text/html" } }) : null);
const CREATE = JSON.stringify({ Image: "toolbox", Cmd: ["true"] });
const create = (headers: Record<string, string>) => ({ method: "POST", body: CREATE, headers: { "Content-Type": "application/json", ...headers } });

t("the page is served at /ui/ (no Origin check for a static file), with nosniff; /ui redirects; other files 404", async () => {
  const { req } = await sampleApi(["toolbox"], { ui: page });
  const r = await req("/ui/", { headers: { "Sec-Fetch-Site": "cross-site", Host: "127.0.0.1:2375" } });
  assert.is(r.status, 200);
  assert.is(await r.text(), "<h1>strata</h1>");
  assert.is(r.headers.get("X-Content-Type-Options"), "nosniff");
  const redirect = await req("/ui");
  assert.is(redirect.status, 302);
  assert.is(redirect.headers.get("Location"), "/ui/");
  assert.is((await req("/ui/nothing.js")).status, 404);
});

t("a same-origin POST (Origin = http:// + Host, Sec-Fetch-Site: same-origin) creates a container", async () => {
  const { req } = await sampleApi(["toolbox"], { ui: page });
  const r = await req("/containers/create", create({ Host: "127.0.0.1:2375", Origin: "http://127.0.0.1:2375", "Sec-Fetch-Site": "same-origin" }));
  assert.is(r.status, 201, await r.clone().text());
  const local = await req("/containers/create", create({ Host: "localhost:2375", Origin: "http://localhost:2375" }));
  assert.is(local.status, 201);
});

t("a foreign page is still refused: another origin, a rebound name whose Origin is its own Host, a cross-site fetch claiming our origin", async () => {
  const { req } = await sampleApi(["toolbox"], { ui: page });
  const evil = await req("/containers/create", create({ Host: "127.0.0.1:2375", Origin: "http://evil.example", "Sec-Fetch-Site": "cross-site" }));
  assert.is(evil.status, 403);
  assert.match(await message(evil), /^Forbidden: requests from web pages are refused \(Origin: http:\/\/evil\.example\)/);
  const rebound = await req("/containers/create", create({ Host: "evil.example:2375", Origin: "http://evil.example:2375", "Sec-Fetch-Site": "same-origin" }));
  assert.is(rebound.status, 403);
  assert.match(await message(rebound), /Host header "evil\.example:2375" is not an address of this server/);
  const otherPort = await req("/containers/create", create({ Host: "127.0.0.1:2375", Origin: "http://127.0.0.1:3000" }));
  assert.is(otherPort.status, 403);
  const crossSite = await req("/containers/create", create({ Host: "127.0.0.1:2375", Origin: "http://127.0.0.1:2375", "Sec-Fetch-Site": "cross-site" }));
  assert.is(crossSite.status, 403);
  assert.is(((await (await req("/containers/json?all=1")).json()) as unknown[]).length, 0);
});

t("without the page, even a same-origin request is refused (the default is unchanged)", async () => {
  const { req } = await sampleApi(["toolbox"]);
  const r = await req("/containers/create", create({ Host: "127.0.0.1:2375", Origin: "http://127.0.0.1:2375", "Sec-Fetch-Site": "same-origin" }));
  assert.is(r.status, 403);
  assert.is((await req("/ui/")).status, 404);
});

t("the terminal's websocket: a same-origin handshake passes the guard with allowSameOrigin, a foreign one does not", async () => {
  const { engine } = await sampleApi(["toolbox"]);
  const handshake = async (headers: Record<string, string>, allowSameOrigin: boolean) => {
    const log: string[] = [];
    const ws: WebSocketConn = {
      stdin: new ReadableStream(), accept: () => log.push("accept"), reject: (s, m) => log.push(`reject ${s} ${m}`),
      send: () => {}, close: () => log.push("close"), onClose: () => {},
    };
    const header = (n: string) => headers[n.toLowerCase()];
    await serveAttachWebSocket(engine, { url: "/containers/nosuch/attach/ws?stream=1", header }, ws, { source: { allowSameOrigin } });
    return log[0]!;
  };
  const same = { host: "127.0.0.1:2375", origin: "http://127.0.0.1:2375", "sec-fetch-site": "same-origin" };
  // Past the guard, the missing container answers: the page got through.
  assert.is(await handshake(same, true), "reject 404 No such container: nosuch");
  assert.match(await handshake(same, false), /^reject 403 Forbidden: requests from web pages/);
  assert.match(await handshake({ host: "127.0.0.1:2375", origin: "http://evil.example", "sec-fetch-site": "cross-site" }, true), /^reject 403 Forbidden/);
  assert.match(await handshake({ host: "evil.example:2375", origin: "http://evil.example:2375" }, true), /^reject 403 Forbidden: the Host header/);
});

t.run();
