/**
 * The classic builder, every instruction (tests/build/every/Dockerfile): the config each
 * sets, the layers (only filesystem steps add one), history in moby's words, the files
 * the image ends with, and the output as the docker CLI prints it; a failing RUN.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { indexTar } from "../../src/tar/mod.ts";
import { build, contextOf, steps, topLayer } from "./_build.ts";
import { run, sampleEngine } from "./_samples.ts";
import { quietFor, until } from "../_wait.ts";

const t = suite("docker build: every instruction");

t("every instruction sets what Docker's classic builder sets", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf("every"), { tags: ["every:v1"], buildArgs: { WHO: "tests" } });
  assert.is(b.error, undefined, b.output);
  const img = await engine.images.inspect("every:v1");
  const c = img.Config as Record<string, unknown>;
  assert.equal(c["Env"], ["PATH=/usr/bin:/bin", "GREETING=hello there", "TARGET=tests"]);
  assert.equal(c["Labels"], { stage: "base", "quoted key": "a value" });
  assert.is(img.Author, "strata tests <tests@strata.example>");
  assert.is(c["WorkingDir"], "/app");
  assert.is(c["User"], "nobody");
  assert.equal(c["ExposedPorts"], { "8080/tcp": {}, "53/udp": {} });
  assert.equal(c["Volumes"], { "/data": {} });
  assert.is(c["StopSignal"], "SIGINT");
  assert.equal(c["Entrypoint"], ["cat"]);
  assert.equal(c["Cmd"], ["/app/said.txt"]);
  const full = await engine.images.config(img.Id);
  assert.equal(full.config.Healthcheck, { Test: ["CMD-SHELL", "cat /app/said.txt"], Interval: 30e9, Timeout: 5e9 });
  assert.equal(full.config.Shell, ["/bin/sh", "-c"]);
  assert.equal(full.config.OnBuild, ["RUN echo triggered > /app/onbuild.txt"]);
  // The base's layer, then WORKDIR (a new /app), two COPYs and the RUN: the rest changed no file.
  assert.is(img.RootFS.Layers.length, 1 + 4);
  assert.equal(await topLayer(engine, "every:v1"), ["dir app 755 0:0", "file app/said.txt 644 0:0"]);
});

t("history says what each step did, in moby's words, newest first, with the chain's ids", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf("every"), { tags: ["every:v1"] });
  const h = await engine.images.history("every:v1");
  const by = h.map((r) => r.CreatedBy);
  assert.is(by.length, 20);
  assert.is(by[0], '/bin/sh -c #(nop)  CMD ["/app/said.txt"]');
  assert.is(by[1], '/bin/sh -c #(nop)  ENTRYPOINT ["cat"]');
  assert.is(by[2], "/bin/sh -c #(nop)  USER nobody");
  assert.is(by[3], "/bin/sh -c #(nop)  ONBUILD RUN echo triggered > /app/onbuild.txt");
  assert.is(by[4], "/bin/sh -c #(nop)  SHELL [/bin/sh -c]");
  assert.is(by[5], "/bin/sh -c #(nop)  HEALTHCHECK &{Test:[CMD-SHELL cat /app/said.txt] Interval:30s Timeout:5s StartPeriod:0s StartInterval:0s Retries:0}");
  assert.is(by[6], "/bin/sh -c #(nop)  STOPSIGNAL SIGINT");
  assert.is(by[7], "/bin/sh -c #(nop)  VOLUME [/data]");
  assert.is(by[8], "/bin/sh -c #(nop)  EXPOSE 53/udp 8080"); // buildkit's parser sorts the ports
  assert.is(by[9], '|1 WHO=world /bin/sh -c echo "$GREETING, $TARGET" > /app/said.txt');
  assert.match(by[10]!, /^\/bin\/sh -c #\(nop\) COPY --chown=nobody:nogroup --chmod=640 file:[a-f0-9]{64} in \/app\/secret\.txt $/);
  assert.match(by[11]!, /^\/bin\/sh -c #\(nop\) COPY multi:[a-f0-9]{64} in \.\/ $/);
  assert.is(by[12], "/bin/sh -c #(nop) WORKDIR /app");
  assert.is(by[13], "/bin/sh -c #(nop)  ENV GREETING=hello there TARGET=world");
  assert.is(by[14], "/bin/sh -c #(nop)  ARG WHO=world");
  assert.is(by[15], "/bin/sh -c #(nop)  MAINTAINER strata tests <tests@strata.example>");
  assert.is(by[16], "/bin/sh -c #(nop)  LABEL stage=base quoted key=a value");
  assert.equal(h.slice(0, 17).map((r) => r.Size === 0), [true, true, true, true, true, true, true, true, true, false, false, false, false, true, true, true, true]);
  assert.is(h[0]!.Id, b.id);
  assert.equal(h[0]!.Tags, ["every:v1"]);
  assert.ok(h.slice(0, 17).every((r) => r.Id.startsWith("sha256:")), "each step is an image, its id in the row");
  assert.equal(h.slice(17).map((r) => r.Id), [(await engine.images.inspect("toolbox")).Id, "<missing>", "<missing>"]);
});

t("the image runs with its files, its layers hold their owners and modes, and the build left no container", async () => {
  const engine = await sampleEngine(["toolbox"]);
  await build(engine, contextOf("every"), { tags: ["every:v1"] });
  assert.equal(await engine.containers.list({ all: true }), []);
  const r = await run(engine, { Image: "every:v1" });
  assert.is(r.stdout, "hello there, world\n");
  const ls = await run(engine, { Image: "every:v1", Entrypoint: ["sh", "-c"], Cmd: ["cat greeting.txt a.txt b.txt; ls /app"] });
  assert.is(ls.stdout, "greetings from the context\nnote a\nnote b\na.txt\nb.txt\ngreeting.txt\nsaid.txt\nsecret.txt\n", ls.stderr);
  // WASI shows programs no owners or modes: the layers do. COPY makes files root's unless --chown says otherwise.
  const layers = (await engine.images.inspect("every:v1")).RootFS.Layers;
  const entries = async (i: number) => indexTar(await engine.images.layerBytes(layers[i]!)).map((e) => `${e.path} ${e.mode.toString(8)} ${e.uid}:${e.gid}`);
  assert.equal(await entries(1), ["app 755 0:0"]);
  assert.equal(await entries(2), ["app 755 0:0", "app/a.txt 644 0:0", "app/b.txt 644 0:0", "app/greeting.txt 644 0:0"]);
  assert.equal(await entries(3), ["app 755 0:0", "app/secret.txt 640 65534:65534"]);
});

t("the output is the classic builder's: steps, Running in, Removed intermediate container, the ids, Successfully built/tagged", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\nENV A=1\nRUN echo out; echo err >&2\nCMD [\"sh\"]\n" }), { tags: ["out:1", "out:2", "out:1"] });
  const s = steps(b.output);
  const toolbox = (await engine.images.inspect("toolbox")).Id.slice(7, 19);
  assert.equal(s[0], ["Step 1/4 : FROM toolbox", ` ---> ${toolbox}`]);
  assert.equal(s[1]!.length, 2);
  assert.match(s[1]![1]!, /^ ---> [a-f0-9]{12}$/);
  const [head, running, out, err, removed, id] = s[2]!;
  assert.is(head, "Step 3/4 : RUN echo out; echo err >&2");
  assert.match(running!, /^ ---> Running in [a-f0-9]{12}$/);
  assert.is(out, "out");
  assert.is(err, "\x1b[91merr"); // stderr in red, as moby's StderrFormatter writes it (the line's end follows: "\n\x1b[0m")
  assert.is(removed, `\x1b[0m ---> Removed intermediate container ${running!.slice(-12)}`); // the end of the red line
  assert.match(id!, /^ ---> [a-f0-9]{12}$/);
  const short = b.id!.slice(7, 19);
  assert.ok(b.output.endsWith(`Step 4/4 : CMD ["sh"]\n ---> ${short}\nSuccessfully built ${short}\nSuccessfully tagged out:1\nSuccessfully tagged out:2\n`), b.output);
  assert.equal(b.aux, [b.id]);
});

t("a RUN's output waits for a reader that is behind (the sink's promise), then goes on", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const said: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let seenRunOutput = false;
  const built = engine.builder.build(contextOf(null, { Dockerfile: "FROM toolbox\nRUN seq 1 3000\n" }), {
    onOutput: (m) => {
      if (!("stream" in m)) return;
      said.push(m.stream);
      if (/^\d+\n/.test(m.stream)) seenRunOutput = true;
      return seenRunOutput ? gate : undefined;
    },
  });
  await until(() => seenRunOutput, { what: () => `the RUN's first output (${said.join("")})` });
  await quietFor(100);
  assert.is(said.filter((t) => /^\d+\n/.test(t)).length, 1, "nothing more until the reader has caught up");
  release();
  await built;
  assert.match(said.join(""), /\n2999\n3000\n/);
});

t("a failing RUN stops the build with its code and output, tags nothing, and removes its container", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const before = (await engine.images.list({ all: true })).length;
  const b = await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\nENV A=1\nRUN echo trying; exit 3\nCMD [\"sh\"]\n" }), { tags: ["never"] });
  assert.is(b.error?.message, "The command '/bin/sh -c echo trying; exit 3' returned a non-zero code: 3");
  assert.is(b.error?.code, 3);
  assert.match(b.output, /Step 3\/4 : RUN echo trying; exit 3\n ---> Running in ([a-f0-9]{12})\ntrying\n ---> Removed intermediate container \1\n$/);
  assert.equal(await engine.containers.list({ all: true }), []);
  assert.is((await engine.images.find("never")), undefined);
  // Only complete images stay: the ENV step's.
  assert.is((await engine.images.list({ all: true })).length, before + 1);
  const kept = await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\nRUN exit 1\n" }), { remove: false });
  assert.is(kept.error?.code, 1);
  assert.is((await engine.containers.list({ all: true })).length, 1, "remove: false keeps the failed step's container");
});

t("errors before the first step: a missing Dockerfile, a syntax error, a bad tag, a missing base", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const missing = await build(engine, contextOf(null, { "x.txt": "x" }));
  assert.equal([missing.error?.kind, missing.error?.message, missing.output], ["invalid", "Cannot locate specified Dockerfile: Dockerfile", ""]);
  const named = await build(engine, contextOf(null, { "build/Dockerfile.dev": "FROM toolbox\n" }), { dockerfile: "build/Dockerfile.dev", tags: ["dev"] });
  assert.is(named.error, undefined);
  const lower = await build(engine, contextOf(null, { dockerfile: "FROM toolbox\n" }));
  assert.is(lower.error, undefined, "Dockerfile falls back to dockerfile, as moby's does");
  const bad = await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\nRUNN echo\n" }));
  assert.is(bad.error?.kind, "invalid");
  assert.match(bad.error!.message, /^dockerfile parse error on line 2: unknown instruction: RUNN/);
  assert.is(bad.output, "");
  assert.match((await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\n" }), { tags: ["Bad:Tag"] })).error!.message, /invalid reference format/);
  const base = await build(engine, contextOf(null, { Dockerfile: "FROM nosuch:1\n" }));
  // A base that is not here is pulled: Docker Hub is unreachable here, or refuses a name that does not exist.
  assert.match(base.error!.message, /nosuch/);
  const empty = await build(engine, contextOf(null, { Dockerfile: "FROM scratch\n" }));
  assert.is(empty.error?.message, "No image was generated. Is your Dockerfile empty?");
});

t("ONBUILD triggers run at the start of a stage built FROM the image, and are not inherited further", async () => {
  const engine = await sampleEngine(["toolbox"]);
  await build(engine, contextOf("every"), { tags: ["every:v1"] });
  const b = await build(engine, contextOf(null, { Dockerfile: "FROM every:v1\nUSER root\n" }), { tags: ["child"] });
  assert.is(b.error, undefined, b.output);
  assert.match(b.output, /^Step 1\/2 : FROM every:v1\n# Executing 1 build trigger\n ---> Running in ([a-f0-9]{12})\n ---> Removed intermediate container \1\n ---> [a-f0-9]{12}\nStep 2\/2 : USER root\n/);
  const r = await run(engine, { Image: "child", Entrypoint: ["cat"], Cmd: ["/app/onbuild.txt"] });
  assert.is(r.stdout, "triggered\n");
  assert.is((await engine.images.config((await engine.images.inspect("child")).Id)).config.OnBuild, undefined);
});

t("WORKDIR makes its directory in a layer, and adds none when it exists; an exec-form RUN", async () => {
  const engine = await sampleEngine(["toolbox"]);
  await build(engine, contextOf(null, { Dockerfile: "FROM toolbox\nWORKDIR /srv\nWORKDIR deep/er\nRUN [\"sh\", \"-c\", \"pwd > /where\"]\n" }), { tags: ["wd"] });
  const layers = (await engine.images.inspect("wd")).RootFS.Layers.length;
  assert.is(layers, 1 + 2, "WORKDIR /srv exists (no layer); deep/er is made; the RUN writes /where");
  assert.is((await run(engine, { Image: "wd", Cmd: ["cat", "/where"] })).stdout, "/srv/deep/er\n");
  assert.is((await engine.images.history("wd"))[0]!.CreatedBy, "sh -c pwd > /where", "an exec-form RUN runs as written, with no shell before it");
});

t.run();
