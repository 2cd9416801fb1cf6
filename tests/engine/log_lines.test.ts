/** `docker logs` reads lines as moby's copier logs them for the json-file driver (src/engine/_log_lines.ts). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { LogBuffer } from "../../src/engine/mod.ts";
import { LineAssembler, logLines, MAX_LINE_PIECE } from "../../src/engine/_log_lines.ts";
import type { LogEntry } from "../../src/engine/mod.ts";

const t = suite("log lines");
const enc = new TextEncoder(), dec = new TextDecoder();
const w = (data: string, time: number, stream: LogEntry["stream"] = "stdout"): LogEntry => ({ stream, time, data: enc.encode(data) });
const show = (es: LogEntry[]) => es.map((e) => [e.stream, e.time, dec.decode(e.data)]);

t("two writes of one line are one entry, timed by the write that ended it; streams are apart", () => {
  const lines = logLines([w("ls: ", 1), w("oops\n", 2, "stderr"), w("cannot access 'x'\nnext", 3), w(" line\n", 4)], { final: true });
  assert.equal(show(lines), [["stderr", 2, "oops\n"], ["stdout", 3, "ls: cannot access 'x'\n"], ["stdout", 4, "next line\n"]]);
});

t("a line longer than 16 KiB is logged in 16 KiB pieces as it arrives, each timed by the first", () => {
  const a = new LineAssembler();
  const big = "a".repeat(MAX_LINE_PIECE + 100);
  assert.equal(a.push(w(big.slice(0, 1000), 1)), []);
  const first = a.push(w(big.slice(1000), 2));
  assert.equal(first.map((e) => [e.time, e.data.length]), [[2, MAX_LINE_PIECE]], "the first piece, without a newline");
  const rest = a.push(w("b".repeat(MAX_LINE_PIECE) + "\n", 3));
  assert.equal(rest.map((e) => [e.time, e.data.length]), [[2, MAX_LINE_PIECE], [2, 101]]);
  assert.is(dec.decode(rest[0]!.data), "a".repeat(100) + "b".repeat(MAX_LINE_PIECE - 100));
  assert.is(dec.decode(rest[1]!.data), "b".repeat(100) + "\n");
});

t("an unfinished last line shows only when its process ended, as a partial entry; it does not run on into the next start", () => {
  const log = new LogBuffer(1 << 20);
  log.push(w("prompt> ", 1));
  assert.equal(show(log.select({ final: false })), [], "running: not logged yet");
  log.end(5);
  log.push(w("again\n", 9));
  assert.equal(show(log.select({})), [["stdout", 5, "prompt> "], ["stdout", 9, "again\n"]]);
  assert.equal(show(log.select({ tail: 1 })), [["stdout", 9, "again\n"]]);
});

t.run();
