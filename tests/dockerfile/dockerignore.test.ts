import { suite } from "uvu";
import * as assert from "uvu/assert";
import { cleanPath, DockerfileError, IgnoreMatcher, parseDockerignore } from "../../src/dockerfile/mod.ts";

const t = suite("dockerignore");

t("parseDockerignore() drops comments and blank lines, trims, cleans, and strips a leading slash", () => {
  const text = "\uFEFF# comment\n\n  *.log  \n!  keep.log\n/abs/path/\n./rel/../other\r\n  # not a comment (indented)\n!/root/file\n/\n";
  assert.equal(parseDockerignore(text), ["*.log", "!keep.log", "abs/path", "other", "# not a comment (indented)", "!root/file", "/"]);
});

t("cleanPath() is Go's path.Clean", () => {
  const cases: Array<[string, string]> = [["", "."], ["a/./b/", "a/b"], ["a/../..", ".."], ["/../a", "/a"], ["a//b", "a/b"], ["./", "."], ["../../x", "../../x"]];
  for (const [p, want] of cases) assert.is(cleanPath(p), want, p);
});

// patterns | path | excluded? — written for strata in the manner of patternmatcher's tables
const CASES: Array<[string[], string, boolean]> = [
  [["*.log"], "a.log", true],
  [["*.log"], "dir/a.log", false],
  [["**/*.log"], "dir/sub/a.log", true],
  [["**/*.log"], "a.log", true],
  [["dir"], "dir", true],
  [["dir"], "dir/file", true],
  [["dir"], "dir/sub/file", true],
  [["dir"], "dirx/file", false],
  [["dir/*"], "dir/file", true],
  [["dir/*"], "dir/sub/file", true],
  [["dir/*.c"], "dir/sub/x.c", false],
  [["a?c"], "abc", true],
  [["a?c"], "a/c", false],
  [["[ab]x"], "bx", true],
  [["[^ab]x"], "cx", true],
  [["[^ab]x"], "ax", false],
  [["docs/**"], "docs/a/b", true],
  [["docs/**"], "docs", false],
  [["**"], "anything/at/all", true],
  [["**/secret"], "secret", true],
  [["**/secret"], "a/b/secret", true],
  [["**/secret"], "a/notsecret", false],
  [["**secret"], "a/notsecret", true],
  [["a/**/b"], "a/b", true],
  [["a/**/b"], "a/x/y/b", true],
  [["file.txt"], "fileXtxt", false],
  [["a+b(c)"], "a+b(c)", true],
  [["\\*"], "*", true],
  [["\\*"], "x", false],
  [["*", "!keep"], "keep", false],
  [["*", "!keep"], "other", true],
  [["logs", "!logs/keep.txt"], "logs/a.txt", true],
  [["logs", "!logs/keep.txt"], "logs/keep.txt", false],
  [["!keep", "*"], "keep", true],
  [["*.md", "!README.md", "README.md"], "README.md", true],
  [["./rel"], "rel/x", true],
  [["a/b"], "./a/b/c", true],
  [[" spaced "], "spaced", true],
];

t("matches() follows the table: the last matching pattern wins, a matched directory covers its subtree", () => {
  for (const [patterns, path, want] of CASES) {
    assert.is(new IgnoreMatcher(patterns).matches(path), want, `${JSON.stringify(patterns)} ${path}`);
  }
});

t("a leading slash is the context root once parseDockerignore() has read the file", () => {
  assert.is(new IgnoreMatcher(parseDockerignore("/abs\n")).matches("abs/x"), true);
});

t("the context root itself is never excluded", () => {
  assert.is(new IgnoreMatcher(["**"]).matches("."), false);
  assert.is(new IgnoreMatcher(["*"]).matches(""), false);
});

t("skipsDirectory() lets a walk skip an excluded directory unless an exception points inside it", () => {
  const m = new IgnoreMatcher(["node_modules", "vendor", "!vendor/keep"]);
  assert.is(m.skipsDirectory("node_modules"), true);
  assert.is(m.skipsDirectory("vendor"), false);
  assert.is(m.hasExclusions, true);
});

t("a pattern of many stars against a long name is matched in linear passes", () => {
  const name = "a".repeat(4000);
  assert.is(new IgnoreMatcher(["*a*a*a*a*a*a*a*a*a*a*a*a*b"]).matches(name), false);
  assert.is(new IgnoreMatcher(["**/a*a*a*a*a*a*a*a*a*a*a*a"]).matches(`x/${name}`), true);
});

t("classes: ranges, negation, a leading ] and escapes", () => {
  assert.is(new IgnoreMatcher(["f[0-9].txt"]).matches("f7.txt"), true);
  assert.is(new IgnoreMatcher(["f[^0-9].txt"]).matches("f7.txt"), false);
  assert.is(new IgnoreMatcher(["f[]x].txt"]).matches("f].txt"), true);
  assert.is(new IgnoreMatcher(["f[\\-].txt"]).matches("f-.txt"), true);
});

t("a lone ! and a malformed pattern are refused with patternmatcher's messages", () => {
  assert.throws(() => new IgnoreMatcher(["!"]), (e: unknown) => e instanceof DockerfileError && e.message === 'illegal exclusion pattern: "!"');
  assert.throws(() => new IgnoreMatcher(["[abc"]), (e: unknown) => e instanceof DockerfileError && e.message === "syntax error in pattern");
  assert.throws(() => new IgnoreMatcher(["abc\\"]), (e: unknown) => e instanceof DockerfileError && e.message === "syntax error in pattern");
});

t.run();
