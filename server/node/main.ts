/**
 * `npm start`: the Docker-compatible API server on 127.0.0.1:2375 with the sample images
 * loaded. Flags: --host H, --port N, --socket PATH, --token T (or STRATA_TOKEN; required
 * off loopback), --home DIR (or STRATA_HOME; "memory" keeps nothing).
 */
import { startServer } from "./server.ts";

export function parseServeArgs(args: string[]) {
  const o: { host?: string; port?: number; socket?: string; token?: string; home?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split("=", 2) as [string, string | undefined];
    const value = () => inline ?? args[++i] ?? "";
    if (flag === "--host" || flag === "-H") o.host = value();
    else if (flag === "--port" || flag === "-p") o.port = Number(value());
    else if (flag === "--socket") o.socket = value();
    else if (flag === "--token") o.token = value();
    else if (flag === "--home") o.home = value();
    else throw new Error(`unknown flag: ${flag}`);
  }
  o.token ??= process.env["STRATA_TOKEN"] || undefined;
  return o;
}

export async function main(args: string[]): Promise<void> {
  const server = await startServer(parseServeArgs(args));
  console.error(`strata: serving the Docker Engine API on ${server.url} (export DOCKER_HOST=${server.url})`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.error("strata: stopping containers and flushing state");
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("server/node/main.ts")) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`strata: ${err.message}`);
    process.exit(1);
  });
}
