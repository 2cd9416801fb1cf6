/**
 * run, create, start and exec: the verbs that attach. `run` does what the docker CLI
 * does: create, attach (hijacked, so stdin and output flow), wait (next-exit, or removed
 * with --rm), start, copy the output, and exit with the container's status.
 */
import { type FlagDef, flag, type Parsed } from "./_args.ts";
import { demux, RAW_STREAM } from "./_hijack.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";
import { type Client, DaemonError } from "./client.ts";

export const CREATE_FLAGS: FlagDef[] = [
  { long: "attach", short: "a", type: "list", desc: "Attach to STDIN, STDOUT or STDERR" },
  { long: "entrypoint", type: "string", desc: "Overwrite the default ENTRYPOINT of the image" },
  { long: "env", short: "e", type: "list", desc: "Set environment variables" },
  { long: "hostname", short: "h", type: "string", desc: "Container host name" },
  { long: "interactive", short: "i", type: "bool", desc: "Keep STDIN open even if not attached" },
  { long: "label", short: "l", type: "list", desc: "Set meta data on a container" },
  { long: "memory", short: "m", type: "string", valueName: "bytes", desc: "Memory limit (WebAssembly memory cap)" },
  { long: "mount", type: "list", valueName: "mount", desc: "Attach a filesystem mount to the container (type=volume|bind,source=…,target=…[,readonly])" },
  { long: "name", type: "string", desc: "Assign a name to the container" },
  { long: "rm", type: "bool", desc: "Automatically remove the container and its associated anonymous volumes when it exits" },
  { long: "stop-timeout", type: "int", desc: "Timeout (in seconds) to stop a container" },
  { long: "tty", short: "t", type: "bool", desc: "Allocate a pseudo-TTY" },
  { long: "user", short: "u", type: "string", desc: "Username or UID (format: <name|uid>[:<group|gid>])" },
  { long: "volume", short: "v", type: "list", desc: "Bind mount a volume (NAME:/dst[:ro] or /host/dir:/dst[:ro])" },
  { long: "workdir", short: "w", type: "string", desc: "Working directory inside the container" },
];

/** `-m 64m` → bytes (docker's RAMInBytes: b, k, m, g with binary multiples). */
export function memoryBytes(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = v.match(/^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i);
  if (!m) throw new CliError(`invalid argument "${v}" for "-m, --memory" flag: invalid size: '${v}'`, 125);
  return Math.round(Number(m[1]) * 1024 ** "bkmgt".indexOf(m[2]!.toLowerCase() || "b"));
}

function _mount(spec: string): Record<string, unknown> {
  const kv = Object.fromEntries(spec.split(",").map((p) => [p.split("=")[0]!.trim(), p.includes("=") ? p.slice(p.indexOf("=") + 1) : "true"]));
  return {
    Type: kv["type"] ?? "volume", Source: kv["source"] ?? kv["src"], Target: kv["target"] ?? kv["destination"] ?? kv["dst"],
    ReadOnly: ["true", "1"].includes(kv["readonly"] ?? kv["ro"] ?? "false"),
  };
}

/** The create body and name from run/create flags. */
export function createBody(p: Parsed): { name?: string; body: Record<string, unknown> } {
  const [image, ...cmd] = p.args;
  const interactive = flag.bool(p, "interactive");
  const attach = flag.list(p, "attach");
  const labels = Object.fromEntries(flag.list(p, "label").map((l) => [l.split("=")[0]!, l.includes("=") ? l.slice(l.indexOf("=") + 1) : ""]));
  const entrypoint = flag.str(p, "entrypoint");
  return {
    name: flag.str(p, "name"),
    body: {
      Image: image, Cmd: cmd.length ? cmd : undefined, Env: flag.list(p, "env"), WorkingDir: flag.str(p, "workdir") ?? "",
      Entrypoint: entrypoint === undefined ? undefined : entrypoint === "" ? [""] : [entrypoint], Labels: labels,
      Tty: flag.bool(p, "tty"), OpenStdin: interactive, StdinOnce: interactive, AttachStdin: interactive || attach.includes("stdin"),
      AttachStdout: !flag.bool(p, "detach"), AttachStderr: !flag.bool(p, "detach"),
      User: flag.str(p, "user") ?? "", Hostname: flag.str(p, "hostname") ?? "", StopTimeout: flag.int(p, "stop-timeout"),
      HostConfig: {
        AutoRemove: flag.bool(p, "rm"), Memory: memoryBytes(flag.str(p, "memory")) ?? 0,
        Binds: flag.list(p, "volume"), Mounts: flag.list(p, "mount").map(_mount),
      },
    },
  };
}

async function _create(c: Client, p: Parsed, verb: string): Promise<string> {
  const { name, body } = createBody(p);
  try {
    const r = await c.json<{ Id: string }>("POST", "/containers/create", { query: { name }, body });
    return r.Id;
  } catch (err) {
    if (!(err instanceof DaemonError)) throw err;
    const pre = err.status === 404 && /No such image/.test(err.message) ? `Unable to find image '${_ref(p.args[0]!)}' locally\n` : "";
    throw new CliError(`${pre}strata: Error response from daemon: ${err.message}\n\nRun 'strata ${verb} --help' for more information`, 125);
  }
}

function _ref(image: string): string {
  return /:[^/]+$/.test(image) || image.includes("@") ? image : `${image}:latest`;
}

/**
 * Attach to a container (hijacked), wait for it, start it, copy its output to ours;
 * resolves with its exit status. `stdin` is passed when -i.
 */
async function attachAndRun(ctx: Ctx, c: Client, id: string, o: { stdin: boolean; rm: boolean; start: boolean; verb: string }): Promise<number> {
  const att = await c.hijack(`/containers/${id}/attach`, {
    query: { stream: 1, stdin: o.stdin ? 1 : undefined, stdout: 1, stderr: 1 }, stdin: o.stdin ? ctx.io.stdin() : null,
  });
  const waiting = c.call("POST", `/containers/${id}/wait`, { query: { condition: o.rm ? "removed" : "next-exit" } });
  if (o.start) {
    try {
      await c.call("POST", `/containers/${id}/start`);
    } catch (err) {
      if (err instanceof DaemonError) throw new CliError(`strata: Error response from daemon: ${err.message}`, 125);
      throw err;
    }
  }
  const stop = _forwardSignals(c, id);
  try {
    await demux(att.output, att.contentType === RAW_STREAM, (s, d) => (s === 2 ? ctx.io.err(d) : ctx.io.out(d)));
    // 126/127 (cannot run, not found) come as the program's status; the engine wrote why on its stderr.
    const status = await (await waiting).json() as { StatusCode: number };
    return status.StatusCode;
  } finally {
    stop();
  }
}

/** Ctrl-C and TERM go to the container as the docker CLI's signal proxy sends them. */
function _forwardSignals(c: Client, id: string): () => void {
  const handlers = (["SIGINT", "SIGTERM"] as const).map((sig) => {
    const fn = () => void c.call("POST", `/containers/${id}/kill`, { query: { signal: sig.slice(3) } }).catch(() => {});
    process.on(sig, fn);
    return () => process.off(sig, fn);
  });
  return () => handlers.forEach((off) => off());
}

export const run: Verb = {
  name: "run", usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]", summary: "Create and run a new container from an image",
  flags: [...CREATE_FLAGS, { long: "detach", short: "d", type: "bool", desc: "Run container in background and print container ID" }],
  min: 1, interspersed: false, aliases: ["strata container run", "strata run"],
  async run(ctx, p) {
    const c = await ctx.client({ persistent: flag.bool(p, "detach") });
    const id = await _create(c, p, "run");
    if (flag.bool(p, "detach")) {
      await c.call("POST", `/containers/${id}/start`).catch((err) => {
        throw err instanceof DaemonError ? new CliError(`strata: Error response from daemon: ${err.message}`, 125) : err;
      });
      await ctx.io.out(`${id}\n`);
      return 0;
    }
    return await attachAndRun(ctx, c, id, { stdin: flag.bool(p, "interactive"), rm: flag.bool(p, "rm"), start: true, verb: "run" });
  },
};

export const create: Verb = {
  name: "create", usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]", summary: "Create a new container",
  flags: CREATE_FLAGS, min: 1, interspersed: false, aliases: ["strata container create", "strata create"],
  async run(ctx, p) {
    await ctx.io.out(`${await _create(await ctx.client(), p, "create")}\n`);
  },
};

export const start: Verb = {
  name: "start", usage: "[OPTIONS] CONTAINER [CONTAINER...]", summary: "Start one or more stopped containers", min: 1,
  aliases: ["strata container start", "strata start"],
  flags: [
    { long: "attach", short: "a", type: "bool", desc: "Attach STDOUT/STDERR and forward signals" },
    { long: "interactive", short: "i", type: "bool", desc: "Attach container's STDIN" },
  ],
  async run(ctx, p) {
    const attach = flag.bool(p, "attach") || flag.bool(p, "interactive");
    const c = await ctx.client({ persistent: !attach });
    if (attach) {
      if (p.args.length > 1) throw new CliError("strata: you cannot start and attach multiple containers at once", 1);
      const info = await c.json<{ Id: string }>("GET", `/containers/${encodeURIComponent(p.args[0]!)}/json`);
      return await attachAndRun(ctx, c, info.Id, { stdin: flag.bool(p, "interactive"), rm: false, start: true, verb: "start" });
    }
    return await eachContainer(ctx, p.args, (id) => c.call("POST", `/containers/${encodeURIComponent(id)}/start`), "failed to start containers");
  },
};

/** Do `fn` for each name, print the name on success and the daemon's error otherwise (exit 1 if any failed). */
export async function eachContainer(ctx: Ctx, names: string[], fn: (name: string) => Promise<unknown>, summary?: string): Promise<number> {
  const failed: string[] = [];
  for (const name of names) {
    try {
      await fn(name);
      await ctx.io.out(`${name}\n`);
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      failed.push(name);
      await ctx.io.err(`Error response from daemon: ${err.message}\n`);
    }
  }
  if (failed.length && summary) await ctx.io.err(`Error: ${summary}: ${failed.join(", ")}\n`);
  return failed.length ? 1 : 0;
}

export const exec: Verb = {
  name: "exec", usage: "[OPTIONS] CONTAINER COMMAND [ARG...]", summary: "Execute a command in a running container",
  min: 2, interspersed: false, aliases: ["strata container exec", "strata exec"],
  flags: [
    { long: "detach", short: "d", type: "bool", desc: "Detached mode: run command in the background" },
    { long: "env", short: "e", type: "list", desc: "Set environment variables" },
    { long: "interactive", short: "i", type: "bool", desc: "Keep STDIN open even if not attached" },
    { long: "tty", short: "t", type: "bool", desc: "Allocate a pseudo-TTY" },
    { long: "user", short: "u", type: "string", desc: "Username or UID (format: \"<name|uid>[:<group|gid>]\")" },
    { long: "workdir", short: "w", type: "string", desc: "Working directory inside the container" },
  ],
  async run(ctx, p) {
    const c = await ctx.client();
    const [container, ...cmd] = p.args;
    const i = flag.bool(p, "interactive"), tty = flag.bool(p, "tty"), detach = flag.bool(p, "detach");
    const { Id } = await c.json<{ Id: string }>("POST", `/containers/${encodeURIComponent(container!)}/exec`, {
      body: { User: flag.str(p, "user") ?? "", Tty: tty, AttachStdin: i, AttachStdout: !detach, AttachStderr: !detach, Detach: detach, Env: flag.list(p, "env"), WorkingDir: flag.str(p, "workdir") ?? "", Cmd: cmd },
    });
    if (detach) {
      // XXX: daemonless, a detached exec ends with this command's engine unless a server runs it.
      await c.call("POST", `/exec/${Id}/start`, { body: { Detach: true, Tty: tty } });
      return 0;
    }
    const s = await c.hijack(`/exec/${Id}/start`, { body: new TextEncoder().encode(JSON.stringify({ Detach: false, Tty: tty })), contentType: "application/json", stdin: i ? ctx.io.stdin() : null });
    await demux(s.output, s.contentType === RAW_STREAM || tty, (st, d) => (st === 2 ? ctx.io.err(d) : ctx.io.out(d)));
    const info = await c.json<{ ExitCode: number | null }>("GET", `/exec/${Id}/json`);
    return info.ExitCode ?? 0;
  },
};
