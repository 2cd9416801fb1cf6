import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers, suspendable } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { failure, heldOpen, output, outputUntil, run, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();

const t = suite("container lifecycle");

t("create, start, wait and remove move a container through created, running, exited", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const held = await heldOpen(engine, { name: "web" });
  assert.is((await engine.containers.inspect("web")).State.Status, "running");
  assert.is((await engine.containers.inspect("web")).State.Running, true);
  held.release("hello\n");
  assert.equal(await engine.containers.wait("web"), { StatusCode: 0, Error: null });
  const s = (await engine.containers.inspect("web")).State;
  assert.is(s.Status, "exited");
  assert.ok(Date.parse(s.FinishedAt) >= Date.parse(s.StartedAt));
  assert.is((await output(engine, held.id)).stdout, "hello\n");
  await engine.containers.remove("web");
  assert.equal(await failure(engine.containers.inspect("web")), ["not-found", "No such container: web"]);
});

t("start of a running container and stop of a stopped one are not-modified (304)", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const held = await heldOpen(engine);
  assert.equal(await failure(engine.containers.start(held.id)), ["not-modified", "container already started"]);
  await engine.containers.stop(held.id, 1);
  // cat ends at the SIGTERM (143) where it waits suspended; a program that runs synchronously, only at the kill.
  assert.is((await engine.containers.inspect(held.id)).State.ExitCode, suspendable ? 143 : 137);
  assert.equal((await failure(engine.containers.stop(held.id)))[0], "not-modified");
});

t("kill of a stopped container and rm of a running one are conflicts in Docker's words", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", name: "c1", Cmd: ["true"] });
  assert.equal(await failure(engine.containers.kill("c1")), ["conflict", `cannot kill container: c1: container ${Id} is not running`]);
  const held = await heldOpen(engine, { name: "busy" });
  assert.equal(await failure(engine.containers.remove("busy")), ["conflict", `cannot remove container "/busy": container is running: stop the container before removing or force remove`]);
  await engine.containers.remove("busy", { force: true });
  assert.equal(await failure(engine.containers.inspect(held.id)), ["not-found", `No such container: ${held.id}`]);
  assert.equal(await failure(engine.containers.kill("c1", "SIGBOGUS")), ["invalid", "Invalid signal: SIGBOGUS"]);
});

t("names follow Docker's rule, are unique, and are generated as adjective_surname when absent", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", name: "/a.b-c_1", Cmd: ["true"] });
  assert.is((await engine.containers.inspect(Id)).Name, "/a.b-c_1");
  assert.equal(await failure(engine.containers.create({ Image: "toolbox", name: "a.b-c_1", Cmd: ["true"] })),
    ["conflict", `Conflict. The container name "/a.b-c_1" is already in use by container "${Id}". You have to remove (or rename) that container to be able to reuse that name.`]);
  assert.equal(await failure(engine.containers.create({ Image: "toolbox", name: "-bad", Cmd: ["true"] })),
    ["invalid", "Invalid container name (-bad), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"]);
  const gen = await engine.containers.create({ Image: "toolbox", Cmd: ["true"] });
  assert.match((await engine.containers.inspect(gen.Id)).Name, /^\/[a-z]+_[a-z]+\d*$/);
  assert.equal(await failure(engine.containers.create({ Image: "nope" })), ["not-found", "No such image: nope:latest"]);
});

t("rename frees the old name, takes the new one, and refuses a name in use", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await engine.containers.create({ Image: "toolbox", name: "aa", Cmd: ["true"] });
  const b = await engine.containers.create({ Image: "toolbox", name: "bb", Cmd: ["true"] });
  await engine.containers.rename("aa", "cc");
  assert.is((await engine.containers.inspect(a.Id)).Name, "/cc");
  assert.equal((await failure(engine.containers.rename("cc", "bb")))[0], "conflict");
  const again = await engine.containers.create({ Image: "toolbox", name: "aa", Cmd: ["true"] });
  assert.ok(again.Id !== a.Id && again.Id !== b.Id);
  assert.equal((await failure(engine.containers.rename("cc", "x y")))[0], "invalid");
});

t("restart runs the process again; RestartCount counts only a restart policy's restarts (0 after the user's, as Docker)", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo run >> /tmp/runs; cat /tmp/runs | wc -l"] });
  await engine.containers.restart(r.id);
  await engine.containers.wait(r.id);
  assert.is((await output(engine, r.id)).stdout.replace(/ /g, ""), "1\n2\n");
  assert.is((await engine.containers.inspect(r.id)).RestartCount, 0);
});

t("wait next-exit waits for the coming exit; not-running answers at once when stopped", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "exit 7"] });
  const next = engine.containers.wait(Id, "next-exit");
  await engine.containers.start(Id);
  assert.equal(await next, { StatusCode: 7, Error: null });
  assert.equal(await engine.containers.wait(Id), { StatusCode: 7, Error: null });
});

t("AutoRemove removes the container after exit and wait(removed) gets its status", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "exit 3"], HostConfig: { AutoRemove: true } });
  const removed = engine.containers.wait(Id, "removed");
  await engine.containers.start(Id);
  assert.equal(await removed, { StatusCode: 3, Error: null });
  assert.equal(await engine.containers.list({ all: true }), []);
  assert.equal(await engine.containers.wait(Id), { StatusCode: 3, Error: null }); // a late waiter (dockerode) still gets it
});

t("list filters by status, name, label, ancestor and id, and shows sizes", async () => {
  const engine = await sampleEngine(["toolbox", "demo"]);
  const a = await run(engine, { Image: "toolbox", name: "sized", Labels: { tier: "web" }, Cmd: ["sh", "-c", "echo 12345 > /tmp/f"] });
  await engine.containers.create({ Image: "demo", name: "other" });
  const ids = async (filters: Record<string, string[]>) => (await engine.containers.list({ all: true, filters })).map((c) => c.Names[0]);
  assert.equal(await ids({ status: ["exited"] }), ["/sized"]);
  assert.equal(await ids({ status: ["created"] }), ["/other"]);
  assert.equal(await ids({ label: ["tier=web"] }), ["/sized"]);
  assert.equal(await ids({ ancestor: ["demo"] }), ["/other"]);
  assert.equal(await ids({ id: [a.id.slice(0, 8)] }), ["/sized"]);
  assert.equal(await ids({ name: ["oth"] }), ["/other"]);
  assert.equal(await engine.containers.list(), []); // none running
  const [row] = await engine.containers.list({ all: true, size: true, filters: { name: ["sized"] } });
  assert.is(row!.SizeRw, 6);
  assert.ok(row!.SizeRootFs! > row!.SizeRw!);
  assert.match(row!.Status, /^Exited \(0\) (Less than a second|\d+ seconds?) ago$/);
  const info = await engine.containers.inspect("sized", { size: true });
  assert.is(info.SizeRw, 6);
  assert.is(info.GraphDriver.Name, "strata-union");
});

t("prune removes stopped containers only", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const done = await run(engine, { Image: "toolbox", Cmd: ["true"] });
  const held = await heldOpen(engine);
  const r = await engine.containers.prune();
  assert.equal(r.ContainersDeleted, [done.id]);
  assert.equal((await engine.containers.list({ all: true })).map((c) => c.Id), [held.id]);
  held.release();
});

t("stop of a sleeping process ends it with 143 (SIGTERM, no handler), as docker inspect shows", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const dies: string[] = [];
  engine.events.subscribe((e) => void (e.Action === "die" && dies.push(e.Actor.Attributes.exitCode!)));
  // sleep as the process itself (its main returns once the sleep ends), and inside sh.
  const bare = await engine.containers.create({ Image: "toolbox", Cmd: ["sleep", "30"] });
  await engine.containers.start(bare.Id);
  await engine.containers.stop(bare.Id, 20);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "echo ready; sleep 30; echo after"] });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready\n");
  await engine.containers.stop(Id, 20);
  for (const id of [bare.Id, Id]) {
    const s = (await engine.containers.inspect(id)).State;
    assert.equal([s.Status, s.ExitCode, s.Error], ["exited", 143, ""]);
    assert.equal(await engine.containers.wait(id), { StatusCode: 143, Error: null });
  }
  assert.is((await output(engine, Id)).stdout, "ready\n");
  assert.equal(dies, ["143", "143"]);
  await engine.close();
});

t.after(() => closeWorkers(workerHost));
t.run();
