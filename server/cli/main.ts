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
import { CliError, type Ctx, helpText, lazy, loadVerb, runVerb, type Verb, type VerbRef } from "./_verb.ts";
import { STRATA_VERSION } from "./_version.ts";
import type { Client, connect } from "./client.ts";

// The verb table. A verb's code is loaded only when it runs (a dynamic import each), so
// `--version` and an unknown verb load none, and `ps` never loads what `build` needs.
// Adding a verb is one line: its name, its module, and the export (when not the name).

/** `strata container …` and `strata image …`, as Docker groups the same verbs. */
const container: Verb = {
  name: "container", usage: "COMMAND", summary: "Manage containers",
  sub: [
    lazy("attach", () => import("./verbs_attach.ts")),
    lazy("commit", () => import("./verbs_containers.ts")),
    lazy("cp", () => import("./verbs_cp.ts")),
    lazy("create", () => import("./verbs_run.ts")),
    lazy("diff", () => import("./verbs_containers.ts")),
    lazy("exec", () => import("./verbs_attach.ts")),
    lazy("export", () => import("./verbs_containers.ts"), "exportVerb"),
    lazy("inspect", () => import("./verbs_containers.ts")),
    lazy("kill", () => import("./verbs_containers.ts")),
    lazy("logs", () => import("./verbs_containers.ts")),
    lazy("ls", () => import("./verbs_containers.ts"), "ps"),
    lazy("prune", () => import("./verbs_containers.ts"), "containerPrune"),
    lazy("rename", () => import("./verbs_containers.ts")),
    lazy("restart", () => import("./verbs_containers.ts")),
    lazy("rm", () => import("./verbs_containers.ts")),
    lazy("run", () => import("./verbs_run.ts")),
    lazy("start", () => import("./verbs_run.ts")),
    lazy("stop", () => import("./verbs_containers.ts")),
    lazy("wait", () => import("./verbs_containers.ts")),
  ],
};
const image: Verb = {
  name: "image", usage: "COMMAND", summary: "Manage images",
  sub: [
    lazy("build", () => import("./verbs_build.ts")),
    lazy("history", () => import("./verbs_images.ts")),
    lazy("import", () => import("./verbs_images.ts"), "importVerb"),
    lazy("inspect", () => import("./verbs_containers.ts")),
    lazy("load", () => import("./verbs_images.ts")),
    lazy("ls", () => import("./verbs_images.ts"), "images"),
    lazy("prune", () => import("./verbs_images.ts"), "imagePrune"),
    lazy("rm", () => import("./verbs_images.ts"), "rmi"),
    lazy("save", () => import("./verbs_images.ts")),
    lazy("tag", () => import("./verbs_images.ts")),
  ],
};

export const VERBS: Array<Verb | VerbRef> = [
  // Common Commands
  lazy("run", () => import("./verbs_run.ts")),
  lazy("exec", () => import("./verbs_attach.ts")),
  lazy("ps", () => import("./verbs_containers.ts")),
  lazy("build", () => import("./verbs_build.ts")),
  lazy("images", () => import("./verbs_images.ts")),
  lazy("load", () => import("./verbs_images.ts")),
  lazy("save", () => import("./verbs_images.ts")),
  lazy("serve", () => import("./verbs_serve.ts")),
  lazy("info", () => import("./verbs_system.ts")),
  lazy("version", () => import("./verbs_system.ts")),
  // Management Commands
  container,
  image,
  lazy("volume", () => import("./verbs_system.ts")),
  lazy("system", () => import("./verbs_system.ts")),
  // Commands
  lazy("attach", () => import("./verbs_attach.ts")),
  lazy("commit", () => import("./verbs_containers.ts")),
  lazy("cp", () => import("./verbs_cp.ts")),
  lazy("create", () => import("./verbs_run.ts")),
  lazy("diff", () => import("./verbs_containers.ts")),
  lazy("events", () => import("./verbs_system.ts")),
  lazy("export", () => import("./verbs_containers.ts"), "exportVerb"),
  lazy("history", () => import("./verbs_images.ts")),
  lazy("import", () => import("./verbs_images.ts"), "importVerb"),
  lazy("inspect", () => import("./verbs_containers.ts")),
  lazy("kill", () => import("./verbs_containers.ts")),
  lazy("logs", () => import("./verbs_containers.ts")),
  lazy("rename", () => import("./verbs_containers.ts")),
  lazy("restart", () => import("./verbs_containers.ts")),
  lazy("rm", () => import("./verbs_containers.ts")),
  lazy("rmi", () => import("./verbs_images.ts")),
  lazy("start", () => import("./verbs_run.ts")),
  lazy("stop", () => import("./verbs_containers.ts")),
  lazy("tag", () => import("./verbs_images.ts")),
  lazy("wait", () => import("./verbs_containers.ts")),
];

const GLOBAL = [
  { long: "host", short: "H", type: "string" as const, desc: "Daemon socket to connect to (default: the engine in this process; or DOCKER_HOST)" },
  { long: "home", type: "string" as const, desc: "Store of the in-process engine (default: STRATA_HOME, or ~/.local/share/strata)" },
  { long: "version", short: "v", type: "bool" as const, desc: "Print version information and quit" },
];

const ROOT: Verb = {
  name: "strata", usage: "[OPTIONS] COMMAND", summary: "Containers without a daemon or a kernel: OCI images, a union filesystem, WASI programs.",
};

/** The root help: every verb's summary, so every verb module is loaded (the engine's code is not). */
async function _rootHelp(): Promise<string> {
  const verbs = await Promise.all(VERBS.map(loadVerb));
  const line = (v: Verb) => `  ${v.name.padEnd(10)}  ${v.summary.split("\n")[0]}`; // the first line, as docker lists commands
  const common = verbs.slice(0, 10), mgmt = verbs.slice(10, 14), rest = verbs.slice(14);
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
  if (!name || g.help) return (await io.out(await _rootHelp()), 0);
  const verb = VERBS.find((v) => v.name === name);
  if (!verb) return (await io.err(`strata: '${name}' is not a strata command.\nSee 'strata --help'\n`), 1);
  let client: Promise<Client> | undefined;
  const global = { host: g.flags["host"] as string | undefined, home: g.flags["home"] as string | undefined };
  const open = o.connect ?? (await import("./client.ts")).connect;
  const ctx: Ctx = { io, global, client: (c) => (client ??= open({ ...global, ...c, env: io.env })) };
  try {
    return await runVerb(ctx, await loadVerb(verb), `strata ${name}`, rest);
  } catch (err) {
    return await _report(io, err);
  } finally {
    if (client) await (await client.catch(() => undefined))?.close();
  }
}

async function _report(io: Io, err: unknown): Promise<number> {
  if (err instanceof CliError) return (await io.err(`${err.message}\n`), err.code);
  if (err instanceof (await import("./client.ts")).DaemonError) return (await io.err(`Error response from daemon: ${(err as Error).message}\n`), 1);
  return (await io.err(`strata: ${(err as Error)?.message ?? String(err)}\n`), 125);
}

/** Run as `node --import tsx server/cli/main.ts` or `deno run -A server/cli/main.ts` (bin.mjs calls main() itself). */
function _isMain(): boolean {
  const deno = (globalThis as { Deno?: { mainModule?: string } }).Deno;
  if (deno?.mainModule) return deno.mainModule === import.meta.url;
  return /server[\\/]cli[\\/]main\.ts$/.test(process.argv[1] ?? "");
}

if (_isMain()) {
  const code = await main(process.argv.slice(2));
  // Pending workers or sockets must not keep a finished command alive.
  process.exit(code);
}
