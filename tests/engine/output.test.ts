import { suite } from "uvu";
import * as assert from "uvu/assert";
import { failure, heldOpen, output, run, sampleEngine } from "./_samples.ts";
import type { EngineEvent, LogEntry } from "../../src/engine/mod.ts";

const dec = new TextDecoder();
/** "stream:data" per run of writes to one stream (a program may write a line in several pieces). */
const text = (xs: LogEntry[]) => xs.map((x, i) => `${xs[i - 1]?.stream === x.stream ? "" : `${x.stream}:`}${dec.decode(x.data)}`).join("");
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const t = suite("logs, attach, events, exec, commit, df");

t("logs keep stdout and stderr apart, with times, tail and since/until", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo one; echo two >&2; echo three"] });
  assert.is(r.stdout, "one\nthree\n");
  assert.is(r.stderr, "two\n");
  const out = await all(engine.containers.logs(r.id, { stderr: false }));
  assert.is(text(out), "stdout:one\nthree\n");
  assert.is(text(await all(engine.containers.logs(r.id, { tail: 1 }))), "stdout:three\n");
  assert.is(text(await all(engine.containers.logs(r.id, { tail: 0 }))), "");
  const first = out[0]!.time / 1000;
  assert.is((await all(engine.containers.logs(r.id, { since: first + 3600 }))).length, 0);
  assert.is((await all(engine.containers.logs(r.id, { until: first - 3600 }))).length, 0);
  const every = (await all(engine.containers.logs(r.id))).length;
  assert.is((await all(engine.containers.logs(r.id, { since: first - 1, until: first + 3600 }))).length, every);
});

t("the log is capped per container, oldest writes dropped first", async () => {
  const engine = await sampleEngine(["toolbox"], { logCap: 64 });
  const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "for i in $(seq 1 40); do echo line$i; done"] });
  const lines = r.stdout.trim().split("\n");
  assert.is(lines.at(-1), "line40");
  assert.ok(lines.length < 40 && lines.length >= 64 / 7 - 1, `kept ${lines.length} lines`);
  assert.ok(!lines.includes("line1"));
});

t("logs follow streams until the process exits; attach before start loses nothing and feeds stdin", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "cat; echo done >&2"], OpenStdin: true, StdinOnce: true });
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  const session = engine.containers.attach(Id, { stdin });
  const attached = all(session.output);
  await engine.containers.start(Id);
  const followed = all(engine.containers.logs(Id, { follow: true }));
  ctl.enqueue(new TextEncoder().encode("typed\n"));
  ctl.close();
  assert.equal(await engine.containers.wait(Id), { StatusCode: 0, Error: null });
  assert.is(text(await attached), "stdout:typed\nstderr:done\n");
  assert.is(text(await followed), "stdout:typed\nstderr:done\n");
  assert.is(text(await all(engine.containers.attach(Id, { logs: true, stream: false }).output)), "stdout:typed\nstderr:done\n");
});

t("every transition is an event in docker events form, replayable with since and filtered", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const since = Date.now() / 1000 - 1;
  const r = await run(engine, { Image: "toolbox", name: "ev", Cmd: ["true"] });
  await engine.containers.rename("ev", "ev2");
  await engine.containers.remove("ev2");
  const ctl = new AbortController();
  const seen: EngineEvent[] = [];
  for await (const e of engine.events.stream({ since, filters: { type: ["container"] }, signal: ctl.signal })) {
    seen.push(e);
    if (e.Action === "destroy") ctl.abort();
  }
  assert.equal(seen.map((e) => e.Action), ["create", "start", "die", "rename", "destroy"]);
  const die = seen[2]!;
  assert.equal({ Type: die.Type, ID: die.Actor.ID, exitCode: die.Actor.Attributes["exitCode"], name: die.Actor.Attributes["name"], image: die.Actor.Attributes["image"] },
    { Type: "container", ID: r.id, exitCode: "0", name: "ev", image: "toolbox" });
  assert.is(die.status, "die");
  assert.is(die.id, r.id);
  assert.ok(die.timeNano >= die.time * 1e9);
  const images = await all(engine.events.stream({ since, until: Date.now() / 1000 + 0.001, filters: { type: ["image"] } }));
  assert.equal(images.map((e) => e.Action), ["load"]);
});

t("exec runs another process in a running container, sharing its filesystem", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const held = await heldOpen(engine);
  const ex = engine.exec.create(held.id, { Cmd: ["sh", "-c", "echo shared > /tmp/s; cat /etc/motd"] });
  let got = "";
  const code = await engine.exec.start(ex.Id, { onOutput: (_s, d) => void (got += dec.decode(d)) });
  assert.is(code, 0);
  assert.is(got, "Welcome to the strata toolbox.\n");
  assert.equal({ Running: engine.exec.inspect(ex.Id).Running, ExitCode: engine.exec.inspect(ex.Id).ExitCode }, { Running: false, ExitCode: 0 });
  assert.equal(await engine.containers.changes(held.id), [{ Path: "/tmp", Kind: 0 }, { Path: "/tmp/s", Kind: 1 }]);
  held.release();
  await engine.containers.wait(held.id);
  assert.equal((await failure(() => engine.exec.create(held.id, { Cmd: ["true"] })))[0], "conflict");
  assert.equal(await failure(() => engine.exec.inspect("nope")), ["not-found", "No such exec instance: nope"]);
});

t("diff, export and commit: the upper becomes a layer of a new image with config changes", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo committed > /root/note; rm /etc/motd"] });
  assert.equal(await engine.containers.changes(a.id), [{ Path: "/etc", Kind: 0 }, { Path: "/etc/motd", Kind: 2 }, { Path: "/root", Kind: 0 }, { Path: "/root/note", Kind: 1 }]);
  const tar = dec.decode(await engine.containers.export(a.id));
  assert.ok(tar.includes("root/note") && !tar.includes("etc/motd"));
  const { Id } = await engine.containers.commit(a.id, { repo: "noted", tag: "v1", comment: "a note", author: "me", changes: ['CMD ["cat", "/root/note"]', "ENV NOTE=1"] });
  const img = await engine.images.inspect("noted:v1");
  assert.is(img.Id, Id);
  assert.is(img.RootFS.Layers.length, 2);
  assert.equal(img.Config.Cmd, ["cat", "/root/note"]);
  assert.ok(img.Config.Env!.includes("NOTE=1"));
  assert.is(img.Author, "me");
  const b = await run(engine, { Image: "noted:v1" });
  assert.is(b.stdout, "committed\n");
  assert.is((await engine.containers.inspect(a.id)).State.Status, "exited"); // the source stays as it was
  assert.equal(await failure(engine.images.remove("noted:v1")), ["conflict",
    `conflict: unable to remove repository reference "noted:v1" (must force) - container ${b.id.slice(0, 12)} is using its referenced image ${Id.slice(7, 19)}`]);
});

t("system df counts shared layers once, per-image containers, container and volume sizes", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo 12345 > /tmp/f; echo abc > /v/x"], HostConfig: { Binds: ["vol:/v"] } });
  await engine.containers.commit(a.id, { repo: "child" });
  const df = await engine.system.df();
  const base = df.Images.find((i) => i.RepoTags.includes("toolbox:latest"))!;
  const child = df.Images.find((i) => i.RepoTags.includes("child:latest"))!;
  assert.is(base.Containers, 1);
  assert.is(child.Containers, 0);
  assert.is(base.SharedSize, base.Size); // its one layer is also the child's
  assert.is(child.SharedSize, base.Size);
  assert.is(df.LayersSize, child.Size); // the base layer counted once
  assert.is(df.Containers[0]!.SizeRw, 6 + 0); // /tmp/f; the mount point dir is not counted as bytes
  assert.equal(df.Volumes.map((v) => [v.Name, v.UsageData]), [["vol", { Size: 4, RefCount: 1 }]]);
});

t.run();
