/**
 * The real docker CLI's `docker cp` against the Node server (processes in workers), both
 * ways: files, directories, `dir/.`, `-` on stdin and stdout, `-L`, `-a`, into a running
 * and a stopped container, into a volume and a bind mount; its errors and its summary
 * on a terminal (through `script`, where it is installed).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shWaitFor, until } from "../_wait.ts";
import { runClient, type Started, startServer } from "./_server.ts";

const t = suite("docker cp (the real docker CLI) against the Node server");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
const hasScript = spawnSync("script", ["--version"]).status === 0;
let server: Started;
let dir: string;

const docker = (args: string[]) => runClient("docker", args, { env: { DOCKER_HOST: server.url }, timeoutMs: 30_000 });
/** A shell line with the docker CLI (pipes and redirections of binary tars). */
const sh = (line: string) => runClient("sh", ["-c", line], { env: { DOCKER_HOST: server.url }, timeoutMs: 30_000 });
const ok = async (args: string[]) => {
  const r = await docker(args);
  assert.is(r.code, 0, `docker ${args.join(" ")}: ${r.err}`);
  return r;
};

if (!hasDocker) {
  console.log("skip: the docker CLI is not installed; its docker cp tests are skipped");
  t.skip("docker cp", () => {});
} else {
  t.before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), "strata-docker-cp-"));
    mkdirSync(join(dir, "src/d/sub"), { recursive: true });
    writeFileSync(join(dir, "src/f.txt"), "hello from the host\n");
    writeFileSync(join(dir, "src/d/a"), "a\n");
    writeFileSync(join(dir, "src/d/sub/b"), "b\n");
    symlinkSync("f.txt", join(dir, "src/link"));
  });
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  t("into a running container (its program sees the files) and back out: files, directories, dir/., a symlink", async () => {
    await ok(["run", "-d", "--name", "live", "toolbox", "sh", "-c", `mkdir /w; echo started; ${shWaitFor("/w/go")}; cat /w/f.txt /w/d/sub/b /w/copied/a`]);
    await until(async () => (await docker(["logs", "live"])).out.includes("started"), { pollMs: 50, what: "the program to make /w" });
    await ok(["cp", join(dir, "src/f.txt"), "live:/w"]);
    await ok(["cp", join(dir, "src/d"), "live:/w/"]);
    await ok(["cp", `${join(dir, "src/d")}/.`, "live:/w/copied"]);
    await ok(["cp", join(dir, "src/link"), "live:/w"]);
    writeFileSync(join(dir, "go"), "");
    await ok(["cp", join(dir, "go"), "live:/w/go"]);
    assert.is((await ok(["wait", "live"])).out, "0\n");
    assert.is((await ok(["logs", "live"])).out, "started\nhello from the host\nb\na\n");
    const out = join(dir, "out1");
    await ok(["cp", "live:/w", out]);
    assert.is(readFileSync(join(out, "d/sub/b"), "utf8"), "b\n");
    assert.is(readlinkSync(join(out, "link")), "f.txt");
    await ok(["cp", "-L", "live:/w/link", join(dir, "followed.txt")]);
    assert.ok(!lstatSync(join(dir, "followed.txt")).isSymbolicLink());
    assert.is(readFileSync(join(dir, "followed.txt"), "utf8"), "hello from the host\n");
  });

  t("a stopped container, and - as a tar on stdin and stdout", async () => {
    await ok(["create", "--name", "still", "toolbox", "cat", "/tmp/in/f.txt"]);
    const notDir = await sh(`tar -cf - -C ${join(dir, "src")} f.txt | docker cp - still:/etc/motd`);
    assert.equal([notDir.code, notDir.err], [1, `destination "still:/etc/motd" must be a directory\n`]);
    await ok(["cp", join(dir, "src/d"), "still:/tmp/in"]); // d becomes /tmp/in
    assert.is((await sh(`tar -cf - -C ${join(dir, "src")} f.txt | docker cp - still:/tmp/in`)).code, 0);
    assert.is((await ok(["start", "-a", "still"])).out, "hello from the host\n");
    const tarFile = join(dir, "out.tar");
    assert.is((await sh(`docker cp still:/tmp/in - > ${tarFile}`)).code, 0);
    const listed = spawnSync("tar", ["-tf", tarFile], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).sort();
    assert.equal(listed, ["in/", "in/a", "in/f.txt", "in/sub/", "in/sub/b"]);
  });

  t("copies land in a volume and in a bind mount", async () => {
    const bind = join(dir, "bind");
    mkdirSync(bind);
    await ok(["create", "--name", "mounts", "-v", "cpvol:/data", "-v", `${bind}:/mnt`, "toolbox", "sh", "-c", "cat /data/f.txt /mnt/f.txt"]);
    await ok(["cp", join(dir, "src/f.txt"), "mounts:/data/"]);
    await ok(["cp", join(dir, "src/f.txt"), "mounts:/mnt/"]);
    assert.is(readFileSync(join(bind, "f.txt"), "utf8"), "hello from the host\n");
    assert.is((await ok(["start", "-a", "mounts"])).out, "hello from the host\nhello from the host\n");
    assert.is((await ok(["run", "--rm", "-v", "cpvol:/v", "toolbox", "cat", "/v/f.txt"])).out, "hello from the host\n");
    assert.equal((await ok(["diff", "mounts"])).out, "A /data\nA /mnt\n");
  });

  t("-a gives the container's user; errors are the docker CLI's and the engine's", async () => {
    await ok(["create", "--name", "owned", "-u", "nobody", "toolbox", "true"]);
    await ok(["cp", "-a", join(dir, "src/f.txt"), "owned:/tmp"]);
    const list = await sh("docker cp owned:/tmp/f.txt - | tar -tvf - --numeric-owner");
    assert.match(list.out, /65534\/65534/);
    const missing = await docker(["cp", "owned:/nope", dir]);
    assert.equal([missing.code, missing.err], [1, "Error response from daemon: Could not find the file /nope in container owned\n"]);
    const dirOnFile = await docker(["cp", join(dir, "src/d"), "owned:/tmp/f.txt"]);
    assert.is(dirOnFile.code, 1);
    // The engine's refusal, and the CLI's own log lines about its closed pipe, which a goroutine
    // of its may print before or after it.
    const lines = dirOnFile.err.trimEnd().split("\n");
    assert.ok(lines.includes("cannot copy directory"), dirOnFile.err);
    assert.ok(lines.every((l) => l === "cannot copy directory" || /^time="[^"]+" level=error msg=/.test(l)), dirOnFile.err);
    const conflict = await docker(["cp", join(dir, "src/f.txt"), "owned:/tmp/f.txt/"]);
    assert.is(conflict.code, 1);
  });

  t("on a terminal it says what it copied, in the docker CLI's words", async () => {
    if (!hasScript) return console.log("skip: no script(1) to give the docker CLI a terminal");
    const run = (line: string) => spawnSync("script", ["-q", "-c", line, "/dev/null"], { env: { ...process.env, DOCKER_HOST: server.url }, encoding: "utf8", timeout: 30_000 });
    assert.match(run(`docker cp ${join(dir, "src/f.txt")} owned:/tmp/said`).stdout, /Successfully copied 2\.05kB to owned:\/tmp\/said/);
    assert.match(run(`docker cp owned:/tmp/said ${join(dir, "said")}`).stdout, /Successfully copied 2\.05kB to .*said/);
  });
}

t.run();
