/**
 * `docker run -it toolbox sh`: the toolbox's sh on strata's terminal, typed into as a user
 * types: prompts, ^C at the prompt and during a command (an applet, a loop of builtins, a
 * child started through spawn), ^D, stty size after a resize, ls in columns.
 * The same behaviour is tested under node:wasi with a fake terminal as well
 * (tests/wasm/sh_interactive.test.ts).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createApi } from "../../src/api/mod.ts";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { until } from "../_wait.ts";
import { sampleEngine } from "../engine/_samples.ts";

type Engine = Awaited<ReturnType<typeof sampleEngine>>;
const { workerHost } = runtimeHost();
const t = suite("the toolbox's sh on a terminal");
/** Every session's container: one a failed test leaves running would keep its worker, and this process, alive. */
const started: Array<{ engine: Engine; id: string }> = [];
t.after(async () => {
  for (const { engine, id } of started) await engine.containers.remove(id, { force: true });
  await closeWorkers(workerHost);
});
const it = t;
const enc = new TextEncoder();

/**
 * What the terminal shows: the attach's output as it comes (not `docker logs`, which, as
 * Docker's json-file log, holds a line back until its newline: a prompt would not show).
 * `screen(text)` waits until `text` is among it and returns everything shown so far.
 */
function terminal(engine: Engine, id: string): { keys: ReadableStreamDefaultController<Uint8Array>; screen(text: string): Promise<string> } {
  let keys!: ReadableStreamDefaultController<Uint8Array>;
  const session = engine.containers.attach(id, { stdin: new ReadableStream({ start: (c) => void (keys = c) }), stream: true });
  const dec = new TextDecoder();
  let shown = "";
  void (async () => {
    for await (const e of session.output) shown += dec.decode(e.data, { stream: true });
  })();
  return { keys, screen: (text) => until(() => (shown.includes(text) ? shown : ""), { what: () => `${JSON.stringify(text)} on the terminal of ${id} (it shows ${JSON.stringify(shown)})` }) };
}

/** A container with -it running `cmd`: `type` is the keyboard, `screen` waits for text on the terminal. */
async function session(engine: Engine, cmd = ["sh"], image = "toolbox") {
  const { Id } = await engine.containers.create({ Image: image, Cmd: cmd, Tty: true, OpenStdin: true });
  const { keys, screen } = terminal(engine, Id);
  await engine.containers.start(Id);
  started.push({ engine, id: Id });
  return {
    id: Id,
    type: (text: string) => keys.enqueue(enc.encode(text)),
    /** Everything the terminal has shown, once `text` is among it. */
    screen,
    exit: async () => (await until(engine.containers.wait(Id), { what: `the exit of ${cmd.join(" ")}` })).StatusCode,
  };
}

it("sh prompts with '# ' and '> ' and answers each line as it is typed", async () => {
  const sh = await session(await sampleEngine(["toolbox"], { workerHost }));
  await sh.screen("# ");
  sh.type("echo hi\n");
  await sh.screen("hi\r\n# ");
  sh.type("if true; then\n");
  await sh.screen("> ");
  sh.type("echo yes; fi\n");
  assert.is(await sh.screen("yes\r\n# "), "# echo hi\r\nhi\r\n# if true; then\r\n> echo yes; fi\r\nyes\r\n# ");
  sh.type("exit 4\n");
  assert.is(await sh.exit(), 4);
});

it("^C ends sleep, a loop of builtins and a child program with 130, and sh goes on; ^C at the prompt too", async () => {
  const sh = await session(await sampleEngine(["probes"], { workerHost }), ["sh"], "probes");
  await sh.screen("# ");
  // Each command echoes n""ot only if it was not interrupted; $? is checked after each.
  // A command prints go<i> first: ^C must come once it runs (one typed before the shell has
  // read the line would, as on Linux, go to the shell at its prompt instead).
  const commands = ["sleep 100; echo n\"\"ot", "while :; do :; done; echo n\"\"ot", "spam > /dev/null; echo n\"\"ot", "echo half-typed"];
  for (const [i, command] of commands.entries()) {
    sh.type(i === 3 ? command : `echo go${i}; ${command}\n`);
    await sh.screen(i === 3 ? command : `go${i}\r\n`);
    sh.type("\x03");
    sh.type(`echo "status${i}=$?"\n`);
    await sh.screen(`status${i}=130\r\n# `);
  }
  const screen = await sh.screen("status3=130");
  assert.not.ok(screen.includes("\r\nnot\r\n"), screen);
  assert.not.ok(screen.includes("\r\nhalf-typed\r\n"), screen);
  sh.type("(exit 3)\n\x04"); // ^D on an empty line: the last status
  assert.is(await sh.exit(), 3);
});

it("sh -c is not interactive: ^C ends it with 130, even in a loop that makes no system call", async () => {
  const sh = await session(await sampleEngine(["toolbox"], { workerHost }), ["sh", "-c", "echo ready; while :; do :; done"]);
  await sh.screen("ready");
  sh.type("\x03");
  assert.is(await sh.exit(), 130);
});

it("stty size and ls follow the terminal's size", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const sh = await session(engine);
  await sh.screen("# ");
  const resized = await createApi(engine).request(`/v1.47/containers/${sh.id}/resize?h=30&w=20`, { method: "POST" });
  assert.is(resized.status, 200);
  sh.type("stty size; mkdir /d; cd /d; touch a bb ccc dddd eeeee ffffff g h i j k l m n o p q r s t u v w x y z; ls; echo done\n");
  const screen = await sh.screen("done\r\n# ");
  assert.ok(screen.includes("30 20\r\na\th  o  v\r\nbb\ti  p  w\r\nccc\tj  q  x\r\ndddd\tk  r  y\r\neeeee\tl  s  z\r\nffffff\tm  t\r\ng\tn  u\r\n"), screen);
});

it("the interactive sh puts the window's size in COLUMNS and LINES before each prompt, for the programs it runs", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh"], Tty: true, OpenStdin: true, HostConfig: { ConsoleSize: [24, 80] } });
  const { keys, screen } = terminal(engine, Id);
  await engine.containers.start(Id);
  started.push({ engine, id: Id });
  await screen("# ");
  keys.enqueue(enc.encode("env | grep -E 'COLUMNS|LINES' | sort; echo one\n"));
  const first = await screen("one\r\n# ");
  assert.ok(first.includes("COLUMNS=80\r\nLINES=24\r\none"), first);
  engine.containers.resize(Id, 50, 132);
  keys.enqueue(enc.encode("\n")); // the size is read again at the next prompt, as bash's checkwinsize does
  keys.enqueue(enc.encode("sh -c 'echo $COLUMNS x $LINES'\n"));
  assert.ok((await screen("132 x 50")).includes("132 x 50"));
  keys.enqueue(enc.encode("exit\n"));
});

t.run();
