import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shWaitFor, until } from "../_wait.ts";
import { runClient, type Started, startClient, startServer } from "./_server.ts";
import { writeDockerArchive } from "../../src/oci/mod.ts";
import { makeImage } from "../oci/_images.ts";
import { command, say, TRAPS } from "../wasi/_wasm.ts";

const t = suite("the real docker CLI against the Node server");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
let server: Started;
let dir: string;

const docker = (args: string[], input?: string) => runClient("docker", args, { env: { DOCKER_HOST: server.url }, input, timeoutMs: 20_000 });
/** A docker command that keeps running (logs -f, events): its output so far, and its end. */
const dockerStart = (args: string[]) => startClient("docker", args, { env: { DOCKER_HOST: server.url }, timeoutMs: 20_000 });

if (!hasDocker) {
  console.log("skip: the docker CLI is not installed; its integration tests are skipped");
  t.skip("docker CLI verbs", () => {});
} else {
  t.before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), "strata-cli-"));
  });
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  t("version and info name the strata server and API 1.47", async () => {
    assert.match((await docker(["version"])).out, /Server: strata[\s\S]*API version:\s+1\.47/);
    const samples = readdirSync(new URL("../../rootfs-samples/", import.meta.url)).filter((f) => f.endsWith(".tar")).length; // the server loads each
    assert.is((await docker(["info", "--format", "{{.Images}} {{.Swarm.LocalNodeState}}"])).out, `${samples} inactive\n`);
  });

  t("run --rm prints stdout and stderr apart and propagates the exit code", async () => {
    const r = await docker(["run", "--rm", "toolbox", "sh", "-c", "echo hi > /tmp/x; cat /tmp/x; echo oops >&2; exit 7"]);
    assert.is(r.out, "hi\n");
    assert.match(r.err, /oops/);
    assert.is(r.code, 7);
    assert.is((await docker(["ps", "-aq"])).out, "");
  });

  t("run -i passes stdin through attach; -e and -w reach the program", async () => {
    assert.is((await docker(["run", "-i", "--rm", "toolbox", "cat"], "from stdin\nline 2\n")).out, "from stdin\nline 2\n");
    assert.is((await docker(["run", "--rm", "-e", "X=42", "-w", "/tmp", "toolbox", "sh", "-c", "echo $X; pwd"])).out, "42\n/tmp\n");
  });

  t("run -d, ps, exec, diff, kill, wait, ps --filter, rm", async () => {
    const id = (await docker(["run", "-d", "--name", "spinner", "probes", "spin"])).out.trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    assert.match((await docker(["ps"])).out, /spinner/);
    const ex = await docker(["exec", "spinner", "sh", "-c", "echo made > /tmp/by-exec; echo done"]);
    assert.is(ex.out, "done\n");
    assert.is(ex.code, 0);
    assert.is((await docker(["exec", "spinner", "sh", "-c", "exit 3"])).code, 3);
    assert.is((await docker(["exec", "-i", "spinner", "cat"], "into exec\n")).out, "into exec\n");
    assert.match((await docker(["diff", "spinner"])).out, /A \/tmp\/by-exec/);
    assert.is((await docker(["kill", "spinner"])).code, 0);
    assert.is((await docker(["wait", "spinner"])).out, "137\n");
    assert.match((await docker(["ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.Status}}"])).out, /spinner Exited \(137\)/);
    const again = await docker(["kill", "spinner"]);
    assert.is(again.code, 1);
    assert.match(again.err, /is not running/);
    assert.is((await docker(["rm", "spinner"])).code, 0);
  });

  t("create, start -a, stop of a stopped one, rm -f of a running one", async () => {
    assert.match((await docker(["create", "--name", "made", "toolbox", "echo", "created"])).out, /^[a-f0-9]{64}\n$/);
    assert.match((await docker(["ps", "-a", "--format", "{{.Names}} {{.Status}}"])).out, /made Created/);
    const s = await docker(["start", "-a", "made"]);
    assert.is(s.out, "created\n");
    assert.is((await docker(["stop", "made"])).out, "made\n");
    await docker(["run", "-d", "--name", "busy", "probes", "spin"]);
    const rm = await docker(["rm", "busy"]);
    assert.is(rm.code, 1);
    assert.match(rm.err, /stop the container before removing or force remove/);
    assert.is((await docker(["stop", "-t", "1", "busy"])).out, "busy\n");
    assert.is((await docker(["rm", "-f", "made", "busy"])).code, 0);
  });

  t("logs: --tail, -t, and -f following until exit", async () => {
    assert.is((await docker(["run", "--name", "logged", "toolbox", "sh", "-c", "echo one; echo two; echo err >&2"])).code, 0);
    const tail = await docker(["logs", "--tail", "2", "logged"]); // the last two lines of both streams, as Docker counts
    assert.equal([tail.out, tail.err], ["two\n", "err\n"]);
    const all = await docker(["logs", "logged"]);
    assert.is(all.out, "one\ntwo\n");
    assert.is(all.err, "err\n");
    assert.match((await docker(["logs", "-t", "--tail", "2", "logged"])).out, /^\d{4}-\d\d-\d\dT[\d:.]+Z two\n$/);
    // It runs until an exec makes /go.
    await docker(["run", "-d", "--name", "follow", "toolbox", "sh", "-c", `echo first; ${shWaitFor("/go")}; echo last`]);
    const f = dockerStart(["logs", "-f", "follow"]);
    await until(() => f.out().includes("first\n"), { what: () => `docker logs -f to print "first" (got ${JSON.stringify(f.out())})` });
    assert.is((await docker(["exec", "follow", "touch", "/go"])).code, 0); // still running: logs -f follows it
    const r = await until(f.done, { what: "docker logs -f to end at the container's exit" });
    if (r.code !== 0) {
      // What the container and its log were then (a rare failure: docker logs -f outlived its 20 s).
      const state = await docker(["inspect", "-f", "{{json .State}}", "follow"]);
      const log = await docker(["logs", "follow"]);
      assert.unreachable(`docker logs -f ended ${r.code} with ${JSON.stringify(r.out)}; stderr ${JSON.stringify(r.err)}; the container: ${state.out.trim()}; its log: ${JSON.stringify(log.out)} ${JSON.stringify(log.err)}`);
    }
    assert.equal([r.code, r.out], [0, "first\nlast\n"]);
    await docker(["rm", "-f", "logged", "follow"]);
  });

  t("inspect containers and images; unknown names fall through to No such object", async () => {
    await docker(["run", "--name", "base", "toolbox", "sh", "-c", "echo note > /root/note"]);
    assert.is((await docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.Name}}", "base"])).out, "exited 0 /base\n");
    assert.match((await docker(["image", "inspect", "-f", "{{.RootFS.Type}} {{index .RepoTags 0}}", "toolbox"])).out, /^layers toolbox:latest\n$/);
    const r = await docker(["inspect", "nosuch"]);
    assert.is(r.code, 1);
    assert.match(r.err, /No such object: nosuch/);
    assert.match((await docker(["start", "nosuch"])).err, /No such container: nosuch/);
  });

  t("commit, run the new image, history, tag, rmi; an image in use cannot be removed", async () => {
    assert.match((await docker(["commit", "-c", 'CMD ["cat", "/root/note"]', "base", "noted:v1"])).out, /^sha256:[a-f0-9]{64}\n$/);
    assert.is((await docker(["run", "--rm", "noted:v1"])).out, "note\n");
    assert.match((await docker(["history", "noted:v1"])).out, /IMAGE\s+CREATED/);
    assert.is((await docker(["tag", "noted:v1", "127.0.0.1:5000/noted:v2"])).code, 0);
    assert.match((await docker(["images"])).out, /127\.0\.0\.1:5000\/noted\s+v2/);
    assert.match((await docker(["rmi", "127.0.0.1:5000/noted:v2"])).out, /Untagged: 127\.0\.0\.1:5000\/noted:v2/);
    const busy = await docker(["rmi", "toolbox"]);
    assert.is(busy.code, 1);
    assert.match(busy.err, /conflict/);
    await docker(["rm", "base"]);
  });

  t("save, load, export, system df", async () => {
    const saved = join(dir, "tb.tar");
    assert.is((await docker(["save", "-o", saved, "toolbox", "demo"])).code, 0);
    assert.ok(statSync(saved).size > 10_000);
    assert.is((await docker(["rmi", "demo"])).code, 0);
    const load = await docker(["load", "-i", saved]);
    assert.match(load.out, /Loaded image: demo:latest/);
    assert.match(load.out, /Loaded image: toolbox:latest/);
    await docker(["create", "--name", "exp", "toolbox", "true"]);
    const exported = join(dir, "fs.tar");
    assert.is((await docker(["export", "-o", exported, "exp"])).code, 0);
    assert.ok(readFileSync(exported).includes(Buffer.from("bin/toolbox")));
    assert.match((await docker(["system", "df"])).out, /Images\s+\d+\s+\d+/);
    await docker(["rm", "exp"]);
  });

  t("volumes: create, ls, inspect, use from two containers, rm", async () => {
    assert.is((await docker(["volume", "create", "shared"])).out, "shared\n");
    assert.match((await docker(["volume", "ls"])).out, /local\s+shared/);
    assert.match((await docker(["volume", "inspect", "-f", "{{.Name}} {{.Driver}}", "shared"])).out, /^shared local\n$/);
    await docker(["run", "--rm", "-v", "shared:/data", "toolbox", "sh", "-c", "echo kept > /data/f"]);
    assert.is((await docker(["run", "--rm", "-v", "shared:/data", "toolbox", "cat", "/data/f"])).out, "kept\n");
    assert.is((await docker(["volume", "rm", "shared"])).out, "shared\n");
    assert.match((await docker(["volume", "inspect", "shared"])).err, /no such volume/i);
  });

  t("events streams container events as they happen", async () => {
    // --since replays the first run's events, so once they are printed the stream is open:
    // the second run's then arrive as they happen.
    const ev = dockerStart(["events", "--since", "1h", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}", "--filter", "type=container"]);
    const printed = (line: string) => until(() => ev.out().includes(`${line}\n`), { what: () => `docker events to print "${line}" (got ${JSON.stringify(ev.out())})` });
    try {
      await docker(["run", "--rm", "--name", "evt", "toolbox", "true"]);
      await printed("container destroy evt");
      await docker(["run", "--rm", "--name", "evt2", "toolbox", "true"]);
      await printed("container destroy evt2");
      assert.match(ev.out(), /container create evt2\n[\s\S]*container start evt2\n[\s\S]*container die evt2\n[\s\S]*container destroy evt2/);
    } finally {
      await ev.stop();
    }
  });

  t("run: a missing program exits 127, a file that is no WASI command 126, a trap 134, -m below the start 137; never a wait error", async () => {
    const missing = await docker(["run", "--rm", "toolbox", "nosuchprog"]);
    assert.equal([missing.code, missing.err], [127, 'exec: "nosuchprog": executable file not found in $PATH\n']);
    const text = await docker(["run", "--rm", "toolbox", "/etc/hostname"]);
    assert.equal([text.code, text.err], [126, "exec /etc/hostname: exec format error: neither a WebAssembly module nor a script with a #! line\n"]);
    const image = await makeImage([[
      { path: "bin", type: "dir", mode: 0o755 },
      { path: "bin/abort", type: "file", mode: 0o755, data: command([...say("about to abort\n"), ...TRAPS.unreachable]) },
      { path: "bin/big", type: "file", mode: 0o755, data: command(say("ran\n"), { pages: 256 }) },
    ]], ["oddities:latest"], { Env: ["PATH=/bin"], Cmd: ["abort"] });
    writeFileSync(join(dir, "oddities.tar"), await writeDockerArchive([image]));
    assert.is((await docker(["load", "-i", join(dir, "oddities.tar")])).code, 0);
    const abort = await docker(["run", "--rm", "oddities"]);
    assert.equal([abort.code, abort.out, abort.err], [134, "about to abort\n", "abort: unreachable (SIGABRT)\n"]);
    const oom = await docker(["run", "--name", "oomed", "-m", "8m", "oddities", "big"]);
    assert.equal([oom.code, oom.out], [137, ""]);
    assert.not.match(oom.err, /Error waiting/);
    assert.is((await docker(["inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}} [{{.State.Error}}]", "oomed"])).out, "137 true []\n");
    await docker(["rm", "oomed"]);
    await docker(["rmi", "oddities"]);
  });

  t("ps -s -q and filters by name", async () => {
    await docker(["create", "--name", "p1", "toolbox", "true"]);
    const q = (await docker(["ps", "-aq", "--filter", "name=p1"])).out.trim();
    assert.match(q, /^[a-f0-9]{12}$/);
    assert.match((await docker(["ps", "-a", "-s", "--filter", "name=p1", "--format", "{{.Size}}"])).out, /B \(virtual [\d.]+kB\)/);
    await docker(["rm", "p1"]);
  });
}

t.run();
