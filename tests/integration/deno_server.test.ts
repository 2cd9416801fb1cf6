import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { type IncomingMessage, request } from "node:http";
import { demultiplex } from "../../src/api/mod.ts";
import { until } from "../_wait.ts";
import { ROOT, runClient, type Started, startServer } from "./_server.ts";

const t = suite("the Deno server (Deno.serve) driven over HTTP");
const hasDeno = existsSync(`${ROOT}node_modules/.bin/deno`);
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
let server: Started;
let base: string;

const post = (body?: unknown): RequestInit => ({ method: "POST", ...(body ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}) });
const call = (path: string, init?: RequestInit) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });

if (!hasDeno) {
  console.log("skip: deno is not installed (node_modules/.bin/deno); the Deno server tests are skipped");
  t.skip("Deno server", () => {});
} else {
  t.before(async () => {
    server = await startServer([], { kind: "deno", timeoutMs: 40_000 });
    base = `http://127.0.0.1:${server.port}`;
  });
  t.after(async () => void (await server.stop()));

  t("ping and version answer as the Node server does", async () => {
    const r = await call("/_ping", { method: "HEAD" });
    assert.is(r.status, 200);
    assert.is(r.headers.get("Api-Version"), "1.47");
    assert.is(((await (await call("/v1.47/version")).json()) as { ApiVersion: string }).ApiVersion, "1.47");
  });

  t("create, wait (headers first), start, logs, inspect, remove", async () => {
    const c = await call("/v1.47/containers/create?name=d1", post({ Image: "toolbox", Cmd: ["sh", "-c", "echo from deno; exit 2"] }));
    assert.is(c.status, 201);
    const wait = await call("/v1.47/containers/d1/wait?condition=next-exit", post());
    assert.is(wait.status, 200);
    assert.is((await call("/v1.47/containers/d1/start", post())).status, 204);
    assert.equal(await wait.json(), { StatusCode: 2, Error: null });
    const logs = demultiplex(new Uint8Array(await (await call("/v1.47/containers/d1/logs?stdout=1&stderr=1")).arrayBuffer()));
    assert.is(logs.stdout, "from deno\n");
    assert.is(((await (await call("/containers/d1/json")).json()) as { State: { ExitCode: number } }).State.ExitCode, 2);
    assert.is((await call("/containers/d1", { method: "DELETE" })).status, 204);
    assert.is((await call("/containers/d1/json")).status, 404);
  });

  t("a spinning container runs in a worker: the server keeps answering and kill stops it", async () => {
    await call("/containers/create?name=spin1", post({ Image: "probes", Cmd: ["spin", "/bin/spin"] }));
    assert.is((await call("/containers/spin1/start", post())).status, 204);
    const log = (await call("/containers/spin1/logs?stdout=1&follow=1")).body!.getReader();
    const first = await until(log.read(), { what: "spin to say it opened its file (it spins from then on)" });
    assert.is(demultiplex(first.value!).stdout, "open\n");
    await log.cancel();
    // spin never ends by itself: an answer at all is the server answering while it runs.
    assert.is((await until(call("/_ping"), { what: "a ping answered while spin runs" })).status, 200);
    assert.is((await call("/containers/spin1/kill", post())).status, 204);
    assert.is(((await (await call("/containers/spin1/wait", post())).json()) as { StatusCode: number }).StatusCode, 137);
  });

  t("a plain attach (no hijack) streams its request body to stdin: a line is answered while the body stays open", async () => {
    await call("/containers/create?name=cat1", post({ Image: "toolbox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true }));
    // node:http, not fetch: fetch's "half" duplex shows no response before the request's body has ended.
    const req = request(`${base}/containers/cat1/attach?stream=1&stdin=1&stdout=1&stderr=1`, { method: "POST", headers: { "Transfer-Encoding": "chunked" } });
    const res = new Promise<IncomingMessage>((resolve, reject) => (req.on("response", resolve), req.on("error", reject)));
    req.flushHeaders();
    const wait = call("/containers/cat1/wait?condition=next-exit", post());
    assert.is((await call("/containers/cat1/start", post())).status, 204);
    req.write("first line\n");
    const r = await until(res, { what: "the attach's response while its body stays open" });
    assert.is(r.statusCode, 200);
    let seen = "";
    const chunks = r[Symbol.asyncIterator]();
    while (!seen.includes("first line\n")) {
      const { value, done } = await until(chunks.next(), { what: "cat to echo the first line while the body stays open" });
      if (done) break;
      seen += demultiplex(new Uint8Array(value as Buffer)).stdout;
    }
    assert.is(seen, "first line\n");
    req.end("second\n"); // the body's end is stdin's end (StdinOnce, no tty): cat exits
    for (;;) {
      const { value, done } = await until(chunks.next(), { what: "the attach to end at cat's exit" });
      if (done) break;
      seen += demultiplex(new Uint8Array(value as Buffer)).stdout;
    }
    assert.is(seen, "first line\nsecond\n");
    assert.equal(await (await wait).json(), { StatusCode: 0, Error: null });
  });

  t("the docker CLI: version, images, run -d, logs, ps; attached run is refused clearly", async () => {
    if (!hasDocker) return console.log("skip: the docker CLI is not installed");
    const docker = (args: string[]) => runClient("docker", args, { env: { DOCKER_HOST: server.url }, timeoutMs: 20_000 });
    assert.match((await docker(["version"])).out, /Server: strata/);
    assert.match((await docker(["images"])).out, /toolbox\s+latest/);
    const id = (await docker(["run", "-d", "--name", "bg", "toolbox", "echo", "detached"])).out.trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    assert.is((await docker(["wait", "bg"])).out, "0\n");
    assert.is((await docker(["logs", "bg"])).out, "detached\n");
    assert.match((await docker(["ps", "-a"])).out, /bg/);
    // Deno's HTTP layer answers 400 to an upgrade request with a Content-Length before our handler runs.
    const attached = await docker(["run", "--rm", "toolbox", "true"]);
    assert.is(attached.code, 1);
    assert.match(attached.err, /unable to upgrade to tcp, received (400|501)/);
  });
}

t.run();
