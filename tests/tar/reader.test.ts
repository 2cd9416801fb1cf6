import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, linkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { indexTar, TarRangeError, TarSyntaxError, writeTar } from "../../src/tar/mod.ts";
import { dir, file, link, symlink, text } from "./_fixtures.ts";

const t = suite("tar reader");

t("indexTar() returns bodies as views into the input, not copies", () => {
  const bytes = writeTar([dir("etc"), file("etc/hostname", "box\n")]);
  const [d, f] = indexTar(bytes);
  assert.is(d!.type, "dir");
  assert.is(d!.path, "etc");
  assert.is(f!.path, "etc/hostname");
  assert.is(text(f!.data), "box\n");
  assert.is(f!.data.buffer, bytes.buffer);
  assert.is(f!.data.byteOffset, 1024);
});

t("indexTar() keeps pax records it does not consume, such as xattrs", () => {
  const bytes = writeTar([{ path: "bin/ping", type: "file", data: new Uint8Array(3), pax: { "SCHILY.xattr.security.capability": "cap" } }]);
  const [e] = indexTar(bytes);
  assert.is(e!.path, "bin/ping");
  assert.equal(e!.pax, { "SCHILY.xattr.security.capability": "cap" });
});

t("indexTar() reads long and non-ASCII names and links through pax", () => {
  const long = `${"d".repeat(120)}/${"f".repeat(120)}`;
  const bytes = writeTar([file(long, "x"), symlink("ünï/cödé", "/ä".repeat(80)), file("a".repeat(99), "y")]);
  const entries = indexTar(bytes);
  assert.equal(entries.map((e) => e.path), [long, "ünï/cödé", "a".repeat(99)]);
  assert.is(entries[1]!.linkname, "/ä".repeat(80));
});

t("indexTar() reads what GNU tar writes: long names, long links, hard links, fifos", () => {
  if (spawnSync("tar", ["--version"]).status !== 0) return console.log("skip: GNU tar is not installed");
  const root = mkdtempSync(join(tmpdir(), "strata-tar-"));
  try {
    const deep = join(root, "src", "x".repeat(110));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, "file.txt"), "hello\n");
    symlinkSync("y".repeat(150), join(root, "src", "longlink"));
    linkSync(join(deep, "file.txt"), join(root, "src", "hard"));
    spawnSync("mkfifo", [join(root, "src", "pipe")]);
    const out = join(root, "a.tar");
    const r = spawnSync("tar", ["--format=gnu", "-cf", out, "-C", join(root, "src"), "."]);
    assert.is(r.status, 0);
    const entries = indexTar(readFileSync(out));
    const by = new Map(entries.map((e) => [e.path, e]));
    assert.is(by.get("")!.type, "dir");
    assert.is(text(by.get(`${"x".repeat(110)}/file.txt`)?.data ?? by.get("hard")!.data), "hello\n");
    assert.is(by.get("longlink")!.linkname, "y".repeat(150));
    const links = entries.filter((e) => e.type === "hardlink");
    assert.is(links.length, 1);
    assert.is(by.get("pipe")!.type, "fifo");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

t("indexTar() accepts an archive without end blocks and without the final padding (umoci)", () => {
  const full = writeTar([file("etc/dir/z", "zzz")]);
  const truncated = full.subarray(0, 512 + 3);
  const [e] = indexTar(truncated);
  assert.is(e!.path, "etc/dir/z");
  assert.is(text(e!.data), "zzz");
});

t("indexTar() keeps duplicate entries in order, so a later one can win", () => {
  const entries = indexTar(writeTar([file("a", "1"), file("a", "2")]));
  assert.equal(entries.map((e) => text(e.data)), ["1", "2"]);
});

t("indexTar() refuses a truncated header, naming archive and offset", () => {
  const bytes = writeTar([file("a", "1"), file("b", "2")]);
  const err = catchErr(() => indexTar(bytes.subarray(0, 1024 + 100), { name: "layer sha256:abc" }));
  assert.instance(err, TarSyntaxError);
  assert.match(err.message, /Cannot read layer sha256:abc: truncated header .* at offset 1024/);
});

t("indexTar() refuses a truncated body, naming the entry", () => {
  const bytes = writeTar([file("big", "x".repeat(2000))]);
  const err = catchErr(() => indexTar(bytes.subarray(0, 1000), { name: "t.tar" }));
  assert.match(err.message, /truncated body: size 2000 but 488 bytes left in entry "big" at offset 0/);
});

t("indexTar() refuses a bad header checksum", () => {
  const bytes = writeTar([file("a", "1"), file("b", "2")]);
  bytes[1024 + 10] ^= 1;
  const err = catchErr(() => indexTar(bytes, { name: "t.tar" }));
  assert.instance(err, TarSyntaxError);
  assert.match(err.message, /Cannot read t.tar: bad header checksum at offset 1024/);
});

t("indexTar() refuses an absurd size field", () => {
  const bytes = writeTar([file("a", "1")]);
  bytes.set(new TextEncoder().encode("7777777777\u0000"), 124);
  fixChecksum(bytes, 0);
  const err = catchErr(() => indexTar(bytes, { name: "t.tar" }));
  assert.match(err.message, /truncated body: size 1073741823 but/);
  bytes[124] = 0xff; // negative base-256
  fixChecksum(bytes, 0);
  const err2 = catchErr(() => indexTar(bytes, { name: "t.tar" }));
  assert.instance(err2, TarRangeError);
  assert.match(err2.message, /absurd size field in entry "a" at offset 124/);
});

t("indexTar() refuses names with '..' and absolute names", () => {
  for (const [name, why] of [["../etc/passwd", /contains "\.\."/], ["a/../../b", /contains "\.\."/], ["/etc/passwd", /absolute path/]] as const) {
    const bytes = rawNamed(name);
    const err = catchErr(() => indexTar(bytes, { name: "evil.tar" }));
    assert.instance(err, TarSyntaxError);
    assert.match(err.message, why);
    assert.match(err.message, /in entry .* at offset 0/);
  }
});

t("indexTar() refuses a hard link whose target escapes the root", () => {
  const bytes = writeTar([link("x", "../../etc/shadow")]);
  const err = catchErr(() => indexTar(bytes, { name: "evil.tar" }));
  assert.match(err.message, /hard link target "\.\.\/\.\.\/etc\/shadow" escapes the archive root in entry "x"/);
});

function rawNamed(name: string): Uint8Array {
  const bytes = writeTar([file("placeholder", "x")]);
  bytes.fill(0, 0, 100);
  bytes.set(new TextEncoder().encode(name), 0);
  fixChecksum(bytes, 0);
  return bytes;
}

function fixChecksum(bytes: Uint8Array, at: number) {
  bytes.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += bytes[i]!;
  bytes.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\u0000 "), at + 148);
}

function catchErr(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

t.run();
