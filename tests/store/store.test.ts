/** One conformance suite over every Store (MemoryStore, DiskStore), then the disk store's own promises. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DigestMismatchError, sha256 } from "../../src/oci/mod.ts";
import { MemoryStore, type Store } from "../../src/store/mod.ts";
import { DiskStore, StoreLockedError } from "../../server/store/mod.ts";

const enc = new TextEncoder();
const homes: string[] = [];
const newHome = () => {
  const h = mkdtempSync(join(tmpdir(), "strata-store-"));
  homes.push(h);
  return h;
};
/** Warnings the stores gave (kept off stderr; each test asserts on `warnings()`). */
const shownWarnings: string[] = [];
const makers: Array<[string, () => Store]> = [["MemoryStore", () => new MemoryStore()], ["DiskStore", () => DiskStore.open(newHome(), { onWarning: (line) => void shownWarnings.push(line) })]];

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

for (const [name, make] of makers) {
  const t = suite(`${name} (Store conformance)`);

  t("putBlob() files bytes under their sha256 and getBlob() gives them back", async () => {
    const s = make();
    const digest = await s.putBlob(enc.encode("hello"));
    assert.is(digest, await sha256(enc.encode("hello")));
    assert.ok(await s.hasBlob(digest));
    assert.equal(await s.getBlob(digest), enc.encode("hello"));
    assert.equal(await s.listBlobs(), [digest]);
    await s.deleteBlob(digest);
    assert.not.ok(await s.hasBlob(digest));
    assert.is(await s.getBlob(digest), undefined);
    await s.close();
  });

  t("putBlob() with a wrong expected digest throws and stores nothing", async () => {
    const s = make();
    const wrong = await sha256(enc.encode("other"));
    const err = await rejects(s.putBlob(enc.encode("hello"), wrong));
    assert.instance(err, DigestMismatchError);
    assert.match(err.message, `expected ${wrong}`);
    assert.equal(await s.listBlobs(), []);
    await s.close();
  });

  t("records keep any key (slashes, colons, dots) and list sorted by key", async () => {
    const s = make();
    await s.putRecord("tag", "docker.io/x:1", { id: "b" });
    await s.putRecord("tag", "a/b:latest", { id: "a" });
    await s.putRecord("tag", "..", { id: "dots" });
    assert.equal(await s.getRecord("tag", "docker.io/x:1"), { id: "b" });
    assert.equal((await s.listRecords("tag")).map(([k]) => k), ["..", "a/b:latest", "docker.io/x:1"]);
    await s.deleteRecord("tag", "..");
    assert.is(await s.getRecord("tag", ".."), undefined);
    assert.equal(await s.listRecords("nothing"), []);
    await s.close();
  });

  t("commit() applies writes and deletes together, and a value that cannot be stored changes nothing", async () => {
    const s = make();
    await s.putRecord("image", "old", { n: 1 });
    await s.commit([{ kind: "image", key: "old", value: undefined }, { kind: "image", key: "new", value: { n: 2 } }, { kind: "tag", key: "t", value: { id: "new" } }]);
    assert.equal(await s.listRecords("image"), [["new", { n: 2 }]]);
    assert.equal(await s.getRecord("tag", "t"), { id: "new" });
    await rejects(s.commit([{ kind: "image", key: "x", value: { n: 3 } }, { kind: "image", key: "y", value: { big: 1n } }]));
    assert.equal(await s.listRecords("image"), [["new", { n: 2 }]]);
    await s.close();
  });

  t("quarantine() takes a record out of the live set and warnings() says which and why", async () => {
    const s = make();
    await s.putRecord("image", "bad", { n: 1 });
    await s.putRecord("image", "good", { n: 2 });
    assert.equal(s.warnings(), []);
    await s.quarantine("image", "bad", "image bad names blob sha256:x, which is not in the store");
    await s.quarantine("image", "absent", "no such record: nothing to do");
    assert.equal(await s.listRecords("image"), [["good", { n: 2 }]]);
    assert.is(await s.getRecord("image", "bad"), undefined);
    assert.is(s.warnings().length, 1);
    assert.match(s.warnings()[0]!, /bad.* was set aside.*: image bad names blob sha256:x, which is not in the store$/);
    await s.close();
  });

  t("byte values are replaced atomically and appended in order", async () => {
    const s = make();
    await s.putBytes("upper", "c1", enc.encode("snapshot"));
    await s.putBytes("upper", "c1", enc.encode("v2"));
    assert.equal(await s.getBytes("upper", "c1"), enc.encode("v2"));
    await s.appendBytes("log", "c1", enc.encode("a"));
    await s.appendBytes("log", "c1", enc.encode("b"));
    assert.equal(await s.getBytes("log", "c1"), enc.encode("ab"));
    await s.deleteBytes("log", "c1");
    assert.is(await s.getBytes("log", "c1"), undefined);
    await s.close();
  });

  t.run();
}

const d = suite("DiskStore on STRATA_HOME");

d("a second engine on the same home gets a clear error until the first closes", async () => {
  const home = newHome();
  const first = DiskStore.open(home);
  try {
    DiskStore.open(home);
    assert.unreachable("the second open must fail");
  } catch (err) {
    assert.instance(err, StoreLockedError);
    assert.match((err as Error).message, /it is in use by another strata engine \(pid \d+\); stop it or use another STRATA_HOME/);
  }
  await first.close();
  const again = DiskStore.open(home);
  await again.close();
});

d("a lock held by another live process is refused, a stale one is taken over", async () => {
  const home = newHome();
  writeFileSync(join(home, "lock"), "1"); // pid 1 is alive
  try {
    DiskStore.open(home);
    assert.unreachable("pid 1 holds it");
  } catch (err) {
    assert.instance(err, StoreLockedError);
    assert.match((err as Error).message, /pid 1\)/);
  }
  writeFileSync(join(home, "lock"), "999999999"); // no such process
  const s = DiskStore.open(home);
  await s.close();
});

d("everything written survives a reopen", async () => {
  const home = newHome();
  const s = DiskStore.open(home);
  const digest = await s.putBlob(enc.encode("layer"));
  await s.putRecord("image", "sha256:x", { id: "sha256:x" });
  await s.putBytes("upper", "c", enc.encode("u"));
  await s.close();
  const r = DiskStore.open(home);
  assert.equal(await r.getBlob(digest), enc.encode("layer"));
  assert.equal(await r.getRecord("image", "sha256:x"), { id: "sha256:x" });
  assert.equal(await r.getBytes("upper", "c"), enc.encode("u"));
  await r.close();
});

d("getBlob() refuses a blob whose file was corrupted on disk", async () => {
  const home = newHome();
  const s = DiskStore.open(home);
  const digest = await s.putBlob(enc.encode("layer bytes"));
  writeFileSync(join(home, "blobs", "sha256", digest.slice(7)), "tampered");
  const err = await rejects(s.getBlob(digest));
  assert.instance(err, DigestMismatchError);
  assert.match(err.message, `Cannot verify stored blob ${digest}: digest mismatch`);
  await s.close();
});

d("open() finishes a batch a crash interrupted and removes unfinished temp files", async () => {
  const home = newHome();
  const s = DiskStore.open(home);
  await s.putRecord("image", "gone", { n: 0 });
  await s.close();
  writeFileSync(join(home, "commit.json"), JSON.stringify([{ kind: "image", key: "gone" }, { kind: "image", key: "a", value: { n: 1 } }]));
  writeFileSync(join(home, "blobs", "sha256", "ab.tmp-1-x"), "partial");
  const r = DiskStore.open(home);
  assert.equal(await r.listRecords("image"), [["a", { n: 1 }]]);
  assert.not.ok(existsSync(join(home, "commit.json")));
  assert.equal(readdirSync(join(home, "blobs", "sha256")), []);
  await r.close();
});

d("a blob writer makes its pieces the blob only at done, and abort leaves no file behind", async () => {
  const home = newHome();
  const s = DiskStore.open(home);
  const dir = join(home, "blobs", "sha256");
  const bytes = new Uint8Array(3 * 2 ** 20).map((_, i) => i * 7);
  const digest = await sha256(bytes);
  const w = s.blobWriter();
  // Pieces that follow each other in one buffer, and one from elsewhere.
  w.write(bytes.subarray(0, 1000));
  w.write(bytes.subarray(1000, 2 ** 20));
  w.write(bytes.slice(2 ** 20));
  assert.is(await s.hasBlob(digest), false, "nothing visible before done");
  assert.is(await w.done(digest), digest);
  assert.equal(await s.getBlob(digest), bytes);
  assert.equal(readdirSync(dir), [digest.slice(7)], "no temp file left");
  const dropped = s.blobWriter();
  dropped.write(bytes);
  await dropped.abort();
  assert.equal(readdirSync(dir), [digest.slice(7)]);
  await s.close();
});

d.after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

d.run();
