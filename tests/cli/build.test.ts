/**
 * `strata build`, daemonless (the engine in the command's process, on a disk store): the
 * docker CLI's classic build output, the exit status of a failed RUN, -q, --iidfile,
 * a Dockerfile on stdin (with and without a context), and .dockerignore on the client.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cli, tempHome, TOOLBOX } from "./_cli.ts";

const t = suite("strata build, daemonless");
const FIXTURES = fileURLToPath(new URL("../build/", import.meta.url));
const home = tempHome();
const work = mkdtempSync(join(tmpdir(), "strata-build-cli-"));
const strata = (argv: string[], o: { stdin?: string } = {}) => cli(argv, { home, ...o });

t.before(async () => void (await strata(["load", "-i", TOOLBOX])));
t.after(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

t("build -t prints the classic builder's output and the image runs", async () => {
  const r = await strata(["build", "-t", "cached", join(FIXTURES, "cache")]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Sending build context to Docker daemon {2}\d+(?:\.\d+)?kB\nStep 1\/5 : FROM toolbox\n ---> [a-f0-9]{12}\nStep 2\/5 : RUN echo before > \/before.txt\n ---> Running in ([a-f0-9]{12})\n ---> Removed intermediate container \1\n/, r.stdout);
  assert.match(r.stdout, /Successfully built [a-f0-9]{12}\nSuccessfully tagged cached:latest\n$/);
  assert.is((await strata(["run", "--rm", "cached"])).stdout, "before\ndata v1\ndata v1\n");
  const again = await strata(["build", "-t", "cached", join(FIXTURES, "cache")]);
  assert.is(again.stdout.match(/Using cache/g)?.length, 4);
});

t("a failed RUN exits with its status, its message on stderr; -q prints the id alone, --iidfile writes it", async () => {
  writeFileSync(join(work, "Dockerfile"), "FROM toolbox\nRUN exit 6\n");
  const bad = await strata(["build", work]);
  assert.is(bad.code, 6);
  assert.is(bad.stderr, "The command '/bin/sh -c exit 6' returned a non-zero code: 6\n");
  const iid = join(work, "iid");
  const q = await strata(["build", "-q", "--iidfile", iid, join(FIXTURES, "cache")]);
  assert.match(q.stdout, /^sha256:[a-f0-9]{64}\n$/, q.stderr);
  assert.is(readFileSync(iid, "utf8"), q.stdout); // -q: the docker CLI writes what it printed
});

t("a Dockerfile from stdin: alone (build -), or with a context (-f -), which a .dockerignore keeps out of COPY", async () => {
  const alone = await strata(["build", "-t", "alone", "-"], { stdin: "FROM toolbox\nENV FROM=stdin\n" });
  assert.is(alone.code, 0, alone.stderr);
  const withCtx = await strata(["build", "-t", "withctx", "-f", "-", join(FIXTURES, "cache")], { stdin: "FROM toolbox\nCOPY . /ctx/\n" });
  assert.is(withCtx.code, 0, withCtx.stderr);
  // The docker CLI sends the Dockerfile under a random name that a .dockerignore it makes lists (that one is sent).
  assert.is((await strata(["run", "--rm", "withctx", "ls", "-a", "/ctx"])).stdout, ".\n..\n.dockerignore\nDockerfile\ndata.txt\n");
});

t(".dockerignore is applied before the context is sent", async () => {
  const r = await strata(["build", "-t", "ign", join(FIXTURES, "ignore")]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /\/ctx: \. \.\. \.dockerignore Dockerfile file\.txt keep\.bak /);
  const missing = await strata(["build", join(work, "nope")]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /unable to prepare context: path ".*nope" not found/);
});

t.run();
