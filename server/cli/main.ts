/**
 * `strata`: Docker's verbs, flags, output and exit codes, without a daemon. By default
 * each command opens the engine in-process on the disk store (STRATA_HOME), so images,
 * containers and volumes persist between commands; with -H/--host or DOCKER_HOST it
 * talks to a server (strata's own, or any Docker engine). Exit statuses as Docker's:
 * the program's own for run, start -a and exec; 125 when strata itself fails; 126/127
 * when the program cannot be run or found; 1 for an error the engine answered.
 *
 * Runs under Node (`npx strata`, through bin.mjs) and Deno (`deno task strata`).
 */
import { parseArgs, UsageError } from "./_args.ts";
import { type Io, processIo } from "./_io.ts";
import { CliError, type Ctx, helpText, runVerb, type Verb } from "./_verb.ts";
import { type Client, connect, DaemonError } from "./client.ts";
import { commit, containerPrune, diff, exportVerb, inspect, kill, logs, ps, rename, restart, rm, stop, wait } from "./verbs_containers.ts";
import { cp } from "./verbs_cp.ts";
import { login, logout } from "./verbs_login.ts";
import { history, imagePrune, images, importVerb, load, rmi, save, tag } from "./verbs_images.ts";
import { attach, exec } from "./verbs_attach.ts";
import { build } from "./verbs_build.ts";
import { create, run, start } from "./verbs_run.ts";
import { pull, push } from "./verbs_registry.ts";
import { serve } from "./verbs_serve.ts";
import { events, info, STRATA_VERSION, system, version, volume } from "./verbs_system.ts";

const as = (v: Verb, name: string): Verb => ({ ...v, name });

/** `strata container …` and `strata image …`, as Docker groups the same verbs. */
const container: Verb = {
  name: "container", usage: "COMMAND", summary: "Manage containers",
  sub: [attach, commit, cp, create, diff, exec, as(exportVerb, "export"), inspect, kill, logs, as(ps, "ls"), containerPrune, rename, restart, rm, run, start, stop, wait],
};
const image: Verb = {
  name: "image", usage: "COMMAND", summary: "Manage images",
  sub: [build, history, importVerb, inspect, load, as(images, "ls"), imagePrune, pull, push, as(rmi, "rm"), save, tag],
};

export const VERBS: Verb[] = [
  run, exec, ps, build, images, load, save, serve, info, version, container, image, volume, system,
  attach, commit, cp, create, diff, events, as(exportVerb, "export"), history, importVerb, inspect, kill, logs, rename, restart, rm, rmi, start, stop, tag, wait,
  login, logout, pull, push,
];

const GLOBAL = [
  { long: "host", short: "H", type: "string" as const, desc: "Daemon socket to connect to (default: the engine in this process; or DOCKER_HOST)" },
  { long: "home", type: "string" as const, desc: "Store of the in-process engine (default: STRATA_HOME, or ~/.local/share/strata)" },
  { long: "version", short: "v", type: "bool" as const, desc: "Print version information and quit" },
];

const ROOT: Verb = {
  name: "strata", usage: "[OPTIONS] COMMAND", summary: "Containers without a daemon or a kernel: OCI images, a union filesystem, WASI programs.",
};

function _rootHelp(): string {
  const line = (v: Verb) => `  ${v.name.padEnd(10)}  ${v.summary.split("\n")[0]}`; // the first line, as docker lists commands
  const common = VERBS.slice(0, 10), mgmt = VERBS.slice(10, 14), rest = VERBS.slice(14);
  return `${helpText({ ...ROOT, flags: GLOBAL }, "strata").replace(/^\n/, "").replace(/\nOptions:[\s\S]*$/, "")}\nCommon Commands:\n${common.map(line).join("\n")}\n\n` +
    `Management Commands:\n${mgmt.map(line).join("\n")}\n\nCommands:\n${rest.map(line).join("\n")}\n\n` +
    `Global Options:\n${GLOBAL.map((g) => `  ${g.short ? `-${g.short}, ` : "    "}--${g.long.padEnd(8)}  ${g.desc}`).join("\n")}\n\n` +
    "Run 'strata COMMAND --help' for more information on a command.\n";
}

/** Run the command line; resolves with the exit status. `connect` is how the engine is reached (tests hand in a fake one). */
export async function main(argv: string[], io: Io = processIo(), o: { connect?: typeof connect } = {}): Promise<number> {
  let g;
  try {
    g = parseArgs(argv, GLOBAL, { interspersed: false });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    await io.err(`${err.message}\nSee 'strata --help'.\n`);
    return 125;
  }
  if (g.flags["version"]) return (await io.out(`strata version ${STRATA_VERSION}\n`), 0);
  const [name, ...rest] = g.args;
  if (!name || g.help) return (await io.out(_rootHelp()), 0);
  const verb = VERBS.find((v) => v.name === name);
  if (!verb) return (await io.err(`strata: '${name}' is not a strata command.\nSee 'strata --help'\n`), 1);
  let client: Promise<Client> | undefined;
  const global = { host: g.flags["host"] as string | undefined, home: g.flags["home"] as string | undefined };
  const open = o.connect ?? connect;
  const ctx: Ctx = { io, global, client: (c) => (client ??= open({ ...global, ...c, env: io.env })) };
  try {
    return await runVerb(ctx, verb, `strata ${name}`, rest);
  } catch (err) {
    return await _report(io, err);
  } finally {
    if (client) await (await client.catch(() => undefined))?.close();
  }
}

async function _report(io: Io, err: unknown): Promise<number> {
  if (err instanceof CliError) return (await io.err(`${err.message}\n`), err.code);
  if (err instanceof DaemonError) return (await io.err(`Error response from daemon: ${err.message}\n`), 1);
  return (await io.err(`strata: ${(err as Error)?.message ?? String(err)}\n`), 125);
}

function _isMain(): boolean {
  const deno = (globalThis as { Deno?: { mainModule?: string } }).Deno;
  if (deno?.mainModule) return deno.mainModule === import.meta.url;
  const argv1 = process.argv[1] ?? "";
  return /server[\\/]cli[\\/](main\.ts|bin\.mjs)$/.test(argv1) || /[\\/]strata$/.test(argv1);
}

if (_isMain()) {
  const code = await main(process.argv.slice(2));
  // Pending workers or sockets must not keep a finished command alive.
  process.exit(code);
}
