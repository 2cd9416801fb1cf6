import { suite } from "uvu";
import * as assert from "uvu/assert";
import { EngineError } from "../../src/engine/mod.ts";
import { run, sampleEngine } from "./_samples.ts";

const t = suite("containers");

const kindOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return [(err as EngineError).kind, (err as Error).message];
  }
  return ["none", ""];
};

t("a toolbox container runs sh -c and writes only to its own layer", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo hi > /tmp/x; cat /tmp/x"] });
  assert.is(a.code, 0);
  assert.is(a.stdout, "hi\n");
  assert.equal(await engine.containers.changes(a.id), [{ Path: "/tmp", Kind: 0 }, { Path: "/tmp/x", Kind: 1 }]);
  const b = await run(engine, { Image: "toolbox", Cmd: ["cat", "/tmp/x"] });
  assert.is(b.code, 1);
  assert.is(b.stderr, "cat: /tmp/x: No such file or directory\n");
});

t("the demo image's Cmd, WorkingDir, Env, whiteout and opaque dir behave as Docker's would", async () => {
  const engine = await sampleEngine(["demo"]);
  const r = await run(engine, { Image: "demo" });
  assert.is(r.stderr, "");
  assert.is(r.stdout, "hello from /srv\nWelcome to the strata demo.\nnew\ndemo: ok\n");
  assert.is(r.code, 0);
});

t("a missing program exits 127 with Docker's message", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const r = await run(engine, { Image: "toolbox", Cmd: ["nosuch"] });
  assert.is(r.code, 127);
});

t("errors use Docker's kinds and wording", async () => {
  const engine = await sampleEngine(["toolbox"]);
  assert.equal(await kindOf(engine.containers.inspect("nope")), ["not-found", "No such container: nope"]);
  assert.equal(await kindOf(engine.containers.create({ Image: "nope" })), ["not-found", "No such image: nope:latest"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", name: "c1", Cmd: ["true"] });
  const [kind, msg] = await kindOf(engine.containers.create({ Image: "toolbox", name: "c1" }));
  assert.is(kind, "conflict");
  assert.is(msg, `Conflict. The container name "/c1" is already in use by container "${Id}". You have to remove (or rename) that container to be able to reuse that name.`);
  assert.equal((await kindOf(engine.containers.kill("c1")))[0], "conflict");
  assert.equal((await kindOf(engine.containers.stop("c1")))[0], "not-modified");
  assert.equal((await kindOf(engine.images.remove("toolbox")))[0], "conflict");
  await engine.containers.remove("c1");
  assert.equal(await engine.containers.list({ all: true }), []);
});

t("list, inspect and sizes are shaped like docker ps and docker inspect", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const r = await run(engine, { Image: "toolbox", name: "sized", Cmd: ["sh", "-c", "echo 12345 > /tmp/f"] });
  const [row] = await engine.containers.list({ all: true, size: true });
  assert.is(row!.Names[0], "/sized");
  assert.is(row!.State, "exited");
  assert.match(row!.Status, /^Exited \(0\) (Less than a second|\d+ seconds?) ago$/);
  assert.is(row!.SizeRw, 6);
  assert.ok(row!.SizeRootFs! > 90_000);
  const info = await engine.containers.inspect(r.id);
  assert.is(info.Name, "/sized");
  assert.is(info.State.ExitCode, 0);
  assert.is(info.Config.Cmd![0], "sh");
  assert.equal(await engine.containers.list({ all: true, filters: { status: ["running"] } }), []);
  assert.is((await engine.containers.list({ all: true, filters: { name: { sized: true } } })).length, 1);
});

t("commit makes the writable layer one more layer of a new image", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo committed > /root/note"] });
  const { Id } = await engine.containers.commit(a.id, { repo: "noted", changes: ['CMD ["cat", "/root/note"]'] });
  const img = await engine.images.inspect("noted");
  assert.is(img.Id, Id);
  assert.is(img.RootFS.Layers.length, 2);
  const b = await run(engine, { Image: "noted" });
  assert.is(b.stdout, "committed\n");
});

t("wait(removed) answers after an AutoRemove container is gone", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "exit 3"], HostConfig: { AutoRemove: true } });
  const waited = engine.containers.wait(Id, "removed");
  await engine.containers.start(Id);
  assert.equal(await waited, { StatusCode: 3, Error: null });
  assert.equal(await engine.containers.wait(Id), { StatusCode: 3, Error: null }); // a late wait still gets the status
  assert.equal(await engine.containers.list({ all: true }), []);
});

t.run();
