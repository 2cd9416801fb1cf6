/** The real docker CLI's stats, top, pause and unpause against the Node server. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { quietFor, until } from "../_wait.ts";
import { runClient, type Started, startServer } from "./_server.ts";

const t = suite("docker stats, top, pause against the Node server");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
let server: Started;

const docker = (args: string[]) => runClient("docker", args, { env: { DOCKER_HOST: server.url }, timeoutMs: 20_000 });

if (!hasDocker) {
  console.log("skip: the docker CLI is not installed; its stats/top/pause tests are skipped");
  t.skip("docker stats, top, pause", () => {});
} else {
  t.before(async () => {
    server = await startServer();
  });
  t.after(async () => {
    await server.stop();
  });

  t("docker stats --no-stream prints CPU %, MEM USAGE / LIMIT, MEM %, BLOCK I/O and PIDS", async () => {
    await docker(["run", "-d", "--name", "st", "--memory", "64m", "toolbox", "sh", "-c", "echo 0123456789 > /tmp/f; cat /tmp/f; sleep 60"]);
    await until(async () => (await docker(["logs", "st"])).out === "0123456789\n", { what: "st's first line", pollMs: 100 });
    const r = await docker(["stats", "--no-stream", "st"]);
    assert.is(r.code, 0, r.err);
    const [header, row] = r.out.trimEnd().split("\n");
    assert.match(header!, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    assert.match(row!, /^[0-9a-f]{12}\s+st\s+\d+\.\d\d%\s+[\d.]+[KM]iB \/ 64MiB\s+\d+\.\d\d%\s+0B \/ 0B\s+\d+B \/ \d+B\s+1$/);
    const f = await docker(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}} {{.BlockIO}}", "st"]);
    assert.match(f.out, /^st 1 \d+B \/ \d+B\n$/);
    await docker(["rm", "-f", "st"]);
  });

  t("docker stats streams: the table comes and keeps coming until the client ends", async () => {
    await docker(["run", "-d", "--name", "live", "toolbox", "sleep", "60"]);
    // docker stats takes a SIGTERM as the end of its streams and keeps redrawing "--" rows: it ends with SIGKILL.
    const child = spawn("docker", ["stats", "live"], { env: { ...process.env, DOCKER_HOST: server.url }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => void (out += d));
    const closed = new Promise((r) => child.once("close", r));
    try {
      await until(() => (out.match(/ live /g) ?? []).length >= 2, { what: () => `two redraws of live's row (got ${JSON.stringify(out)})` });
      assert.not.match(out, /--\s+--/); // no frame without figures
    } finally {
      child.kill("SIGKILL");
      await closed;
    }
    await docker(["rm", "-f", "live"]);
  });

  t("docker top lists the main program and the child its shell spawned, with pids and ppids", async () => {
    await docker(["run", "-d", "--name", "tp", "toolbox", "sh", "-c", "/bin/toolbox sleep 60"]);
    const r = await until(async () => {
      const out = await docker(["top", "tp"]);
      return out.out.trimEnd().split("\n").length === 3 ? out : undefined;
    }, { what: "the spawned child in docker top", pollMs: 100 });
    const lines = r.out.trimEnd().split("\n").map((l) => l.split(/\s{2,}/));
    assert.equal(lines[0], ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
    assert.equal([lines[1]![1], lines[1]![2], lines[1]![7]], ["1", "0", "sh -c /bin/toolbox sleep 60"]);
    assert.equal([lines[2]![1], lines[2]![2], lines[2]![7]], ["2", "1", "/bin/toolbox sleep 60"]);
    assert.match((await docker(["top", "tp", "aux"])).out, /^USER\s+PID\s+%CPU\s+%MEM\s+VSZ\s+RSS\s+TTY\s+STAT\s+START\s+TIME\s+COMMAND\n/);
    await docker(["rm", "-f", "tp"]);
    const stopped = await docker(["top", "tp"]);
    assert.is(stopped.code, 1);
  });

  t("docker pause: ps shows Paused, a looping echo writes nothing until unpause, kill still ends it", async () => {
    await docker(["run", "-d", "--name", "pz", "toolbox", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done"]);
    await until(async () => (await docker(["logs", "pz"])).out.includes("\n3\n"), { what: "pz's third line", pollMs: 50 });
    assert.is((await docker(["pause", "pz"])).out, "pz\n");
    assert.match((await docker(["ps", "--filter", "name=pz", "--format", "{{.Status}}"])).out, /^Up .* \(Paused\)\n$/);
    assert.is((await docker(["inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "pz"])).out, "paused true\n");
    await quietFor(300); // a line on its way when the pause came may still arrive
    const held = (await docker(["logs", "pz"])).out;
    await quietFor(700); // a paused program writes nothing
    assert.is((await docker(["logs", "pz"])).out, held);
    const twice = await docker(["pause", "pz"]);
    assert.is(twice.code, 1);
    assert.match(twice.err, /is already paused/);
    assert.is((await docker(["unpause", "pz"])).out, "pz\n");
    const last = Number(held.trim().split("\n").pop());
    await until(async () => (await docker(["logs", "pz"])).out.includes(`\n${last + 2}\n`), { what: "pz to write again after unpause", pollMs: 50 });
    await docker(["pause", "pz"]);
    assert.is((await docker(["kill", "pz"])).code, 0);
    assert.is((await docker(["wait", "pz"])).out, "137\n");
    await docker(["rm", "pz"]);
  });
}

t.run();
