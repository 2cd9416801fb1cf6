/**
 * The builder's paths: Go's filepath.Match for COPY wildcards (table from Go's own
 * documented rules), a `..` that climbs out of the context, COPY's destination against
 * WORKDIR. A hostile pattern costs its length times the name's, never more.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { goMatch, normalizeDest, sourcePath } from "../../src/engine/_build_paths.ts";

const t = suite("docker build: paths and wildcards");

const CASES: Array<[string, string, boolean]> = [
  ["abc", "abc", true], ["*", "abc", true], ["*c", "abc", true], ["a*", "a", true], ["a*", "abc", true], ["a*", "ab/c", false],
  ["a*/b", "abc/b", true], ["a*/b", "a/c/b", false], ["a*b*c*d*e*/f", "axbxcxdxe/f", true], ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true],
  ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false], ["a*b*c*d*e*/f", "axbxcxdxexxx/fff", false], ["a*b?c*x", "abxbbxdbxebxczzx", true],
  ["a*b?c*x", "abxbbxdbxebxczzy", false], ["ab[c]", "abc", true], ["ab[b-d]", "abc", true], ["ab[e-g]", "abc", false],
  ["ab[^c]", "abc", false], ["ab[^b-d]", "abc", false], ["ab[^e-g]", "abc", true], ["a\\*b", "a*b", true], ["a\\*b", "ab", false],
  ["a?b", "a☺b", true], ["a[^a]b", "a☺b", true], ["a???b", "a☺b", false], ["[a-ζ]*", "α", true], ["*[a-ζ]", "A", false],
  ["a?b", "a/b", false], ["a*b", "a/b", false], ["[\\]a]", "]", true], ["[\\-]", "-", true], ["[x\\-]", "x", true],
  ["[x\\-]", "-", true], ["[x\\-]", "z", false], ["[\\-x]", "x", true], ["[]a]", "]", false], ["[-]", "-", false],
  ["[x-]", "x", false], ["[a-b-c]", "a", false], ["[", "a", false], ["[^", "a", false], ["[^bc", "a", false], ["a[", "a", false],
  ["a[", "ab", false], ["*x", "xxx", true], ["*.txt", "notes.txt", true], ["*.txt", "dir/notes.txt", false], ["dir/*", "dir/notes.txt", true],
];

t("goMatch follows Go's filepath.Match on its documented cases", () => {
  for (const [pattern, name, want] of CASES) assert.is(goMatch(pattern, name), want, `${pattern} ~ ${name}`);
});

t("a pattern that would make a backtracking matcher run for ages answers at once", () => {
  const name = `${"a".repeat(4000)}c`;
  assert.is(goMatch(`${"*a".repeat(40)}*b`, name), false);
  assert.is(goMatch(`${"*a".repeat(40)}*c`, name), true);
});

t("a source's .. may not climb out of the root; the destination is relative to WORKDIR, a trailing / kept", () => {
  assert.is(sourcePath("./a/../b"), "/b");
  assert.is(sourcePath("/etc/passwd"), "/etc/passwd");
  assert.throws(() => sourcePath("a/../../x"), /forbidden path outside the build context: a\/\.\.\/\.\.\/x \(\)/);
  assert.is(normalizeDest("/app", "."), "/app");
  assert.is(normalizeDest("/app", "sub/"), "/app/sub/");
  assert.is(normalizeDest("", "x"), "/x");
  assert.is(normalizeDest("/app", "/abs/"), "/abs/");
});

t.run();
