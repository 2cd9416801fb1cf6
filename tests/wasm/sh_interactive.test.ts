/**
 * The toolbox on a terminal, under node:wasi with a fake one (_terminal.ts: a line per
 * read, ^C and ^D, the strata terminal imports): interactive sh (prompts, ^C, ^D, exit) as
 * dash behaves, stty, and ls in columns. stdout and stderr are kept apart here; on a real
 * terminal the prompts (stderr) and the output interleave.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { makeRoot, run, type RunOptions, WASI_SKIP } from "./_run.ts";
import type { FakeTerminal } from "./_terminal.ts";

const test = suite("toolbox on a terminal");
if (WASI_SKIP) console.log(`skip: toolbox on a terminal: ${WASI_SKIP}`);
const it = WASI_SKIP ? test.skip : test;

function onTerminal(argv: string[], terminal: FakeTerminal, opts: RunOptions = {}) {
  const root = makeRoot();
  try {
    return { ...run(root.dir, argv, { ...opts, terminal }), caught: terminal.caught };
  } finally {
    root.rm();
  }
}

type Case = [name: string, terminal: FakeTerminal, stdout: string, stderr: string, code?: number];

const CASES: Case[] = [
  ["sh prompts with PS1 '# ' and PS2 '> ' and runs each command as it is complete",
    { input: ["echo hi\n", "if true; then\n", "echo yes\n", "fi\n"] }, "hi\nyes\n", "# # > > # \n"],
  ["^C at the prompt drops the lines typed so far: a newline, a new prompt, and $? is 130",
    { input: ["if true; then\n", "\x03", "echo $?\n"] }, "130\n", "# > \n# # \n"],
  ["^C while cat reads the terminal ends cat and the rest of the line with 130",
    { input: ["cat; echo not\n", "abc\n", "\x03", "echo $?\n"] }, "abc\n130\n", "# \n# # \n"],
  ["^C ends a loop that makes no system call (the shell looks once per command)",
    { input: ["while :; do :; done; echo not\n", "echo $?\n"], interruptAt: { call: "take_interrupt", n: 100 } }, "130\n", "# \n# # \n"],
  ["^C ends sleep at once",
    { input: ["sleep 100; echo not\n", "echo $?\n"], interruptAt: { call: "poll_oneoff", n: 1 } }, "130\n", "# \n# # \n"],
  ["^C ends the read builtin without setting the variable",
    { input: ["x=old; read x; echo not\n", "\x03", "echo \"$? $x\"\n"] }, "130 old\n", "# \n# # \n"],
  ["^C ends yes writing to a stream in memory",
    { input: ["yes | head -1; yes > /dev/null; echo not\n", "echo $?\n"], interruptAt: { call: "take_interrupt", n: 200 } }, "y\n130\n", "# \n# # \n"],
  ["^D on an empty line ends sh with the last status, after a newline",
    { input: ["(exit 3)\n"] }, "", "# # \n", 3],
  ["^D at PS2 is a syntax error (status 2) and sh goes on",
    { input: ["if true; then\n", "\x04", "echo $?\n"] }, "2\n", "# > sh: syntax error: unexpected end of file\n# # \n"],
  ["^D ends cat, not the shell",
    { input: ["cat\n", "x\n", "\x04", "echo after\n"] }, "x\nafter\n", "# # # \n"],
  ["exit N ends sh with N and prints nothing more",
    { input: ["exit 5\n", "echo not\n"] }, "", "# ", 5],
  ["PS1 is expanded before each prompt; $? survives it",
    { input: ["X=a; PS1='[$X$(echo !)]$ '; false\n", "X=b; echo $?\n"] }, "0\n", "# [a!]$ [b!]$ \n"],
  ["stty size and stty show the terminal; settings it does not have are invalid",
    { rows: 33, cols: 100, input: ["stty size; stty; stty -echo raw; echo $?; stty sane echo icanon rows 33 intr ^C; echo $?\n"] },
    "33 100\nspeed 38400 baud; rows 33; columns 100; line = 0;\nintr = ^C; quit = ^\\; erase = ^?; kill = ^U; eof = ^D; werase = ^W;\n" +
      "icrnl\nopost onlcr\nisig icanon iexten echo echoe\n1\n0\n",
    "# stty: invalid argument '-echo'\nTry 'stty --help' for more information.\n# \n"],
  ["stty without a terminal on stdin says so, as GNU stty",
    { input: ["echo x > /f; stty size < /f; echo $?\n"] }, "1\n", "# stty: 'standard input': Inappropriate ioctl for device\n# \n"],
  ["ls on a terminal fills the width in columns, down first, as GNU ls; into a pipe one name a line",
    { cols: 30, input: ["mkdir /d; cd /d; touch a bb ccc dddd eeeee ffffff g h i j k l m n o p q r s t u v w x y z; ls; ls | head -2\n"] },
    "a     eeeee   i  m  q  u  y\nbb    ffffff  j  n  r  v  z\nccc   g       k  o  s  w\ndddd  h       l  p  t  x\na\nbb\n", "# # \n"],
];

for (const [name, terminal, stdout, stderr, code = 0] of CASES) {
  it(name, () => {
    const r = onTerminal(["sh"], terminal);
    assert.is(r.stdout, stdout);
    assert.is(r.stderr, stderr);
    assert.is(r.code, code);
    assert.ok(r.caught, "interactive sh catches interrupts");
  });
}

it("a child that the host ended for ^C (spawn answers 130) counts as an interrupt", () => {
  const r = onTerminal(["sh"], { input: ["nosuch; echo not\n", "echo $?\n"] }, { spawn: () => 130 });
  assert.equal([r.stdout, r.stderr, r.code], ["130\n", "# \n# # \n", 0]);
});

it("sh -c is not interactive: it catches nothing, and a ^C ends even a loop with 130", () => {
  const r = onTerminal(["sh", "-c", "while :; do :; done"], { interruptAt: { call: "take_interrupt", n: 50 } });
  assert.equal([r.stdout, r.stderr, r.code, r.caught], ["", "", 130, undefined]);
});

it("sh -i is interactive without a terminal; sh reading a pipe is not", () => {
  const root = makeRoot();
  try {
    const i = run(root.dir, ["sh", "-i"], { stdin: "echo hi\n" });
    assert.equal([i.stdout, i.stderr, i.code], ["hi\n", "# # \n", 0]);
    const plain = run(root.dir, ["sh"], { stdin: "echo hi\n" });
    assert.equal([plain.stdout, plain.stderr, plain.code], ["hi\n", "", 0]);
  } finally {
    root.rm();
  }
});

it("ls -C lays out columns without a terminal too, $COLUMNS wide (80 by default); -w sets the width", () => {
  const root = makeRoot();
  try {
    run(root.dir, ["sh", "-c", "mkdir /d; cd /d; touch a bb ccc dddd eeeee ffffff g h i j k l m n o p q r s t u v w x y z"]);
    assert.is(run(root.dir, ["ls", "-C", "/d"]).stdout, "a   ccc   eeeee   g  i\tk  m  o  q  s  u  w  y\nbb  dddd  ffffff  h  j\tl  n  p  r  t  v  x  z\n");
    assert.is(run(root.dir, ["ls", "-C", "-w", "20", "/d"]).stdout, run(root.dir, ["ls", "-C", "/d"], { env: { COLUMNS: "20" } }).stdout);
    assert.is(run(root.dir, ["ls", "-C", "-w", "20", "/d"]).stdout, "a\th  o  v\nbb\ti  p  w\nccc\tj  q  x\ndddd\tk  r  y\neeeee\tl  s  z\nffffff\tm  t\ng\tn  u\n");
  } finally {
    root.rm();
  }
});

test.run();
