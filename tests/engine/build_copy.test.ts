/**
 * COPY and ADD as the classic builder does them: wildcards, a directory's contents, a
 * destination that is (or ends like) a directory, --chown by name, --chmod, ADD of a
 * local tar (plain and gzip), .dockerignore, and contexts that try to reach out.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { gzip, writeTar } from "../../src/tar/mod.ts";
import { build, contextOf, topLayer } from "./_build.ts";
import { run, sampleEngine } from "./_samples.ts";

const t = suite("docker build: COPY and ADD");
const enc = new TextEncoder();
const df = (text: string) => ({ Dockerfile: `FROM toolbox\n${text}\n` });

t("wildcards, a directory's contents, a file into a directory, relative to WORKDIR", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf(null, {
    ...df("WORKDIR /w\nCOPY *.txt dir/ ./\nCOPY one.txt /renamed\nCOPY one.txt /into/\nCOPY [\"dir\", \"/dir-copy\"]"),
    "one.txt": "1\n", "two.txt": "2\n", "skip.md": "no\n", "dir/inner": "in\n", "dir/sub/deep": "deep\n",
  }), { tags: ["cp"] });
  assert.is(b.error, undefined, b.output);
  const r = await run(engine, { Image: "cp", Cmd: ["sh", "-c", "ls /w; cat /renamed /into/one.txt; ls /dir-copy /dir-copy/sub"] });
  assert.is(r.stdout, "inner\none.txt\nsub\ntwo.txt\n1\n1\n/dir-copy:\ninner\nsub\n\n/dir-copy/sub:\ndeep\n", r.stderr);
});

t("several sources need a directory destination ending in /; no match and missing files are errors in moby's words", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const many = await build(engine, contextOf(null, { ...df("COPY a b /dest"), a: "a", b: "b" }));
  assert.is(many.error?.message, "When using COPY with more than one source file, the destination must be a directory and end with a /");
  const none = await build(engine, contextOf(null, df("COPY *.nothing /x/")));
  assert.is(none.error?.message, "COPY failed: no source files were specified");
  const missing = await build(engine, contextOf(null, df("COPY nope.txt /x")));
  assert.is(missing.error?.message, "COPY failed: file not found in build context or excluded by .dockerignore: stat nope.txt: file does not exist");
  const url = await build(engine, contextOf(null, df("COPY https://example.com/x /x")));
  assert.is(url.error?.message, "COPY failed: source can't be a URL for COPY");
  const addUrl = await build(engine, contextOf(null, df("ADD https://example.com/x /x")));
  assert.match(addUrl.error!.message, /^ADD failed: cannot download https:\/\/example\.com\/x: strata builds have no network/);
});

t("--chown names come from the image's /etc/passwd and /etc/group; --chmod sets the mode; an unknown name is an error", async () => {
  const engine = await sampleEngine(["toolbox"]);
  await build(engine, contextOf(null, { ...df("COPY --chown=nobody:nogroup --chmod=0600 f /made/f"), f: "f\n" }), { tags: ["own"] });
  assert.equal(await topLayer(engine, "own"), ["dir made 755 65534:65534", "file made/f 600 65534:65534"]);
  await build(engine, contextOf(null, { ...df("COPY --chown=1234:5678 f /f"), f: "f\n" }), { tags: ["num"] });
  assert.equal(await topLayer(engine, "num"), ["file f 644 1234:5678"]);
  const unknown = await build(engine, contextOf(null, { ...df("COPY --chown=ghost f /f"), f: "f\n" }));
  assert.is(unknown.error?.message, "unable to convert uid/gid chown string to host mapping: can't find uid for user ghost: no such user: ghost");
  // A lone user is the group's name too (moby's classic builder; BuildKit takes the user's primary group).
  const lone = await build(engine, contextOf(null, { ...df("COPY --chown=nobody f /f"), f: "f\n" }));
  assert.is(lone.error?.message, "unable to convert uid/gid chown string to host mapping: can't find gid for group nobody: no such group: nobody");
});

t("ADD unpacks a local tar, plain or gzip, into the destination; any other file is copied as it is", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const tar = writeTar([{ path: "pkg", type: "dir", mode: 0o755 }, { path: "pkg/x", type: "file", mode: 0o755, uid: 7, gid: 8, data: enc.encode("x\n") }, { path: "pkg/l", type: "symlink", linkname: "x" }]);
  const b = await build(engine, contextOf(null, {
    ...df("ADD plain.tar /opt/\nADD packed.tgz /srv/\nADD notes.txt /n.txt"),
    "plain.tar": { path: "", type: "file", mode: 0o644, data: tar }, "packed.tgz": { path: "", type: "file", mode: 0o644, data: await gzip(tar) }, "notes.txt": "just text\n",
  }), { tags: ["add"] });
  assert.is(b.error, undefined, b.output);
  const r = await run(engine, { Image: "add", Cmd: ["sh", "-c", "cat /opt/pkg/x /srv/pkg/l /n.txt; ls /opt"] });
  assert.is(r.stdout, "x\nx\njust text\npkg\nremove-me\n", r.stderr);
  const layers = (await engine.images.inspect("add")).RootFS.Layers;
  assert.is(layers.length, 4);
});

t("heredocs: RUN <<EOF runs the document with the shell, COPY <<EOF writes it", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf(null, df("ENV WHO=doc\nRUN <<EOF\necho one > /h\necho two >> /h\nEOF\nCOPY <<EOF /copied.txt\nhello $WHO\nEOF")), { tags: ["hd"] });
  assert.is(b.error, undefined, b.output);
  assert.is((await run(engine, { Image: "hd", Cmd: ["cat", "/h", "/copied.txt"] })).stdout, "one\ntwo\nhello doc\n");
});

t(".dockerignore leaves files out of what COPY sees, an exception lets one back in, and it and the Dockerfile stay out when listed", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const b = await build(engine, contextOf("ignore"), { tags: ["ign"] });
  assert.is(b.error, undefined, b.output);
  assert.match(b.output, "/ctx: . .. .dockerignore Dockerfile file.txt keep.bak ");
  assert.match(b.output, "cannot access '/ctx/sub': No such file or directory");
  const listed = await build(engine, contextOf("ignore", { ".dockerignore": "*.bak\nDockerfile\n.dockerignore\n" }), { tags: ["ign2"] });
  assert.is(listed.error, undefined, listed.output);
  const r = await run(engine, { Image: "ign2", Cmd: ["ls", "-a", "/ctx"] });
  assert.is(r.stdout, ".\n..\nfile.txt\nsub\n");
  const excluded = await build(engine, contextOf("ignore", { Dockerfile: "FROM toolbox\nCOPY drop.bak /\n" }));
  assert.match(excluded.error!.message, /file not found in build context or excluded by \.dockerignore: stat drop\.bak/);
});

t("a context cannot reach outside itself: .. is refused, a symlink resolves inside the context, a tar with .. does not load", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const up = await build(engine, contextOf(null, df("COPY ../../etc/passwd /p")));
  assert.is(up.error?.message, "COPY failed: forbidden path outside the build context: ../../etc/passwd ()");
  // A symlink pointing out of the context is followed inside it, as moby's FollowSymlinkInScope does.
  const b = await build(engine, contextOf(null, {
    ...df("COPY escape/passwd /from-link"), escape: { path: "", type: "symlink", linkname: "../../../../etc" }, "etc/passwd": "the context's own\n",
  }), { tags: ["link"] });
  assert.is(b.error, undefined, b.output);
  assert.is((await run(engine, { Image: "link", Cmd: ["cat", "/from-link"] })).stdout, "the context's own\n");
  const dangling = await build(engine, contextOf(null, { ...df("COPY out /x"), out: { path: "", type: "symlink", linkname: "/etc/shadow" } }));
  assert.match(dangling.error!.message, /file not found in build context/);
  const evil = new Uint8Array(writeTar([{ path: "Dockerfile", type: "file", data: enc.encode("FROM toolbox\n") }]));
  const name = enc.encode("../../evil".padEnd(100, "\0"));
  const hostile = writeTar([{ path: "x".repeat(10), type: "file", data: enc.encode("x") }, ...[]]);
  hostile.set(name.subarray(0, 100), 0);
  fixChecksum(hostile);
  const refused = await build(engine, concat(hostile.subarray(0, 1024), evil));
  assert.match(refused.error!.message, /Cannot read the build context: .*\.\./);
});

/** Recompute a ustar header's checksum after editing it. */
function fixChecksum(block: Uint8Array): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block[i]!;
  block.set(enc.encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

t.run();
