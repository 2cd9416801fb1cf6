/** strata stats, top, pause and unpause: the docker CLI's figures and tables, through a server (-H). */
import { rmSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bytesSize, statsView } from "../../server/cli/verbs_proc.ts";
import { startServer, type Started } from "../integration/_server.ts";
import { until } from "../_wait.ts";
import { cli, tempHome } from "./_cli.ts";

const t = suite("strata stats, top, pause");

t("statsView computes CPU %, memory and block I/O as the docker CLI does", () => {
  const v = statsView({
    id: "0123456789abcdef", name: "/web",
    cpu_stats: { cpu_usage: { total_usage: 300_000_000 }, system_cpu_usage: 4_000_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 100_000_000 }, system_cpu_usage: 2_000_000_000 },
    memory_stats: { usage: 3 * 2 ** 20, limit: 64 * 2 ** 20, stats: { inactive_file: 2 ** 20 } },
    blkio_stats: { io_service_bytes_recursive: [{ op: "read", value: 1500 }, { op: "Write", value: 2_000_000 }] },
    pids_stats: { current: 3 },
  }, "web");
  assert.equal(v, {
    Container: "web", ID: "0123456789ab", Name: "web", CPUPerc: "20.00%", MemUsage: "2MiB / 64MiB", MemPerc: "3.13%",
    NetIO: "0B / 0B", BlockIO: "1.5kB / 2MB", PIDs: "3",
  });
  assert.is(statsView({}, "x").CPUPerc, "0.00%"); // a stopped container's zeros
  assert.equal([bytesSize(1572864), bytesSize(4 * 2 ** 30), bytesSize(0)], ["1.5MiB", "4GiB", "0B"]);
});

t("stats --no-stream, top, pause and unpause of a container in a server", async () => {
  const home = tempHome();
  let server: Started | undefined;
  try {
    server = await startServer();
    const s = (argv: string[]) => cli(["-H", server!.url, ...argv], { home });
    const started = await s(["run", "-d", "--name", "wk", "toolbox", "sh", "-c", "/bin/toolbox sleep 60"]);
    assert.is(started.code, 0, started.stderr);
    const st = await s(["stats", "--no-stream", "wk"]);
    assert.is(st.code, 0, st.stderr);
    assert.match(st.stdout, /^CONTAINER ID   NAME      CPU %     MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n[0-9a-f]{12}   wk\s+\d+\.\d\d%/);
    assert.match((await s(["stats", "--no-stream", "--format", "{{.Container}}: {{.MemUsage}}"])).stdout, /^[0-9a-f]{12}: .* \/ 4GiB\n$/);
    const top = await until(async () => {
      const r = await s(["top", "wk"]);
      return r.stdout.trimEnd().split("\n").length === 3 ? r : undefined;
    }, { what: "the spawned child in strata top", pollMs: 50 });
    assert.match(top.stdout, /^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD\nroot {16}1 {19}0 /);
    assert.match(top.stdout, /\nroot {16}2 {19}1 .*\/bin\/toolbox sleep 60\n$/);
    assert.match((await s(["top", "wk", "aux"])).stdout, /^USER\s+PID\s+%CPU/);
    const bad = await s(["top", "wk", "-o", "pid"]);
    assert.equal([bad.code, bad.stderr], [1, `Error response from daemon: Error running ps: exit status 1: strata's top takes the ps arguments -ef (the default) and aux, in their spellings (-e -f, -A, -aux, ux…), not "-o pid"\n`]);
    assert.is((await s(["pause", "wk"])).stdout, "wk\n");
    assert.match((await s(["ps", "--format", "{{.Names}} {{.State}} {{.Status}}"])).stdout, /^wk paused Up .* \(Paused\)\n$/);
    const again = await s(["pause", "wk"]);
    assert.equal([again.code, again.stdout], [1, ""]);
    assert.match(again.stderr, /^Error response from daemon: container [0-9a-f]{64} is already paused\n$/);
    assert.is((await s(["unpause", "wk"])).stdout, "wk\n");
    assert.match((await s(["unpause", "wk"])).stderr, /is not paused/);
    assert.is((await s(["rm", "-f", "wk"])).code, 0);
    const gone = await s(["stats", "--no-stream", "wk"]);
    assert.equal([gone.code, gone.stderr], [1, "Error response from daemon: No such container: wk\n"]);
  } finally {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

t.run();
