import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Started, startServer } from "./_server.ts";

const t = suite("the real docker CLI against strata");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
let server: Started;
let dir: string;

function docker(args: string[], input?: string) {
  const r = spawnSync("docker", args, { env: { ...process.env, DOCKER_HOST: server.url }, input, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

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

  t("version and info name the strata server", () => {
    assert.match(docker(["version"]).out, /Server: strata[\s\S]*API version:\s+1\.47/);
    assert.match(docker(["info", "--format", "{{.Driver}} {{.Images}}"]).out, /^strata-union 3/);
  });

  t("run --rm prints the program's output and propagates its exit code", () => {
    const r = docker(["run", "--rm", "toolbox", "sh", "-c", "echo hi > /tmp/x; cat /tmp/x; echo oops >&2; exit 7"]);
    assert.is(r.out, "hi\n");
    assert.match(r.err, /oops/);
    assert.is(r.code, 7);
  });

  t("run -i passes stdin; -e and -w reach the program", () => {
    assert.is(docker(["run", "-i", "--rm", "toolbox", "cat"], "from stdin\n").out, "from stdin\n");
    assert.is(docker(["run", "--rm", "-e", "X=42", "-w", "/tmp", "toolbox", "sh", "-c", "echo $X; pwd"]).out, "42\n/tmp\n");
  });

  t("run -d, ps, logs, exec, diff, stop, kill, wait, rm", () => {
    assert.is(docker(["run", "-d", "--name", "spinner", "probes", "spin"]).code, 0);
    assert.match(docker(["ps"]).out, /spinner/);
    assert.is(docker(["exec", "spinner", "sh", "-c", "echo made > /tmp/by-exec"]).code, 0);
    assert.equal(docker(["diff", "spinner"]).out, "C /tmp\nA /tmp/by-exec\n");
    assert.is(docker(["kill", "spinner"]).code, 0);
    assert.is(docker(["wait", "spinner"]).out, "137\n");
    assert.match(docker(["ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.Status}}"]).out, /spinner Exited \(137\)/);
    assert.is(docker(["run", "--name", "logged", "toolbox", "sh", "-c", "echo one; echo two"]).code, 0);
    assert.is(docker(["logs", "--tail", "1", "logged"]).out, "two\n");
    assert.is(docker(["rm", "spinner", "logged"]).code, 0);
    assert.is(docker(["ps", "-aq"]).out, "");
  });

  t("inspect, commit, run the new image, history, tag, rmi", () => {
    docker(["run", "--name", "base", "toolbox", "sh", "-c", "echo note > /root/note"]);
    assert.is(docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "base"]).out, "exited 0\n");
    assert.match(docker(["commit", "-c", 'CMD ["cat", "/root/note"]', "base", "noted:v1"]).out, /^sha256:[a-f0-9]{64}\n$/);
    assert.is(docker(["run", "--rm", "noted:v1"]).out, "note\n");
    assert.match(docker(["history", "noted:v1"]).out, /strata commit base/);
    assert.is(docker(["tag", "noted:v1", "noted:v2"]).code, 0);
    assert.match(docker(["rmi", "noted:v2"]).out, /Untagged: noted:v2/);
    const busy = docker(["rmi", "toolbox"]);
    assert.is(busy.code, 1);
    assert.match(busy.err, /conflict/);
    docker(["rm", "base"]);
  });

  t("save, load, export, system df", () => {
    const saved = join(dir, "tb.tar");
    assert.is(docker(["save", "-o", saved, "toolbox"]).code, 0);
    assert.ok(statSync(saved).size > 10_000);
    assert.match(docker(["load", "-i", saved]).out, /Loaded image: toolbox:latest/);
    docker(["create", "--name", "exp", "toolbox", "true"]);
    const exported = join(dir, "fs.tar");
    assert.is(docker(["export", "-o", exported, "exp"]).code, 0);
    assert.ok(readFileSync(exported).includes(Buffer.from("bin/toolbox")));
    assert.match(docker(["system", "df"]).out, /Images\s+\d+/);
    docker(["rm", "exp"]);
  });

  t("errors are Docker's", () => {
    const r = docker(["inspect", "nosuch"]);
    assert.is(r.code, 1);
    assert.match(r.err, /No such object: nosuch/);
    const s = docker(["start", "nosuch"]);
    assert.match(s.err, /No such container: nosuch/);
  });
}

t.run();
