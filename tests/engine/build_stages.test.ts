/**
 * Multi-stage builds (tests/build/multistage/Dockerfile): COPY --from a stage by name,
 * by index, and from an image; --target; build args (meta ARGs in FROM, --build-arg, the
 * unused-arg warning, the predefined proxy args); --label; a cancelled build;
 * reproducible images with a source date epoch.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { indexTar } from "../../src/tar/mod.ts";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { until } from "../_wait.ts";
import { build, contextOf, steps } from "./_build.ts";
import { run, sampleEngine } from "./_samples.ts";

const t = suite("docker build: stages, args, labels");

t("the last stage copies from earlier stages by name and by index, and from an image", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf("multistage"), { tags: ["multi"] });
  assert.is(b.error, undefined, b.output);
  assert.is(steps(b.output).length, 8);
  assert.is(b.aux.length, 3, "an aux id per stage");
  const img = await engine.images.inspect("multi");
  assert.is(img.RootFS.Layers.length, 3, "FROM scratch, then one layer per COPY");
  const files = [];
  for (const d of img.RootFS.Layers) for (const e of indexTar(await engine.images.layerBytes(d))) files.push(`${e.path}=${new TextDecoder().decode(e.data)}`);
  assert.equal(files, ["artifact.txt=built in stage one\n", "second.txt=second\n", "from-image=toolbox\n"]);
});

t("--target builds the stages up to the one named; an unknown target or --from is an error", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf("multistage"), { target: "second", tags: ["second"] });
  assert.is(steps(b.output).length, 4);
  assert.is((await run(engine, { Image: "second", Cmd: ["cat", "/second.txt"] })).stdout, "second\n");
  assert.is((await build(engine, contextOf("multistage"), { target: "nope" })).error?.message, 'target stage "nope" could not be found');
  const from = await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\nCOPY --from=nosuch /x /x\n" }));
  assert.match(from.error!.message, /^invalid from flag value nosuch: No such image: nosuch:latest/);
  const self = await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\nCOPY --from=0 /x /x\n" }));
  assert.is(self.error?.message, "invalid from flag value 0: refers to current build stage");
  const dup = await build(engine, contextOf(null, { Dockerfile: "FROM toolbox AS a\nFROM toolbox AS a\n" }));
  assert.is(dup.error?.message, "a stage name already used");
});

t("build args: meta ARGs in FROM, --build-arg over a default, the unused warning, predefined proxy args", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const df = "ARG BASE=nosuch\nFROM ${BASE}\nARG WHO=default\nRUN echo \"$WHO $HTTP_PROXY\" > /who\n";
  const b = await build(engine, contextOf(null, { Dockerfile: df }), { tags: ["args"], buildArgs: { BASE: "toolbox", WHO: "given", HTTP_PROXY: "http://proxy:3128", UNUSED: "x", ALSO: null } });
  assert.is(b.error, undefined, b.output);
  assert.match(b.output, /^Step 1\/4 : ARG BASE=nosuch\nStep 2\/4 : FROM \$\{BASE\}\n ---> [a-f0-9]{12}\n/);
  assert.match(b.output, /\[Warning\] One or more build-args \[ALSO UNUSED\] were not consumed\nSuccessfully built/);
  assert.is((await run(engine, { Image: "args", Cmd: ["cat", "/who"] })).stdout, "given http://proxy:3128\n");
  const h = await engine.images.history("args");
  assert.is(h[0]!.CreatedBy, '|1 WHO=given /bin/sh -c echo "$WHO $HTTP_PROXY" > /who', "a proxy arg not declared stays out of history");
  assert.not.ok(((await engine.images.inspect("args")).Config.Env ?? []).some((e) => e.startsWith("WHO=")), "build args are not in the image's Env");
});

t("--label adds LABEL steps at the end of the last stage, sorted, their values not expanded", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\nENV X=1\n" }), { tags: ["lab"], labels: { zeta: "$X", alpha: "a" } });
  assert.match(b.output, /Step 3\/4 : LABEL alpha=a\n ---> [a-f0-9]{12}\nStep 4\/4 : LABEL zeta=\$X\n/);
  assert.equal((await engine.images.inspect("lab")).Config.Labels, { alpha: "a", zeta: "$X" });
});

t("a source date epoch makes the same image twice, with every time set to it", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const ctx = contextOf(null, { Dockerfile: "FROM toolbox\nRUN echo made > /made\nCOPY f /f\n", f: "f\n" });
  const a = await build(engine, ctx, { noCache: true, sourceDateEpoch: 1_000_000_000 });
  const b = await build(engine, ctx, { noCache: true, buildArgs: { SOURCE_DATE_EPOCH: "1000000000" } });
  assert.is(a.id, b.id);
  assert.not.match(b.output, /were not consumed/);
  const img = await engine.images.inspect(a.id!);
  assert.is(img.Created, "2001-09-09T01:46:40Z");
  for (const d of img.RootFS.Layers.slice(1)) for (const e of indexTar(await engine.images.layerBytes(d))) assert.ok(e.mtime <= 1_000_000_000, e.path);
  const c = await build(engine, ctx, { noCache: true });
  assert.is.not(c.id, a.id, "without it, the times are the build's");
});

t("a cancelled build stops its RUN and removes its container", async () => {
  const { workerHost } = runtimeHost(); // an inline program cannot be stopped: the build's RUN runs in a worker, as on a server
  const engine = await sampleEngine(["toolbox"], { workerHost });
  try {
    await cancelled(engine);
  } finally {
    await engine.close({ graceMs: 0 });
    await closeWorkers(workerHost);
  }
});

async function cancelled(engine: Awaited<ReturnType<typeof sampleEngine>>): Promise<void> {
  const abort = new AbortController();
  let output = "";
  const built = engine.builder.build(contextOf(null, { Dockerfile: "FROM toolbox\nRUN echo started; sleep 30\n" }), {
    signal: abort.signal, onOutput: (m) => void ("stream" in m && (output += m.stream)),
  }).then(() => undefined, (e: Error) => e);
  await until(async () => output.includes("started"), { what: () => `the RUN to start (${output})` });
  abort.abort();
  const err = await built;
  assert.is(err?.message, "Build cancelled");
  assert.equal(await engine.containers.list({ all: true }), []);
}

t.run();
