/**
 * `docker build` with the real docker CLI (DOCKER_BUILDKIT=0, and plain, where the CLI
 * falls back to the classic builder without buildx) and dockerode's buildImage, against
 * the Node server, on the Dockerfiles of tests/build/.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { until } from "../_wait.ts";
import { contextOf } from "../engine/_build.ts";
import { runClient, type Started, startServer } from "./_server.ts";

const t = suite("docker build, real clients");
const FIXTURES = fileURLToPath(new URL("../build/", import.meta.url));
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
// deno-lint-ignore no-explicit-any
type Any = any;
let Docker: Any;
try {
  Docker = (await import("dockerode")).default;
} catch (err) {
  console.log(`skip: dockerode does not load here (${(err as Error).message.split("\n")[0]})`);
}
let server: Started;
let dir: string;

const docker = (args: string[], o: { input?: string; classic?: boolean } = {}) =>
  runClient("docker", args, { env: { DOCKER_HOST: server.url, ...(o.classic === false ? {} : { DOCKER_BUILDKIT: "0" }) }, input: o.input, timeoutMs: 60_000 });

if (!hasDocker && !Docker) {
  console.log("skip: neither the docker CLI nor dockerode is here; docker build's client tests are skipped");
  t.skip("docker build with real clients", () => {});
} else {
  t.before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), "strata-build-"));
  });
  t.after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  if (!hasDocker) console.log("skip: the docker CLI is not installed; its build tests are skipped");
  else {
    t("DOCKER_BUILDKIT=0 docker build -t: the classic builder's output, an image that runs, and the cache the second time", async () => {
      const b = await docker(["build", "-t", "every:cli", "--build-arg", "WHO=cli", join(FIXTURES, "every")]);
      assert.is(b.code, 0, b.err);
      assert.match(b.out, /^Sending build context to Docker daemon {2}\d+(\.\d+)?kB\r*\nStep 1\/19 : ARG BASE=toolbox\nStep 2\/19 : FROM \$\{BASE\} AS base\n ---> [a-f0-9]{12}\n/);
      assert.match(b.out, /Step 10\/19 : RUN echo "\$GREETING, \$TARGET" > \/app\/said.txt\n ---> Running in ([a-f0-9]{12})\n ---> Removed intermediate container \1\n/);
      assert.match(b.out, /Successfully built ([a-f0-9]{12})\nSuccessfully tagged every:cli\n$/);
      assert.is((await docker(["run", "--rm", "every:cli"])).out, "hello there, cli\n");
      const again = await docker(["build", "-t", "every:cli", "--build-arg", "WHO=cli", join(FIXTURES, "every")]);
      assert.is(again.out.match(/ ---> Using cache/g)?.length, 17, again.out);
      assert.match((await docker(["history", "every:cli"])).out, /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT\n[a-f0-9]{12} +.+ago +\/bin\/sh -c #\(nop\) {2}CMD \["\/app\/said.txt"\]/);
      const images = (await docker(["images", "--format", "{{.Repository}}"])).out;
      assert.not.match(images, /<none>/, "intermediate images are hidden");
      assert.match((await docker(["images", "-a", "--format", "{{.Repository}}"])).out, /<none>/);
    });

    t("plain docker build falls back to the classic builder; a failing RUN exits with its code and tags nothing", async () => {
      writeFileSync(join(dir, "Dockerfile"), "FROM toolbox\nRUN echo about to fail && exit 3\n");
      const b = await docker(["build", "-t", "failing", dir], { classic: false });
      assert.is(b.code, 3, b.out + b.err);
      assert.match(b.out, /about to fail\n/);
      assert.match(b.err, /The command '\/bin\/sh -c echo about to fail && exit 3' returned a non-zero code: 3/);
      assert.is((await docker(["images", "-q", "failing"])).out, "");
      assert.is((await docker(["ps", "-aq"])).out, "");
    });

    t("-q prints the id alone; - reads a Dockerfile from stdin; -f - reads it with a context", async () => {
      const q = await docker(["build", "-q", join(FIXTURES, "cache")]);
      assert.match(q.out, /^sha256:[a-f0-9]{64}\n$/, q.err);
      const stdin = await docker(["build", "-t", "fromstdin", "-"], { input: "FROM toolbox\nRUN echo from stdin > /s\n" });
      assert.is(stdin.code, 0, stdin.err);
      assert.is((await docker(["run", "--rm", "fromstdin", "cat", "/s"])).out, "from stdin\n");
      const withContext = await docker(["build", "-t", "withctx", "-f", "-", join(FIXTURES, "cache")], { input: "FROM toolbox\nCOPY data.txt /d\n" });
      assert.is(withContext.code, 0, withContext.err);
      assert.is((await docker(["run", "--rm", "withctx", "cat", "/d"])).out, "data v1\n");
    });

    t("--target, .dockerignore, a multi-stage build", async () => {
      const m = await docker(["build", "-t", "multi", join(FIXTURES, "multistage")]);
      assert.is(m.code, 0, m.err);
      const s = await docker(["build", "-t", "second", "--target", "second", join(FIXTURES, "multistage")]);
      assert.is((await docker(["run", "--rm", "second", "cat", "/second.txt"])).out, "second\n", s.out + s.err);
      const i = await docker(["build", "-t", "ign", join(FIXTURES, "ignore")]);
      assert.match(i.out, /\/ctx: \. \.\. \.dockerignore Dockerfile file\.txt keep\.bak /, i.out);
    });
  }

  if (Docker) {
    t("dockerode buildImage from a tar stream and from {context, src}", async () => {
      const dockerode = new Docker({ host: "127.0.0.1", port: server.port, protocol: "http" });
      const { Readable } = await import("node:stream");
      const ctx = contextOf("cache");
      const stream = await until(dockerode.buildImage(Readable.from([Buffer.from(ctx)]), { t: "dode:tar" }), { what: "buildImage(tar)" });
      const events = await until(new Promise<Any[]>((resolve, reject) => dockerode.modem.followProgress(stream, (err: Any, res: Any[]) => (err ? reject(err) : resolve(res)))), { what: "the build's progress" });
      assert.ok(events.some((e) => e.stream === "Successfully tagged dode:tar\n"), JSON.stringify(events));
      assert.ok(events.some((e) => e.aux?.ID?.startsWith("sha256:")));
      const fromDir = await until(dockerode.buildImage({ context: join(FIXTURES, "cache"), src: ["Dockerfile", "data.txt"] }, { t: "dode:dir" }), { what: "buildImage({context, src})" });
      const more = await until(new Promise<Any[]>((resolve, reject) => dockerode.modem.followProgress(fromDir, (err: Any, res: Any[]) => (err ? reject(err) : resolve(res)))), { what: "the second build's progress" });
      assert.ok(more.some((e) => e.stream === "Successfully tagged dode:dir\n"), JSON.stringify(more));
      assert.is((await dockerode.getImage("dode:dir").inspect()).Config.Cmd[0], "cat");
      const failed = await until(dockerode.buildImage(Readable.from([Buffer.from(contextOf(null, { Dockerfile: "FROM toolbox\nRUN exit 4\n" }))]), { t: "dode:bad" }), { what: "a failing build" });
      // followProgress hands the error over as one of the messages.
      const out = await new Promise<Any[]>((resolve) => dockerode.modem.followProgress(failed, (_e: Any, res: Any[]) => resolve(res)));
      assert.equal(out.at(-1).errorDetail, { code: 4, message: "The command '/bin/sh -c exit 4' returned a non-zero code: 4" });
    });
  }
}

t.run();
