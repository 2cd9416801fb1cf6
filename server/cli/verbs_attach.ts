/**
 * exec and attach: the verbs that join a running container. Both run a session as the
 * docker CLI does (`_session.ts`): with a TTY and stdin, the terminal goes raw, the
 * window's size follows, and the detach keys end the session without ending the
 * program; the docker CLI then prints `read escape sequence` and exits 1 (attach and
 * exec return the escape proxy's error, where run and start -a return nothing).
 */
import { flag } from "./_args.ts";
import { checkTty, consoleSize, openSession, type Session } from "./_session.ts";
import { CliError, type Verb } from "./_verb.ts";
import type { HijackResult } from "./_hijack.ts";
import type { Client } from "./client.ts";
import { type ContainerInfo, DETACH_KEYS, forwardSignals, onUnlessFalse } from "./verbs_run.ts";

/** What the docker CLI reports after the detach keys in attach and exec (moby/term's EscapeError). */
const DETACHED = "read escape sequence";

const q = encodeURIComponent;

export const exec: Verb = {
  name: "exec", usage: "[OPTIONS] CONTAINER COMMAND [ARG...]", summary: "Execute a command in a running container",
  min: 2, interspersed: false, aliases: ["strata container exec", "strata exec"],
  flags: [
    { long: "detach", short: "d", type: "bool", desc: "Detached mode: run command in the background" },
    DETACH_KEYS,
    { long: "env", short: "e", type: "list", desc: "Set environment variables" },
    { long: "interactive", short: "i", type: "bool", desc: "Keep STDIN open even if not attached" },
    { long: "tty", short: "t", type: "bool", desc: "Allocate a pseudo-TTY" },
    { long: "user", short: "u", type: "string", desc: "Username or UID (format: \"<name|uid>[:<group|gid>]\")" },
    { long: "workdir", short: "w", type: "string", desc: "Working directory inside the container" },
  ],
  async run(ctx, p) {
    const c = await ctx.client({ programs: true });
    const [container, ...cmd] = p.args;
    const tty = flag.bool(p, "tty"), detach = flag.bool(p, "detach");
    const stdin = flag.bool(p, "interactive") && !detach;
    // As the docker CLI: "No such container" before the TTY check, and that before an exec exists.
    await c.call("GET", `/containers/${q(container!)}/json`);
    if (!detach) checkTty(ctx.io, { stdin, tty });
    const size = consoleSize(ctx.io, tty), detachKeys = flag.str(p, "detach-keys") || undefined;
    const { Id } = await c.json<{ Id: string }>("POST", `/containers/${q(container!)}/exec`, {
      body: {
        User: flag.str(p, "user") ?? "", Tty: tty, AttachStdin: stdin, AttachStdout: !detach, AttachStderr: !detach, Detach: detach,
        Env: flag.list(p, "env"), WorkingDir: flag.str(p, "workdir") ?? "", Cmd: cmd, DetachKeys: detachKeys, ConsoleSize: size,
      },
    });
    const startBody = { Detach: detach, Tty: tty, ConsoleSize: size };
    if (detach) {
      // XXX: daemonless, a detached exec ends with this command's engine unless a server runs it.
      await c.call("POST", `/exec/${Id}/start`, { body: startBody });
      return 0;
    }
    const s = await openSession(ctx.io, { tty, stdin, detachKeys });
    const att = await c.hijack(`/exec/${Id}/start`, { body: new TextEncoder().encode(JSON.stringify(startBody)), contentType: "application/json", stdin: s.input });
    return await _stream(s, att, {
      resize: (h, w) => c.call("POST", `/exec/${Id}/resize`, { query: { h, w } }),
      status: async () => (await c.json<{ ExitCode: number | null }>("GET", `/exec/${Id}/json`)).ExitCode ?? 0,
    });
  },
};

export const attach: Verb = {
  name: "attach", usage: "[OPTIONS] CONTAINER", summary: "Attach local standard input, output, and error streams to a running container",
  min: 1, max: 1, aliases: ["strata container attach", "strata attach"],
  flags: [
    DETACH_KEYS,
    { long: "no-stdin", type: "bool", desc: "Do not attach STDIN" },
    { long: "sig-proxy", type: "bool", desc: "Proxy all received signals to the process", default: "true" },
  ],
  async run(ctx, p) {
    const c = await ctx.client();
    const info = await _running(c, p.args[0]!);
    const tty = info.Config.Tty, detachKeys = flag.str(p, "detach-keys") || undefined;
    checkTty(ctx.io, { stdin: !flag.bool(p, "no-stdin"), tty });
    const stdin = !flag.bool(p, "no-stdin") && info.Config.OpenStdin;
    // Waited for before the attach, so an exit while attaching is not missed (condition not-running: at once if it already ended).
    const waiting = c.call("POST", `/containers/${info.Id}/wait`);
    const s = await openSession(ctx.io, { tty, stdin, detachKeys });
    const att = await c.hijack(`/containers/${info.Id}/attach`, {
      query: { stream: 1, stdin: stdin ? 1 : undefined, stdout: 1, stderr: 1, detachKeys }, stdin: s.input,
    });
    // As the docker CLI: checked again, or a container that stopped meanwhile would hold the attach open.
    await _running(c, info.Id).catch((err) => {
      att.close();
      throw err;
    });
    return await _stream(s, att, {
      resize: (h, w) => c.call("POST", `/containers/${info.Id}/resize`, { query: { h, w } }),
      bump: true,
      signals: onUnlessFalse(p, "sig-proxy") ? () => forwardSignals(c, info.Id) : undefined,
      status: async () => ((await (await waiting).json()) as { StatusCode: number }).StatusCode,
    });
  },
};

interface StreamOptions {
  resize: (rows: number, columns: number) => Promise<unknown>;
  /** Resize one larger first, so a running program redraws (docker attach). */
  bump?: boolean;
  /** Start a signal proxy (only when stdin is not raw: then Ctrl-C is a byte for the program); returns its stop. */
  signals?: () => () => void;
  /** The program's exit status, once its stream has ended. */
  status: () => Promise<number>;
}

/** Run an established session to its end: the program's status, or Docker's error after a detach. */
async function _stream(s: Session, att: HijackResult, o: StreamOptions): Promise<number> {
  s.begin();
  const stop = o.signals && !s.raw ? o.signals() : undefined;
  try {
    s.followSize(o.resize, { bump: o.bump });
    if (await s.pump(att) === "detached") throw new CliError(DETACHED, 1);
    return await o.status();
  } finally {
    s.end();
    stop?.();
  }
}

/** Inspect a container that must be running, with the docker CLI's refusals. */
async function _running(c: Client, name: string): Promise<ContainerInfo> {
  const info = await c.json<ContainerInfo>("GET", `/containers/${q(name)}/json`);
  if (!info.State.Running) throw new CliError("You cannot attach to a stopped container, start it first", 1);
  if (info.State.Paused) throw new CliError("You cannot attach to a paused container, unpause it first", 1);
  if (info.State.Restarting) throw new CliError("You cannot attach to a restarting container, wait until it is running", 1);
  return info;
}
