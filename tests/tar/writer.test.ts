import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Churn, CHURN_BYTES, decompressLayer as decompressWith, type GunzipOptions, gunzip as gunzipWith, gzip, indexTar, InflateLimitError, TarRangeError, webInflater, type MakeInflater, UnsupportedMediaTypeError, writeTar } from "../../src/tar/mod.ts";
import { nodeInflater, nodeStreamInflater } from "../../server/platform/node_gunzip.ts";
import { minorGc } from "../../server/platform/node_gc.ts";
import { chunked, dir, file, link, symlink, text } from "./_fixtures.ts";

const t = suite("tar writer and gzip");

t("writeTar() is deterministic and sorts when asked", () => {
  const a = writeTar([file("b", "2"), dir("a"), file("a/x", "1")], { sort: true, mtime: 0 });
  const b = writeTar([file("a/x", "1"), file("b", "2"), dir("a")], { sort: true, mtime: 0 });
  assert.equal(a, b);
  assert.equal(indexTar(a).map((e) => e.path), ["a", "a/x", "b"]);
});

t("writeTar() round-trips every entry type and field through indexTar()", () => {
  const bytes = writeTar([
    dir("d", 0o750), file("d/f", "body", 0o4755), symlink("d/s", "../f"), link("d/h", "d/f"),
    { path: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 }, { path: "p", type: "fifo" },
    { path: "u", type: "file", uid: 1000, gid: 2000, uname: "me", gname: "us", mtime: 1700000000 },
    { path: "big-ids", type: "file", uid: 3_000_000, gid: 4_000_000 },
  ]);
  const e = indexTar(bytes);
  assert.equal(e.map((x) => [x.path, x.type]), [["d", "dir"], ["d/f", "file"], ["d/s", "symlink"], ["d/h", "hardlink"], ["dev/null", "char"], ["p", "fifo"], ["u", "file"], ["big-ids", "file"]]);
  assert.is(e[0]!.mode, 0o750);
  assert.is(e[1]!.mode, 0o4755);
  assert.is(text(e[1]!.data), "body");
  assert.is(e[2]!.linkname, "../f");
  assert.is(e[3]!.linkname, "d/f");
  assert.equal([e[4]!.devmajor, e[4]!.devminor], [1, 3]);
  assert.equal([e[6]!.uid, e[6]!.gid, e[6]!.uname, e[6]!.gname, e[6]!.mtime], [1000, 2000, "me", "us", 1700000000]);
  assert.equal([e[7]!.uid, e[7]!.gid], [3_000_000, 4_000_000]);
});

t("GNU tar reads what writeTar() writes, long names included", () => {
  if (spawnSync("tar", ["--version"]).status !== 0) return console.log("skip: GNU tar is not installed");
  const long = `${"d".repeat(120)}/${"n".repeat(130)}`;
  const bytes = writeTar([dir("d".repeat(120)), file(long, "x"), symlink("s", "t".repeat(200))]);
  const root = mkdtempSync(join(tmpdir(), "strata-tarw-"));
  try {
    writeFileSync(join(root, "a.tar"), bytes);
    const r = spawnSync("tar", ["-tvf", join(root, "a.tar")], { encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(long));
    assert.ok(r.stdout.includes(`s -> ${"t".repeat(200)}`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

t("decompressLayer() refuses zstd with an unsupported media type error", async () => {
  const zstd = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
  try {
    await decompressWith(zstd, { name: "layer sha256:z" });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UnsupportedMediaTypeError);
    assert.match((err as Error).message, /unsupported media type application\/vnd.oci.image.layer.v1.tar\+zstd/);
  }
});

t("Churn hints once per CHURN_BYTES dropped, and once for a bigger piece", () => {
  let hints = 0;
  const churn = new Churn(() => hints++);
  for (let i = 0; i < 10; i++) churn.dropped(CHURN_BYTES / 4);
  assert.is(hints, 2);
  churn.dropped(5 * CHURN_BYTES);
  assert.is(hints, 3);
  new Churn().dropped(CHURN_BYTES); // no hint given: nothing happens
});

// Every gunzip case runs with the web platform's DecompressionStream, with the node:zlib
// inflater that server/ hands the engine on Node (in place, into gunzip's buffer), and
// with its fallback, node:zlib's stream.
const inflaters: Array<[string, MakeInflater]> = [["DecompressionStream", webInflater], ["node:zlib", nodeInflater], ["node:zlib stream", nodeStreamInflater]];
for (const [inflater, make] of inflaters) {
  const tt = (name: string, fn: () => Promise<void>) => t(`${name} (${inflater})`, fn);
  const gunzip = (input: Parameters<typeof gunzipWith>[0], o: GunzipOptions = {}) => gunzipWith(input, { inflater: make, ...o });
  const decompressLayer = (bytes: Uint8Array, o: GunzipOptions = {}) => decompressWith(bytes, { inflater: make, ...o });

  tt("gzip() and gunzip() round-trip, whole and streamed", async () => {
    const bytes = writeTar([file("a", "hello".repeat(1000)), file("b", "x".repeat(100_000))]);
    const gz = await gzip(bytes);
    assert.ok(gz.length < bytes.length / 4);
    assert.equal(await gunzip(gz), bytes);
    for (const size of [1, 100, 4096]) assert.equal(await gunzip(chunked(gz, size)), bytes);
    assert.equal(await decompressLayer(gz), bytes);
    assert.is(await decompressLayer(bytes), bytes);
  });

  tt("gunzip() hints a collection for every few MiB of pieces it dropped", async () => {
    let hints = 0;
    const gz = await gzip(new Uint8Array(5 * CHURN_BYTES + 1000));
    await gunzip(chunked(gz, 4096), { collectHint: () => hints++ });
    // One per CHURN_BYTES of pieces; an inflater that hands out bigger pieces (Deno's) gives
    // fewer, and one that writes in place (node:zlib's handle on Node) drops no piece, only
    // its input (here a few KiB: no hint).
    if (inflater === "node:zlib" && !("Deno" in globalThis)) assert.is(hints, 0);
    else assert.ok(hints >= 1 && hints <= 5, `${hints} hints`);
  });

  tt("gunzip() stops a gzip bomb as it inflates past the limit, naming the limit and the compressed offset", async () => {
    const bomb = await gzip(new Uint8Array(64 * 2 ** 20));
    assert.ok(bomb.length < 100_000);
    for (const input of [() => bomb, () => chunked(bomb, 1000)]) {
      let err: unknown;
      try {
        await gunzip(input(), { name: "layer sha256:bomb", maxBytes: 2 ** 20 });
      } catch (e) {
        err = e;
      }
      assert.instance(err, InflateLimitError);
      assert.instance(err, TarRangeError);
      const { message, offset, inflated } = err as InflateLimitError;
      assert.match(message, /^Cannot read layer sha256:bomb: it inflates past the limit of 1048576 bytes \(at compressed offset \d+\)$/);
      // Stopped at the first piece past the limit: at most one piece of output more, a
      // little of the input (zeros deflate about 1000:1), never the 64 MiB. A piece is
      // zlib's 256 KiB, or what DecompressionStream makes of one 16 KiB slice of input
      // (Deno hands it out whole: up to 1032 times the slice).
      const piece = inflater.startsWith("node:zlib") ? 256 * 1024 : 1032 * 16 * 1024;
      assert.ok(inflated > 2 ** 20 && inflated <= 2 ** 20 + piece, `${inflated} bytes inflated`);
      assert.ok(offset > 0 && offset < 64 * 1024, `compressed offset ${offset}`);
    }
  });

  tt("gunzip() reserves every piece with its account, and a refusal ends it with the account's error, all released", async () => {
    const gz = await gzip(new Uint8Array(8 * 2 ** 20));
    let held = 0, most = 0;
    const refusal = new RangeError("over budget");
    const account = (budget: number) => ({
      reserve: (n: number) => {
        if (held + n > budget) throw refusal;
        most = Math.max(most, (held += n));
      },
      release: (n: number) => void (held -= n),
    });
    const out = await gunzip(chunked(gz, 4096), { account: account(Infinity) });
    assert.is(held, out.length); // kept bytes stay reserved: the caller releases them with the output
    held = most = 0;
    try {
      await gunzip(chunked(gz, 4096), { account: account(2 ** 20) });
      assert.unreachable("expected the account to refuse");
    } catch (err) {
      assert.is(err, refusal);
    }
    assert.ok(most <= 2 ** 20, `${most} bytes reserved at most`);
    assert.is(held, 0);
  });

  tt("gunzip() names the blob when the data is corrupt or cut short", async () => {
    const gz = await gzip(new TextEncoder().encode("hello world, hello world"));
    const bad = gz.slice();
    bad[12] ^= 0xff;
    for (const input of [gz.subarray(0, gz.length - 6), bad]) {
      try {
        await gunzip(chunked(input, 5), { name: "layer sha256:cut" });
        assert.unreachable();
      } catch (err) {
        assert.match((err as Error).message, /Cannot read layer sha256:cut: corrupt or truncated gzip data/);
      }
    }
  });

  if (inflater.startsWith("node:zlib")) {
    tt("gunzip() reads every member of a multi-member gzip, and output that ends exactly at ISIZE", async () => {
      const one = new TextEncoder().encode("hello ".repeat(100_000)), two = new TextEncoder().encode("world");
      const [a, b] = [await gzip(one), await gzip(two)];
      const both = new Uint8Array(a.length + b.length);
      both.set(a);
      both.set(b, a.length);
      const want = new Uint8Array(one.length + two.length);
      want.set(one);
      want.set(two, one.length);
      assert.equal(await gunzip(both), want); // ISIZE is the last member's: the buffer grows past it
      assert.equal(await gunzip(chunked(both, 777)), want);
      assert.equal(await gunzip(a), one);
    });
  }
}

// deno-lint-ignore no-explicit-any
const isDeno = typeof (globalThis as any).Deno !== "undefined";
if (isDeno) console.log("skip: minorGc collects the young generation: the collection hint is installed on Node only");
(isDeno ? t.skip : t)("minorGc() collects the young generation, where dead pieces' wrappers keep their bytes alive", async () => {
  // What the bytes cost is measured by the load bench (peak RSS); V8 frees the bytes of dead
  // array buffers on a background thread, later, so here the collection itself is checked.
  const { getHeapSpaceStatistics } = await import("node:v8");
  const young = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_used_size;
  const pieces = Array.from({ length: 4096 }, () => Buffer.allocUnsafe(4 * 1024)); // as zlib hands them out
  const full = young();
  assert.ok(full > 256 * 1024, `${full} bytes in the young generation`);
  pieces.length = 0; // dead now, but V8 sees no pressure to collect them
  minorGc();
  assert.ok(young() < full / 4, `${young()} of ${full} bytes left in the young generation`);
});

t.run();
