/**
 * A store write that fails is an error someone sees (issue 13): `sync()` rejects, the
 * container's State.Error says it, a journal never goes on after a gap, and nothing is
 * left as an unhandled rejection.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { Appender } from "../../src/engine/_persist.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { watchUncaught } from "../wasi/_helpers.ts";
import { quietFor } from "../_wait.ts";
import { failure, heldOpen, output, SAMPLES } from "./_samples.ts";

/** A MemoryStore whose byte writes of the kinds named in `failing` are refused. */
class FailingStore extends MemoryStore {
  failing = new Set<string>();
  override async putBytes(kind: string, key: string, bytes: Uint8Array): Promise<void> {
    if (this.failing.has(`put:${kind}`)) throw new Error(`disk full (put ${kind})`);
    return await super.putBytes(kind, key, bytes);
  }
  override async appendBytes(kind: string, key: string, bytes: Uint8Array): Promise<void> {
    if (this.failing.has(`append:${kind}`)) throw new Error(`disk full (append ${kind})`);
    return await super.appendBytes(kind, key, bytes);
  }
}

async function engineOn(store: FailingStore): Promise<Engine> {
  const engine = await createEngine({ store });
  await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}toolbox.tar`)));
  return engine;
}

const t = suite("store write failures");
let uncaught: ReturnType<typeof watchUncaught>;
t.before.each(() => void (uncaught = watchUncaught()));
t.after.each(async () => {
  await quietFor(20); // no stray rejection surfaces meanwhile
  uncaught.stop();
  uncaught.check();
});

t("an append that fails refuses what follows: flushed() rejects and nothing is stored after the gap", async () => {
  const store = new FailingStore();
  const a = new Appender(store, "journal", "k");
  a.push(new Uint8Array([1]));
  await a.flushed();
  store.failing.add("append:journal");
  a.push(new Uint8Array([2]));
  assert.equal(await failure(a.flushed()), ["Error", "disk full (append journal)"]);
  store.failing.clear();
  a.push(new Uint8Array([3]));
  a.replace(new Uint8Array([4]));
  assert.equal(await failure(a.flushed()), ["Error", "disk full (append journal)"]);
  assert.equal([...(await store.getBytes("journal", "k"))!], [1]);
  assert.ok(a.failed);
});

t("a journal append that fails: sync() rejects, the exit's snapshot keeps every change, State.Error says it", async () => {
  const store = new FailingStore();
  const engine = await engineOn(store);
  const held = await heldOpen(engine, { name: "jr" });
  store.failing.add("append:upper-journal");
  assert.is(await engine.exec.start(engine.exec.create(held.id, { Cmd: ["sh", "-c", "echo a > /tmp/a"] }).Id), 0);
  assert.equal(await failure(engine.sync()), ["Error", "disk full (append upper-journal)"]);
  store.failing.clear();
  held.release();
  await engine.containers.wait(held.id);
  const s = (await engine.containers.inspect(held.id)).State;
  assert.equal([s.Status, s.ExitCode], ["exited", 0]);
  assert.match(s.Error, /disk full \(append upper-journal\)/);
  await engine.sync(); // the snapshot replaced the failed journal
  const again = await createEngine({ store });
  assert.equal(await again.containers.changes("jr"), [{ Path: "/tmp", Kind: 0 }, { Path: "/tmp/a", Kind: 1 }]);
  assert.match((await again.containers.inspect("jr")).State.Error, /disk full/); // the record was saved with it
});

t("a snapshot the store refuses at exit is on State.Error and the wait answers", async () => {
  const store = new FailingStore();
  const engine = await engineOn(store);
  const held = await heldOpen(engine, { name: "snap" });
  store.failing.add("put:upper");
  held.release("hi\n");
  const w = await engine.containers.wait(held.id);
  assert.match(w.Error?.Message ?? "", /disk full \(put upper\)/);
  assert.match((await engine.containers.inspect(held.id)).State.Error, /Cannot record the container's exit: disk full \(put upper\)/);
  assert.is((await output(engine, held.id)).stdout, "hi\n");
  store.failing.clear();
  await engine.containers.remove(held.id);
});

t("a log append that fails: sync() rejects; at exit the whole log is stored again and the failure reported", async () => {
  const store = new FailingStore();
  const engine = await engineOn(store);
  store.failing.add("append:logs");
  const { Id } = await engine.containers.create({ Image: "toolbox", name: "logs", Cmd: ["sh", "-c", "echo one; echo two"] });
  const held = await heldOpen(engine, { name: "other" });
  await engine.containers.start(Id);
  await engine.containers.wait(Id);
  assert.match((await engine.containers.inspect(Id)).State.Error, /disk full \(append logs\)/);
  const again = await createEngine({ store });
  assert.is((await output(again, Id)).stdout, "one\ntwo\n");
  held.release("x\n");
  await engine.containers.wait(held.id);
  assert.equal(await failure(engine.sync()), ["none", ""]);
});

t("a volume's journal that fails is reported by sync() and on the exiting container", async () => {
  const store = new FailingStore();
  const engine = await engineOn(store);
  const held = await heldOpen(engine, { name: "vol", HostConfig: { Binds: ["data:/data"] } });
  store.failing.add("append:volume-data-journal");
  await engine.exec.start(engine.exec.create(held.id, { Cmd: ["sh", "-c", "echo v > /data/f"] }).Id);
  assert.equal(await failure(engine.sync()), ["Error", "disk full (append volume-data-journal)"]);
  store.failing.clear();
  held.release();
  await engine.containers.wait(held.id);
  assert.match((await engine.containers.inspect(held.id)).State.Error, /volume-data-journal/);
  const again = await createEngine({ store });
  const { Id } = await again.containers.create({ Image: "toolbox", Cmd: ["cat", "/d/f"], HostConfig: { Binds: ["data:/d"] } });
  await again.containers.start(Id);
  await again.containers.wait(Id);
  assert.is((await output(again, Id)).stdout, "v\n");
});

t.run();
