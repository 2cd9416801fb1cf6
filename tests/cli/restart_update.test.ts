/**
 * The daemonless CLI's --restart, --read-only and --tmpfs, and `strata update`: the flags
 * as the docker CLI reads them, and what the engine makes of them.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { rmSync } from "node:fs";
import { cli, tempHome, TOOLBOX } from "./_cli.ts";

const t = suite("strata --restart, --read-only, --tmpfs and update");
const home = tempHome();
const run = (argv: string[]) => cli(argv, { home });

t.before(async () => {
  const r = await run(["load", "-i", TOOLBOX]);
  assert.is(r.code, 0, r.stderr);
});
t.after(() => rmSync(home, { recursive: true, force: true }));

t("run --read-only: a write to the rootfs fails with Read-only file system; --tmpfs stays writable", async () => {
  const r = await run(["run", "--rm", "--read-only", "--tmpfs", "/t:size=1m", "toolbox", "sh", "-c", "echo ok > /t/f && cat /t/f; touch /x"]);
  assert.equal([r.code, r.stdout, r.stderr], [1, "ok\n", "touch: cannot touch '/x': Read-only file system\n"]);
});

t("--restart is sent as Docker's RestartPolicy; a bad one is refused as docker refuses it", async () => {
  const c = await run(["create", "--name", "pol", "--restart", "on-failure:3", "toolbox", "true"]);
  assert.is(c.code, 0, c.stderr);
  const policy = await run(["inspect", "-f", "{{json .HostConfig.RestartPolicy}}", "pol"]);
  assert.is(policy.stdout, `{"Name":"on-failure","MaximumRetryCount":3}\n`);
  // create, not run: a run with a restart policy goes through a (background) server, as run -d does.
  const bad = await run(["create", "--restart", "always:2", "toolbox", "true"]);
  assert.is(bad.code, 125);
  assert.match(bad.stderr, /invalid restart policy: maximum retry count can only be used with 'on-failure'/);
  const format = await run(["create", "--restart", "on-failure:x", "toolbox", "true"]);
  assert.equal([format.code, format.stderr.trim()], [125, "invalid restart policy format: maximum retry count must be an integer"]);
  const rm = await run(["run", "--rm", "--restart", "always", "toolbox", "true"]);
  assert.equal([rm.code, rm.stderr.trim()], [125, "strata: conflicting options: cannot specify both --restart and --rm"]);
});

t("update sets the memory limit and the restart policy, prints the name, and warns (on stdout, as docker) about limits strata does not enforce", async () => {
  const u = await run(["update", "-m", "32m", "--restart", "unless-stopped", "--cpu-shares", "512", "pol"]);
  assert.equal([u.code, u.stdout, u.stderr], [0, "pol\nstrata does not enforce CpuShares: the limit was discarded\n", ""]);
  const hc = await run(["container", "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}", "pol"]);
  assert.is(hc.stdout, "33554432 unless-stopped\n");
  const none = await run(["update", "pol"]);
  assert.equal([none.code, none.stderr.trim()], [1, "strata: you must provide one or more flags when using this command"]);
  const missing = await run(["container", "update", "--restart", "no", "nope"]);
  assert.equal([missing.code, missing.stderr.trim()], [1, "Error response from daemon: No such container: nope"]);
});

t.run();
