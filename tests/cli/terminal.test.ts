import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_DETACH_KEYS, detachable, detachKeys } from "../../server/cli/_detach_keys.ts";
import { until } from "../_wait.ts";
import { cli, tempHome } from "./_cli.ts";
import { type FakeEngine, fakeEngine, type FakeTerminal, fakeTerminal, runOn } from "./_terminal.ts";

const keys = suite("detach keys: parsed as moby/term parses them, taken out of stdin as the docker CLI's escape proxy does");
const enc = new TextEncoder(), dec = new TextDecoder();

keys("ctrl- names, DEL and single characters become their codes; an unknown name is refused", () => {
  assert.equal([...detachKeys("ctrl-p,ctrl-q")], [16, 17]);
  assert.equal([...detachKeys("ctrl-@,ctrl-a,ctrl-_,DEL,x")], [0, 1, 31, 127, 120]);
  assert.throws(() => detachKeys("ctrl-p,ctrlq"), /unknown character: 'ctrlq'/);
});

async function through(reads: string[], k: Uint8Array = DEFAULT_DETACH_KEYS): Promise<{ sent: string[]; detached: boolean }> {
  const d = detachable((async function* () {
    for (const r of reads) yield enc.encode(r);
  })(), k);
  let detached = false;
  void d.detached.then(() => (detached = true));
  const sent: string[] = [];
  const it = d.input[Symbol.asyncIterator]();
  for (;;) {
    const r = await Promise.race([it.next(), d.detached.then(() => "detached" as const)]);
    if (r === "detached" || r.done) break;
    sent.push(dec.decode(r.value));
  }
  await Promise.resolve();
  return { sent, detached };
}

keys("the sequence typed key by key detaches; what came before it is sent, nothing after", async () => {
  assert.equal(await through(["echo", "\x10", "\x11", "lost"]), { sent: ["echo"], detached: true });
  assert.equal(await through(["ab\x10\x11cd"]), { sent: ["ab"], detached: true });
});

keys("a key that breaks the sequence sends the held prefix with it; a prefix at EOF is sent too", async () => {
  assert.equal(await through(["\x10", "a", "\x10"]), { sent: ["\x10a", "\x10"], detached: false });
  assert.equal(await through(["x\x10\x10", "\x11"]), { sent: ["x\x10"], detached: true });
  assert.equal(await through(["a", "b"], detachKeys("a,b,c")), { sent: ["ab"], detached: false });
});

keys.run();

const tty = suite("a -t session on a terminal: raw mode, keys as typed, the window's size, detach, restore");

const sizes = (e: FakeEngine) => e.calls.filter((c) => c.path.includes("/resize")).map((c) => c.path);
const started = (e: FakeEngine) => e.calls.some((c) => c.path.endsWith("/start"));

/** Run the command until its program has started; `done` is its exit status. */
async function session(term: FakeTerminal, e: FakeEngine, argv: string[]): Promise<{ done: Promise<number> }> {
  const done = runOn(term, e, argv);
  await until(() => started(e), { what: () => `the session to start (calls: ${JSON.stringify(e.calls)})` });
  return { done };
}

tty("run -it: the terminal's size goes in the create body and at start; stdin is raw, sent key by key, restored at the end", async () => {
  const term = fakeTerminal({ rows: 30, columns: 100 }), e = fakeEngine({ tty: true });
  const { done } = await session(term, e, ["run", "-it", "--rm", "toolbox", "sh"]);
  const create = e.calls.find((c) => c.path.startsWith("/containers/create"))!;
  assert.equal((create.body!["HostConfig"] as Record<string, unknown>)["ConsoleSize"], [30, 100]);
  assert.equal([create.body!["Tty"], create.body!["OpenStdin"]], [true, true]);
  assert.ok(e.calls.some((c) => c.path === "/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1"), JSON.stringify(e.calls));
  assert.equal(term.rawCalls, [true]);
  term.type("e");
  await until(() => e.stdin() === "e", { what: "the first key to reach the program before the next is typed" });
  term.type("cho hi\r");
  await until(() => e.stdin() === "echo hi\r", { what: "the rest of the line" });
  await until(() => sizes(e).length > 0, { what: "the size sent after start" });
  assert.equal(sizes(e), ["/containers/c1/resize?h=30&w=100"]);
  term.resize(20, 80);
  await until(() => sizes(e).length === 2, { what: "a resize to follow the window" });
  assert.is(sizes(e)[1], "/containers/c1/resize?h=20&w=80");
  e.write("# echo hi\r\nhi\r\n");
  e.exit(3);
  assert.is(await done, 3);
  assert.is(term.stdout(), "# echo hi\r\nhi\r\n");
  assert.equal(term.rawCalls, [true, false]);
  assert.not.ok(e.stdinEnded(), "a TTY session's stdin is never ended by the program's exit");
});

tty("ctrl-p ctrl-q detaches run -it: the connection is dropped without an EOF, exit 0, nothing printed, the terminal restored", async () => {
  const term = fakeTerminal(), e = fakeEngine({ tty: true });
  const { done } = await session(term, e, ["run", "-it", "toolbox", "sh"]);
  term.type("ls");
  term.type("\x10");
  term.type("\x11");
  assert.is(await until(done, { what: "run to end at the detach keys" }), 0);
  assert.is(e.stdin(), "ls");
  assert.ok(e.closed());
  assert.not.ok(e.stdinEnded());
  assert.is(term.stderr(), "");
  assert.equal(term.rawCalls, [true, false]);
});

tty("--detach-keys replaces the sequence and is told to the server", async () => {
  const term = fakeTerminal(), e = fakeEngine({ tty: true });
  const { done } = await session(term, e, ["start", "-ai", "--detach-keys", "ctrl-x,x", "c1"]);
  assert.ok(e.calls.some((c) => c.path.includes("detachKeys=ctrl-x%2Cx")), JSON.stringify(e.calls));
  term.type("\x10\x11\x18x");
  assert.is(await until(done, { what: "start -ai to end at ctrl-x x" }), 0);
  assert.is(e.stdin(), "\x10\x11");
});

tty("attach: detaching prints docker's 'read escape sequence' and exits 1; the container's end gives its status", async () => {
  const term = fakeTerminal(), e = fakeEngine({ tty: true });
  const done = runOn(term, e, ["attach", "c1"]);
  await until(() => e.calls.some((c) => c.path.includes("/attach?")), { what: "the attach" });
  await until(() => sizes(e).length >= 2, { what: "the bumped size, then the real one" });
  assert.equal(sizes(e).slice(0, 2), ["/containers/c1/resize?h=31&w=101", "/containers/c1/resize?h=30&w=100"]);
  term.type("\x10\x11");
  assert.is(await until(done, { what: "attach to end at the detach keys" }), 1);
  assert.is(term.stderr(), "read escape sequence\n");
  assert.equal(term.rawCalls, [true, false]);

  const again = fakeTerminal(), e2 = fakeEngine({ tty: true });
  const second = runOn(again, e2, ["attach", "c1"]);
  await until(() => e2.calls.some((c) => c.path.includes("/attach?")), { what: "the second attach" });
  again.type("exit 5\r");
  e2.exit(5);
  assert.is(await until(second, { what: "attach to end with the container" }), 5);
});

tty("attach refuses a stopped container, and a TTY one when stdin is no terminal (unless --no-stdin)", async () => {
  const stopped = fakeTerminal();
  assert.is(await runOn(stopped, fakeEngine({ tty: true, running: false }), ["attach", "c1"]), 1);
  assert.is(stopped.stderr(), "You cannot attach to a stopped container, start it first\n");
  const piped = fakeTerminal({ stdinTTY: false });
  assert.is(await runOn(piped, fakeEngine({ tty: true }), ["attach", "c1"]), 1);
  assert.is(piped.stderr(), "the input device is not a TTY\n");
  const e = fakeEngine({ tty: true }), quiet = fakeTerminal({ stdinTTY: false });
  const done = runOn(quiet, e, ["attach", "--no-stdin", "c1"]);
  await until(() => e.calls.some((c) => c.path.includes("/attach?")), { what: "the attach without stdin" });
  assert.ok(e.calls.some((c) => c.path === "/containers/c1/attach?stream=1&stdout=1&stderr=1"), JSON.stringify(e.calls));
  e.exit(0);
  assert.is(await done, 0);
  assert.equal(quiet.rawCalls, []);
});

tty("exec -it: the size and detach keys go in the exec's create and start; resize goes to the exec; detach exits 1", async () => {
  const term = fakeTerminal({ rows: 24, columns: 80 }), e = fakeEngine({ tty: true });
  const { done } = await session(term, e, ["exec", "-it", "--detach-keys", "ctrl-a", "c1", "sh"]);
  const create = e.calls.find((c) => c.path === "/containers/c1/exec")!;
  assert.equal([create.body!["ConsoleSize"], create.body!["DetachKeys"], create.body!["Tty"], create.body!["AttachStdin"]], [[24, 80], "ctrl-a", true, true]);
  assert.equal(e.calls.find((c) => c.path === "/exec/e1/start")!.body, { Detach: false, Tty: true, ConsoleSize: [24, 80] });
  await until(() => sizes(e).length > 0, { what: "the exec's size" });
  assert.is(sizes(e)[0], "/exec/e1/resize?h=24&w=80");
  term.type("\x01");
  assert.is(await until(done, { what: "exec to end at ctrl-a" }), 1);
  assert.is(term.stderr(), "read escape sequence\n");
  assert.equal(term.rawCalls, [true, false]);
});

tty("-t with -i needs a terminal as stdin: docker's message, exit 1, and nothing created", async () => {
  for (const argv of [["run", "-it", "toolbox", "sh"], ["exec", "-it", "c1", "sh"]]) {
    const term = fakeTerminal({ stdinTTY: false }), e = fakeEngine({ tty: true });
    assert.is(await runOn(term, e, argv), 1, argv.join(" "));
    assert.is(term.stderr(), "the input device is not a TTY\n");
    assert.not.ok(e.calls.some((c) => c.method === "POST"), JSON.stringify(e.calls));
  }
});

tty("without -t nothing goes raw and no size is sent; output is demultiplexed", async () => {
  const term = fakeTerminal(), e = fakeEngine({ tty: false });
  const { done } = await session(term, e, ["run", "-i", "toolbox", "cat"]);
  const create = e.calls.find((c) => c.path.startsWith("/containers/create"))!;
  assert.not.ok("ConsoleSize" in (create.body!["HostConfig"] as object));
  term.type("\x10\x11still input");
  await until(() => e.stdin() === "\x10\x11still input", { what: "the keys to pass as they are" });
  e.write("out");
  e.exit(0);
  assert.is(await done, 0);
  assert.is(term.stdout(), "out");
  assert.equal(term.rawCalls, []);
  assert.equal(sizes(e), []);
});

tty("-t with stdout off a terminal sends no size", async () => {
  const term = fakeTerminal({ stdoutTTY: false }), e = fakeEngine({ tty: true });
  const { done } = await session(term, e, ["run", "-it", "toolbox", "sh"]);
  e.exit(0);
  assert.is(await done, 0);
  const create = e.calls.find((c) => c.path.startsWith("/containers/create"))!;
  assert.not.ok("ConsoleSize" in (create.body!["HostConfig"] as object));
  assert.equal(sizes(e), []);
});

tty("the terminal is restored when the session fails", async () => {
  const term = fakeTerminal(), e = fakeEngine({ tty: true });
  const failing = { ...e.transport, request: async (path: string, init?: RequestInit) => (path.endsWith("/start") ? Response.json({ message: "cannot start" }, { status: 500 }) : await e.transport.request(path, init)) };
  const code = await runOn(term, { ...e, transport: failing }, ["run", "-it", "toolbox", "sh"]);
  assert.is(code, 125);
  assert.match(term.stderr(), /cannot start/);
  assert.equal(term.rawCalls, [true, false]);
});

tty("attach and --detach-keys are in --help as the docker CLI has them", async () => {
  const home = tempHome();
  const help = await cli(["attach", "--help"], { home });
  assert.match(help.stdout, /^Usage:  strata attach \[OPTIONS\] CONTAINER\n\nAttach local standard input, output, and error streams to a running container\n/);
  assert.match(help.stdout, /--detach-keys string\s+Override the key sequence for detaching a container/);
  assert.match(help.stdout, /--no-stdin\s+Do not attach STDIN/);
  assert.match(help.stdout, /--sig-proxy\s+Proxy all received signals to the process \(default true\)/);
  for (const verb of ["run", "start", "exec"]) assert.match((await cli([verb, "--help"], { home })).stdout, /--detach-keys string/, verb);
});

tty.run();
