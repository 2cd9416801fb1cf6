/**
 * `docker commit --change`: every instruction Docker accepts there, applied as moby's
 * BuildFromConfig applies them (expanded with the container's Env), then moby's merge of
 * the result with the container's config.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { failure, run, sampleEngine } from "./_samples.ts";

const t = suite("commit --change");

t("commit applies every change command Docker accepts, expanded with the container's Env", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Env: ["PORT=8080", "APP=/srv"], Cmd: ["true"] });
  await engine.containers.commit(a.id, {
    repo: "changed",
    changes: [
      "EXPOSE $PORT 53/udp", "VOLUME $APP/data", "LABEL org.example.port=$PORT", "USER 1000:1000", "WORKDIR $APP", "WORKDIR sub",
      "STOPSIGNAL SIGINT", "HEALTHCHECK --interval=30s --retries=3 CMD wget -q localhost:$PORT", "ONBUILD RUN echo built", "ENV GREETING=hi",
    ],
  });
  const c = (await engine.images.inspect("changed")).Config as Record<string, unknown>;
  assert.equal(c["ExposedPorts"], { "8080/tcp": {}, "53/udp": {} });
  assert.equal(c["Volumes"], { "/srv/data": {} });
  assert.equal((c["Labels"] as Record<string, string>)["org.example.port"], "8080");
  assert.is(c["User"], "1000:1000");
  assert.is(c["WorkingDir"], "/srv/sub");
  assert.is(c["StopSignal"], "SIGINT");
  assert.equal(c["Healthcheck"], { Test: ["CMD-SHELL", "wget -q localhost:$PORT"], Interval: 30e9, Retries: 3 });
  assert.equal(c["OnBuild"], ["RUN echo built"]);
  assert.ok((c["Env"] as string[]).includes("GREETING=hi"));
  assert.equal(c["Cmd"], ["true"]);
});

t("the committed image's Parent is the container's image; a bad name stores nothing", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const base = await engine.images.inspect("toolbox");
  const a = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo x > /made"] });
  const { Id } = await engine.containers.commit(a.id, { repo: "child", tag: "v1" });
  const img = await engine.images.inspect("child:v1");
  assert.is(img.Id, Id);
  assert.is(img.Parent, base.Id);
  assert.is((await engine.images.history("child:v1")).length, (await engine.images.history("toolbox")).length + 1);
  const before = (await engine.images.list({ all: true })).length;
  const err = await engine.containers.commit(a.id, { repo: "Bad Name" }).then(() => null, (e: Error) => e);
  assert.match(String(err?.message), /invalid reference format/);
  assert.is((await engine.images.list({ all: true })).length, before);
});

t("ENTRYPOINT in the changes clears the Cmd unless a CMD came before it", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Cmd: ["echo", "x"] });
  await engine.containers.commit(a.id, { repo: "ep", changes: ['ENTRYPOINT ["echo"]'] });
  const ep = (await engine.images.inspect("ep")).Config;
  assert.equal([ep.Entrypoint, ep.Cmd], [["echo"], null]);
  await engine.containers.commit(a.id, { repo: "both", changes: ['CMD ["from", "cmd"]', 'ENTRYPOINT ["echo"]'] });
  const both = (await engine.images.inspect("both")).Config;
  assert.equal([both.Entrypoint, both.Cmd], [["echo"], ["from", "cmd"]]);
  const r = await run(engine, { Image: "both" });
  assert.is(r.stdout, "from cmd\n");
});

t("a shell-form CMD runs through /bin/sh -c in the committed image", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Cmd: ["true"] });
  await engine.containers.commit(a.id, { repo: "shellform", changes: ["ENV WHO=world", "CMD echo hello $WHO"] });
  assert.equal((await engine.images.inspect("shellform")).Config.Cmd, ["/bin/sh", "-c", "echo hello $WHO"]);
  assert.is((await run(engine, { Image: "shellform" })).stdout, "hello world\n");
});

t("a change Docker refuses is refused with Docker's message, and no image is made", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Cmd: ["true"] });
  const before = (await engine.images.list()).length;
  assert.equal(await failure(engine.containers.commit(a.id, { repo: "bad", changes: ["RUN echo no"] })), ["invalid", "RUN is not a valid change command"]);
  assert.equal(await failure(engine.containers.commit(a.id, { repo: "bad", changes: ["EXPOSE http"] })), ["invalid", "invalid containerPort: http"]);
  assert.equal(await failure(engine.containers.commit(a.id, { repo: "bad", changes: ["STOPSIGNAL SIGNOPE"] })), ["invalid", "Invalid signal: SIGNOPE"]);
  assert.equal(await failure(engine.containers.commit(a.id, { repo: "bad", changes: ["ENV A=${X:?needed}"] })), ["invalid", 'failed to process "${X:?needed}": X: needed']);
  assert.equal(await failure(engine.containers.commit(a.id, { repo: "bad", changes: ["WORKDIR"] })), ["invalid", "WORKDIR requires exactly one argument"]);
  assert.is((await engine.images.list()).length, before);
});

t.run();
