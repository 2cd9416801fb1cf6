/**
 * The edge bundle under `deno serve`, as the README runs it (issue 19 measured there: a
 * `sleep 3` held its request and every other one, a `spin` hung the isolate for good and
 * the server ignored SIGTERM). With JSPI and preemption points: a start answers while its
 * program sleeps, another container runs meanwhile, a spinner shares the isolate and ends
 * at stop (143), requests on the socket keep being answered beside it, and SIGTERM ends the server while a program spins: the bundle stops its
 * containers then, and a stopped container leaves no timer behind (a stop with t=60 kept
 * one for 60 s, and `deno serve` with it).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEdge } from "../../server/edge/build.ts";
import { until } from "../_wait.ts";
import { freePort, ROOT } from "./_server.ts";

const t = suite("the edge bundle under deno serve");
const deno = `${ROOT}node_modules/.bin/deno`;
let dir: string, child: ChildProcess | undefined, base: string, log = "";

const post = (body?: unknown): RequestInit => ({ method: "POST", ...(body ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}) });
const call = (path: string, init?: RequestInit) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });

if (!existsSync(deno)) {
  console.log("skip: deno is not installed (node_modules/.bin/deno); the deno serve test is skipped");
  t.skip("deno serve", () => {});
} else {
  t.before(async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-deno-serve-"));
    const bundle = await buildEdge(join(dir, "edge.mjs"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(deno, ["serve", "--host", "127.0.0.1", "--port", String(port), bundle], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => void (log += d));
    child.stderr!.on("data", (d) => void (log += d));
    await until(async () => {
      try {
        return (await fetch(`${base}/_ping`)).ok;
      } catch {
        return false;
      }
    }, { what: () => `deno serve to answer /_ping; its output: ${log}`, timeoutMs: 60_000 });
  });
  t.after(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  t("a start answers while its program sleeps, and another container runs to its end meanwhile", async () => {
    await call("/containers/create?name=s3", post({ Image: "toolbox", Cmd: ["sleep", "3"] }));
    assert.is((await call("/containers/s3/start", post())).status, 204);
    assert.is((await (await call("/containers/s3/json")).json() as { State: { Status: string } }).State.Status, "running", "the start answered before the sleep ended");
    await call("/containers/create?name=other", post({ Image: "toolbox", Cmd: ["sh", "-c", "exit 5"] }));
    const wait = call("/containers/other/wait?condition=next-exit", post());
    assert.is((await call("/containers/other/start", post())).status, 204);
    assert.equal(await (await wait).json(), { StatusCode: 5, Error: null });
    assert.equal(await (await call("/containers/s3/wait", post())).json(), { StatusCode: 0, Error: null });
  });

  t("a spinning container shares the isolate: ping answers, stop ends it with 143", async () => {
    await call("/containers/create?name=spin1", post({ Image: "probes", Cmd: ["spin"] }));
    assert.is((await call("/containers/spin1/start", post())).status, 204);
    assert.is(await (await call("/_ping")).text(), "OK");
    assert.is((await call("/containers/spin1/stop?t=60", post())).status, 204);
    assert.equal(await (await call("/containers/spin1/wait", post())).json(), { StatusCode: 143, Error: null });
  });

  t("while a container spins, requests on the socket keep being answered (Deno polls its sockets at the preemption points' yields)", async () => {
    await call("/containers/create?name=spin3", post({ Image: "probes", Cmd: ["spin"] }));
    assert.is((await call("/containers/spin3/start", post())).status, 204);
    // One request after another for 1.5 s: about 90 are answered, 26-34 with a process
    // spinning on the other core; when the yields went round Deno's loop without polling
    // its sockets, each waited 200-300 ms (5 in all).
    let answered = 0;
    for (const end = Date.now() + 1500; Date.now() < end; answered++) assert.is(await (await call("/_ping")).text(), "OK");
    assert.ok(answered >= 10, `${answered} requests answered in 1.5 s beside a spinning container`);
    assert.is((await call("/containers/spin3/kill", post())).status, 204);
    assert.equal(await (await call("/containers/spin3/wait", post())).json(), { StatusCode: 137, Error: null });
  });

  t("SIGTERM ends the server while a container spins", async () => {
    await call("/containers/create?name=spin2", post({ Image: "probes", Cmd: ["spin"] }));
    assert.is((await call("/containers/spin2/start", post())).status, 204);
    const exited = new Promise<number | null>((r) => child!.once("exit", (code, signal) => r(code ?? (signal ? -1 : null))));
    child!.kill("SIGTERM");
    await until(exited, { what: () => `deno serve to exit at SIGTERM while a program spins; its output: ${log}` });
  });
}

t.run();
