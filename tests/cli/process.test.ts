import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { shWaitFor, until } from "../_wait.ts";
import { cli, cliCommand, ROOT, spawnCli, tempHome, TOOLBOX } from "./_cli.ts";

const proc = suite("strata as its own process: the bin, exit codes, one store shared by concurrent commands, a server");
const home = tempHome();
proc.after(() => rmSync(home, { recursive: true, force: true }));

proc.before(async () => {
  const r = await cli(["load", "-i", TOOLBOX], { home });
  assert.is(r.code, 0, r.stderr);
});

proc("the installed command runs a container in a worker and exits with its status", async () => {
  const r = await spawnCli(["run", "--rm", "toolbox", "sh", "-c", "echo hi; echo err >&2; exit 7"], { home });
  assert.is(r.stdout, "hi\n", r.stderr);
  assert.is(r.stderr, "err\n");
  assert.is(r.code, 7);
});

proc("a reader that goes away (export | head -c 10) ends the command quietly with 141, as a SIGPIPE would", async () => {
  assert.is((await cli(["create", "--name", "piped", "toolbox", "true"], { home })).code, 0);
  const [cmd, pre] = cliCommand();
  const line = [cmd, ...pre, "export", "piped"].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("bash", ["-c", `set -o pipefail; ${line} | head -c 10 > /dev/null; echo "status=$?"`], { cwd: ROOT, env: { ...process.env, STRATA_HOME: home }, encoding: "utf8", timeout: 30_000 });
  assert.is(r.stdout, "status=141\n", r.stderr);
  assert.is(r.stderr, "");
});

proc("stdin reaches the program through the process's own stdin", async () => {
  const r = await spawnCli(["run", "-i", "--rm", "toolbox", "sh", "-c", "read a; read b; echo $b $a"], { home, stdin: "one\ntwo\n", env: { STRATA_WORKERS: "0" } });
  assert.is(r.stdout, "two one\n", r.stderr);
});

proc("two commands at once on one STRATA_HOME both succeed: the second waits for the store's lock", async () => {
  const env = { STRATA_WORKERS: "0" };
  const [a, b] = await Promise.all([
    spawnCli(["run", "--name", "first", "toolbox", "sh", "-c", "echo a > /f"], { home, env }),
    spawnCli(["run", "--name", "second", "toolbox", "sh", "-c", "echo b > /f"], { home, env }),
  ]);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  const names = (await cli(["ps", "-a", "--format", "{{.Names}}"], { home })).stdout.split("\n").filter(Boolean).sort();
  assert.ok(names.includes("first") && names.includes("second"), names.join(","));
});

proc("a held lock without a server ends in a clear error once the wait is over", async () => {
  const { DiskStore } = await import("../../server/store/mod.ts");
  const other = tempHome();
  const store = DiskStore.open(other);
  try {
    const r = await cli(["ps"], { home: other, env: { STRATA_LOCK_WAIT_MS: "300" } });
    assert.is(r.code, 125);
    assert.match(r.stderr, /^strata: Cannot open .*: it is in use by another strata engine/);
  } finally {
    await store.close();
    rmSync(other, { recursive: true, force: true });
  }
});

proc("run -d leaves the container running in a background server that the next commands use", async () => {
  const env = { STRATA_IDLE_EXIT: "1" };
  // It runs until the exec below makes /go.
  const d = await spawnCli(["run", "-d", "--name", "bg", "toolbox", "sh", "-c", `echo started; ${shWaitFor("/go")}`], { home, env });
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, /^[0-9a-f]{64}\n$/);
  assert.ok(existsSync(join(home, "server.url")), "the background server wrote its address");
  const ps = await cli(["ps", "--format", "{{.Names}} {{.State}}"], { home });
  assert.is(ps.stdout, "bg running\n", ps.stderr);
  const ev = await cli(["events", "--since", "1h", "--until", "0s", "--filter", "container=bg", "--format", "{{.Action}}"], { home });
  assert.is(ev.stdout, "create\nstart\n", ev.stderr);
  // While the server owns the store, attach and exec go over its socket (hijacked, stdin included).
  const url = readFileSync(join(home, "server.url"), "utf8").trim();
  const attached = await cli(["-H", url, "run", "-i", "--rm", "toolbox", "sh", "-c", "read x; echo got $x; exit 5"], { home, stdin: "over tcp\n" });
  assert.is(attached.stdout, "got over tcp\n", attached.stderr);
  assert.is(attached.code, 5);
  const ex = await cli(["exec", "bg", "sh", "-c", "echo in bg; touch /go; exit 2"], { home });
  assert.is(ex.stdout, "in bg\n", ex.stderr);
  assert.is(ex.code, 2);
  assert.is((await cli(["wait", "bg"], { home })).stdout, "0\n");
  assert.is((await cli(["logs", "bg"], { home })).stdout, "started\n");
  // Idle for a second, the server stops and gives the store back (another process: only the file says so).
  await until(() => !existsSync(join(home, "server.url")), { timeoutMs: 10_000, what: () => `the idle server to remove server.url; its log: ${readFileSync(join(home, "serve.log"), "utf8")}` });
  const after = await cli(["ps", "-a", "--format", "{{.Names}} {{.Status}}", "--filter", "name=bg"], { home });
  assert.match(after.stdout, /^bg Exited \(0\) /);
});

proc.run();
