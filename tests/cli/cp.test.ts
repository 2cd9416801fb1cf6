/**
 * `strata cp` both ways, daemonless (the engine in this process) and through a server,
 * with the docker CLI's meaning of each form (into a directory, to a new name, `dir/.`,
 * `-` both ways, `-L`, `-a`) and its messages.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { indexTar, writeTar } from "../../src/tar/mod.ts";
import { cli, tempHome, TOOLBOX } from "./_cli.ts";
import { startServer, type Started } from "../integration/_server.ts";

const t = suite("strata cp, daemonless and through a server");
const home = tempHome();
const local = join(home, "host");
const run = (argv: string[], o: { stdin?: string } = {}) => cli(argv, { home, ...o });
const latin1 = (b: Uint8Array) => String.fromCharCode(...b); // an all-ASCII tar as the string stdin the test terminal takes

t.before(async () => {
  assert.is((await run(["load", "-i", TOOLBOX])).code, 0);
  const c = await run(["run", "--name", "c1", "toolbox", "sh", "-c", "mkdir -p /srv/d/sub; echo a > /srv/d/a; echo b > /srv/d/sub/b; ln -s d /srv/ld; echo f > /srv/f"]);
  assert.is(c.code, 0, c.stderr);
  mkdirSync(join(local, "src/dir/inner"), { recursive: true });
  writeFileSync(join(local, "src/file.txt"), "from the host\n");
  writeFileSync(join(local, "src/dir/x"), "x\n");
  writeFileSync(join(local, "src/dir/inner/y"), "y\n");
  symlinkSync("file.txt", join(local, "src/link"));
});
t.after(() => rmSync(home, { recursive: true, force: true }));

t("out of a container: a file into a directory, a directory to a new name, dir/. into an existing one, a symlink as itself or followed with -L", async () => {
  const out = join(local, "out1");
  mkdirSync(out);
  for (const args of [["c1:/srv/f", out], ["c1:/srv/d", join(out, "renamed")], ["c1:/srv/d/.", out], ["c1:/srv/ld", out], ["-L", "c1:/srv/ld", join(out, "followed")]]) {
    const r = await run(["cp", ...args]);
    assert.equal([r.code, r.stdout, r.stderr], [0, "", ""], args.join(" ")); // no summary without a terminal, as docker
  }
  assert.is(readFileSync(join(out, "f"), "utf8"), "f\n");
  assert.is(readFileSync(join(out, "renamed/sub/b"), "utf8"), "b\n");
  assert.is(readFileSync(join(out, "a"), "utf8"), "a\n"); // the contents of d, not d
  assert.is(readlinkSync(join(out, "ld")), "d");
  assert.ok(statSync(join(out, "followed")).isDirectory() && !lstatSync(join(out, "followed")).isSymbolicLink());
  assert.is(readFileSync(join(out, "followed/a"), "utf8"), "a\n");
});

t("out of a container to -: the tar as the engine sends it", async () => {
  const r = await run(["cp", "c1:/srv/d", "-"]);
  assert.equal(indexTar(r.bytes).map((e) => e.path), ["d", "d/a", "d/sub", "d/sub/b"]);
});

t("into a container: a file into a directory or to a new name, a directory, dir/. into an existing one, a tar from stdin", async () => {
  const src = join(local, "src");
  for (const args of [[join(src, "file.txt"), "c1:/srv"], [join(src, "file.txt"), "c1:/srv/named.txt"], [join(src, "dir"), "c1:/srv/newdir"], [`${join(src, "dir")}/.`, "c1:/srv/d"], [join(src, "link"), "c1:/srv"]]) {
    const r = await run(["cp", ...args]);
    assert.equal([r.code, r.stderr], [0, ""], args.join(" "));
  }
  const piped = await run(["cp", "-", "c1:/srv"], { stdin: latin1(writeTar([{ path: "piped.txt", type: "file", data: new TextEncoder().encode("piped\n") }])) });
  assert.equal([piped.code, piped.stderr], [0, ""]);
  const tar = (await run(["cp", "c1:/srv", "-"])).bytes;
  const files = new Map(indexTar(tar).map((e) => [e.path, e]));
  const text = (p: string) => new TextDecoder().decode(files.get(p)!.data);
  assert.is(text("srv/file.txt"), "from the host\n");
  assert.is(text("srv/named.txt"), "from the host\n");
  assert.is(text("srv/newdir/inner/y"), "y\n");
  assert.is(text("srv/d/x"), "x\n"); // dir/. merged into d
  assert.is(text("srv/d/a"), "a\n"); // what d had stays
  assert.is(files.get("srv/link")!.linkname, "file.txt");
  assert.is(text("srv/piped.txt"), "piped\n");
});

t("the docker CLI's messages: the summary with --quiet=false, client-side refusals, the engine's errors", async () => {
  const src = join(local, "src");
  const loud = await run(["cp", "--quiet=false", join(src, "file.txt"), "c1:/tmp"]);
  assert.equal([loud.code, loud.stderr], [0, "Successfully copied 2.05kB to c1:/tmp\n"]);
  const quiet = await run(["cp", "-q", join(src, "file.txt"), "c1:/tmp"]);
  assert.equal([quiet.code, quiet.stderr], [0, ""]);
  const cases: Array<[string[], string, number]> = [
    [[join(src, "dir"), "c1:/srv/f"], "cannot copy directory\n", 1],
    [[join(src, "file.txt"), "c1:/srv/missing/"], "no such directory\n", 1],
    [["-", "c1:/srv/f"], `destination "c1:/srv/f" must be a directory\n`, 1],
    [[join(src, "file.txt"), "c1:/nope/x"], "Error response from engine: Could not find the file /nope in container c1\n", 1],
    [["c1:/nope", local], "Error response from engine: Could not find the file /nope in container c1\n", 1],
    [["c1:/srv/f", join(local, "no/such/dir/f")], `invalid output path: directory "${join(local, "no/such/dir")}" does not exist\n`, 1],
    [["c1:/a", "c2:/b"], "copying between containers is not supported\n", 1],
    [["a", "b"], "must specify at least one container source\n", 1],
    [[join(local, "nothing"), "c1:/tmp"], `lstat ${join(local, "nothing")}: no such file or directory\n`, 1],
  ];
  for (const [args, err, code] of cases) {
    const r = await run(["cp", ...args]);
    assert.equal([r.code, r.stderr], [code, err], args.join(" "));
  }
  const conflict = await run(["cp", "--quiet=false", join(src, "file.txt"), "c1:/srv/d/sub"]); // sub is a directory: the file goes in it
  assert.is(conflict.code, 0, conflict.stderr);
});

t("-a gives the files the container's user; without it they keep the archive's owner", async () => {
  assert.is((await run(["create", "--name", "u1", "-u", "nobody", "toolbox", "true"])).code, 0);
  const f = join(local, "src/file.txt");
  assert.is((await run(["cp", "-a", f, "u1:/tmp"])).code, 0);
  const [e] = indexTar((await run(["cp", "u1:/tmp/file.txt", "-"])).bytes);
  assert.equal([e!.uid, e!.gid], [65534, 65534]);
  assert.is((await run(["cp", f, "u1:/tmp/plain"])).code, 0);
  const [p] = indexTar((await run(["cp", "u1:/tmp/plain", "-"])).bytes);
  const st = statSync(f);
  assert.equal([p!.uid, p!.gid], [st.uid, st.gid]);
});

t("through a server (-H): both ways, the same answers", async () => {
  let server: Started | undefined;
  try {
    server = await startServer(); // it loads the sample images
    const remote = (argv: string[]) => cli(["-H", server!.url, ...argv], { home });
    assert.is((await remote(["create", "--name", "r1", "toolbox", "cat", "/tmp/file.txt"])).code, 0);
    const into = await remote(["cp", "--quiet=false", join(local, "src/file.txt"), "r1:/tmp"]);
    assert.equal([into.code, into.stderr], [0, "Successfully copied 2.05kB to r1:/tmp\n"]);
    const started = await remote(["start", "-a", "r1"]);
    assert.is(started.stdout, "from the host\n", started.stderr);
    const out = join(local, "out-remote");
    const back = await remote(["cp", "r1:/tmp/file.txt", out]);
    assert.is(back.code, 0, back.stderr);
    assert.is(readFileSync(out, "utf8"), "from the host\n");
  } finally {
    await server?.stop();
  }
});

t.run();
