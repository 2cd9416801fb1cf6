import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DockerfileError, expandWord, expandWords } from "../../src/dockerfile/mod.ts";

const t = suite("dockerfile lexer");

const ENV: Record<string, string> = { HOME: "/root", USER: "ann", EMPTY: "", FILE: "archive.tar.gz", PATHS: "/usr/local/bin:/usr/bin:/bin", TWO: "one two", PAD: "  x  y " };
const env = (n: string) => ENV[n];
const ERROR = Symbol("error");

// word | expected (one string), as a shell would give it — cases written for strata, in the
// manner of moby's envVarTest table.
const WORDS: Array<[string, string | typeof ERROR]> = [
  ["plain", "plain"],
  ["$HOME", "/root"],
  ["${HOME}/app", "/root/app"],
  ["$HOME$USER", "/rootann"],
  ["$NOPE", ""],
  ["x${NOPE}y", "xy"],
  ["$", "$"],
  ["a$", "a$"],
  ["$/x", "$/x"],
  ["$1st", "st"],
  ["cost: $5", "cost: "],
  ["'$HOME'", "$HOME"],
  ['"$HOME"', "/root"],
  ['"${HOME}"s', "/roots"],
  ["\\$HOME", "$HOME"],
  ['"\\$HOME"', "$HOME"],
  ["\\\\$HOME", "\\/root"],
  ["a\\ b", "a b"],
  ["a\\b", "ab"],
  ['"a\\b"', "a\\b"],
  ['"a\\"b"', 'a"b'],
  ["'a\\'", "a\\"],
  ["it'\"'s", 'it"s'],
  ["trailing\\", "trailing"],
  ["'open", ERROR],
  ['"open', ERROR],
  ["${HOME", ERROR],
  ["${}", ERROR],
  ["${:-x}", ERROR],
  ["${HOME%%x", ERROR],
  ["${NOPE:-fallback}", "fallback"],
  ["${EMPTY:-fallback}", "fallback"],
  ["${EMPTY-fallback}", ""],
  ["${NOPE-fallback}", "fallback"],
  ["${USER:-fallback}", "ann"],
  ["${NOPE:-$HOME}", "/root"],
  ["${NOPE:-${ALSO:-deep}}", "deep"],
  ["${NOPE:-'q w'}", "q w"],
  ["${USER:+set}", "set"],
  ["${EMPTY:+set}", ""],
  ["${EMPTY+set}", "set"],
  ["${NOPE+set}", ""],
  ["${USER:?}", "ann"],
  ["${NOPE:?}", ERROR],
  ["${EMPTY?}", ""],
  ["${EMPTY:?must be set}", ERROR],
  ["${USER:x}", ERROR],
  ["${USER!}", ERROR],
  ["${FILE#*.}", "tar.gz"],
  ["${FILE##*.}", "gz"],
  ["${FILE%.*}", "archive.tar"],
  ["${FILE%%.*}", "archive"],
  ["${FILE#nomatch}", "archive.tar.gz"],
  ["${FILE#arch?ve}", ".tar.gz"],
  ["${PATHS%%:*}", "/usr/local/bin"],
  ["${PATHS##*:}", "/bin"],
  ["${FILE:#x}", ERROR],
  ["${FILE/tar/zip}", "archive.zip.gz"],
  ["${PATHS//bin/sbin}", "/usr/local/sbin:/usr/sbin:/sbin"],
  ["${FILE/a*e/}", ".tar.gz"],
  ["${FILE/.gz}", ERROR],
  ["${NOPE/a/b}", ""],
  ["${FILE#\\a}", ERROR],
];

t("expandWord() follows the table of words a shell would expand", () => {
  for (const [word, want] of WORDS) {
    let got: string | typeof ERROR;
    try {
      got = expandWord(word, env);
    } catch (e) {
      assert.instance(e, DockerfileError, word);
      got = ERROR;
    }
    assert.is(got, want, `${word} → ${String(want)}`);
  }
});

t("an error names the word and what is wrong with it, as moby words it", () => {
  const msg = (w: string) => {
    try {
      expandWord(w, env);
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  assert.is(msg("${NOPE:?}"), 'failed to process "${NOPE:?}": NOPE: is not allowed to be unset');
  assert.is(msg("${EMPTY:?}"), 'failed to process "${EMPTY:?}": EMPTY: is not allowed to be empty');
  assert.is(msg("${NOPE?give it}"), 'failed to process "${NOPE?give it}": NOPE: give it');
  assert.is(msg("${}"), 'failed to process "${}": syntax error: bad substitution');
  assert.is(msg("'x"), "failed to process \"'x\": unexpected end of statement while looking for matching single-quote");
  assert.is(msg("${FILE:%x}"), 'failed to process "${FILE:%x}": unsupported modifier (:%) in substitution');
});

t("the backtick escape character works in place of the backslash", () => {
  assert.is(expandWord("`$HOME", env, "`"), "$HOME");
  assert.is(expandWord("C:\\dir", env, "`"), "C:\\dir");
  assert.is(expandWord('"a`"b"', env, "`"), 'a"b');
});

// word | expected words (moby's wordsTest manner: split after substitution)
const SPLITS: Array<[string, string[]]> = [
  ["a b  c", ["a", "b", "c"]],
  ["$TWO", ["one", "two"]],
  ['"$TWO"', ["one two"]],
  ["x$TWO", ["xone", "two"]],
  ["x${PAD}y", ["x", "x", "y", "y"]],
  ['x"${PAD}"y', ["x  x  y y"]],
  ["a\\ b c", ["a b", "c"]],
  ["'a b' \"c d\"", ["a b", "c d"]],
  ['a "" b', ["a", "b"]],
  ["$NOPE", []],
  ["80 $TWO 443/udp", ["80", "one", "two", "443/udp"]],
];

t("expandWords() splits on whitespace outside quotes, a variable's value included", () => {
  for (const [word, want] of SPLITS) assert.equal(expandWords(word, env), want, word);
});

t("the raw modes keep quotes and escapes and leave unset variables as written", () => {
  assert.is(expandWord(`'a' "b" \\c $NOPE \${NOPE:-x}`, env, "\\", { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }), `'a' "b" \\c $NOPE \${NOPE:-x}`);
  assert.is(expandWord(`say "$USER" 'x'`, env, "\\", { skipProcessQuotes: true }), `say "ann" 'x'`);
});

t("${X//p/r} replaces as Go's ReplaceAllString: an empty match right after a match is skipped", () => {
  const e = (n: string) => ({ A: "aaa", B: "abc", P: "a.b.c" })[n];
  assert.is(expandWord("${A//a*/-}", e), "-");
  assert.is(expandWord("${B///-}", e), "-a-b-c-");
  assert.is(expandWord("${B//x*/-}", e), "abc");
  assert.is(expandWord("${P//./_}", e), "a_b_c");
  assert.is(expandWord("${P/*./}", e), "c");
  assert.is(expandWord("${P/?/}", e), ".b.c");
});

t("patterns that would make a backtracking RegExp run for ages are matched in linear passes", () => {
  const long = "a".repeat(5000);
  const e = (n: string) => (n === "LONG" ? long : undefined);
  const stars = "*a".repeat(12) + "b";
  assert.is(expandWord(`\${LONG#${stars}}`, e), long);
  assert.is(expandWord(`\${LONG%%${stars}}`, e), long);
  assert.is(expandWord(`\${LONG//${stars}/x}`, e), long);
  assert.is(expandWord(`\${LONG##*a}`, e), "");
});

t("a pattern too long for its value, and substitutions nested too deep, are errors, not stalls", () => {
  const e = (n: string) => (n === "BIG" ? "x".repeat(70000) : "v");
  assert.throws(() => expandWord(`\${BIG#${"?".repeat(1000)}}`, e), /too long for a value of 70000 characters/);
  const nested = "${A:-".repeat(150) + "x" + "}".repeat(150);
  assert.throws(() => expandWord(nested, () => undefined), /nested more than 100 deep/);
  assert.is(expandWord("${A:-".repeat(50) + "x" + "}".repeat(50), () => undefined), "x");
});

t.run();
