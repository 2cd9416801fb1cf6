/**
 * `npm start`: the Docker-compatible API server, on 127.0.0.1:2375 by default, with the
 * sample images loaded. Flags: --host H, --port N, --socket PATH (unix socket),
 * --token T (or STRATA_TOKEN; required off loopback), --home DIR (or STRATA_HOME;
 * "memory" keeps nothing), --allow-origin ORIGIN (or STRATA_ALLOW_ORIGINS: web pages of
 * that origin may drive the API; any other Origin is refused), --allow-host NAME (or
 * STRATA_ALLOW_HOSTS: a Host header accepted besides loopback and the listen address).
 * SIGINT/SIGTERM stop the containers and flush state.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseServeArgs } from "./args.ts";
import { startServer } from "./server.ts";

/** Serve until SIGINT/SIGTERM (also `strata serve`). */
export async function main(args: string[]): Promise<void> {
  const server = await startServer(parseServeArgs(args, process.env));
  console.error(`strata: serving the Docker Engine API on ${server.url} (export DOCKER_HOST=${server.url})`);
  const stop = async () => {
    console.error("strata: stopping containers and flushing state");
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

export { parseServeArgs };

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`strata: ${err.message}`);
    process.exit(1);
  });
}
