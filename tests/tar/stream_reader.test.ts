import { suite } from "uvu";
import * as assert from "uvu/assert";
import { indexTar, streamTar, type TarEntry, TarRangeError, TarSyntaxError, writeTar } from "../../src/tar/mod.ts";
import { chunked, dir, file, link, symlink } from "./_fixtures.ts";

const t = suite("tar stream reader");
const SIZES = [1, 7, 511, 512, 513, 1000, 4096, 1 << 20];

/** Every entry of a streamed archive, with its body collected, or the error it ended with. */
async function streamAll(bytes: Uint8Array, size: number): Promise<TarEntry[] | Error> {
  const out: TarEntry[] = [];
  try {
    for await (const { entry, body } of streamTar(chunked(bytes, size), { name: "t.tar" })) {
      const parts: Uint8Array[] = [];
      for await (const c of body) parts.push(c.slice());
      const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) data.set(p, (at += p.length) - p.length);
      out.push({ ...entry, data });
    }
  } catch (err) {
    return err as Error;
  }
  return out;
}

function indexAll(bytes: Uint8Array): TarEntry[] | Error {
  try {
    return indexTar(bytes, { name: "t.tar" }).map((e) => ({ ...e, data: e.data.slice() }));
  } catch (err) {
    return err as Error;
  }
}

/** streamTar must give what indexTar gives (entries, bodies, offsets; or the same error) at every chunking. */
async function same(bytes: Uint8Array, what: string) {
  const expected = indexAll(bytes);
  for (const size of SIZES) {
    const got = await streamAll(bytes, size);
    if (expected instanceof Error) {
      assert.instance(got, Error, `${what}, chunks of ${size}: expected ${expected.message}`);
      assert.is((got as Error).constructor, expected.constructor, `${what}, chunks of ${size}`);
      assert.is((got as Error).message, expected.message, `${what}, chunks of ${size}`);
    } else {
      assert.not.instance(got, Error, `${what}, chunks of ${size}: ${(got as Error).message}`);
      assert.equal(got, expected, `${what}, chunks of ${size}`);
    }
  }
}

const long = `${"d".repeat(120)}/${"f".repeat(120)}`;
const archives: Record<string, () => Uint8Array> = {
  "plain entries": () => writeTar([dir("etc"), file("etc/hostname", "box\n"), symlink("etc/l", "hostname"), link("etc/h", "etc/hostname"), file("empty")]),
  "pax: long names, links, xattrs": () => writeTar([file(long, "x"), symlink("ünï/cödé", "/ä".repeat(80)), { path: "p", type: "file", data: new Uint8Array(3), pax: { "SCHILY.xattr.user.a": "b" } }]),
  "bodies across many blocks": () => writeTar([file("a", "x".repeat(5000)), file("b", "y".repeat(512)), file("c", "z".repeat(513))]),
  "no end blocks, no final padding (umoci)": () => writeTar([file("etc/dir/z", "zzz")]).subarray(0, 512 + 3),
  "a short zero tail": () => writeTar([file("a", "1")]).subarray(0, 1024 + 100),
  "duplicates": () => writeTar([file("a", "1"), file("a", "2")]),
  "empty": () => new Uint8Array(0),
};

for (const [what, make] of Object.entries(archives)) {
  t(`streamTar() reads ${what} as indexTar does`, async () => await same(make(), what));
}

t("streamTar() raises indexTar's errors, at the same offsets, at every chunking", async () => {
  const two = writeTar([file("a", "1"), file("b", "2")]);
  await same(two.subarray(0, 1024 + 100).map((b, i) => (i >= 1024 ? 1 : b)), "truncated header");
  await same(writeTar([file("big", "x".repeat(2000))]).subarray(0, 1000), "truncated body");
  const bad = two.slice();
  bad[1024 + 10] ^= 1;
  await same(bad, "bad checksum");
  const absurd = writeTar([file("a", "1")]);
  absurd[124] = 0xff;
  fixChecksum(absurd, 0);
  await same(absurd, "absurd size");
  await same(writeTar([link("x", "../../etc/shadow")]), "escaping link");
  const err = await streamAll(absurd, 512);
  assert.instance(err, TarRangeError);
  const trunc = await streamAll(writeTar([file("big", "x".repeat(2000))]).subarray(0, 1000), 100);
  assert.instance(trunc, TarSyntaxError);
  assert.match((trunc as Error).message, /truncated body: size 2000 but 488 bytes left in entry "big" at offset 0/);
});

t("streamTar() skips a body the caller does not read, and stops at maxBytes", async () => {
  const bytes = writeTar([file("a", "x".repeat(3000)), file("b", "2")]);
  const names: string[] = [];
  for await (const { entry } of streamTar(chunked(bytes, 100))) names.push(entry.path);
  assert.equal(names, ["a", "b"]);
  // Every entry fits, the end blocks do not.
  const small = writeTar([file("a", "x".repeat(1000))]);
  try {
    for await (const _ of streamTar(chunked(small, 100), { name: "t.tar", maxBytes: 2000 })) { /* reading */ }
    assert.unreachable("expected the cap");
  } catch (err) {
    assert.instance(err, TarRangeError);
    assert.match((err as Error).message, /^Cannot read t.tar: the archive exceeds the cap of 2000 bytes at offset \d+$/);
  }
});

t("streamTar() refuses at its header an entry whose declared size cannot fit under maxBytes, before its body arrives", async () => {
  const bytes = writeTar([file("a", "1"), file("big", "x".repeat(3000))]);
  let pulled = 0;
  const source = chunked(bytes, 512).pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, ctl) => void (pulled += c.length, ctl.enqueue(c)) }));
  const seen: string[] = [];
  try {
    for await (const { entry } of streamTar(source, { name: "t.tar", maxBytes: 2048 })) seen.push(entry.path);
    assert.unreachable("expected the cap");
  } catch (err) {
    assert.instance(err, TarRangeError);
    assert.is((err as Error).message, 'Cannot read t.tar: entry "big" declares 3000 bytes, past the archive\'s cap of 2048 bytes at offset 1148');
  }
  assert.equal(seen, ["a"]);
  assert.ok(pulled <= 1024 + 512 * 3, `${pulled} bytes read`); // its header and what the stream had queued, not its body
});

function fixChecksum(bytes: Uint8Array, at: number) {
  bytes.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += bytes[i]!;
  bytes.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\u0000 "), at + 148);
}

t.run();
