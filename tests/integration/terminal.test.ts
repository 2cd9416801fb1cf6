/**
 * Sessions in a real terminal: tmux runs the docker CLI or `strata` with `-it`, the test
 * types into it and reads the screen. Three groups:
 *
 * - the harness itself, on the host's own tty (needs tmux only);
 * - `strata attach -H` against a small fake Docker server in this process: raw mode on a
 *   real terminal, keys sent as typed, sizes, detach, the terminal restored (needs tmux);
 * - "[engine pty]" scenarios against a strata server: the engine's streaming stdin and
 *   pseudo-terminal with the docker CLI and `strata` (needs tmux and the docker CLI).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createApi } from "../../src/api/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { localTransport } from "../../server/cli/_local.ts";
import { Client } from "../../server/cli/client.ts";
import { until } from "../_wait.ts";
import { cli, cliCommand, ROOT, tempHome, TOOLBOX } from "../cli/_cli.ts";
import { HAS_TMUX, openTmux, shQuote, type Tmux } from "./_tmux.ts";
import { runClient, type Started, startServer } from "./_server.ts";

const hasDocker = spawnSync("docker", ["--version"]).status === 0;

/** `strata ARGS` as a shell command line (Node through bin.mjs, or Deno). */
function strata(args: string[]): string {
  const [cmd, pre] = cliCommand();
  return [cmd, ...pre, ...args].map(shQuote).join(" ");
}

/** Run `cmd`, then print the terminal's canonical-mode flag (`icanon` when restored, `-icanon` when left raw). */
const thenStty = (cmd: string) => `${cmd}; s=$?; stty -a | grep -o -- '-\\?icanon'; (exit $s)`;

/** Open a tmux session, run `fn`, always kill it. */
async function inTmux(cmd: string, o: Parameters<typeof openTmux>[1], fn: (t: Tmux) => Promise<void>): Promise<void> {
  // A docker or strata client with -t makes the terminal raw: keys wait for that.
  const term = await openTmux(cmd, { raw: /^docker |\b(run|exec) -it\b|\battach\b/.test(cmd), ...o });
  try {
    await fn(term);
  } finally {
    term.close();
  }
}

/**
 * `cat` on a terminal, the host's or a container's alike: `abx` BSpace `c` Enter is echoed
 * as typed and read as `abc`; ^D on the empty line ends cat with 0.
 */
async function eraseThenEof(t: Tmux): Promise<void> {
  await t.type("abx");
  await t.keys("BSpace");
  await t.type("c");
  await t.keys("Enter");
  await t.waitFor(/^abc\nabc$/m);
  await t.keys("C-d");
  assert.is(await t.exitStatus(), 0);
}

// ---------------------------------------------------------------------------------------
const harness = suite("the tmux harness on the host's own terminal");

if (!HAS_TMUX) {
  console.log("skip: tmux is not installed; the terminal tests are skipped");
  harness.skip("tmux harness", () => {});
} else {
  harness("cat: typed text is echoed by the terminal and printed by cat; erase works; ^D ends it with status 0", async () => {
    await inTmux("cat", {}, async (t) => {
      await t.type("hello");
      await t.keys("Enter");
      await t.waitFor(/^hello\nhello$/m);
      await eraseThenEof(t);
    });
  });

  harness("resize-window reaches the program in the pane (stty size), and a timeout shows the screen", async () => {
    await inTmux("stty size; read x; stty size", { columns: 100, rows: 30 }, async (t) => {
      await t.waitFor(/^30 100$/m);
      await t.resize(80, 20);
      await t.keys("Enter");
      await t.waitFor(/^20 80$/m);
      assert.is(await t.exitStatus(), 0);
      const err = await t.waitFor(/never there/, { timeoutMs: 200 }).then(() => undefined, (e: Error) => e.message);
      assert.match(err!, /timed out waiting for the screen to match \/never there\/ \(200 ms\); the screen:\n30 100\n/);
    });
  });
}

harness.run();

// ---------------------------------------------------------------------------------------
/** A Docker server with one running TTY container `x` that echoes what it is sent: enough for `attach`. */
function fakeDocker() {
  const resizes: string[] = [];
  let stdin = "", closed = false, conn: Duplex | undefined;
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? "").replace(/^\/v[\d.]+/, "");
    if (url.startsWith("/_ping")) return res.writeHead(200, { "Api-Version": "1.47" }).end("OK");
    if (url.startsWith("/containers/x/json")) {
      return res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({
        Id: "x", State: { Running: true, Paused: false, Restarting: false }, Config: { Tty: true, OpenStdin: true }, HostConfig: { AutoRemove: false },
      }));
    }
    if (url.startsWith("/containers/x/wait")) return void res.writeHead(200, { "Content-Type": "application/json" }).flushHeaders();
    if (url.startsWith("/containers/x/resize")) return void (resizes.push(url.split("?")[1]!), res.writeHead(200).end());
    res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "page not found" }));
  };
  const server = createServer(route);
  server.on("upgrade", (_req: IncomingMessage, socket: Duplex) => {
    conn = socket;
    socket.on("error", () => socket.destroy());
    socket.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n# ");
    socket.on("data", (d: Buffer) => {
      stdin += d.toString("latin1");
      socket.write(d);
    });
    socket.on("end", () => void (closed = true)); // the client closed its side (an upgrade socket is half-open: no "close" until we end ours)
  });
  return {
    listen: () => new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port))),
    resizes, stdin: () => stdin, closed: () => closed,
    close: () => {
      conn?.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

const client = suite("strata attach -H in a real terminal, against a fake Docker server");

if (!HAS_TMUX) {
  client.skip("strata in tmux", () => {});
} else {
  client("raw mode: keys arrive as typed, Ctrl-C is a byte; sizes follow the window; ctrl-p ctrl-q detaches; the terminal is restored", async () => {
    const fake = fakeDocker();
    const host = `tcp://127.0.0.1:${await fake.listen()}`;
    try {
      await inTmux(thenStty(strata(["-H", host, "attach", "x"])), { cwd: ROOT }, async (t) => {
        await t.waitFor(/^# $/m, { what: "the fake's prompt" });
        await until(() => fake.resizes.length >= 2, { what: () => `the sizes (got ${fake.resizes.join(" ")})` });
        assert.equal(fake.resizes.slice(0, 2), ["h=31&w=101", "h=30&w=100"]);
        await t.type("a");
        await until(() => fake.stdin() === "a", { what: "a key sent without Enter (raw mode)" });
        await t.keys("C-c");
        await until(() => fake.stdin() === "a\x03", { what: "Ctrl-C sent as a byte" });
        await t.resize(80, 20);
        await until(() => fake.resizes.includes("h=20&w=80"), { what: () => `the new size (got ${fake.resizes.join(" ")})` });
        await t.keys("C-p");
        await t.keys("C-q");
        assert.is(await t.exitStatus(), 1);
        const screen = await t.screen();
        assert.match(screen, /read escape sequence\nicanon\nEXIT:1/);
        assert.is(fake.stdin(), "a\x03", "the detach keys are not sent");
        await until(() => fake.closed(), { what: "the connection to be closed" });
      });
    } finally {
      fake.close();
    }
  });

  client("SIGTERM while raw: the terminal is restored and the command ends by the signal", async () => {
    const fake = fakeDocker();
    const host = `tcp://127.0.0.1:${await fake.listen()}`;
    const inner = `echo PID:$$; exec ${strata(["-H", host, "attach", "x"])}`;
    try {
      await inTmux(thenStty(`sh -c ${shQuote(inner)}`), { cwd: ROOT }, async (t) => {
        const pid = Number((await t.waitFor(/PID:(\d+)/))[1]);
        await t.waitFor(/^# $/m, { what: "the fake's prompt" });
        await t.type("z");
        await until(() => fake.stdin() === "z", { what: "raw mode" });
        process.kill(pid, "SIGTERM");
        assert.is(await t.exitStatus(), 143);
        assert.match(await t.screen(), /\nicanon\nEXIT:143/);
      });
    } finally {
      fake.close();
    }
  });
}

client.run();

// ---------------------------------------------------------------------------------------
const engine = suite("[engine pty] interactive sessions against a strata server, in a real terminal");
const ptyReady = HAS_TMUX;
let server: Started;
const dockerEnv = () => ({ DOCKER_HOST: server.url });
const docker = (args: string[]) => runClient("docker", args, { env: dockerEnv(), timeoutMs: 20_000 });

/** The shell's prompt at the end of the screen (toolbox sh prints `# `). */
const PROMPT_AT_END = /# $/;

if (!ptyReady || !hasDocker) {
  console.log(`skip: [engine pty] terminal scenarios: ${!HAS_TMUX ? "tmux is not installed" : !hasDocker ? "the docker CLI is not installed" : ""}`);
  engine.skip("[engine pty] scenarios", () => {});
} else {
  engine.before(async () => {
    server = await startServer();
  });
  engine.after(async () => void (await server.stop()));

  engine("[engine pty] docker run -it sh: prompt, echo, cat with ^C, exit 3", async () => {
    await inTmux("docker run -it --rm toolbox sh", { env: dockerEnv() }, async (t) => {
      await t.waitFor(PROMPT_AT_END, { what: "the prompt" });
      await t.type("echo hi");
      await t.keys("Enter");
      await t.waitFor(/echo hi\nhi\n# $/);
      await t.type("cat");
      await t.keys("Enter");
      await t.waitFor(/# cat$/); // (the screen's trailing empty lines are dropped)
      await t.type("abc");
      await t.keys("Enter");
      await t.waitFor(/\nabc\nabc$/, { what: "abc echoed by the pty and printed by cat" });
      await t.keys("C-c");
      await t.waitFor(/abc\nabc\n(\^C)?\n?# $/, { what: "^C to end cat and the shell to prompt again" });
      await t.type("exit 3");
      await t.keys("Enter");
      assert.is(await t.exitStatus(), 3);
    });
  });

  engine("[engine pty] docker run -it cat: erase edits the line, ^D on an empty line ends cat with 0", async () => {
    await inTmux("docker run -it --rm toolbox cat", { env: dockerEnv() }, eraseThenEof);
  });

  engine("[engine pty] docker attach: ctrl-p ctrl-q detaches and the container runs on; attached again, exit 5 is attach's status", async () => {
    // Over a unix socket, as Docker is usually reached: over TCP the docker CLI (28.2) gets
    // its own detach back wrapped in a net.OpError ("readfrom tcp …: read escape sequence"),
    // takes it for the end of stdin, and then waits for the container's exit, with any server.
    const dir = mkdtempSync(join(tmpdir(), "strata-sock-"));
    const sock = join(dir, "docker.sock");
    const unix = await startServer(["--socket", sock]);
    const env = { DOCKER_HOST: `unix://${sock}` };
    const dockerU = (args: string[]) => runClient("docker", args, { env, timeoutMs: 20_000 });
    try {
      assert.is((await dockerU(["run", "-dit", "--name", "t1", "toolbox", "sh"])).code, 0);
      await inTmux("docker attach t1", { env }, async (t) => {
        // Attach shows nothing of the past: an empty line brings a prompt once the CLI holds
        // the terminal (keys typed before it is raw would be echoed twice: by the host's tty too).
        await t.keys("Enter");
        await t.waitFor(PROMPT_AT_END, { what: "a prompt after attach" });
        await t.type("echo one");
        await t.keys("Enter");
        await t.waitFor(/echo one\none\n/);
        await t.keys("C-p");
        await t.keys("C-q");
        // The docker CLI returns moby/term's EscapeError from attach: it prints it and exits 1.
        assert.is(await t.exitStatus(), 1);
        assert.match(await t.screen(), /read escape sequence/);
      });
      assert.is((await dockerU(["inspect", "-f", "{{.State.Running}}", "t1"])).out, "true\n");
      await inTmux("docker attach t1", { env }, async (t) => {
        await t.keys("Enter");
        await t.waitFor(PROMPT_AT_END, { what: "a prompt after attach" });
        await t.type("exit 5");
        await t.keys("Enter");
        assert.is(await t.exitStatus(), 5);
      });
    } finally {
      await dockerU(["rm", "-f", "t1"]);
      await unix.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  engine("[engine pty] docker exec -it sh in a running container: prompt, echo two, exit", async () => {
    assert.is((await docker(["run", "-dit", "--name", "t2", "toolbox", "sh"])).code, 0);
    try {
      await inTmux("docker exec -it t2 sh", { env: dockerEnv() }, async (t) => {
        await t.waitFor(PROMPT_AT_END, { what: "the exec's prompt" });
        await t.type("echo two");
        await t.keys("Enter");
        await t.waitFor(/echo two\ntwo\n# $/);
        await t.type("exit");
        await t.keys("Enter");
        assert.is(await t.exitStatus(), 0);
      });
    } finally {
      await docker(["rm", "-f", "t2"]);
    }
  });

  engine("[engine pty] the window's size reaches the container at start and on resize (stty size)", async () => {
    await inTmux("docker run -it --rm toolbox sh", { env: dockerEnv(), columns: 100, rows: 30 }, async (t) => {
      await t.waitFor(PROMPT_AT_END, { what: "the prompt" });
      await t.type("stty size");
      await t.keys("Enter");
      await t.waitFor(/stty size\n30 100\n# $/);
      await t.resize(80, 20);
      await t.type("stty size");
      await t.keys("Enter");
      await t.waitFor(/stty size\n20 80\n# $/);
      await t.type("exit");
      await t.keys("Enter");
      assert.is(await t.exitStatus(), 0);
    });
  });

  engine("[engine pty] strata run -it, daemonless: prompt, echo, exit 4, and the host terminal restored", async () => {
    const home = tempHome();
    try {
      assert.is((await cli(["load", "-i", TOOLBOX], { home })).code, 0);
      await inTmux(thenStty(strata(["run", "-it", "--rm", "toolbox", "sh"])), { cwd: ROOT, env: { STRATA_HOME: home, DOCKER_HOST: "" } }, async (t) => {
        await t.waitFor(PROMPT_AT_END, { what: "the prompt" });
        await t.type("echo hi");
        await t.keys("Enter");
        await t.waitFor(/echo hi\nhi\n# $/);
        await t.type("exit 4");
        await t.keys("Enter");
        assert.is(await t.exitStatus(), 4);
        assert.match(await t.screen(), /\nicanon\nEXIT:4$/);
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  engine("[engine pty] strata -H: run -dit, attach, detach (read escape sequence, 1), still running, exec -it, attach and exit", async () => {
    const env = { STRATA_HOME: tempHome() }; // unused by -H, but no command may touch the user's own store
    const h = ["-H", server.url];
    assert.is((await docker(["run", "-dit", "--name", "t3", "toolbox", "sh"])).code, 0);
    try {
      await inTmux(thenStty(strata([...h, "attach", "t3"])), { cwd: ROOT, env }, async (t) => {
        await t.type("echo three");
        await t.keys("Enter");
        await t.waitFor(/echo three\nthree\n/);
        await t.keys("C-p");
        await t.keys("C-q");
        assert.is(await t.exitStatus(), 1);
        assert.match(await t.screen(), /read escape sequence\nicanon\nEXIT:1/);
      });
      assert.is((await docker(["inspect", "-f", "{{.State.Running}}", "t3"])).out, "true\n");
      await inTmux(strata([...h, "exec", "-it", "t3", "sh"]), { cwd: ROOT, env }, async (t) => {
        await t.waitFor(PROMPT_AT_END, { what: "the exec's prompt" });
        await t.type("exit 2");
        await t.keys("Enter");
        assert.is(await t.exitStatus(), 2);
      });
      await inTmux(strata([...h, "attach", "t3"]), { cwd: ROOT, env }, async (t) => {
        await t.type("exit 6");
        await t.keys("Enter");
        assert.is(await t.exitStatus(), 6);
      });
    } finally {
      await docker(["rm", "-f", "t3"]);
      rmSync(env.STRATA_HOME, { recursive: true, force: true });
    }
  });
}

engine.run();
