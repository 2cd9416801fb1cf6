/**
 * run, create and start: the verbs that create and attach. `run` does what the docker CLI
 * does: create (with the terminal's size for a TTY), attach (hijacked, so stdin and
 * output flow; a TTY session in raw mode, `_session.ts`), wait (next-exit, or removed
 * with --rm), start, follow the window's size, copy the output, and exit with the
 * container's status.
 */
import { type FlagDef, flag, type Parsed } from "./_args.ts";
import { checkTty, consoleSize, openSession } from "./_session.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";
import { type Client, DaemonError } from "./client.ts";
import { pullFor } from "./verbs_registry.ts";

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
  { long: "network", type: "string", desc: "Connect a container to a network (strata containers have none: default, none and bridge run without one)" },
  { long: "publish", short: "p", type: "list", desc: "Publish a container's port(s) to the host (refused: strata containers have no network)" },
  { long: "log-driver", type: "string", desc: "Logging driver for the container (json-file only)" },
  { long: "read-only", type: "bool", desc: "Mount the container's root filesystem as read only" },
  { long: "restart", type: "string", desc: "Restart policy to apply when a container exits (default \"no\")" },
  { long: "rm", type: "bool", desc: "Automatically remove the container and its associated anonymous volumes when it exits" },
  { long: "stop-timeout", type: "int", desc: "Timeout (in seconds) to stop a container" },
  { long: "tmpfs", type: "list", desc: "Mount a tmpfs directory (/path[:size=…,mode=…])" },
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
  const size = kv["tmpfs-size"] === undefined ? undefined : memoryBytes(kv["tmpfs-size"]);
  const mode = kv["tmpfs-mode"] === undefined ? undefined : parseInt(kv["tmpfs-mode"], 8);
  return {
    Type: kv["type"] ?? "volume", Source: kv["source"] ?? kv["src"], Target: kv["target"] ?? kv["destination"] ?? kv["dst"],
    ReadOnly: ["true", "1"].includes(kv["readonly"] ?? kv["ro"] ?? "false"),
    ...(kv["volume-subpath"] ? { VolumeOptions: { Subpath: kv["volume-subpath"] } } : {}),
    ...(kv["bind-propagation"] ? { BindOptions: { Propagation: kv["bind-propagation"] } } : {}),
    ...(size !== undefined || mode !== undefined ? { TmpfsOptions: { SizeBytes: size, Mode: Number.isNaN(mode) ? undefined : mode } } : {}),
  };
}

/** `-p [ip:][host:]container[/proto]` as PortBindings (the engine refuses them, naming the ports). */
function _ports(specs: string[]): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const spec of specs) {
    const [addr, proto = "tcp"] = spec.split("/");
    const parts = addr!.split(":");
    const port = `${parts.pop()}/${proto}`;
    (out[port] ??= []).push({ HostIp: parts.length > 1 ? parts[0]! : "", HostPort: parts.at(-1) ?? "" });
  }
  return out;
}

/**
 * `--restart no|always|on-failure[:N]|unless-stopped` as the docker CLI reads it
 * (opts.ParseRestartPolicy): the name and an integer count; the engine checks the rest.
 */
export function restartPolicy(v: string | undefined): { Name: string; MaximumRetryCount: number } | undefined {
  if (v === undefined) return undefined;
  if (v === "") return { Name: "no", MaximumRetryCount: 0 };
  const at = v.indexOf(":");
  const name = at < 0 ? v : v.slice(0, at), count = at < 0 ? "" : v.slice(at + 1);
  if (!name) throw new CliError("invalid restart policy format: no policy provided before colon", 125);
  if (count && !/^[+-]?\d+$/.test(count)) throw new CliError("invalid restart policy format: maximum retry count must be an integer", 125);
  return { Name: name, MaximumRetryCount: count ? Number(count) : 0 };
}

/** `--restart` of run/create, with the docker CLI's conflict with `--rm`. Errors: CliError (125). */
function restartFlag(p: Parsed): { Name: string; MaximumRetryCount: number } | undefined {
  const restart = restartPolicy(flag.str(p, "restart"));
  if (restart && restart.Name !== "no" && flag.bool(p, "rm")) throw new CliError("strata: conflicting options: cannot specify both --restart and --rm", 125);
  return restart;
}

/** `--tmpfs /path[:opts]` → HostConfig.Tmpfs. */
function tmpfsOf(list: readonly string[]): Record<string, string> | undefined {
  if (!list.length) return undefined;
  return Object.fromEntries(list.map((t) => (t.includes(":") ? [t.slice(0, t.indexOf(":")), t.slice(t.indexOf(":") + 1)] : [t, ""])));
}

/** The create body and name from run/create flags; `consoleSize` is the TTY's first size (API ≥ 1.42's HostConfig.ConsoleSize). */
export function createBody(p: Parsed, o: { consoleSize?: [number, number] } = {}): { name?: string; body: Record<string, unknown> } {
  const [image, ...cmd] = p.args;
  const interactive = flag.bool(p, "interactive");
  const attach = flag.list(p, "attach");
  const labels = Object.fromEntries(flag.list(p, "label").map((l) => [l.split("=")[0]!, l.includes("=") ? l.slice(l.indexOf("=") + 1) : ""]));
  const entrypoint = flag.str(p, "entrypoint");
  const restart = restartFlag(p);
  const tmpfs = tmpfsOf(flag.list(p, "tmpfs"));
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
        ...(o.consoleSize ? { ConsoleSize: o.consoleSize } : {}),
        ...(flag.str(p, "network") ? { NetworkMode: flag.str(p, "network") } : {}),
        ...(flag.list(p, "publish").length ? { PortBindings: _ports(flag.list(p, "publish")) } : {}),
        ...(flag.str(p, "log-driver") ? { LogConfig: { Type: flag.str(p, "log-driver"), Config: {} } } : {}),
        ...(restart ? { RestartPolicy: restart } : {}), ...(flag.bool(p, "read-only") ? { ReadonlyRootfs: true } : {}), ...(tmpfs ? { Tmpfs: tmpfs } : {}),
      },
    },
  };
}

/**
 * Create the container; an image that is not local is pulled first and the create tried
 * again, as the docker CLI does ("Unable to find image 'x:latest' locally", the pull's
 * progress on stderr).
 */
async function _create(ctx: Ctx, c: Client, p: Parsed, verb: string): Promise<string> {
  const { name, body } = createBody(p, { consoleSize: consoleSize(ctx.io, flag.bool(p, "tty")) });
  const fail = (err: DaemonError) => new CliError(`strata: ${err.response}\n\nRun 'strata ${verb} --help' for more information`, 125);
  for (let pulled = false; ;) {
    try {
      const r = await c.json<{ Id: string; Warnings?: string[] | null }>("POST", "/containers/create", { query: { name }, body });
      for (const w of r.Warnings ?? []) await ctx.io.err(`WARNING: ${w}\n`);
      return r.Id;
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      if (pulled || err.status !== 404 || !/No such image/.test(err.message)) throw fail(err);
    }
    await ctx.io.err(`Unable to find image '${_ref(p.args[0]!)}' locally\n`);
    let failed = "";
    try {
      await pullFor(ctx, c, p.args[0]!, { write: (s) => ctx.io.err(s), tty: ctx.io.stderrTTY, onError: async (m) => void (failed = m) });
    } catch (err) {
      if (err instanceof DaemonError) throw fail(err);
      throw err;
    }
    if (failed) throw new CliError(`strata: ${failed}\n\nRun 'strata ${verb} --help' for more information`, 125);
    pulled = true;
  }
}

function _ref(image: string): string {
  return /:[^/]+$/.test(image) || image.includes("@") ? image : `${image}:latest`;
}

/** What attaching to a container needs to know. */
interface AttachOptions {
  /** Our stdin goes to the container (-i, and the container keeps stdin open). */
  stdin: boolean;
  /** The container has a TTY. */
  tty: boolean;
  /** Wait for the removal (--rm) rather than the exit. */
  rm: boolean;
  detachKeys?: string;
  sigProxy: boolean;
}

/**
 * Attach to a container (hijacked), wait for it, start it, copy its output to ours;
 * resolves with its exit status, or 0 when the detach keys were typed (as docker run and
 * docker start -a: they print nothing then).
 */
async function attachAndRun(ctx: Ctx, c: Client, id: string, o: AttachOptions): Promise<number> {
  const s = await openSession(ctx.io, { tty: o.tty, stdin: o.stdin, detachKeys: o.detachKeys });
  const att = await c.hijack(`/containers/${id}/attach`, {
    query: { stream: 1, stdin: o.stdin ? 1 : undefined, stdout: 1, stderr: 1, detachKeys: o.detachKeys || undefined }, stdin: s.input,
  });
  const waiting = c.call("POST", `/containers/${id}/wait`, { query: { condition: o.rm ? "removed" : "next-exit" } });
  s.begin();
  // In raw mode Ctrl-C is a byte for the container, and TERM/HUP restore the terminal and end us.
  const stop = o.sigProxy && !s.raw ? forwardSignals(c, id) : () => {};
  try {
    try {
      await c.call("POST", `/containers/${id}/start`);
    } catch (err) {
      if (err instanceof DaemonError) throw new CliError(`strata: ${err.response}`, 125);
      throw err;
    }
    s.followSize((h, w) => c.call("POST", `/containers/${id}/resize`, { query: { h, w } }));
    if (await s.pump(att) === "detached") return await _detached(ctx, c);
    // 126/127 (cannot run, not found) come as the program's status; the engine wrote why on its stderr.
    const status = await (await waiting).json() as { StatusCode: number };
    return status.StatusCode;
  } finally {
    s.end();
    stop();
  }
}

/** After a detach: nothing to say, unless the engine is this process's and ends with it. */
async function _detached(ctx: Ctx, c: Client): Promise<number> {
  if (c.transport.where.startsWith("in-process")) {
    await ctx.io.err("strata: detached, but the engine runs in this command: the container stops as it ends (run -d, then attach, keeps it)\n");
  }
  return 0;
}

/** Ctrl-C and TERM go to the container as the docker CLI's signal proxy sends them. */
export function forwardSignals(c: Client, id: string): () => void {
  const handlers = (["SIGINT", "SIGTERM"] as const).map((sig) => {
    const fn = () => void c.call("POST", `/containers/${id}/kill`, { query: { signal: sig.slice(3) } }).catch(() => {});
    process.on(sig, fn);
    return () => process.off(sig, fn);
  });
  return () => handlers.forEach((off) => off());
}

/** --detach-keys, as run, start, exec and attach have it. */
export const DETACH_KEYS: FlagDef = { long: "detach-keys", type: "string", desc: "Override the key sequence for detaching a container" };

/** A boolean flag that is true unless given as false (`--sig-proxy=false`). */
export const onUnlessFalse = (p: Parsed, name: string): boolean => p.flags[name] !== false;

export const run: Verb = {
  name: "run", usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]", summary: "Create and run a new container from an image",
  flags: [
    ...CREATE_FLAGS, DETACH_KEYS,
    { long: "detach", short: "d", type: "bool", desc: "Run container in background and print container ID" },
    { long: "sig-proxy", type: "bool", desc: "Proxy received signals to the process", default: "true" },
  ],
  min: 1, interspersed: false, aliases: ["strata container run", "strata run"],
  async run(ctx, p) {
    const detach = flag.bool(p, "detach"), tty = flag.bool(p, "tty");
    const stdin = flag.bool(p, "interactive") || flag.list(p, "attach").includes("stdin");
    if (!detach) checkTty(ctx.io, { stdin, tty });
    // A restart policy outlives the command too: its restarts need a server (docs/cli.md).
    const restarts = (restartFlag(p)?.Name ?? "no") !== "no";
    const c = await ctx.client({ persistent: detach || restarts, programs: true });
    const id = await _create(ctx, c, p, "run");
    if (detach) {
      await c.call("POST", `/containers/${id}/start`).catch((err) => {
        throw err instanceof DaemonError ? new CliError(`strata: ${err.response}`, 125) : err;
      });
      await ctx.io.out(`${id}\n`);
      return 0;
    }
    return await attachAndRun(ctx, c, id, {
      stdin: flag.bool(p, "interactive"), tty, rm: flag.bool(p, "rm"), detachKeys: flag.str(p, "detach-keys"), sigProxy: onUnlessFalse(p, "sig-proxy"),
    });
  },
};

export const create: Verb = {
  name: "create", usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]", summary: "Create a new container",
  flags: CREATE_FLAGS, min: 1, interspersed: false, aliases: ["strata container create", "strata create"],
  async run(ctx, p) {
    await ctx.io.out(`${await _create(ctx, await ctx.client(), p, "create")}\n`);
  },
};

export const start: Verb = {
  name: "start", usage: "[OPTIONS] CONTAINER [CONTAINER...]", summary: "Start one or more stopped containers", min: 1,
  aliases: ["strata container start", "strata start"],
  flags: [
    { long: "attach", short: "a", type: "bool", desc: "Attach STDOUT/STDERR and forward signals" },
    DETACH_KEYS,
    { long: "interactive", short: "i", type: "bool", desc: "Attach container's STDIN" },
  ],
  async run(ctx, p) {
    const attach = flag.bool(p, "attach") || flag.bool(p, "interactive");
    const c = await ctx.client({ persistent: !attach, programs: true });
    if (attach) {
      if (p.args.length > 1) throw new CliError("strata: you cannot start and attach multiple containers at once", 1);
      const info = await c.json<ContainerInfo>("GET", `/containers/${encodeURIComponent(p.args[0]!)}/json`);
      return await attachAndRun(ctx, c, info.Id, {
        stdin: flag.bool(p, "interactive") && info.Config.OpenStdin, tty: info.Config.Tty, rm: info.HostConfig.AutoRemove,
        detachKeys: flag.str(p, "detach-keys"), sigProxy: true,
      });
    }
    return await eachContainer(ctx, p.args, (id) => c.call("POST", `/containers/${encodeURIComponent(id)}/start`), "failed to start containers");
  },
};

/** The parts of a container's inspect that attaching reads. */
export interface ContainerInfo {
  Id: string;
  State: { Running: boolean; Paused: boolean; Restarting: boolean };
  Config: { Tty: boolean; OpenStdin: boolean };
  HostConfig: { AutoRemove: boolean };
}

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
      await ctx.io.err(`${err.response}\n`);
    }
  }
  if (failed.length && summary) await ctx.io.err(`Error: ${summary}: ${failed.join(", ")}\n`);
  return failed.length ? 1 : 0;
}
