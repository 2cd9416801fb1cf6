/**
 * The Deno server with `--processes inline` (and the Node server with STRATA_WORKERS=0):
 * programs run on the server's own thread. Under Deno (JSPI) they suspend while they wait
 * and share the thread at their preemption points: a hundred sleepers and a spinner leave
 * the API answering, another container runs to its end, pause holds the spinner, stop and
 * kill end them with Docker's statuses. Under Node 20 (no JSPI) the server says what inline
 * means there, and a short program still runs.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { ROOT, type Started, startServer } from "./_server.ts";

const t = suite("servers with processes inline");
const hasDeno = existsSync(`${ROOT}node_modules/.bin/deno`);
let deno: Started | undefined, node: Started | undefined;

const post = (body?: unknown): RequestInit => ({ method: "POST", ...(body ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}) });
const caller = (s: Started) => (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${s.port}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });

t.after(async () => {
  await deno?.stop();
  await node?.stop();
});

if (!hasDeno) console.log("skip: deno is not installed (node_modules/.bin/deno); the inline Deno server test is skipped");

(hasDeno ? t : t.skip)("Deno, --processes inline: 100 sleepers and a spinner on the server's thread; the API answers, pause, stop and kill reach them", async () => {
  deno = await startServer(["--processes", "inline", "--home", "memory"], { kind: "deno", timeoutMs: 40_000 });
  assert.match(deno.log(), /processes run inline on the server's thread, suspended while they wait/);
  const call = caller(deno);
  const sleepers: string[] = [];
  for (let i = 0; i < 100; i++) {
    const c = await call("/containers/create", post({ Image: "toolbox", Cmd: ["sleep", "300"] }));
    const { Id } = await c.json() as { Id: string };
    assert.is((await call(`/containers/${Id}/start`, post())).status, 204);
    sleepers.push(Id);
  }
  await call("/containers/create?name=ispin", post({ Image: "probes", Cmd: ["spin"] }));
  assert.is((await call("/containers/ispin/start", post())).status, 204);
  assert.is(await (await call("/_ping")).text(), "OK");
  const running = await (await call("/containers/json")).json() as unknown[];
  assert.is(running.length, 101);
  await call("/containers/create?name=ione", post({ Image: "toolbox", Cmd: ["sh", "-c", "echo inline; exit 4"] }));
  const wait = call("/containers/ione/wait?condition=next-exit", post());
  assert.is((await call("/containers/ione/start", post())).status, 204);
  assert.equal(await (await wait).json(), { StatusCode: 4, Error: null });
  assert.is((await call("/containers/ispin/pause", post())).status, 204);
  assert.is((await (await call("/containers/ispin/json")).json() as { State: { Status: string } }).State.Status, "paused");
  assert.is((await call("/containers/ispin/unpause", post())).status, 204);
  assert.is((await call("/containers/ispin/stop?t=60", post())).status, 204);
  assert.equal(await (await call("/containers/ispin/wait", post())).json(), { StatusCode: 143, Error: null });
  for (const id of sleepers) assert.is((await call(`/containers/${id}/kill`, post())).status, 204);
  assert.equal(await (await call(`/containers/${sleepers[99]}/wait`, post())).json(), { StatusCode: 137, Error: null });
});

t("Node, STRATA_WORKERS=0: the server says what inline means without JSPI, and runs a program", async () => {
  node = await startServer(["--home", "memory"], { env: { STRATA_WORKERS: "0" } });
  assert.match(node.log(), /processes run inline on the server's thread; this runtime has no JSPI/);
  const call = caller(node);
  await call("/containers/create?name=nin", post({ Image: "toolbox", Cmd: ["sh", "-c", "exit 6"] }));
  const wait = call("/containers/nin/wait?condition=next-exit", post());
  assert.is((await call("/containers/nin/start", post())).status, 204);
  assert.equal(await (await wait).json(), { StatusCode: 6, Error: null });
});

t("--processes takes inline or workers only", async () => {
  const { parseServeArgs } = await import("../../server/node/args.ts");
  assert.is(parseServeArgs(["--processes", "inline"]).processes, "inline");
  assert.is(parseServeArgs([], { STRATA_WORKERS: "0" }).processes, "inline");
  assert.is(parseServeArgs(["--processes=workers"], { STRATA_WORKERS: "0" }).processes, "workers");
  assert.throws(() => parseServeArgs(["--processes", "threads"]), /invalid value for --processes: "threads" \(inline or workers\)/);
});

t("the inline note says how to raise V8's heap limit for thousands of processes, only when it is low", async () => {
  const { heapAdvice } = await import("../../server/platform/runtime.ts");
  const flag = `${"Deno" in globalThis ? "DENO_V8_FLAGS" : "NODE_OPTIONS"}=--max-old-space-size=16384`;
  assert.match(heapAdvice(4192 * 2 ** 20), /heap limit is 4\.1 GiB, so past ~6,000 live processes each start waits for collections/);
  assert.ok(heapAdvice(4192 * 2 ** 20).endsWith(flag), heapAdvice(4192 * 2 ** 20));
  assert.is(heapAdvice(8 * 2 ** 30), "");
  assert.is(heapAdvice(16 * 2 ** 30), "");
});

t.run();
