/**
 * The real docker CLI with restart policies, `docker update`, `--read-only` and
 * `--tmpfs` against the Node server; and `always`/`unless-stopped` containers started
 * again when a server opens the same store.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "../_wait.ts";
import { runClient, type Started, startServer } from "./_server.ts";

const t = suite("the real docker CLI: restart policies, update, --read-only, --tmpfs");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
let server: Started;

const dockerAt = (url: string) => (args: string[]) => runClient("docker", args, { env: { DOCKER_HOST: url }, timeoutMs: 20_000 });
const docker = (args: string[]) => dockerAt(server.url)(args);

/** Wait until `docker inspect -f format name` prints `want` (or what `want` accepts). */
async function inspectUntil(name: string, format: string, want: string | ((s: string) => boolean)): Promise<void> {
  let last = "";
  const ok = typeof want === "string" ? (s: string) => s === want : want;
  await until(async () => ok(last = (await docker(["inspect", "-f", format, name])).out.trim()), {
    pollMs: 100, what: () => `${name} to show ${JSON.stringify(want)} for ${format} (last: ${JSON.stringify(last)})`,
  });
}

if (!hasDocker) {
  console.log("skip: the docker CLI is not installed; its restart-policy tests are skipped");
  t.skip("docker CLI restart policies", () => {});
} else {
  t.before(async () => {
    server = await startServer();
  });
  t.after(async () => {
    await server.stop();
  });

  t("run --restart on-failure:2 of a failing program: its status, then two restarts, then exited", async () => {
    const r = await docker(["run", "--name", "fails", "--restart", "on-failure:2", "toolbox", "sh", "-c", "exit 3"]);
    assert.is(r.code, 3, r.err);
    await inspectUntil("fails", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}", "2 exited 3");
    assert.is((await docker(["inspect", "-f", "{{json .HostConfig.RestartPolicy}}", "fails"])).out, `{"Name":"on-failure","MaximumRetryCount":2}\n`);
    assert.is((await docker(["rm", "fails"])).code, 0);
  });

  t("a restarting container: ps shows Restarting, rm refuses it as Docker does, rm -f removes it", async () => {
    assert.is((await docker(["run", "-d", "--name", "loop", "--restart", "always", "toolbox", "sh", "-c", "exit 4"])).code, 0);
    // Past the 4th restart the next waits 1.6 s (the backoff doubles): time to look at it while it waits.
    await inspectUntil("loop", "{{.State.Status}} {{.State.Restarting}} {{.RestartCount}}", (s) => /^restarting true ([4-9]|\d\d)$/.test(s));
    const ps = await docker(["ps", "--filter", "status=restarting", "--format", "{{.Names}} {{.Status}}"]);
    assert.match(ps.out, /^loop Restarting \(4\) /);
    const rm = await docker(["rm", "loop"]);
    assert.is(rm.code, 1);
    assert.match(rm.err, /cannot remove container "\/loop": container is restarting: stop the container before removing or force remove/);
    assert.is((await docker(["rm", "-f", "loop"])).code, 0);
    assert.is((await docker(["ps", "-aq", "--filter", "name=loop"])).out, "");
  });

  t("--restart with --rm is the docker CLI's conflict; a bad policy is the daemon's 400", async () => {
    const rm = await docker(["run", "--rm", "--restart", "always", "toolbox", "true"]);
    assert.is(rm.code, 125);
    assert.match(rm.err, /conflicting options: cannot specify both --restart and --rm/);
    const bad = await docker(["run", "--restart", "sometimes", "toolbox", "true"]);
    assert.is(bad.code, 125);
    assert.match(bad.err, /invalid restart policy: unknown policy 'sometimes'/);
  });

  t("--read-only: writes to the rootfs fail with Read-only file system; a --tmpfs stays writable", async () => {
    const ro = await docker(["run", "--rm", "--read-only", "toolbox", "touch", "/x"]);
    assert.is(ro.code, 1);
    assert.match(ro.err, /touch: cannot touch '\/x': Read-only file system/);
    const tmp = await docker(["run", "--rm", "--read-only", "--tmpfs", "/t", "toolbox", "sh", "-c", "echo hi > /t/f && cat /t/f"]);
    assert.equal([tmp.code, tmp.out], [0, "hi\n"]);
    const mount = await docker(["run", "--rm", "--mount", "type=tmpfs,target=/m,tmpfs-mode=1770", "toolbox", "sh", "-c", "grep ' /m ' /proc/mounts"]);
    assert.match(mount.out, /^tmpfs \/m tmpfs rw,.*mode=1770 0 0\n$/);
  });

  t("docker update and docker container update: memory and restart policy; unenforced limits warn", async () => {
    assert.is((await docker(["create", "--name", "upd", "toolbox", "true"])).code, 0);
    const u = await docker(["update", "-m", "64m", "--restart", "on-failure:5", "upd"]);
    assert.equal([u.code, u.out], [0, "upd\n"], u.err);
    assert.is((await docker(["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}", "upd"])).out, "67108864 on-failure:5\n");
    const warn = await docker(["container", "update", "--cpu-shares", "100", "upd"]);
    assert.equal([warn.code, warn.out], [0, "upd\nstrata does not enforce CpuShares: the limit was discarded\n"]); // the docker CLI prints warnings on stdout
    assert.is((await docker(["rm", "upd"])).code, 0);
  });

  t("a server opening its store again starts always containers and unless-stopped ones the user did not stop", async () => {
    const home = mkdtempSync(join(tmpdir(), "strata-restart-home-"));
    let first: Started | undefined, second: Started | undefined;
    try {
      first = await startServer([], { env: { STRATA_HOME: home } });
      const d1 = dockerAt(first.url);
      for (const [name, policy] of [["keep", "always"], ["stays", "unless-stopped"], ["halted", "unless-stopped"], ["plain", "no"]]) {
        assert.is((await d1(["run", "-d", "--name", name!, "--restart", policy!, "probes", "spin"])).code, 0);
      }
      assert.is((await d1(["stop", "-t", "0", "halted"])).code, 0);
      await first.stop(); // SIGTERM: the server stops the running ones; that exit counts for nothing
      first = undefined;
      second = await startServer([], { env: { STRATA_HOME: home } });
      const ps = await dockerAt(second.url)(["ps", "--format", "{{.Names}}"]);
      assert.equal(ps.out.trim().split("\n").sort(), ["keep", "stays"]);
      assert.is((await dockerAt(second.url)(["inspect", "-f", "{{.RestartCount}}", "keep"])).out, "0\n");
    } finally {
      await first?.stop();
      await second?.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
}

t.run();
