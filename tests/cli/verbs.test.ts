import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { indexTar } from "../../src/tar/mod.ts";
import { loadVerb } from "../../server/cli/_verb.ts";
import { VERBS } from "../../server/cli/main.ts";
import { cli, tempHome, TOOLBOX } from "./_cli.ts";

const verbs = suite("strata verbs, daemonless on a disk store");
const home = tempHome();
const run = (argv: string[], o: { stdin?: string } = {}) => cli(argv, { home, ...o });

verbs.after(() => rmSync(home, { recursive: true, force: true }));

verbs("load prints the loaded tag, and images lists it with docker's columns", async () => {
  const r = await run(["load", "-i", TOOLBOX]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, "Loaded image: toolbox:latest\n");
  const imgs = await run(["images"]);
  const [head, row] = imgs.stdout.split("\n");
  assert.is(head, "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE");
  assert.match(row!, /^toolbox      latest    [0-9a-f]{12}   .+ ago +\d+(\.\d+)?kB$/);
});

verbs("run prints stdout and stderr apart and exits with the program's status", async () => {
  const r = await run(["run", "--rm", "toolbox", "sh", "-c", "echo hi > /tmp/x; cat /tmp/x; echo oops >&2; exit 3"]);
  assert.is(r.stdout, "hi\n");
  assert.is(r.stderr, "oops\n");
  assert.is(r.code, 3);
});

verbs("run -i passes stdin to the program", async () => {
  const r = await run(["run", "-i", "--rm", "toolbox", "sh", "-c", "read x; echo got $x"], { stdin: "piped\n" });
  assert.is(r.stdout, "got piped\n", r.stderr);
  assert.is(r.code, 0);
});

verbs("a missing program exits 127, a missing image 125, as docker run does", async () => {
  const r = await run(["run", "--rm", "toolbox", "no-such-program"]);
  assert.is(r.code, 127);
  assert.match(r.stderr, /executable file not found/);
  const img = await run(["run", "--rm", "nope:1"]);
  assert.is(img.code, 125);
  // The pull that follows fails: Docker Hub is unreachable here, or refuses a name that does not exist.
  assert.match(img.stderr, /^Unable to find image 'nope:1' locally\nstrata: Error response from engine: .*nope/);
});

verbs("the tour: diff shows the new files, commit makes an image that runs, ps -s shows size and virtual size", async () => {
  assert.is((await run(["run", "--name", "c1", "toolbox", "sh", "-c", "echo data > /hello.txt; mkdir /d; echo x > /d/y"])).code, 0);
  assert.is((await run(["diff", "c1"])).stdout, "A /d\nA /d/y\nA /hello.txt\n");
  const commit = await run(["commit", "-m", "add hello", "c1", "mine:v1"]);
  assert.match(commit.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.is((await run(["run", "--rm", "mine:v1", "cat", "/hello.txt"])).stdout, "data\n");
  const ps = await run(["ps", "-a", "-s"]);
  const lines = ps.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^CONTAINER ID   IMAGE     COMMAND                  CREATED +STATUS +PORTS     NAMES     SIZE$/);
  assert.match(lines[1]!, /^[0-9a-f]{12}   toolbox   "sh -c echo data > \/…"   .+ ago +Exited \(0\) .+ ago +c1        \d+B \(virtual \d+(\.\d+)?kB\)$/);
});

verbs("ps --format, -q and --filter select and shape rows", async () => {
  const f = await run(["ps", "-a", "--format", "{{.Names}} {{.State}}", "--filter", "name=c1"]);
  assert.is(f.stdout, "c1 exited\n");
  const q = await run(["ps", "-aq"]);
  assert.match(q.stdout, /^[0-9a-f]{12}\n$/);
  const json = JSON.parse((await run(["ps", "-a", "--format", "json"])).stdout) as Record<string, string>;
  assert.is(json["Names"], "c1");
  const table = await run(["ps", "-a", "--format", "table {{.Names}}\t{{.Status}}"]);
  assert.match(table.stdout, /^NAMES     STATUS\nc1        Exited \(0\) /);
});

verbs("images --format renders each tag, inspect -f reads fields", async () => {
  assert.is((await run(["images", "--format", "{{.Repository}}:{{.Tag}}"])).stdout.split("\n").sort().join(" ").trim(), "mine:v1 toolbox:latest");
  assert.is((await run(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.Name}}", "c1"])).stdout, "exited 0 /c1\n");
  const img = JSON.parse((await run(["inspect", "mine:v1"])).stdout) as Array<{ Comment: string }>;
  assert.is(img[0]!.Comment, "add hello");
  const none = await run(["inspect", "nothing-here"]);
  assert.is(none.stdout, "[]\n");
  assert.is(none.stderr, "Error: No such object: nothing-here\n");
  assert.is(none.code, 1);
});

verbs("logs replays the output; tag, history and rmi manage images", async () => {
  assert.is((await run(["run", "--name", "talker", "toolbox", "sh", "-c", "echo one; echo two >&2"])).code, 0);
  const logs = await run(["logs", "talker"]);
  assert.is(logs.stdout, "one\n");
  assert.is(logs.stderr, "two\n");
  assert.is((await run(["logs", "--tail", "1", "talker"])).stderr, "two\n");
  assert.is((await run(["tag", "mine:v1", "other:v2"])).code, 0);
  const hist = await run(["history", "other:v2"]);
  assert.match(hist.stdout, /^IMAGE          CREATED +CREATED BY +SIZE +COMMENT\n[0-9a-f]{12}   /);
  assert.match(hist.stdout, /add hello/);
  assert.is((await run(["rmi", "other:v2"])).stdout, "Untagged: other:v2\n");
});

verbs("export and cp give tar streams of the container's files; cp extracts into a directory", async () => {
  const out = join(home, "c1.tar");
  assert.is((await run(["export", "-o", out, "c1"])).code, 0);
  const paths = indexTar(new Uint8Array(readFileSync(out))).map((e) => e.path);
  assert.ok(paths.includes("hello.txt") && paths.includes("bin/sh"), paths.slice(0, 5).join(","));
  const cp = await run(["cp", "c1:/d", "-"]);
  assert.equal(indexTar(cp.bytes).map((e) => e.path), ["d", "d/y"]);
  const dir = join(home, "out");
  mkdirSync(dir);
  const x = await run(["cp", "c1:/d", dir]);
  assert.is(x.code, 0, x.stderr);
  assert.is(readFileSync(join(dir, "d", "y"), "utf8"), "x\n");
});

verbs("volumes: create, ls, inspect, use from two containers, rm", async () => {
  assert.is((await run(["volume", "create", "data"])).stdout, "data\n");
  assert.is((await run(["run", "--rm", "-v", "data:/data", "toolbox", "sh", "-c", "echo kept > /data/f"])).code, 0);
  assert.is((await run(["run", "--rm", "-v", "data:/data", "toolbox", "cat", "/data/f"])).stdout, "kept\n");
  assert.match((await run(["volume", "ls"])).stdout, /^DRIVER    VOLUME NAME\nlocal     data\n/);
  assert.is((await run(["volume", "inspect", "-f", "{{.Name}} {{.Driver}}", "data"])).stdout, "data local\n");
  assert.is((await run(["volume", "rm", "data"])).stdout, "data\n");
  assert.is((await run(["volume", "ls", "-q"])).stdout, "");
});

verbs("save and load carry an image to another store", async () => {
  const tar = join(home, "mine.tar");
  assert.is((await run(["save", "-o", tar, "mine:v1"])).code, 0);
  const other = tempHome();
  try {
    assert.is((await cli(["load", "-i", tar], { home: other })).stdout, "Loaded image: mine:v1\n");
    assert.is((await cli(["run", "--rm", "mine:v1", "cat", "/hello.txt"], { home: other })).stdout, "data\n");
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

verbs("system df, events, version and info describe the engine", async () => {
  const df = await run(["system", "df"]);
  assert.match(df.stdout, /^TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\nImages          2         1 +/);
  assert.match(df.stdout, /\nContainers      2         0 +\d+B +\d+B \(100%\)\n/);
  // Daemonless, an engine lives for one command: its events are its own (see remote.test.ts for a server's).
  const ev = await run(["events", "--since", "1h", "--until", "0s"]);
  assert.is(ev.code, 0, ev.stderr);
  assert.match((await run(["version"])).stdout, /^Client:\n Version: +0\.1\.0\n[\s\S]*\nServer: strata\n Engine:\n  Version: /);
  assert.match((await run(["info"])).stdout, /\n Containers: 2\n  Running: 0\n/);
});

verbs("rm of a missing container is the daemon's error with status 1; prune removes the stopped ones", async () => {
  const r = await run(["rm", "nope"]);
  assert.is(r.stderr, "Error response from engine: No such container: nope\n");
  assert.is(r.code, 1);
  assert.is((await run(["rm", "talker"])).stdout, "talker\n");
  const pr = await run(["container", "prune", "-f"]);
  assert.match(pr.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
  assert.is((await run(["ps", "-aq"])).stdout, "");
});

verbs("usage errors exit 125 (flags) and 1 (arguments) with docker's wording", async () => {
  const flagErr = await run(["ps", "--bogus"]);
  assert.is(flagErr.code, 125);
  assert.is(flagErr.stderr, "unknown flag: --bogus\n\nUsage:  strata ps [OPTIONS]\n\nRun 'strata ps --help' for more information\n");
  const argErr = await run(["rm"]);
  assert.is(argErr.code, 1);
  assert.match(argErr.stderr, /^strata: 'strata rm' requires at least 1 argument\n/);
  assert.is((await run(["frob"])).code, 1);
  assert.ok(!existsSync(join(home, "lock")), "the store's lock is released after each command");
});

verbs("every verb and sub-command has --help", async () => {
  const all = (await Promise.all(VERBS.map(loadVerb))).flatMap((v) => [[v.name], ...(v.sub ?? []).map((s) => [v.name, s.name])]);
  for (const path of all) {
    const r = await run([...path, "--help"]);
    assert.is(r.code, 0, path.join(" "));
    assert.ok(r.stdout.startsWith(`Usage:  strata ${path.join(" ")} `), `${path.join(" ")}: ${r.stdout.slice(0, 60)}`);
  }
  assert.match((await run(["--help"])).stdout, /Common Commands:\n  run  /);
});

verbs.run();
