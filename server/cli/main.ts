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
// Adding a verb is one line, in the list of the root help's section it belongs to: its
// name, and the verb as its module exports it.

/** `strata container …` and `strata image …`, as Docker groups the same verbs. */
const container: Verb = {
  name: "container", usage: "COMMAND", summary: "Manage containers",
  sub: [
    lazy("attach", () => import("./verbs_attach.ts").then((m) => m.attach)),
    lazy("commit", () => import("./verbs_containers.ts").then((m) => m.commit)),
    lazy("cp", () => import("./verbs_cp.ts").then((m) => m.cp)),
    lazy("create", () => import("./verbs_run.ts").then((m) => m.create)),
    lazy("diff", () => import("./verbs_containers.ts").then((m) => m.diff)),
    lazy("exec", () => import("./verbs_attach.ts").then((m) => m.exec)),
    lazy("export", () => import("./verbs_containers.ts").then((m) => m.exportVerb)),
    lazy("inspect", () => import("./verbs_containers.ts").then((m) => m.inspect)),
    lazy("kill", () => import("./verbs_containers.ts").then((m) => m.kill)),
    lazy("logs", () => import("./verbs_containers.ts").then((m) => m.logs)),
    lazy("ls", () => import("./verbs_containers.ts").then((m) => m.ps)),
    lazy("pause", () => import("./verbs_proc.ts").then((m) => m.pause)),
    lazy("prune", () => import("./verbs_containers.ts").then((m) => m.containerPrune)),
    lazy("rename", () => import("./verbs_containers.ts").then((m) => m.rename)),
    lazy("restart", () => import("./verbs_containers.ts").then((m) => m.restart)),
    lazy("rm", () => import("./verbs_containers.ts").then((m) => m.rm)),
    lazy("run", () => import("./verbs_run.ts").then((m) => m.run)),
    lazy("start", () => import("./verbs_run.ts").then((m) => m.start)),
    lazy("stats", () => import("./verbs_proc.ts").then((m) => m.stats)),
    lazy("stop", () => import("./verbs_containers.ts").then((m) => m.stop)),
    lazy("top", () => import("./verbs_proc.ts").then((m) => m.top)),
    lazy("unpause", () => import("./verbs_proc.ts").then((m) => m.unpause)),
    lazy("update", () => import("./verbs_update.ts").then((m) => m.update)),
    lazy("wait", () => import("./verbs_containers.ts").then((m) => m.wait)),
  ],
};
const image: Verb = {
  name: "image", usage: "COMMAND", summary: "Manage images",
  sub: [
    lazy("build", () => import("./verbs_build.ts").then((m) => m.build)),
    lazy("history", () => import("./verbs_images.ts").then((m) => m.history)),
    lazy("import", () => import("./verbs_images.ts").then((m) => m.importVerb)),
    lazy("inspect", () => import("./verbs_containers.ts").then((m) => m.inspect)),
    lazy("load", () => import("./verbs_images.ts").then((m) => m.load)),
    lazy("ls", () => import("./verbs_images.ts").then((m) => m.images)),
    lazy("prune", () => import("./verbs_images.ts").then((m) => m.imagePrune)),
    lazy("pull", () => import("./verbs_registry.ts").then((m) => m.pull)),
    lazy("push", () => import("./verbs_registry.ts").then((m) => m.push)),
    lazy("rm", () => import("./verbs_images.ts").then((m) => m.rmi)),
    lazy("save", () => import("./verbs_images.ts").then((m) => m.save)),
    lazy("tag", () => import("./verbs_images.ts").then((m) => m.tag)),
  ],
};

/** The root help's "Common Commands". */
const COMMON: Array<Verb | VerbRef> = [
  lazy("run", () => import("./verbs_run.ts").then((m) => m.run)),
  lazy("exec", () => import("./verbs_attach.ts").then((m) => m.exec)),
  lazy("ps", () => import("./verbs_containers.ts").then((m) => m.ps)),
  lazy("build", () => import("./verbs_build.ts").then((m) => m.build)),
  lazy("pull", () => import("./verbs_registry.ts").then((m) => m.pull)),
  lazy("push", () => import("./verbs_registry.ts").then((m) => m.push)),
  lazy("images", () => import("./verbs_images.ts").then((m) => m.images)),
  lazy("login", () => import("./verbs_login.ts").then((m) => m.login)),
  lazy("logout", () => import("./verbs_login.ts").then((m) => m.logout)),
  lazy("load", () => import("./verbs_images.ts").then((m) => m.load)),
  lazy("save", () => import("./verbs_images.ts").then((m) => m.save)),
  lazy("serve", () => import("./verbs_serve.ts").then((m) => m.serve)),
  lazy("info", () => import("./verbs_system.ts").then((m) => m.info)),
  lazy("version", () => import("./verbs_system.ts").then((m) => m.version)),
];
/** "Management Commands": the groups. */
const MANAGEMENT: Array<Verb | VerbRef> = [
  container,
  image,
  lazy("network", () => import("./verbs_network.ts").then((m) => m.network)),
  lazy("volume", () => import("./verbs_system.ts").then((m) => m.volume)),
  lazy("system", () => import("./verbs_system.ts").then((m) => m.system)),
];
/** "Commands": the rest, in alphabetical order. */
const OTHERS: Array<Verb | VerbRef> = [
  lazy("attach", () => import("./verbs_attach.ts").then((m) => m.attach)),
  lazy("commit", () => import("./verbs_containers.ts").then((m) => m.commit)),
  lazy("cp", () => import("./verbs_cp.ts").then((m) => m.cp)),
  lazy("create", () => import("./verbs_run.ts").then((m) => m.create)),
  lazy("diff", () => import("./verbs_containers.ts").then((m) => m.diff)),
  lazy("events", () => import("./verbs_system.ts").then((m) => m.events)),
  lazy("export", () => import("./verbs_containers.ts").then((m) => m.exportVerb)),
  lazy("history", () => import("./verbs_images.ts").then((m) => m.history)),
  lazy("import", () => import("./verbs_images.ts").then((m) => m.importVerb)),
  lazy("inspect", () => import("./verbs_containers.ts").then((m) => m.inspect)),
  lazy("kill", () => import("./verbs_containers.ts").then((m) => m.kill)),
  lazy("logs", () => import("./verbs_containers.ts").then((m) => m.logs)),
  lazy("pause", () => import("./verbs_proc.ts").then((m) => m.pause)),
  lazy("rename", () => import("./verbs_containers.ts").then((m) => m.rename)),
  lazy("restart", () => import("./verbs_containers.ts").then((m) => m.restart)),
  lazy("rm", () => import("./verbs_containers.ts").then((m) => m.rm)),
  lazy("rmi", () => import("./verbs_images.ts").then((m) => m.rmi)),
  lazy("start", () => import("./verbs_run.ts").then((m) => m.start)),
  lazy("stats", () => import("./verbs_proc.ts").then((m) => m.stats)),
  lazy("stop", () => import("./verbs_containers.ts").then((m) => m.stop)),
  lazy("tag", () => import("./verbs_images.ts").then((m) => m.tag)),
  lazy("top", () => import("./verbs_proc.ts").then((m) => m.top)),
  lazy("unpause", () => import("./verbs_proc.ts").then((m) => m.unpause)),
  lazy("update", () => import("./verbs_update.ts").then((m) => m.update)),
  lazy("wait", () => import("./verbs_containers.ts").then((m) => m.wait)),
];

export const VERBS: Array<Verb | VerbRef> = [...COMMON, ...MANAGEMENT, ...OTHERS];

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
  const [common, mgmt, rest] = await Promise.all([COMMON, MANAGEMENT, OTHERS].map(async (list) => await Promise.all(list.map(loadVerb))));
  const line = (v: Verb) => `  ${v.name.padEnd(10)}  ${v.summary.split("\n")[0]}`; // the first line, as docker lists commands
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
  if (err instanceof (await import("./client.ts")).DaemonError) return (await io.err(`${(err as { response: string }).response}\n`), 1);
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
