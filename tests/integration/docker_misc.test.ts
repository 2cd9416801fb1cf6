/**
 * The real docker CLI on the smaller Docker behaviours (issue 18): networks, the 501s of
 * what strata lacks, images REPO[:TAG], --entrypoint '', -p, logs -t, system prune,
 * inspect's HostConfig, -v modes.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { runClient, type Started, startServer } from "./_server.ts";

const t = suite("the real docker CLI: networks, prune, logs -t and the rest");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
let server: Started;
const docker = (args: string[], input?: string) => runClient("docker", args, { env: { DOCKER_HOST: server.url }, input, timeoutMs: 20_000 });

if (!hasDocker) {
  console.log("skip: the docker CLI is not installed; its integration tests are skipped");
  t.skip("docker CLI", () => {});
} else {
  t.before(async () => void (server = await startServer()));
  t.after(async () => void await server.stop());

  t("network ls and inspect show Docker's predefined networks; create says containers have no network", async () => {
    const ls = await docker(["network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"]);
    assert.is(ls.out, "bridge bridge local\nhost host local\nnone null local\n", ls.err);
    assert.is((await docker(["network", "inspect", "--format", "{{.Driver}}", "bridge"])).out, "bridge\n");
    const create = await docker(["network", "create", "mynet"]);
    assert.is(create.code, 1);
    assert.match(create.err, /Error response from daemon: strata does not support creating networks: strata containers have no network/);
  });

  t("what strata lacks is a 501 that names it", async () => {
    const r = await docker(["service", "ls"]);
    assert.not.equal(r.code, 0);
    assert.match(r.err, /strata does not support swarm services/);
    assert.not.match(r.err, /page not found/);
  });

  t("images REPO[:TAG] lists only the matching tags", async () => {
    await docker(["tag", "toolbox", "toolbox:v2"]);
    await docker(["tag", "toolbox", "other:1"]);
    const r = await docker(["images", "--format", "{{.Repository}}:{{.Tag}}", "toolbox"]);
    assert.equal(r.out.trim().split("\n").sort(), ["toolbox:latest", "toolbox:v2"]);
    assert.is((await docker(["images", "--format", "{{.Repository}}:{{.Tag}}", "toolbox:v2"])).out, "toolbox:v2\n");
    await docker(["rmi", "toolbox:v2", "other:1"]);
  });

  t("--entrypoint '' runs the command; -p is refused naming the port; inspect shows Docker's HostConfig", async () => {
    const r = await docker(["run", "--rm", "--entrypoint", "", "toolbox", "echo", "hi"]);
    assert.is(r.out, "hi\n", r.err);
    const p = await docker(["run", "--rm", "-p", "8080:80", "toolbox", "true"]);
    assert.is(p.code, 125);
    assert.match(p.err, /strata does not support publishing ports \(80\/tcp\)/);
    await docker(["create", "--name", "hc", "-v", "hcdata:/d:rshared,z,nocopy", "toolbox", "true"]);
    const hc = await docker(["inspect", "--format", "{{.HostConfig.LogConfig.Type}} {{.HostConfig.NetworkMode}} {{.HostConfig.Runtime}} {{.HostConfig.ShmSize}}", "hc"]);
    assert.is(hc.out, "json-file none wasi 67108864\n", hc.err);
    await docker(["rm", "hc"]);
  });

  t("logs -t gives one timestamp per line, not per write", async () => {
    await docker(["run", "--name", "parts", "toolbox", "sh", "-c", "printf 'ls: '; printf 'cannot access x\\n'; printf 'last'"]);
    const r = await docker(["logs", "-t", "parts"]);
    assert.match(r.out, /^\S+Z ls: cannot access x\n\S+Z last$/);
    await docker(["rm", "parts"]);
  });

  t("system prune -f prints Docker's sections and total", async () => {
    await docker(["create", "--name", "stale", "toolbox", "true"]);
    const r = await docker(["system", "prune", "-f"]);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: \S+\n$/);
    assert.is((await docker(["ps", "-aq"])).out, "");
  });
}

t.run();
