import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Pty, type PtyEnds } from "../../src/engine/pty.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A terminal with its three ends recorded: what the program read, what the screen showed, which signals went out. */
function terminal(size?: { rows: number; cols: number }) {
  const reads: (string | null)[] = [];
  const rawReads: (Uint8Array | null)[] = [];
  const screenChunks: Uint8Array[] = [];
  const signals: string[] = [];
  const events: string[] = [];
  const ends: PtyEnds = {
    read: (b) => (rawReads.push(b), reads.push(b && dec.decode(b)), events.push(`read:${b ? dec.decode(b) : "EOF"}`)),
    screen: (b) => (screenChunks.push(b), events.push(`screen:${dec.decode(b)}`)),
    signal: (s) => (signals.push(s), events.push(`signal:${s}`)),
  };
  const pty = new Pty(ends, size);
  const screenBytes = () => Uint8Array.from(screenChunks.flatMap((c) => [...c]));
  return {
    pty, reads, rawReads, signals, events, screenChunks, screenBytes,
    type: (s: string) => pty.input(enc.encode(s)),
    screen: () => dec.decode(screenBytes()),
  };
}

const bs = (n = 1) => "\b \b".repeat(n);
const backs = (n: number) => "\b".repeat(n);

const t = suite("Pty: a Linux n_tty line discipline in canonical mode");

t("Enter (\\r) ends the line: read with \\n, echoed as \\r\\n", () => {
  const tt = terminal();
  tt.type("ls -l");
  assert.equal(tt.reads, []);
  assert.is(tt.screen(), "ls -l");
  tt.type("\r");
  assert.equal(tt.reads, ["ls -l\n"]);
  assert.is(tt.screen(), "ls -l\r\n");
});

t("\\n ends a line too, so a client's \\r\\n is a line and then an empty one (as Linux reads it)", () => {
  const tt = terminal();
  tt.type("a\nb\r\n");
  assert.equal(tt.reads, ["a\n", "b\n", "\n"]);
  assert.is(tt.screen(), "a\r\nb\r\n\r\n");
});

t("several lines in one chunk are read one by one", () => {
  const tt = terminal();
  tt.type("one\rtwo\rthr");
  assert.equal(tt.reads, ["one\n", "two\n"]);
  tt.type("ee\r");
  assert.equal(tt.reads, ["one\n", "two\n", "three\n"]);
});

t("the echo reaches the screen before the line reaches the program", () => {
  const tt = terminal();
  tt.type("hi\r");
  assert.equal(tt.events, ["screen:hi\r\n", "read:hi\n"]);
});

t("DEL and ^H erase one character, echoed as \\b \\b", () => {
  const tt = terminal();
  tt.type("abc\x7f\x7fx\by\r");
  assert.equal(tt.reads, ["ay\n"]);
  assert.is(tt.screen(), `abc${bs()}${bs()}x${bs()}y\r\n`);
});

t("erase on an empty line does nothing and echoes nothing", () => {
  const tt = terminal();
  tt.type("\x7f\b\x15\x17");
  assert.is(tt.screen(), "");
  tt.type("a\x7f\x7f\x7fb\r");
  assert.equal(tt.reads, ["b\n"]);
  assert.is(tt.screen(), `a${bs()}b\r\n`);
});

t("erase takes back a whole UTF-8 character, with one \\b \\b", () => {
  const tt = terminal();
  tt.type("né\x7f日本\x7f🙂\x7fe\r");
  assert.equal(tt.reads, ["n日e\n"]);
  assert.is(tt.screen(), `né${bs()}日本${bs()}🙂${bs()}e\r\n`);
});

t("a UTF-8 character split across chunks is erased whole", () => {
  const tt = terminal();
  const e = enc.encode("é");
  tt.pty.input(enc.encode("x"));
  tt.pty.input(e.subarray(0, 1));
  tt.pty.input(e.subarray(1));
  tt.type("\x7f\r");
  assert.equal(tt.reads, ["x\n"]);
});

t("stray continuation bytes at the start of a line are never erased in part (Linux)", () => {
  const tt = terminal();
  tt.pty.input(Uint8Array.of(0x80, 0x81, 0x61, 0x7f, 0x7f, 0x0d));
  assert.equal(tt.rawReads, [Uint8Array.of(0x80, 0x81, 0x0a)]);
  assert.is(dec.decode(tt.screenBytes().subarray(2)), `a${bs()}\r\n`);
});

t("other control characters go into the line and echo as ^X (ECHOCTL); tab echoes as itself", () => {
  const tt = terminal();
  tt.type("\x01\x00\x1b[A\x0f\x11\x13\x7f\t.\r");
  assert.equal(tt.reads, ["\x01\x00\x1b[A\x0f\x11\t.\n"]);
  assert.is(tt.screen(), `^A^@^[[A^O^Q^S${bs(2)}\t.\r\n`);
});

t("a control character shown as ^X is erased with two \\b \\b; an arrow key's ESC too", () => {
  const tt = terminal();
  tt.type("x\x1b[D\x7f\x7f\x7f\r");
  assert.equal(tt.reads, ["x\n"]);
  assert.is(tt.screen(), `x^[[D${bs()}${bs()}${bs(2)}\r\n`);
});

t("erasing a tab moves back to the column before it, counted from the line's start", () => {
  const tt = terminal();
  tt.type("ab\t\x7f"); // the tab went from column 2 to 8
  assert.is(tt.screen(), `ab\t${backs(6)}`);
  tt.type("\x15\t\x7f"); // a tab at column 0 spans 8
  assert.is(tt.screen(), `ab\t${backs(6)}${bs(2)}\t${backs(8)}`);
});

t("erasing a tab counts UTF-8 characters as one column and ^X as two", () => {
  const tt = terminal();
  tt.type("é\t\x7f");
  assert.is(tt.screen(), `é\t${backs(7)}`);
  const u = terminal();
  u.type("\x01\t\x7f");
  assert.is(u.screen(), `^A\t${backs(6)}`);
});

t("erasing a tab after another tab counts from that tab", () => {
  const tt = terminal();
  tt.type("a\tbc\t\x7f"); // the second tab went from column 10 to 16
  assert.is(tt.screen(), `a\tbc\t${backs(6)}`);
});

t("erasing a tab accounts for the program's prompt before the line (the column is tracked)", () => {
  const tt = terminal();
  tt.pty.output(enc.encode("prompt> ")); // column 8
  tt.type("abc\t\x7f"); // the tab went from column 11 to 16
  assert.is(tt.screen(), `prompt> abc\t${backs(5)}`);
  const u = terminal();
  u.pty.output(enc.encode("a\nxyz")); // column 3 after the \r\n
  u.type("\t\x7f");
  assert.is(u.screen(), `a\r\nxyz\t${backs(5)}`);
});

t("a \\r in the output and the ^C echo move the column a tab is erased back to", () => {
  const tt = terminal();
  tt.pty.output(enc.encode("a long prompt\r$ ")); // column 2
  tt.type("\t\x7f");
  assert.is(tt.screen(), `a long prompt\r$ \t${backs(6)}`);
  const u = terminal();
  u.type("\x03\t\x7f"); // ^C leaves the cursor at column 2
  assert.is(u.screen(), `^C\t${backs(6)}`);
});

t("^U kills the line, erasing it character by character (ECHOKE)", () => {
  const tt = terminal();
  tt.type("aé\x01\t\x15");
  assert.is(tt.screen(), `aé^A\t${backs(4)}${bs(2)}${bs()}${bs()}`);
  tt.type("xy\r");
  assert.equal(tt.reads, ["xy\n"]);
});

t("^W erases trailing non-word bytes, then a word (Linux: letters, digits and _)", () => {
  const tt = terminal();
  tt.type("echo foo-bar_2  \x17");
  assert.is(tt.screen(), `echo foo-bar_2  ${bs(7)}`);
  tt.type("\x17");
  assert.is(tt.screen(), `echo foo-bar_2  ${bs(7)}${bs(4)}`);
  tt.type("\x17\r");
  assert.equal(tt.reads, ["\n"]);
});

t("^W treats UTF-8 letters as word characters", () => {
  const tt = terminal();
  tt.type("naïve élan\x17\r");
  assert.equal(tt.reads, ["naïve \n"]);
  assert.is(tt.screen(), `naïve élan${bs(4)}\r\n`);
  const u = terminal();
  u.type("ls 日本語\x17\r");
  assert.equal(u.reads, ["ls \n"]);
});

t("^D on an empty line is an end of file, and later lines are read as usual", () => {
  const tt = terminal();
  tt.type("\x04");
  assert.equal(tt.reads, [null]);
  tt.type("more\r\x04");
  assert.equal(tt.reads, [null, "more\n", null]);
  assert.is(tt.screen(), "more\r\n");
});

t("^D on a pending line hands it over without a newline, unechoed", () => {
  const tt = terminal();
  tt.type("abc\x04");
  assert.equal(tt.reads, ["abc"]);
  assert.is(tt.screen(), "abc");
  tt.type("\x04");
  assert.equal(tt.reads, ["abc", null]);
});

t("^C discards the line, echoes ^C and interrupts", () => {
  const tt = terminal();
  tt.type("sleep 100\x03");
  assert.equal(tt.reads, []);
  assert.equal(tt.signals, ["INT"]);
  assert.equal(tt.events, ["screen:sleep 100^C", "signal:INT"]);
  tt.type("x\r");
  assert.equal(tt.reads, ["x\n"]);
});

t("^\\ discards the line, echoes ^\\ and quits", () => {
  const tt = terminal();
  tt.type("abc\x1c\r");
  assert.equal(tt.signals, ["QUIT"]);
  assert.equal(tt.reads, ["\n"]);
  assert.is(tt.screen(), "abc^\\\r\n");
});

t("^Z echoes ^Z and discards the line, but sends no signal (no job control)", () => {
  const tt = terminal();
  tt.type("abc\x1adef\r");
  assert.equal(tt.signals, []);
  assert.equal(tt.reads, ["def\n"]);
  assert.is(tt.screen(), "abc^Zdef\r\n");
});

t("^V takes the next byte literally: a signal key, erase, Enter or newline go into the line", () => {
  const tt = terminal();
  tt.type("\x16\x03\x16\x7f\x16\r\x16\n\x16\x04\x16\x16.\r");
  assert.equal(tt.signals, []);
  assert.equal(tt.reads, ["\x03\x7f\r\n\x04\x16.\n"]);
  const caret = "^\b";
  assert.is(tt.screen(), `${caret}^C${caret}^?${caret}^M${caret}^J${caret}^D${caret}^V.\r\n`);
});

t("^V takes a printable byte as itself, and works across chunks", () => {
  const tt = terminal();
  tt.type("\x16");
  tt.type("a");
  tt.type("\x16");
  tt.type("\x15b\r");
  assert.equal(tt.reads, ["a\x15b\n"]);
  assert.is(tt.screen(), "^\ba^\b^Ub\r\n");
});

t("a literal control character is erased as the ^X it was shown as", () => {
  const tt = terminal();
  tt.type("\x16\x03\x7f\r");
  assert.equal(tt.reads, ["\n"]);
  assert.is(tt.screen(), `^\b^C${bs(2)}\r\n`);
});

t("^R reprints the line on a new line; a tab erased after it counts from column 0", () => {
  const tt = terminal();
  tt.pty.output(enc.encode("$ "));
  tt.type("ab\x01\x12\t\x7f");
  assert.is(tt.screen(), `$ ab^A^R\r\nab^A\t${backs(4)}`);
  tt.type("\r");
  assert.equal(tt.reads, ["ab\x01\n"]);
});

t("a line holds 4095 bytes: more are dropped unechoed; a newline is still accepted", () => {
  const tt = terminal();
  const full = "a".repeat(4095);
  tt.type(full);
  tt.type("bcd");
  assert.is(tt.screen(), full);
  tt.type("\r");
  assert.equal(tt.reads, [`${full}\n`]);
  assert.is(tt.reads[0]!.length, 4096);
});

t("a full line takes bytes again once something is erased, and ^D hands it over", () => {
  const tt = terminal();
  const full = "a".repeat(4095);
  tt.type(`${full}x\x7fyz\x04`);
  assert.equal(tt.reads, [`${"a".repeat(4094)}y`]);
  assert.is(tt.screen(), `${full}${bs()}y`);
  tt.type(`${full}\x16\x01\x15ok\r`); // a literal byte is dropped too; kill empties the line
  assert.equal(tt.reads.at(-1), "ok\n");
});

t("output: each \\n becomes \\r\\n, and \\r\\n becomes \\r\\r\\n (ONLCR maps every \\n, as Linux does)", () => {
  const tt = terminal();
  tt.pty.output(enc.encode("a\nb\r\nc"));
  assert.is(tt.screen(), "a\r\nb\r\r\nc");
  tt.pty.output(new Uint8Array(0));
  assert.is(tt.screenChunks.length, 1);
  tt.pty.output(Uint8Array.of(0xff, 0x00, 0x0a));
  assert.equal([...tt.screenChunks[1]!], [0xff, 0x00, 0x0d, 0x0a]);
});

t("size is null until known; the constructor and resize set it", () => {
  assert.is(terminal().pty.size, null);
  const tt = terminal({ rows: 24, cols: 80 });
  assert.equal(tt.pty.size, { rows: 24, cols: 80 });
  tt.pty.resize(50, 132);
  assert.equal(tt.pty.size, { rows: 50, cols: 132 });
});

/** A session touching every rule: lines, erase of UTF-8, tabs and ^X, kill, word erase, ^V, ^D, signals, the limit. */
const SESSION = enc.encode([
  "echo hé\x7fello\r", "a\tb\t\x7f\x7f\x7fc\r", "\x01\x1b[A\x7f\x7f\x7f\x7fz\r",
  "one two\x17\x17three\x15four\r", "\x16\x03\x16\r\r", "partial\x04\x04", "drop\x03kept\r", "q\x1c\x1az\n",
  "日本語\x7f\r", "x".repeat(4100), "\x7f!\r",
].join(""));

function replay(chunks: Uint8Array[]) {
  const tt = terminal();
  tt.pty.output(enc.encode("$ "));
  for (const c of chunks) tt.pty.input(c);
  return { reads: tt.rawReads, screen: tt.screenBytes(), signals: tt.signals };
}

t("input in chunks of any size gives the same reads, screen and signals", () => {
  const whole = replay([SESSION]);
  assert.equal(whole.reads.map((r) => r && dec.decode(r)), [
    "echo hello\n", "ac\n", "z\n", "four\n", "\x03\r\n", "partial", null, "kept\n", "z\n", "日本\n", `${"x".repeat(4094)}!\n`,
  ]);
  assert.equal(whole.signals, ["INT", "QUIT"]);
  const bytes = replay([...SESSION].map((b) => Uint8Array.of(b)));
  assert.equal(bytes, whole);
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 20; round++) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < SESSION.length;) {
      const n = 1 + Math.floor(rand() * 9);
      chunks.push(SESSION.subarray(i, i + n));
      i += n;
    }
    assert.equal(replay(chunks), whole);
  }
});

t.run();
