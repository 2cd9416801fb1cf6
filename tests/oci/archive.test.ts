import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type Digester, DigestMismatchError, OciFormatError, readImageArchive, sha256, writeDockerArchive, ociLayoutFiles } from "../../src/oci/mod.ts";
import { CHURN_BYTES, gzip, indexTar, TarRangeError, TarSyntaxError, type TarInput, writeTar } from "../../src/tar/mod.ts";
import { nodeSha256, nodeSha256Hasher } from "../../server/store/mod.ts";
import { chunked, dir, file, symlink } from "../tar/_fixtures.ts";
import { makeImage } from "./_images.ts";

const t = suite("image archives");
const enc = new TextEncoder();

t("writeDockerArchive() output reads back as the same images, with layers verified", async () => {
  const img = await makeImage([[dir("bin"), file("bin/x", "wasm")], [file("etc/a", "a")]], ["demo:v2"]);
  const archive = await writeDockerArchive([img]);
  const names = indexTar(archive).map((e) => e.path);
  for (const n of ["oci-layout", "index.json", "manifest.json", "repositories"]) assert.ok(names.includes(n), n);
  const [back] = await readImageArchive(archive, { name: "demo.tar" });
  assert.is(back!.id, await sha256(img.configBytes));
  assert.equal(back!.repoTags, ["demo:v2"]);
  assert.equal(back!.layers.map((l) => l.diffId), img.layers.map((l) => l.diffId));
  assert.equal(back!.layers[0]!.entries.map((e) => e.path), ["bin", "bin/x"]);
});

t("readImageArchive() reads the legacy form skopeo writes, with layer.tar symlinks", async () => {
  const img = await makeImage([[file("a", "1")]], ["127.0.0.1:5000/demo:v2"]);
  const hex = (d: string) => d.slice(7);
  const id = hex(await sha256(img.configBytes));
  const entries: TarInput[] = [
    file(`${hex(img.layers[0]!.diffId)}.tar`), file(`${id}.json`), dir("v1"), symlink("v1/layer.tar", `../${hex(img.layers[0]!.diffId)}.tar`),
    { path: "manifest.json", type: "file", data: enc.encode(JSON.stringify([{ Config: `${id}.json`, RepoTags: img.repoTags, Layers: ["v1/layer.tar"] }])) },
  ];
  entries[0]!.data = img.layers[0]!.tar;
  entries[1]!.data = img.configBytes;
  const [back] = await readImageArchive(writeTar(entries), { name: "skopeo.tar" });
  assert.equal(back!.repoTags, ["127.0.0.1:5000/demo:v2"]);
  assert.is(back!.layers[0]!.diffId, img.layers[0]!.diffId);
});

/** An OCI layout tar whose one layer is gzip, plus whatever extra members are given. */
async function gzipLayout(text: string, extra: TarInput[] = []) {
  const img = await makeImage([[file("a", text)]], ["v1"]);
  const gz = await gzip(img.layers[0]!.tar);
  const gzDigest = await sha256(gz);
  const files = await ociLayoutFiles([img]);
  const manifestFile = files.find((f) => f.path.startsWith("blobs/") && new TextDecoder().decode(f.data).includes("schemaVersion"))!;
  const manifest = JSON.parse(new TextDecoder().decode(manifestFile.data));
  manifest.layers[0] = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: gzDigest, size: gz.length };
  const mBytes = enc.encode(JSON.stringify(manifest));
  const mDigest = await sha256(mBytes);
  const index = { schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: mDigest, size: mBytes.length, annotations: { "org.opencontainers.image.ref.name": "v1" } }] };
  const tar = writeTar([
    { path: "oci-layout", type: "file", data: enc.encode('{"imageLayoutVersion":"1.0.0"}') },
    { path: "index.json", type: "file", data: enc.encode(JSON.stringify(index)) },
    { path: `blobs/sha256/${mDigest.slice(7)}`, type: "file", data: mBytes },
    { path: `blobs/sha256/${(await sha256(img.configBytes)).slice(7)}`, type: "file", data: img.configBytes },
    { path: `blobs/sha256/${gzDigest.slice(7)}`, type: "file", data: gz },
    ...extra,
  ]);
  return { img, gz, gzDigest, tar };
}

t("readImageArchive() reads an OCI layout with gzip layers", async () => {
  const { img, gzDigest, tar } = await gzipLayout("hello");
  const [back] = await readImageArchive(tar, { name: "layout.tar" });
  assert.equal(back!.repoTags, ["v1"]);
  assert.is(back!.layers[0]!.blobDigest, gzDigest);
  assert.is(back!.layers[0]!.diffId, img.layers[0]!.diffId);
});

/** Run `fn` with an incremental hasher given (as server/ hands in node:crypto's) and again without one (WebCrypto only). */
async function bothDigests(fn: (d: Digester) => Promise<void>) {
  await fn({ sha256: nodeSha256, sha256Hasher: nodeSha256Hasher });
  await fn({});
}

t("readImageArchive() reads a streamed archive as it reads the same bytes whole, with or without an incremental hasher", async () => {
  const layered = await makeImage([[dir("bin"), file("bin/x", "wasm".repeat(300))], [file("etc/a", "a")]], ["demo:v2"]);
  const docker = await writeDockerArchive([layered]);
  const { tar: layout } = await gzipLayout("hello ".repeat(1000));
  await bothDigests(async (d) => {
    for (const archive of [docker, layout]) {
      const whole = await readImageArchive(archive, { ...d, name: "a.tar" });
      for (const size of [1, 100, 512, 65536]) {
        const streamed = await readImageArchive(chunked(archive, size), { ...d, name: "a.tar" });
        assert.equal(streamed.map((i) => [i.id, i.repoTags, i.config]), whole.map((i) => [i.id, i.repoTags, i.config]));
        const layers = (imgs: typeof whole) => imgs.flatMap((i) => i.layers.map((l) => [l.diffId, l.blobDigest, l.blobSize, [...l.tar], l.entries.map((e) => [e.path, e.type, [...e.data]])]));
        assert.equal(layers(streamed), layers(whole), `chunks of ${size}`);
      }
    }
  });
});

t("with an incremental hasher, a streamed gzip layer is hashed as it passes: its compressed and inflated bytes go through the hasher, not kept", async () => {
  const { img, gz, tar } = await gzipLayout("hello ".repeat(5000));
  const fed: number[] = [];
  const counting = () => {
    const h = nodeSha256Hasher();
    let n = 0;
    return { update: (b: Uint8Array) => (n += b.length, h.update(b)), digest: () => (fed.push(n), h.digest()) };
  };
  const [back] = await readImageArchive(chunked(tar, 300), { name: "s.tar", sha256: nodeSha256, sha256Hasher: counting });
  assert.is(back!.layers[0]!.diffId, img.layers[0]!.diffId);
  // One hasher saw the compressed member, one the inflated layer; nothing else was hashed incrementally.
  assert.equal(fed.sort((a, b) => a - b), [gz.length, img.layers[0]!.tar.length].sort((a, b) => a - b));
});

t("a streamed plain layer hints a collection for every few MiB of chunks it copied and dropped", async () => {
  const img = await makeImage([[file("big", "x".repeat(3.5 * CHURN_BYTES))]], ["big:1"]);
  const archive = await writeDockerArchive([img]);
  let hints = 0;
  const [back] = await readImageArchive(chunked(archive, 65536), { name: "big.tar", collectHint: () => hints++ });
  assert.is(back!.layers[0]!.diffId, img.layers[0]!.diffId);
  assert.ok(hints >= 3, `${hints} hints`);
});

t("a streamed gzip layer is checked against its digest before its gzip errors; an unused bad gzip member is harmless", async () => {
  await bothDigests(async (d) => {
    const junk = new Uint8Array(600).fill(9);
    junk.set([0x1f, 0x8b, 8, 0]); // gzip magic, then garbage
    const { tar } = await gzipLayout("hello", [{ path: "blobs/unused", type: "file", data: junk }]);
    const [ok] = await readImageArchive(chunked(tar, 1000), { ...d, name: "s.tar" });
    assert.equal(ok!.repoTags, ["v1"]);
    // The layer blob replaced by corrupt gzip: the digest mismatch is what is reported.
    const { gzDigest, tar: tar2 } = await gzipLayout("hello");
    const bad = patch(tar2, `blobs/sha256/${gzDigest.slice(7)}`, junk);
    await expectStreamError(bad, DigestMismatchError, new RegExp(`Cannot verify blob ${gzDigest} of bad.tar: digest mismatch`), d);
  });
});

t("a streamed gzip layer stops at maxLayerBytes (a gzip bomb), and a truncated stream names the entry", async () => {
  await bothDigests(async (d) => {
    const { tar, gzDigest } = await gzipLayout("x".repeat(100_000));
    await expectStreamError(tar, TarRangeError, /^Cannot read bad.tar (blobs\/sha256\/|layer sha256:)[a-f0-9]{64}: it inflates past the limit of 50000 bytes \(at compressed offset \d+\)$/, { ...d, maxLayerBytes: 50_000 });
    const gzAt = indexTar(tar).find((e) => e.path.endsWith(gzDigest.slice(7)))!.offset;
    await expectStreamError(tar.subarray(0, gzAt + 512 + 10), TarSyntaxError, /Cannot read bad.tar: truncated body: size \d+ but \d+ bytes left in entry "blobs\/sha256\/[a-f0-9]{64}"/, d);
  });
});

async function expectStreamError(archive: Uint8Array, type: Function, pattern: RegExp, opts: Digester & { maxLayerBytes?: number } = {}) {
  try {
    await readImageArchive(chunked(archive, 777), { name: "bad.tar", ...opts });
  } catch (err) {
    assert.instance(err, type, String(err));
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable("expected an error");
}

async function expectError(archive: Uint8Array, type: Function, pattern: RegExp) {
  try {
    await readImageArchive(archive, { name: "bad.tar" });
  } catch (err) {
    assert.instance(err, type);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable("expected an error");
}

function patch(archive: Uint8Array, path: string, data: Uint8Array): Uint8Array {
  const entries = indexTar(archive).map((e) => ({ ...e, data: e.path === path ? data : e.data }));
  return writeTar(entries);
}

t("readImageArchive() refuses a layer whose content does not match its digest", async () => {
  const img = await makeImage([[file("a", "1")]], ["x:1"]);
  const archive = await writeDockerArchive([img]);
  const layerPath = `blobs/sha256/${img.layers[0]!.diffId.slice(7)}`;
  const evil = writeTar([file("a", "2")], { sort: true, mtime: 0 });
  await expectError(patch(archive, layerPath, evil), DigestMismatchError, new RegExp(`Cannot verify bad.tar ${layerPath}: digest mismatch, expected ${img.layers[0]!.diffId}`));
});

t("readImageArchive() names a missing blob and who referenced it", async () => {
  const img = await makeImage([[file("a", "1")]], ["x:1"]);
  const archive = await writeDockerArchive([img]);
  const layerPath = `blobs/sha256/${img.layers[0]!.diffId.slice(7)}`;
  const without = writeTar(indexTar(archive).filter((e) => e.path !== layerPath));
  await expectError(without, OciFormatError, new RegExp(`Cannot read bad.tar: field "manifest.json\\[0\\].Layers\\[0\\]" missing blob "${layerPath}"`));
});

t("readImageArchive() refuses manifest.json that is not JSON, and a config missing rootfs", async () => {
  const img = await makeImage([[file("a", "1")]], ["x:1"]);
  const archive = await writeDockerArchive([img]);
  await expectError(patch(archive, "manifest.json", enc.encode("[{oops")), OciFormatError, /Cannot read bad.tar manifest.json: not valid JSON/);
  const badConfig = enc.encode(JSON.stringify({ architecture: "wasm", os: "wasip1" }));
  const cfgPath = `blobs/sha256/${(await sha256(badConfig)).slice(7)}`;
  const manifest = enc.encode(JSON.stringify([{ Config: cfgPath, RepoTags: ["x:1"], Layers: [] }]));
  const a2 = writeTar([{ path: "manifest.json", type: "file", data: manifest }, { path: cfgPath, type: "file", data: badConfig }]);
  await expectError(a2, OciFormatError, /field "rootfs" must be an object/);
});

t("readImageArchive() refuses a misplaced or empty whiteout, naming layer and entry", async () => {
  const img = await makeImage([[file("etc/.wh.", "")]], ["x:1"]);
  await expectError(await writeDockerArchive([img]), SyntaxError, /empty whiteout name in entry "etc\/.wh." at offset 0/);
  const img2 = await makeImage([[dir("a/.wh.b"), file("a/.wh.b/c", "")]], ["x:1"]);
  await expectError(await writeDockerArchive([img2]), SyntaxError, /a whiteout must be a regular file, not a dir in entry "a\/.wh.b"/);
});

t.run();
