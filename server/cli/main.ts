/**
 * `strata`: docker's verbs without a daemon. Global flags: -H/--host (or DOCKER_HOST) to
 * talk to a server, --home (or STRATA_HOME) for the in-process engine's store. Exit
 * codes as Docker's: the program's own for run and exec, 125 when strata itself fails,
 * 1 for an error the daemon reported.
 */
import { connect } from "./client.ts";
import { CliError, VERBS } from "./verbs.ts";

const USAGE = `Usage:  strata [OPTIONS] COMMAND

Containers without a daemon or a kernel: OCI images, a union filesystem, WASI programs.

Options:
  -H, --host string   Daemon socket to connect to (default: the in-process engine; DOCKER_HOST)
      --home string   Store of the in-process engine (default: STRATA_HOME or ~/.local/share/strata)

Commands:
  ${[...Object.keys(VERBS), "serve"].join(", ")}

Run 'strata COMMAND --help' for more information on a command.
`;

export async function main(argv: string[]): Promise<number> {
  let host: string | undefined, home: string | undefined;
  while (argv[0]?.startsWith("-")) {
    const flag = argv.shift()!;
    if (flag === "-H" || flag === "--host") host = argv.shift();
    else if (flag === "--home") home = argv.shift();
    else if (flag === "--help" || flag === "-h") return say(USAGE);
    else if (flag === "-v" || flag === "--version") return say("strata version 0.1.0\n");
    else return fail(`unknown flag: ${flag}`, 125);
  }
  const verb = argv.shift();
  if (!verb) return say(USAGE);
  if (verb === "serve") {
    const { main: serve } = await import("../node/main.ts");
    await serve([...(home ? ["--home", home] : []), ...argv]);
    return await new Promise<number>(() => {}); // runs until a signal
  }
  const spec = VERBS[verb];
  if (!spec) return fail(`strata: '${verb}' is not a strata command.\nSee 'strata --help'`, 125);
  if (argv.includes("--help")) return say(`\nUsage:  strata ${spec.usage}\n`);
  const client = await connect({ host, home }).catch((err) => { throw new CliError(`strata: ${(err as Error).message}`, 125); });
  try {
    return (await spec.run(client, argv)) ?? 0;
  } finally {
    await client.close();
  }
}

function say(text: string): number {
  process.stdout.write(text);
  return 0;
}

function fail(message: string, code: number): number {
  process.stderr.write(`${message}\n`);
  return code;
}

if (process.argv[1]?.endsWith("server/cli/main.ts") || process.argv[1]?.endsWith("bin.mjs")) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    process.stderr.write(`${err instanceof CliError ? err.message : `strata: ${(err as Error).message}`}\n`);
    process.exit(err instanceof CliError ? err.code : 125);
  });
}
