/**
 * The toolbox shell under node:wasi: every feature issue 4 names (quoting, variables,
 * export, lists, pipelines, redirections, compound commands, functions, $(...), exit, cd,
 * sh -c, sh script, #!/bin/sh scripts, PWD at start, and commands that are not applets).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { makeRoot, run, sh, type SpawnCall, WASI_SKIP } from "./_run.ts";

const test = suite("toolbox sh");
if (WASI_SKIP) console.log(`skip: toolbox sh: ${WASI_SKIP}`);
const it = WASI_SKIP ? test.skip : test;

type Case = [name: string, script: string, stdout: string, code?: number, stderr?: string];

const CASES: Case[] = [
  ["single quotes keep everything literal", "echo 'a  $HOME \\n \"q\"'", "a  $HOME \\n \"q\"\n"],
  ["double quotes expand variables and keep spaces", "x='1  2'; echo \"[$x]\" [$x]", "[1  2] [1 2]\n"],
  ["backslash escapes one character", "echo \\$x a\\ b \"\\\"\" \\\\", "$x a b \" \\\n"],
  ["variables and ${...} forms expand", "a=hi; echo $a ${a}x ${b:-dflt} ${#a} ${c:=set} $c; f=x.tar.gz; echo ${f%.gz} ${f#*.}", "hi hix dflt 2 set set\nx.tar tar.gz\n"],
  ["$? is the last status", "false; echo $?; sh -c 'exit 7'; echo $?", "1\n7\n"],
  ["$#, $@ and $0-$9 are the positional parameters", "set -- a 'b c' d; echo $# $1 $3; for p in \"$@\"; do echo \"<$p>\"; done; echo $0", "3 a d\n<a>\n<b c>\n<d>\nsh\n"],
  ["export passes a variable to children, plain ones stay local", "A=1; export B=2; sh -c 'echo \"${A:-none} $B\"'; env | grep '^B='", "none 2\nB=2\n"],
  ["VAR=x cmd sets the variable for that command only", "V=tmp env | grep ^V=; echo \"${V:-gone}\"", "V=tmp\ngone\n"],
  ["; && || run lists by status", "true && echo and; false && echo no; false || echo or; true || echo no; echo a; echo b", "and\nor\na\nb\n"],
  ["| pipelines pass output along and take the last status", "printf 'b\\na\\nb\\n' | sort | uniq -c | wc -l; false | true; echo $?; true | false; echo $?", "2\n0\n1\n"],
  ["> >> and < redirect to and from files", "echo one > /f; echo two >> /f; wc -l < /f; cat < /f", "2\none\ntwo\n"],
  ["2> sends errors to a file and 2>&1 joins them to stdout", "cat /nope 2> /err; cat /err; cat /nope 2>&1 | tr a-z A-Z", "cat: /nope: No such file or directory\nCAT: /NOPE: NO SUCH FILE OR DIRECTORY\n"],
  [">&2 writes to stderr; /dev/null swallows output", "echo visible; echo hidden > /dev/null; echo err >&2", "visible\n", 0, "err\n"],
  ["a redirection that cannot open fails the command with status 1", "echo x > /no/dir/f; echo $?", "1\n", 0, "sh: can't create /no/dir/f: No such file or directory\n"],
  ["if/elif/else picks the first true branch", "for v in 1 2 3; do if [ $v = 1 ]; then echo one; elif [ $v = 2 ]; then echo two; else echo many; fi; done", "one\ntwo\nmany\n"],
  ["for loops over words, globs and $@", "touch /g1.txt /g2.txt; for f in /*.txt; do echo $f; done; for w in a b; do echo $w; done", "/g1.txt\n/g2.txt\na\nb\n"],
  ["while and until loop with arithmetic, break and continue", "i=0; while [ $i -lt 5 ]; do i=$((i+1)); [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done; until [ $i = 0 ]; do i=$((i-1)); done; echo end $i", "1\n3\nend 0\n"],
  ["while read consumes lines from a redirection", "printf 'a 1\\nb 2\\n' > /in; while read k v; do echo \"$v=$k\"; done < /in", "1=a\n2=b\n"],
  ["case matches patterns with | and *", "for w in apple kiwi x.c zzz; do case $w in apple|kiwi) echo fruit;; *.c) echo source;; *) echo other;; esac; done", "fruit\nfruit\nsource\nother\n"],
  ["functions take arguments, return a status and see globals", "g=G; greet() { echo \"hi $1 $# $g\"; return 3; }; greet you me; echo $?", "hi you 2 G\n3\n"],
  ["$(...) and backquotes capture output, nested too", "echo \"<$(echo a; echo b)>\" `echo c` $(echo $(echo deep))", "<a\nb> c deep\n"],
  ["exit ends the shell with its status, skipping the rest", "echo before; exit 4; echo after", "before\n", 4],
  ["exit in $(...) or a pipeline stage ends only that part", "x=$(exit 3); echo $? ; exit 5 | true; echo still", "3\nstill\n"],
  ["cd changes the directory for later commands and fails clearly", "mkdir -p /w/x; cd /w; cd x; pwd; cd /nope; echo $?", "/w/x\n2\n", 0, "sh: cd: can't cd to /nope: No such file or directory\n"],
  ["sh -c takes $0 and arguments after the script", "sh -c 'echo $0 $1 $#' name arg", "name arg 1\n"],
  ["a syntax error exits 2", "if true; then echo x", "", 2, "sh: syntax error: unexpected end of file\n"],
  ["a command that is not an applet is not found with status 127", "nosuch arg; echo $?", "127\n", 0, "sh: nosuch: not found\n"],
  ["comments and line continuations are understood", "echo a \\\n  b # comment\n# whole line\necho c", "a b\nc\n"],
  ["{ } groups and ( ) subshells run lists; a subshell keeps cd to itself", "{ echo a; echo b; } | wc -l; mkdir /s; (cd /s; pwd); pwd", "2\n/s\n/\n"],
  ["eval, shift, unset and read work as builtins", "eval 'echo ev'; set -- 1 2 3; shift; echo $*; x=1; unset x; echo ${x:-unset}; echo line | { read l; echo got $l; }", "ev\n2 3\nunset\ngot line\n"],
];

for (const [name, script, stdout, code = 0, stderr] of CASES) {
  it(name, () => {
    const root = makeRoot();
    try {
      const r = sh(root.dir, script);
      assert.is(r.stdout, stdout);
      assert.is(r.stderr, stderr ?? "");
      assert.is(r.code, code);
    } finally {
      root.rm();
    }
  });
}

it("sh SCRIPT runs a file with arguments, and a #!/bin/sh script runs by its path", () => {
  const root = makeRoot({ "s.sh": "#!/bin/sh\necho \"script $0 $1\"\nexit 3\n" });
  try {
    assert.equal(run(root.dir, ["sh", "/s.sh", "a"]), { code: 3, stdout: "script /s.sh a\n", stderr: "" });
    assert.equal(sh(root.dir, "/s.sh b; echo rc=$?"), { code: 0, stdout: "script /s.sh b\nrc=3\n", stderr: "" });
    assert.equal(run(root.dir, ["sh", "/missing.sh"]).code, 127);
  } finally {
    root.rm();
  }
});

it("sh reads commands from stdin when given no script", () => {
  const root = makeRoot();
  try {
    const r = run(root.dir, ["sh"], { stdin: "echo one\nif true; then\n  echo two\nfi\nexit 6\necho never\n" });
    assert.equal(r, { code: 6, stdout: "one\ntwo\n", stderr: "" });
  } finally {
    root.rm();
  }
});

it("sh sets PWD to where it starts, as dash does; a PWD in the env moves nobody (the host sets the working directory)", () => {
  const root = makeRoot({ "here.txt": "x" });
  try {
    run(root.dir, ["mkdir", "-p", "/srv/app"]);
    assert.is(sh(root.dir, "echo $PWD; cd /srv/app; echo $PWD; pwd", { env: {} }).stdout, "/\n/srv/app\n/srv/app\n");
    assert.is(sh(root.dir, "echo $PWD; pwd", { env: { PWD: "/srv/app" } }).stdout, "/\n/\n");
    assert.is(run(root.dir, ["pwd"], { env: { PWD: "/srv" } }).stdout, "/\n");
  } finally {
    root.rm();
  }
});

it("a command that is not an applet goes through strata.spawn with argv, env, cwd and fds", () => {
  const root = makeRoot();
  const calls: SpawnCall[] = [];
  try {
    run(root.dir, ["mkdir", "/work"]);
    const r = sh(root.dir, "cd /work; X=1 hello a 'b c' > /out.txt; echo rc=$?", { spawn: (c) => (calls.push(c), 42) });
    assert.is(r.stdout, "rc=42\n");
    assert.is(calls.length, 1);
    assert.equal(calls[0]!.argv, ["hello", "a", "b c"]);
    assert.ok(calls[0]!.env.includes("X=1"), "the command's own assignment reaches the child");
    assert.is(calls[0]!.cwd, "/work");
    assert.is(calls[0]!.fds[0], 0);
    assert.ok(calls[0]!.fds[1]! > 2, "stdout is the redirected file's fd");
    assert.is(calls[0]!.fds[2], 2);
  } finally {
    root.rm();
  }
});

test.run();
