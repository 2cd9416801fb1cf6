/**
 * The load of the crash test: an engine on the disk store at argv[2] doing real work and
 * printing an "ack" line (JSON) after each operation has returned success. The test
 * SIGKILLs this process at a random moment and checks every acknowledged thing.
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { createEngine } from "../../src/engine/mod.ts";
import { DiskStore } from "../../server/store/mod.ts";

const home = process.argv[2]!;
const round = Number(process.argv[3] ?? 0);
const ack = (x: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(x)}\n`);
const engine = await createEngine({ store: DiskStore.open(home) });
ack({ kind: "open" });
if (!(await engine.images.list()).length) {
  const r = await engine.images.load(new Uint8Array(readFileSync(new URL("../../rootfs-samples/toolbox.tar", import.meta.url))));
  ack({ kind: "image", id: r.images[0]!.id, ref: "toolbox:latest" });
}
// A container that stays running (its stdin never ends), written by execs.
const { Id: live } = await engine.containers.create({ Image: "toolbox", Cmd: ["cat"], OpenStdin: true, name: `live${round}` });
engine.containers.attach(live, { stdin: new ReadableStream<Uint8Array>(), stream: false });
await engine.containers.start(live);
ack({ kind: "running", id: live });
for (let i = 0; ; i++) {
  const body = `r${round}-w${i}-${"x".repeat(i % 50)}`;
  const ex = engine.exec.create(live, { Cmd: ["sh", "-c", `echo ${body} > /tmp/w${i}`] });
  if (await engine.exec.start(ex.Id) !== 0) throw new Error("exec failed");
  await engine.sync();
  ack({ kind: "write", id: live, path: `/tmp/w${i}`, body: `${body}\n` });
  if (i % 5 === 0) {
    const vol = `v${round}-${i}`;
    const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", `echo ${vol} > /v/f; echo ${vol} > /done`], HostConfig: { Binds: [`${vol}:/v`] } });
    await engine.containers.start(Id);
    const { StatusCode } = await engine.containers.wait(Id);
    ack({ kind: "exited", id: Id, code: StatusCode, path: "/done", body: `${vol}\n`, volume: vol });
    await engine.images.tag("toolbox", `t${round}:${i}`);
    ack({ kind: "tag", ref: `t${round}:${i}` });
  }
}
