/**
 * `docker import` in the engine: a filesystem tar (plain or gzip, streamed or whole) becomes
 * a one-layer image as moby's ImportImage makes it; hostile input is refused with what and
 * where, before anything is stored.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { gzip, writeTar } from "../../src/tar/mod.ts";
import type { Engine, EngineEvent } from "../../src/engine/mod.ts";
import { chunked, dir, file, symlink } from "../tar/_fixtures.ts";
import { failure, run, sampleEngine } from "./_samples.ts";

const t = suite("docker import");

/** A stream that fails the test if anyone reads it: the request must be refused before its body is read. */
const untouched = () => new ReadableStream<Uint8Array>({ pull: () => { throw new Error("the body was read"); } });

/** A small rootfs: the toolbox's files exported from a container, plus one of ours. */
async function exported(engine: Engine): Promise<Uint8Array> {
  const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo from-import > /root/note"] });
  return await engine.containers.export(r.id);
}

const imagesOf = async (engine: Engine) => (await engine.images.list({ all: true })).map((i) => i.Id).sort();

t("an exported container imports as a one-layer image that runs, as moby's ImportImage makes it", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const events: EngineEvent[] = [];
  const stop = engine.events.subscribe((e) => void events.push(e));
  const { id } = await engine.images.import(await exported(engine), { repo: "imported" });
  stop();
  const img = await engine.images.inspect("imported:latest");
  assert.is(img.Id, id);
  assert.is(img.RootFS.Layers.length, 1);
  assert.is(img.Comment, "Imported from -");
  assert.equal([img.Os, img.Architecture], ["wasip1", "wasm"]);
  assert.equal([img.Config.Cmd, img.Config.Env, img.Config.Entrypoint], [null, null, null]);
  const history = await engine.images.history("imported");
  assert.equal(history.map((h) => [h.CreatedBy, h.Comment]), [["", "Imported from -"]]);
  assert.is((await run(engine, { Image: "imported", Cmd: ["cat", "/root/note"] })).stdout, "from-import\n");
  assert.equal(events.filter((e) => e.Type === "image").map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes["name"]]), [["import", id, id]]);
});

t("--change, --message and --platform shape the config; a gzip stream reads as the tar it holds", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const tar = await gzip(await exported(engine));
  const { id } = await engine.images.import(chunked(tar, 1000), {
    repo: "changed", tag: "v2", message: "a note", platform: "Linux/AMD64",
    changes: ['CMD ["cat", "/root/note"]', "ENV A=1 B=$A", "EXPOSE 8080", "WORKDIR /root", "LABEL k=v"],
  });
  const img = await engine.images.inspect("changed:v2");
  assert.is(img.Id, id);
  assert.is(img.Comment, "a note");
  assert.equal([img.Os, img.Architecture], ["linux", "amd64"]);
  assert.equal(img.Config.Cmd, ["cat", "/root/note"]);
  assert.equal(img.Config.Env, ["A=1", "B="]); // each ENV is expanded with the Env before it, as moby's
  assert.equal(img.Config.ExposedPorts, { "8080/tcp": {} });
  assert.is(img.Config.WorkingDir, "/root");
  assert.equal(img.Config.Labels, { k: "v" });
  assert.equal((await engine.images.history(id)).map((h) => h.Comment), ["a note"]);
  assert.is((await run(engine, { Image: "changed:v2" })).stdout, "from-import\n");
});

t("the same tar imports to a new image each time (a new created time), both kept", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const tar = writeTar([dir("etc"), file("etc/motd", "hi\n")]);
  const a = await engine.images.import(tar, { repo: "twice:a" });
  await new Promise((r) => setTimeout(r, 2));
  const b = await engine.images.import(tar, { repo: "twice:b" });
  assert.is.not(a.id, b.id);
  assert.equal((await engine.images.inspect("twice:a")).RootFS.Layers, (await engine.images.inspect("twice:b")).RootFS.Layers);
});

t("an untagged import is listed by id only", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { id } = await engine.images.import(writeTar([file("x", "1")]));
  const row = (await engine.images.list()).find((i) => i.Id === id)!;
  assert.equal(row.RepoTags, []);
});

t("a bad reference, platform or change is refused before the body is read", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const before = await imagesOf(engine);
  assert.equal(await failure(engine.images.import(untouched(), { repo: "Bad Name" })), ["invalid", "invalid reference format: repository name (library/Bad Name) must be lowercase"]);
  assert.equal(await failure(engine.images.import(untouched(), { repo: "img@sha256:" + "a".repeat(64) })), ["invalid", "cannot import digest reference"]);
  assert.equal(await failure(engine.images.import(untouched(), { platform: "linux/amd64/v8/x" })), ["invalid", '"linux/amd64/v8/x": unknown operating system or architecture: invalid argument']);
  assert.equal(await failure(engine.images.import(untouched(), { changes: ["RUN rm -rf /"] })), ["invalid", "RUN is not a valid change command"]);
  assert.equal(await failure(engine.images.import(untouched(), { changes: ["EXPOSE nope"] })), ["invalid", "invalid containerPort: nope"]);
  assert.equal(await imagesOf(engine), before);
});

t("hostile or broken input is refused with what and where, and nothing is stored", async () => {
  const engine = await sampleEngine(["toolbox"], { maxLayerBytes: 1 << 20 });
  const before = await imagesOf(engine);
  const good = writeTar([file("a", "x".repeat(2000))]);
  const bomb = await gzip(new Uint8Array(4 << 20));
  const cases: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(0), /^Cannot import: the tar from stdin is empty/],
    [new TextEncoder().encode("this is no tar"), /^Cannot read the tar from stdin: truncated header \(14 of 512 bytes\) at offset 0/],
    [good.slice(0, 1000), /^Cannot read the tar from stdin: .*truncated/],
    [new Uint8Array([...good.slice(0, 100), 0x41, ...good.slice(101)]), /^Cannot read the tar from stdin: .*checksum/],
    [writeTar([file("../escape", "x")]), /^Cannot read the tar from stdin/],
    [writeTar([file(".wh.dir/child")]), /a whiteout cannot have children in entry ".wh.dir\/child"/],
    [writeTar([dir(".wh.dir")]), /a whiteout must be a regular file, not a dir/],
    [(await gzip(good)).slice(0, 40), /corrupt or truncated gzip data/],
    [bomb, /the tar from stdin/],
    [new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]), /unsupported media type application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd/],
  ];
  for (const [bytes, message] of cases) {
    const [kind, text] = await failure(engine.images.import(bytes, { repo: "hostile" }));
    assert.is(kind, "invalid", text);
    assert.match(text, message);
  }
  assert.equal(await imagesOf(engine), before);
  assert.equal(await failure(engine.images.inspect("hostile")), ["not-found", "No such image: hostile:latest"]);
});

t("a streamed body past the body limit or the load memory budget is refused as it arrives", async () => {
  const engine = await sampleEngine(["toolbox"], { loadMemoryBytes: 64 << 10 });
  const big = writeTar([file("big", "y".repeat(200 << 10))]);
  const [kind, text] = await failure(engine.images.import(chunked(big, 8192), { repo: "big" }));
  assert.is(kind, "LoadBudgetError");
  assert.match(text, /memory budget for image loads of 65536 bytes/);
  assert.equal(await failure(engine.images.import(chunked(big, 8192), { repo: "big", maxBodyBytes: 1000 })).then(([k, m]) => [k, /exceeds the cap of 1000 bytes/.test(m)]), ["invalid", true]);
  assert.is((await engine.images.list()).some((i) => i.RepoTags.includes("big:latest")), false);
  assert.ok(await engine.images.import(writeTar([symlink("lnk", "/etc")]), { repo: "small" }));
});

t.run();
