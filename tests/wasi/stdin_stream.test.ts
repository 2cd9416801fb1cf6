/**
 * stdin that streams into a process in a worker (stdin_pipe.ts): a line is read as soon
 * as it arrives while the writer keeps the pipe open, EOF comes at the writer's close, a
 * blocked reader ends at a stop (by its SIGTERM, not the grace period's kill) or a kill, a
 * terminal's ^D is one empty read, and ^C ends the foreground program with 130 (a shell
 * that catches it lives on). How fast is measured in bench/, not asserted here: timeouts
 * below only bound a hang (tests/_wait.ts).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { closeWorkers, runProcess } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { textSink } from "./_helpers.ts";
import { until } from "../_wait.ts";
import { UnionFS, WritableLayer } from "../../src/fs/mod.ts";

const t = suite("stdin that streams");
const { workerHost } = runtimeHost();
t.after(() => closeWorkers(workerHost));
const enc = new TextEncoder();
/** Echo each line read (the shell's read builtin takes a byte at a time). */
const LINES = `while read -r l; do echo "$l"; done`;

function shRootfs(): UnionFS {
  const vfs = new UnionFS({ lowers: [], upper: new WritableLayer() });
  vfs.mkdir("/bin");
  vfs.writeFile("/bin/toolbox", readFileSync(new URL("../../wasm/dist/toolbox.wasm", import.meta.url)));
  for (const n of ["sh", "cat", "head", "sleep", "date", "echo"]) vfs.symlink("/bin/toolbox", `/bin/${n}`);
  return vfs;
}

/** A stdin the test writes to as it likes, and closes (the client's half-close). */
function pipe() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  return { stream, write: (s: string | Uint8Array) => ctl.enqueue(typeof s === "string" ? enc.encode(s) : s), close: () => {
    try {
      ctl.close();
    } catch {
      // the process ended first and cancelled its stdin
    }
  } };
}

t("a line is read while the writer keeps the pipe open", async () => {
  const stdin = pipe(), stdout = textSink();
  const h = runProcess({ cmd: ["sh", "-c", "echo started; head -n 1; echo after"] }, { rootfs: shRootfs(), workerHost, stdin: stdin.stream, stdout });
  await stdout.until("started\n", 10_000);
  stdin.write("first line\n");
  // The pipe is closed only after this: the line went through on its own, not at EOF.
  await stdout.until("first line\nafter\n", 10_000);
  const r = await h.done;
  assert.is(r.exitCode, 0);
  stdin.close();
});

t("the program starts before any stdin arrives, and EOF comes at the close", async () => {
  const stdin = pipe(), stdout = textSink();
  const h = runProcess({ cmd: ["sh", "-c", "echo begin; cat; echo end"] }, { rootfs: shRootfs(), workerHost, stdin: stdin.stream, stdout });
  await stdout.until("begin\n", 10_000);
  stdin.write("a\n");
  await stdout.until("a\n", 2000);
  stdin.write("b");
  stdin.write("c\n");
  await stdout.until("bc\n", 2000);
  stdin.close();
  const r = await h.done;
  assert.equal([r.exitCode, stdout.text()], [0, "begin\na\nbc\nend\n"]);
});

t("a large stdin passes through the ring whole (backpressure, no loss)", async () => {
  const stdin = pipe(), stdout = textSink();
  const h = runProcess({ cmd: ["sh", "-c", "cat | wc -c"] }, { rootfs: shRootfs(), workerHost, stdin: stdin.stream, stdout });
  const block = new Uint8Array(100_000).fill(120);
  for (let i = 0; i < 30; i++) stdin.write(block);
  stdin.close();
  const r = await h.done;
  assert.equal([r.exitCode, stdout.text().trim()], [0, "3000000"]);
});

for (const how of ["stop", "kill"] as const) {
  // A stop's grace period is a minute: a 143 within the bound is its SIGTERM ending the read.
  t(`${how} ends a blocked reader${how === "stop" ? " by its SIGTERM" : ""}`, async () => {
    const stdin = pipe(), stdout = textSink();
    const h = runProcess({ cmd: ["sh", "-c", "echo reading; cat"] }, { rootfs: shRootfs(), workerHost, stdin: stdin.stream, stdout });
    await stdout.until("reading\n", 10_000);
    await new Promise((r) => setTimeout(r, 50));
    const r = await until(how === "stop" ? h.stop({ graceMs: 60_000 }) : h.kill(), { what: `the ${how}'s end of the reader` });
    assert.is(r.exitCode, how === "stop" ? 143 : 137);
  });
}

t("a terminal's ^D (an empty chunk) is one empty read: the terminal stays open", async () => {
  const stdin = pipe(), stdout = textSink();
  const h = runProcess({ cmd: ["sh", "-c", "cat; echo one-eof; cat; echo two-eof"], tty: true }, { rootfs: shRootfs(), workerHost, stdin: stdin.stream, stdout });
  stdin.write("x\n");
  await stdout.until("x\n", 10_000);
  stdin.write(new Uint8Array(0));
  await stdout.until("one-eof\n", 2000);
  stdin.write("y\n");
  await stdout.until("y\n", 2000);
  stdin.write(new Uint8Array(0));
  const r = await h.done;
  assert.equal([r.exitCode, stdout.text()], [0, "x\none-eof\ny\ntwo-eof\n"]);
  stdin.close();
});

t("^C ends a program blocked reading its terminal with 130; ^\\ with 131", async () => {
  for (const [sig, code] of [["INT", 130], ["QUIT", 131]] as const) {
    const stdin = pipe(), stdout = textSink();
    const h = runProcess({ cmd: ["sh", "-c", LINES], tty: true }, { rootfs: shRootfs(), workerHost, stdin: stdin.stream, stdout });
    stdin.write("x\n");
    await stdout.until("x\n", 10_000);
    h.signal(sig);
    const r = await h.done;
    assert.is(r.exitCode, code);
  }
});

t("^C ends a sleeping program, not its sleep's end", async () => {
  const stdin = pipe(), stdout = textSink();
  const h = runProcess({ cmd: ["sh", "-c", "echo zzz; sleep 100"], tty: true }, { rootfs: shRootfs(), workerHost, stdin: stdin.stream, stdout });
  await stdout.until("zzz\n", 10_000);
  h.signal("INT");
  const r = await until(h.done, { what: "the end of the interrupted sleep" });
  assert.is(r.exitCode, 130);
});

t("a program's size is what the terminal says, and follows a resize", async () => {
  const stdin = pipe(), stdout = textSink();
  const h = runProcess({ cmd: ["sh", "-c", "stty size; read x; stty size"], tty: true }, { rootfs: shRootfs(), workerHost, stdin: stdin.stream, stdout, terminalSize: { rows: 30, cols: 100 } });
  await stdout.until("30 100\n", 10_000);
  h.resize(40, 120);
  stdin.write("go\n");
  await stdout.until("40 120\n", 2000);
  assert.is((await h.done).exitCode, 0);
  stdin.close();
});

t.run();
