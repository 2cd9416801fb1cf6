import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseServeArgs } from "../../server/node/args.ts";
import { httpGet as get, ROOT, serverCommand, startServer } from "./_server.ts";

const t = suite("the Node server: flags, token, unix socket, graceful shutdown");

t("parseServeArgs reads flags, both flag forms, and the environment", () => {
  assert.equal(parseServeArgs(["--host", "0.0.0.0", "--port=2376", "--token", "x"]), { host: "0.0.0.0", port: 2376, token: "x" });
  assert.equal(parseServeArgs(["--socket", "/run/s.sock"], { STRATA_TOKEN: "t", STRATA_HOME: "/h" }), { socket: "/run/s.sock", token: "t", home: "/h" });
  assert.throws(() => parseServeArgs(["--nope"]), /unknown flag: --nope/);
  assert.throws(() => parseServeArgs(["--port", "99999"]), /invalid port/);
  assert.equal(parseServeArgs(["--max-layer-size", "4g", "--load-memory=512m"]), { maxLayerBytes: 4 * 2 ** 30, loadMemoryBytes: 512 * 2 ** 20 });
  assert.throws(() => parseServeArgs(["--load-memory", "lots"]), /invalid size for --load-memory: "lots"/);
});

t("the load limits reach the engine: a docker load past --load-memory is refused, naming the budget and the flag", async () => {
  const server = await startServer(["--home", "memory", "--load-memory", "1k"]);
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/images/load`, { method: "POST", headers: { "Content-Type": "application/x-tar" }, body: readFileSync(join(ROOT, "rootfs-samples/toolbox.tar")) });
    const text = await res.text();
    assert.match(text, /memory budget for image loads of 1024 bytes/);
    assert.match(text, /--load-memory/);
  } finally {
    await server.stop();
  }
});

t("binding a non-loopback address without a token is refused at start", async () => {
  const [cmd, ...args] = serverCommand("node");
  const home = mkdtempSync(join(tmpdir(), "strata-home-"));
  const child = spawn(cmd!, [...args, "--host", "0.0.0.0", "--port", "0", "--home", "memory"], { env: { ...process.env, STRATA_TOKEN: "" }, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => void (err += d));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  rmSync(home, { recursive: true, force: true });
  assert.is(code, 1);
  assert.match(err, /Refusing to listen on 0\.0\.0\.0 without a token/);
});

t("with a token, requests without it get 401 and with it 200", async () => {
  const s = await startServer(["--host", "0.0.0.0", "--token", "s3cret"]);
  try {
    const none = await get({ port: s.port, path: "/_ping" });
    assert.is(none.status, 401);
    assert.match(none.body, /bearer token/);
    assert.is((await get({ port: s.port, path: "/_ping", headers: { Authorization: "Bearer s3cret" } })).status, 200);
  } finally {
    await s.stop();
  }
});

t("--socket serves the API on a unix socket", async () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-sock-"));
  const sock = join(dir, "docker.sock");
  const s = await startServer(["--socket", sock]);
  try {
    assert.match(s.log(), new RegExp(`unix://${sock}`));
    const r = await get({ socketPath: sock, path: "/v1.47/images/json" });
    assert.is(r.status, 200);
    assert.match(r.body, /toolbox:latest/);
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

t("SIGTERM stops running containers and flushes state: a new server on the same home finds them", async () => {
  const home = mkdtempSync(join(tmpdir(), "strata-keep-"));
  const env = { STRATA_HOME: home };
  const call = async (port: number, path: string, init?: RequestInit) => await fetch(`http://127.0.0.1:${port}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  const json = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  const a = await startServer([], { env });
  await call(a.port, "/containers/create?name=kept", json({ Image: "probes", Cmd: ["spin"] }));
  assert.is((await call(a.port, "/containers/kept/start", { method: "POST" })).status, 204);
  a.child.kill("SIGTERM");
  const code = await new Promise<number | null>((r) => a.child.once("exit", r));
  // Deno's node:child_process reports (null, "SIGTERM") for a child it sent SIGTERM, even
  // when the child handled it and exited 0; Node reports the real status.
  if (!("Deno" in globalThis)) assert.is(code, 0);
  assert.match(a.log(), /stopping containers and flushing state/);
  rmSync(a.home, { recursive: true, force: true });
  const b = await startServer([], { env });
  try {
    const i = await (await call(b.port, "/containers/kept/json")).json() as { State: { Status: string; Running: boolean } };
    assert.is(i.State.Status, "exited");
    assert.is(i.State.Running, false);
  } finally {
    await b.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

t.run();
