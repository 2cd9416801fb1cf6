/**
 * Loads are bounded: a layer is refused as it inflates past the engine's maxLayerBytes,
 * the loads in progress share one memory budget (loadMemoryBytes) and the ones that would
 * pass it are refused at once, and hostile archives streamed as `docker load` sends them
 * are refused with a clear message. Each time the store is exactly as it was and the
 * budget is all given back.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type Engine, type EnginePlatform } from "../../src/engine/mod.ts";
import { encodeConfig, LoadBudgetError, sha256, writeDockerArchive, writeOciArchive } from "../../src/oci/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { gzip, indexTar, InflateLimitError, TarRangeError, type TarInput, webInflater, writeTar } from "../../src/tar/mod.ts";
import { nodeInflater } from "../../server/platform/node_gunzip.ts";
import { nodeSha256, nodeSha256Hasher } from "../../server/store/mod.ts";
import { chunked, dir, file } from "../tar/_fixtures.ts";
import { makeImage } from "../oci/_images.ts";

const t = suite("image loads are bounded");
const enc = new TextEncoder();
const MiB = 2 ** 20;
const json = (v: unknown) => enc.encode(JSON.stringify(v));

/** An engine holding one image, with these load limits (and platform abilities). */
async function engineWith(o: { maxLayerBytes?: number; loadMemoryBytes?: number; platform?: EnginePlatform } = {}) {
  const store = new MemoryStore();
  const engine = await createEngine({ store, ...o });
  await engine.images.load(await writeDockerArchive([await makeImage([[dir("bin"), file("bin/sh", "wasm")]], ["toolbox"])]));
  return { store, engine };
}

async function snapshot(store: MemoryStore) {
  const records = await Promise.all(["image", "tag", "layer"].map((k) => store.listRecords(k)));
  return { blobs: await store.listBlobs(), records };
}

/** An OCI layout archive whose only layer is `gz` (its diff_id is what `tar` hashes to). */
async function gzipArchive(tar: Uint8Array, tag: string): Promise<Uint8Array> {
  const gz = await gzip(tar);
  const diffId = await sha256(tar);
  const configBytes = encodeConfig({ architecture: "wasm", os: "wasip1", config: {}, rootfs: { type: "layers", diff_ids: [diffId] }, history: [] });
  const layout = await writeOciArchive([{ configBytes, layers: [{ diffId, tar }], repoTags: [tag] }]);
  // writeOciArchive stores layers plain under their diffId; swap in the gzip blob and point the manifest at it.
  const gzDigest = await sha256(gz);
  const entries = indexTar(layout).map((e) => ({ path: e.path, type: e.type, data: e.data }));
  let manifestDigest = "", manifest = new Uint8Array();
  for (const e of entries) {
    if (e.path === `blobs/sha256/${diffId.slice(7)}`) Object.assign(e, { path: `blobs/sha256/${gzDigest.slice(7)}`, data: gz });
    else if (e.type === "file" && new TextDecoder().decode(e.data).includes('"layers":[')) {
      const m = JSON.parse(new TextDecoder().decode(e.data));
      m.layers[0] = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: gzDigest, size: gz.length };
      manifest = json(m);
      manifestDigest = await sha256(manifest);
      Object.assign(e, { path: `blobs/sha256/${manifestDigest.slice(7)}`, data: manifest });
    }
  }
  const index = entries.find((e) => e.path === "index.json")!;
  const idx = JSON.parse(new TextDecoder().decode(index.data));
  Object.assign(idx.manifests[0], { digest: manifestDigest, size: manifest.length });
  index.data = json(idx);
  return writeTar(entries as TarInput[], { sort: true });
}

/** A layer of one file of `n` zeros: gzip makes it about a thousandth of its size. */
const zeros = (n: number) => writeTar([{ path: "zeros", type: "file", data: new Uint8Array(n) }]);

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the load to fail");
}

/**
 * Runs `fn` with each digest: WebCrypto (the core's default: a streamed gzip member is held
 * compressed, then inflated whole) and node:crypto (what server/ installs: inflated as it
 * streams past, hashed incrementally).
 */
async function bothDigests(fn: (platform: EnginePlatform) => Promise<void>, platform: EnginePlatform = {}): Promise<void> {
  await fn(platform);
  await fn({ ...platform, ...NODE_DIGESTS });
}

const NODE_DIGESTS: EnginePlatform = { sha256: nodeSha256, sha256Hasher: nodeSha256Hasher };

for (const [inflater, make] of [["DecompressionStream", webInflater], ["node:zlib", nodeInflater]] as const) {
  t(`a gzip bomb is refused as it inflates past maxLayerBytes, whole or streamed, and nothing is stored (${inflater})`, async () => {
    await bothDigests((platform) => bombRefused(inflater === "node:zlib" ? 256 * 1024 : 1032 * 16 * 1024, platform), { inflater: make });
  });
}

/**
 * A 64 MiB bomb under an 8 MiB layer limit, loaded whole and streamed. `piece` is the
 * most an inflater hands out at once: zlib's 256 KiB, or what DecompressionStream makes
 * of one 16 KiB slice of input (Deno hands it out whole: up to 1032 times the slice).
 */
async function bombRefused(piece: number, platform: EnginePlatform): Promise<void> {
  const { store, engine } = await engineWith({ maxLayerBytes: 8 * MiB, platform });
  const bomb = await gzipArchive(zeros(64 * MiB), "bomb:1");
  assert.ok(bomb.length < 200_000, `${bomb.length} bytes`);
  const before = await snapshot(store);
  for (const input of [() => bomb, () => chunked(bomb, 64 * 1024)]) {
    const err = await failure(engine.images.load(input(), { name: "bomb.tar" }));
    assert.instance(err, InflateLimitError);
    assert.match(err.message, /^Cannot read bomb.tar (layer sha256:|blobs\/sha256\/)[a-f0-9]{64}: it inflates past the limit of 8388608 bytes \(at compressed offset \d+\)$/);
    // Stopped at the first piece past the limit: never the 64 MiB.
    const { inflated, offset } = err as InflateLimitError;
    assert.ok(inflated > 8 * MiB && inflated <= 8 * MiB + piece, `${inflated} bytes inflated`);
    assert.ok(offset < bomb.length, `compressed offset ${offset}`);
    assert.equal(await snapshot(store), before, "the store changed");
    assert.is(engine.images.loads.used, 0);
  }
  await engine.close();
}

/**
 * Streams of `archives` whose last 1024 bytes (the end blocks) wait until every stream
 * has reached them or a load has failed: each load then holds its inflated layer at the
 * same moment, whatever the scheduling.
 */
function gatedStreams(archives: Uint8Array[]) {
  let waiting = 0, open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const streams = archives.map((bytes) => {
    const body = bytes.subarray(0, bytes.length - 1024), tail = bytes.subarray(bytes.length - 1024);
    let at = 0, tailSent = false;
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        if (at < body.length) return c.enqueue(body.slice(at, (at += 16 * 1024)));
        if (tailSent) return c.close();
        if (++waiting === archives.length) open();
        await gate;
        tailSent = true;
        c.enqueue(tail.slice());
      },
    }, { highWaterMark: 0 });
  });
  return { streams, open: () => open() };
}

/**
 * Three loads of an 8 MiB layer at once under a 20 MiB budget. A plain layer is reserved
 * at its header; a gzip layer as it inflates while it streams past, which needs an
 * incremental hasher (node:crypto): with WebCrypto alone it is inflated after the archive
 * has been read, past the gate.
 */
async function threeAtOnce(kind: "plain" | "gzip", platform: EnginePlatform): Promise<void> {
  const { store, engine } = await engineWith({ loadMemoryBytes: 20 * MiB, platform });
  const entries = (i: number): TarInput[] => [file("id", String(i)), { path: "zeros", type: "file", data: new Uint8Array(8 * MiB) }];
  const archives = await Promise.all([1, 2, 3].map(async (i) => kind === "gzip"
    ? await gzipArchive(writeTar(entries(i)), `img:${i}`)
    : await writeDockerArchive([await makeImage([entries(i)], [`img:${i}`])])));
  const { streams, open } = gatedStreams(archives);
  const done: string[] = [];
  const loads = streams.map((s, i) => engine.images.load(s, { name: `img${i + 1}.tar` }).then(
    () => void done.push(`loaded ${i + 1}`),
    (err: Error) => {
      done.push(`refused ${i + 1}`);
      open(); // what the refusal gave back lets the others finish
      throw err;
    },
  ));
  const results = await Promise.allSettled(loads);
  const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
  assert.is(refused.length, 1, results.map((r) => r.status).join(" "));
  assert.instance(refused[0], LoadBudgetError);
  assert.match(refused[0]!.message, /^Cannot load img\d.tar: it would pass the memory budget for image loads of 20971520 bytes \(this load holds \d+ bytes, other loads \d+, and \d+ more were asked for\); raise the budget with the engine option loadMemoryBytes \(the server's --load-memory flag\), or retry when the other loads end$/);
  // At once: refused while the other two were held open at the gate, not after them.
  assert.match(done[0]!, /^refused/, done.join(", "));
  assert.is(engine.images.loads.used, 0);
  const tags = (await store.listRecords("tag")).map(([k]) => k).sort();
  assert.is(tags.length, 3, tags.join(" ")); // toolbox and the two that loaded
  await engine.close();
}

t("three loads at once under a shared budget: the one that would pass it is refused at once, the others load (plain layers)", () => bothDigests((platform) => threeAtOnce("plain", platform)));

t("three loads at once under a shared budget: the one that would pass it is refused at once, the others load (gzip layers, node:crypto)", async () => {
  await threeAtOnce("gzip", NODE_DIGESTS);
});

t("bombs at once under a small budget are all refused, the budget is given back, and a normal image loads after", () => bothDigests(async (platform) => {
  const { store, engine } = await engineWith({ loadMemoryBytes: 12 * MiB, maxLayerBytes: 64 * MiB, platform });
  const bomb = await gzipArchive(zeros(64 * MiB), "bomb:1");
  const before = await snapshot(store);
  const results = await Promise.allSettled([1, 2, 3].map((i) => engine.images.load(chunked(bomb, 64 * 1024), { name: `bomb${i}.tar` })));
  for (const r of results) {
    assert.is(r.status, "rejected");
    const err = (r as PromiseRejectedResult).reason as Error;
    assert.instance(err, LoadBudgetError);
    assert.match(err.message, /it would pass the memory budget for image loads of 12582912 bytes .*raise the budget with the engine option loadMemoryBytes/);
    assert.ok((err as LoadBudgetError).held <= 12 * MiB);
  }
  assert.is(engine.images.loads.used, 0);
  assert.equal(await snapshot(store), before, "the store changed");
  const ok = await engine.images.load(chunked(await gzipArchive(zeros(4 * MiB), "fine:1"), 64 * 1024), { name: "fine.tar" });
  assert.equal(ok.images.map((i) => i.repoTags), [["fine:1"]]);
  assert.is(engine.images.loads.used, 0);
  await engine.close();
}));

t("a plain member is reserved at its header: one larger than the budget is refused before its body is read", async () => {
  const { store, engine } = await engineWith({ loadMemoryBytes: 1 * MiB });
  const archive = await writeDockerArchive([await makeImage([[{ path: "big", type: "file", data: new Uint8Array(2 * MiB) }]], ["big:1"])]);
  const before = await snapshot(store);
  let pulled = 0;
  const source = chunked(archive, 16 * 1024).pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, ctl) => void (pulled += c.length, ctl.enqueue(c)) }));
  const err = await failure(engine.images.load(source, { name: "big.tar" }));
  assert.instance(err, LoadBudgetError);
  assert.match(err.message, /^Cannot load big.tar: it would pass the memory budget for image loads of 1048576 bytes \(this load holds \d+ bytes, other loads 0, and \d+ more were asked for\); raise the budget with the engine option loadMemoryBytes \(the server's --load-memory flag\)$/);
  assert.ok(pulled < 256 * 1024, `${pulled} bytes read`);
  assert.equal(await snapshot(store), before);
  assert.is(engine.images.loads.used, 0);
  await engine.close();
});

t("POST /images/load of a bomb answers the limit's message in the stream, and nothing is stored", async () => {
  const { store, engine } = await engineWith({ maxLayerBytes: 8 * MiB });
  const before = await snapshot(store);
  const app = createApi(engine);
  const r = await app.request("/v1.47/images/load", { method: "POST", body: chunked(await gzipArchive(zeros(64 * MiB), "bomb:1"), 64 * 1024), headers: { "Content-Type": "application/x-tar" }, duplex: "half" } as RequestInit);
  const lines = (await r.text()).trim().split("\n").map((l) => JSON.parse(l) as { error?: string });
  assert.match(lines.at(-1)!.error ?? "", /^Cannot read the uploaded archive (layer sha256:|blobs\/sha256\/)[a-f0-9]{64}: it inflates past the limit of 8388608 bytes \(at compressed offset \d+\)$/);
  assert.equal(await snapshot(store), before);
  await engine.close();
});

// Hostile archives, streamed as `docker load` sends them (images_bad_input.test.ts loads them whole).
async function refusesStreamed(engine: Engine, store: MemoryStore, archive: Uint8Array, pattern: RegExp): Promise<void> {
  const before = await snapshot(store);
  const err = await failure(engine.images.load(chunked(archive, 700), { name: "bad.tar" }));
  assert.match(err.message, pattern);
  assert.equal(await snapshot(store), before, "the store changed");
  assert.is(engine.images.loads.used, 0);
}

/** `archive` with the member at `path` replaced. */
function patch(archive: Uint8Array, path: string, data: Uint8Array): Uint8Array {
  return writeTar(indexTar(archive).map((e) => ({ path: e.path, type: e.type, linkname: e.linkname, data: e.path === path ? data : e.data })));
}

function fixChecksum(bytes: Uint8Array, at: number) {
  bytes.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += bytes[i]!;
  bytes.set(enc.encode(sum.toString(8).padStart(6, "0") + "\u0000 "), at + 148);
}

t("streamed hostile archives are refused with what and where, and nothing is stored", async () => {
  const { store, engine } = await engineWith({ maxLayerBytes: 8 * MiB });
  const img = await makeImage([[file("a", "x".repeat(3000))]], ["demo:1"]);
  const good = await writeDockerArchive([img]);
  const layerPath = `blobs/sha256/${img.layers[0]!.diffId.slice(7)}`;
  const configPath = `blobs/sha256/${(await sha256(img.configBytes)).slice(7)}`;
  // A truncated archive.
  await refusesStreamed(engine, store, good.subarray(0, 1700), /^Cannot read bad.tar: truncated (body: size \d+ but \d+ bytes left in entry "[^"]+"|header \(\d+ of 512 bytes\)) at offset \d+$/);
  // A bad digest: the layer's content does not hash to its name.
  await refusesStreamed(engine, store, patch(good, layerPath, writeTar([file("a", "y".repeat(3000))], { sort: true, mtime: 0 })), new RegExp(`^Cannot verify bad.tar ${layerPath}: digest mismatch, expected ${img.layers[0]!.diffId}`));
  // Bad JSON in manifest.json and in the config.
  await refusesStreamed(engine, store, patch(good, "manifest.json", enc.encode("[{oops")), /^Cannot read bad.tar manifest.json: not valid JSON/);
  const badConfig = enc.encode("{\"rootfs\": ");
  const badConfigPath = `blobs/sha256/${(await sha256(badConfig)).slice(7)}`;
  const manifest = JSON.parse(new TextDecoder().decode(indexTar(good).find((e) => e.path === "manifest.json")!.data));
  manifest[0].Config = badConfigPath;
  const withBadConfig = writeTar(indexTar(good).map((e) => (e.path === configPath
    ? { path: badConfigPath, type: "file" as const, data: badConfig }
    : { path: e.path, type: e.type, linkname: e.linkname, data: e.path === "manifest.json" ? json(manifest) : e.data })));
  await refusesStreamed(engine, store, withBadConfig, new RegExp(`^Cannot read bad.tar ${badConfigPath}: not valid JSON`));
  // A traversal name in the archive itself.
  const evil = writeTar([file("manifest.json", "[]"), file("placeholder", "x")]);
  evil.fill(0, 1024, 1124);
  evil.set(enc.encode("../../etc/passwd"), 1024);
  fixChecksum(evil, 1024);
  await refusesStreamed(engine, store, evil, /^Cannot read bad.tar: unsafe entry name: path "\.\.\/\.\.\/etc\/passwd" contains "\.\." in entry ".*" at offset 1024$/);
  // A header declaring a body far larger than the archive can hold (the API's cap: maxArchiveBytes).
  const huge = writeTar([file("manifest.json", "[]")]);
  huge.set(enc.encode("77777777777\u0000"), 124); // 8 GiB - 1
  fixChecksum(huge, 0);
  const before = await snapshot(store);
  const err = await failure(engine.images.load(chunked(huge, 700), { name: "bad.tar", maxArchiveBytes: 64 * MiB }));
  assert.instance(err, TarRangeError);
  assert.is(err.message, `Cannot read bad.tar: entry "manifest.json" declares 8589934591 bytes, past the archive's cap of ${64 * MiB} bytes at offset 124`);
  assert.equal(await snapshot(store), before);
  await engine.close();
});

t("platform abilities are the engine's own: two engines in one process, one with counting fakes, load the same stream", async () => {
  const used = { inflaters: 0, hashers: 0, hashes: 0, hints: 0 };
  const platform: EnginePlatform = {
    inflater: (onData) => (used.inflaters++, webInflater(onData)),
    sha256Hasher: () => (used.hashers++, nodeSha256Hasher()),
    sha256: (bytes) => (used.hashes++, nodeSha256(bytes)),
    collectHint: () => void used.hints++,
  };
  const a = await engineWith({ platform });
  const counted = { ...used };
  assert.ok(used.hashes > 0, "the engine's first load hashed with its platform's SHA-256");
  const b = await engineWith();
  assert.equal(used, counted, "another engine's load uses none of them");
  const archive = await gzipArchive(zeros(9 * MiB), "zeros:1");
  const [ra, rb] = [await a.engine.images.load(chunked(archive, 64 * 1024)), await b.engine.images.load(chunked(archive, 64 * 1024))];
  assert.is(ra.images[0]!.id, rb.images[0]!.id);
  assert.ok(used.inflaters >= 1 && used.hashers >= 2 && used.hints >= 1 && used.hashes > counted.hashes, JSON.stringify(used));
  const after = { ...used };
  await b.engine.images.load(chunked(await gzipArchive(zeros(5 * MiB), "more:1"), 64 * 1024));
  assert.equal(used, after);
  await a.engine.close();
  await b.engine.close();
});

t.run();
