import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { getRequestListener } from "@hono/node-server";
import { demultiplex } from "../../src/api/mod.ts";
import { buildEdge } from "../../server/edge/build.ts";
import { suspendable } from "../../src/wasi/mod.ts";

const t = suite("the edge bundle (esbuild, neutral platform) served over HTTP");
let dir: string, server: Server, base: string;

const post = (body?: unknown): RequestInit => ({ method: "POST", ...(body ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}) });
const call = (path: string, init?: RequestInit) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });

t.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "strata-edge-"));
  const file = await buildEdge(join(dir, "edge.mjs"));
  const mod = (await import(pathToFileURL(file).href)) as { default: { fetch: (r: Request) => Promise<Response> } };
  server = createServer(getRequestListener((req) => mod.default.fetch(req)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
t.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

t("the bundle is one ES module with the sample images inside", () => {
  assert.ok(statSync(join(dir, "edge.mjs")).size > 500_000);
});

t("ping, version and images answer from a fresh isolate", async () => {
  const ping = await call("/_ping");
  assert.is(await ping.text(), "OK");
  assert.is(ping.headers.get("Api-Version"), "1.47");
  const images = await (await call("/v1.47/images/json")).json() as Array<{ RepoTags: string[] }>;
  assert.equal(images.flatMap((i) => i.RepoTags).sort(), ["demo:latest", "probes:latest", "toolbox:latest"]);
});

t("create, start, wait, logs and remove run a program inline", async () => {
  const c = await call("/v1.47/containers/create?name=edge1", post({ Image: "toolbox", Cmd: ["sh", "-c", "echo at the edge; echo e >&2; exit 6"] }));
  assert.is(c.status, 201);
  const wait = call("/v1.47/containers/edge1/wait?condition=next-exit", post());
  assert.is((await call("/v1.47/containers/edge1/start", post())).status, 204);
  assert.equal(await (await wait).json(), { StatusCode: 6, Error: null });
  const logs = demultiplex(new Uint8Array(await (await call("/v1.47/containers/edge1/logs?stdout=1&stderr=1")).arrayBuffer()));
  assert.equal(logs, { stdout: "at the edge\n", stderr: "e\n" });
  assert.is((await call("/v1.47/containers/edge1", { method: "DELETE" })).status, 204);
});

t("stdin inline: a plain attach's streamed body reaches the program (read whole first where processes cannot suspend, where open stdin with nothing attached is a clear 400)", async () => {
  await call("/containers/create?name=edgecat", post({ Image: "toolbox", Cmd: ["sh", "-c", "wc -l; cat /dev/null"], OpenStdin: true, StdinOnce: true }));
  // node:http, not fetch: fetch's "half" duplex shows no response before the request's body has ended.
  const req = request(`${base}/containers/edgecat/attach?stream=1&stdin=1&stdout=1&stderr=1`, { method: "POST", headers: { "Transfer-Encoding": "chunked" } });
  const res = new Promise<IncomingMessage>((resolve, reject) => (req.on("response", resolve), req.on("error", reject)));
  req.write("a\nb\n");
  const r = await res; // the attach is registered: a start may come (the docker CLI orders them so)
  assert.is(r.statusCode, 200);
  const body = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of r) chunks.push(c as Buffer);
    return demultiplex(new Uint8Array(Buffer.concat(chunks))).stdout;
  })();
  setTimeout(() => req.end("c\n"), 200);
  const wait = call("/containers/edgecat/wait?condition=next-exit", post());
  assert.is((await call("/containers/edgecat/start", post())).status, 204);
  assert.equal(await (await wait).json(), { StatusCode: 0, Error: null });
  assert.is((await body).trim(), "3");
  await call("/containers/create?name=edgeopen", post({ Image: "toolbox", Cmd: ["cat"], OpenStdin: true }));
  const started = await call("/containers/edgeopen/start", post());
  if (suspendable) {
    // Processes suspend here (JSPI): cat waits for input without holding the isolate, as in a worker.
    assert.is(started.status, 204);
    assert.is((await call("/containers/edgeopen/kill", post())).status, 204);
    assert.equal(await (await call("/containers/edgeopen/wait", post())).json(), { StatusCode: 137, Error: null });
    return;
  }
  assert.is(started.status, 400);
  assert.match((await started.json() as { message: string }).message, /cannot keep stdin open \(OpenStdin\) in an engine that runs programs inline/);
});

(suspendable ? t : t.skip)("a sleeping container holds no request: ping and another container answer meanwhile; stop and kill end sleepers (JSPI)", async () => {
  await call("/containers/create?name=edgesleep", post({ Image: "toolbox", Cmd: ["sleep", "300"] }));
  await call("/containers/create?name=edgesleep2", post({ Image: "toolbox", Cmd: ["sleep", "300"] }));
  assert.is((await call("/containers/edgesleep/start", post())).status, 204);
  assert.is((await call("/containers/edgesleep2/start", post())).status, 204);
  assert.is(await (await call("/_ping")).text(), "OK");
  await call("/containers/create?name=edgeother", post({ Image: "toolbox", Cmd: ["sh", "-c", "exit 5"] }));
  const wait = call("/containers/edgeother/wait?condition=next-exit", post());
  assert.is((await call("/containers/edgeother/start", post())).status, 204);
  assert.equal(await (await wait).json(), { StatusCode: 5, Error: null });
  assert.is((await (await call("/containers/edgesleep/json")).json() as { State: { Status: string } }).State.Status, "running");
  assert.is((await call("/containers/edgesleep/stop", post())).status, 204);
  assert.is((await call("/containers/edgesleep2/kill", post())).status, 204);
  assert.equal(await (await call("/containers/edgesleep/wait", post())).json(), { StatusCode: 143, Error: null });
  assert.equal(await (await call("/containers/edgesleep2/wait", post())).json(), { StatusCode: 137, Error: null });
});
if (!suspendable) console.log("skip: a sleeping container at the edge: this platform has no JSPI (its programs run to their end on the spot)");

(suspendable ? t : t.skip)("a spinning container (no system call) holds no request either: it shares the isolate at its preemption points; stop ends it (143), kill (137) (JSPI)", async () => {
  for (const name of ["edgespin", "edgespin2"]) {
    await call(`/containers/create?name=${name}`, post({ Image: "probes", Cmd: ["spin"] }));
    assert.is((await call(`/containers/${name}/start`, post())).status, 204);
  }
  assert.is(await (await call("/_ping")).text(), "OK");
  await call("/containers/create?name=edgeother2", post({ Image: "toolbox", Cmd: ["sh", "-c", "sleep 0.2; exit 7"] }));
  const wait = call("/containers/edgeother2/wait?condition=next-exit", post());
  assert.is((await call("/containers/edgeother2/start", post())).status, 204);
  assert.equal(await (await wait).json(), { StatusCode: 7, Error: null });
  assert.is((await call("/containers/edgespin/pause", post())).status, 204);
  assert.is((await (await call("/containers/edgespin/json")).json() as { State: { Status: string } }).State.Status, "paused");
  assert.is((await call("/containers/edgespin/unpause", post())).status, 204);
  assert.is((await call("/containers/edgespin/stop?t=60", post())).status, 204);
  assert.is((await call("/containers/edgespin2/kill", post())).status, 204);
  assert.equal(await (await call("/containers/edgespin/wait", post())).json(), { StatusCode: 143, Error: null });
  assert.equal(await (await call("/containers/edgespin2/wait", post())).json(), { StatusCode: 137, Error: null });
});

t("attach with Upgrade: tcp answers a clear 501; bind mounts are refused", async () => {
  await call("/containers/create?name=edge2", post({ Image: "toolbox", Cmd: ["true"] }));
  // fetch() refuses Upgrade headers, so this one goes through node:http as the docker CLI sends it.
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${base}/v1.47/containers/edge2/attach?stream=1&stdout=1`, { method: "POST", headers: { Upgrade: "tcp", Connection: "Upgrade" }, timeout: 10_000 });
    req.on("upgrade", () => reject(new Error("upgraded at the edge")));
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d) => void (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
  assert.is(r.status, 501);
  assert.match((JSON.parse(r.body) as { message: string }).message, /not available at the edge/);
  const bind = await call("/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { Binds: ["/etc:/host-etc"] } }));
  assert.ok(bind.status >= 400, `bind mount answered ${bind.status}`);
});

t.run();
