/**
 * `strata serve`: the API server of server/node on the engine of STRATA_HOME. While it
 * runs it owns the store's lock and (startServer) writes its address to STRATA_HOME/server.url, so a
 * daemonless `strata ps` on the same home goes through it instead of failing.
 */
import { resolve } from "node:path";
import { flag } from "./_args.ts";
import { sizeValue } from "../node/args.ts";
import { CliError, type Verb } from "./_verb.ts";
import type { EngineApi } from "../../src/engine/mod.ts";

export const serve: Verb = {
  name: "serve", usage: "[OPTIONS]", summary: "Serve the Docker Engine API (docker and dockerode can drive it)", max: 0,
  flags: [
    { long: "host", type: "string", desc: "Address to listen on", default: "127.0.0.1" },
    { long: "port", short: "p", type: "int", desc: "TCP port", default: "2375" },
    { long: "socket", type: "string", desc: "Listen on a unix socket at this path instead of TCP" },
    { long: "token", type: "string", desc: "Bearer token clients must send (required off loopback; or STRATA_TOKEN)" },
    { long: "allow-origin", type: "list", desc: "Let web pages of this origin drive the API (any other Origin is refused; or STRATA_ALLOW_ORIGINS, comma-separated)" },
    { long: "allow-host", type: "list", desc: "Accept this Host header besides loopback and the listen address (DNS rebinding guard; or STRATA_ALLOW_HOSTS)" },
    { long: "max-layer-size", type: "string", desc: "Largest uncompressed layer a load takes (e.g. 4g; default 1g)" },
    { long: "load-memory", type: "string", desc: "Memory budget shared by loads in progress (e.g. 8g; default 2g)" },
    { long: "insecure-registry", type: "list", desc: "Reach this registry (host, host:port or CIDR) over plain HTTP; loopback ones always are" },
    { long: "no-samples", type: "bool", desc: "Do not load the sample images at start" },
    { long: "processes", type: "string", desc: "Where programs run: workers (a thread each) or inline (the server's thread; suspendable where the runtime has JSPI; or STRATA_WORKERS=0); default workers" },
    { long: "idle-exit", type: "int", desc: "Exit after this many seconds with no running container (0: never)", default: "0" },
  ],
  async run(ctx, p) {
    const { startServer } = await import("../node/server.ts");
    const home = resolve(ctx.global.home ?? ctx.io.env["STRATA_HOME"] ?? (await import("../store/mod.ts")).defaultHome());
    const server = await startServer({
      host: flag.str(p, "host"), port: flag.int(p, "port"), socket: flag.str(p, "socket"), home,
      token: flag.str(p, "token") ?? ctx.io.env["STRATA_TOKEN"], samples: !flag.bool(p, "no-samples"),
      allowOrigins: _list(flag.list(p, "allow-origin"), ctx.io.env["STRATA_ALLOW_ORIGINS"]),
      allowHosts: _list(flag.list(p, "allow-host"), ctx.io.env["STRATA_ALLOW_HOSTS"]),
      maxLayerBytes: _size(p, "max-layer-size"), loadMemoryBytes: _size(p, "load-memory"), insecureRegistries: flag.list(p, "insecure-registry"),
      processes: _processes(flag.str(p, "processes"), ctx.io.env["STRATA_WORKERS"]),
    });
    await ctx.io.err(`strata: serving the Docker Engine API on ${server.url} (export DOCKER_HOST=${server.url})\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        void ctx.io.err("strata: stopping containers and flushing state\n");
        void server.close().finally(done);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const idle = flag.int(p, "idle-exit") ?? 0;
      if (idle > 0) _exitWhenIdle(server.engine, idle, stop);
    });
    return 0;
  },
};

/** A list flag's values (each may be comma-separated), else the environment's comma-separated list. */
/** A size flag in bytes (units as docker's), or undefined when not given. */
function _size(p: Parameters<typeof flag.str>[0], name: string): number | undefined {
  const v = flag.str(p, name);
  if (v === undefined) return undefined;
  try {
    return sizeValue(`--${name}`, v);
  } catch (err) {
    throw new CliError((err as Error).message, 125);
  }
}

/** --processes, else STRATA_WORKERS=0 for inline. Errors: another value (125). */
function _processes(given: string | undefined, env: string | undefined): "inline" | "workers" {
  if (given === undefined) return env === "0" ? "inline" : "workers";
  if (given !== "inline" && given !== "workers") throw new CliError(`invalid value for --processes: ${JSON.stringify(given)} (inline or workers)`, 125);
  return given;
}

function _list(given: string[], env: string | undefined): string[] | undefined {
  const values = (given.length ? given.join(",") : env ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return values.length ? values : undefined;
}

/** Call `stop` once no container has run (or waited to restart) for `seconds` (the background server of `run -d`). */
function _exitWhenIdle(engine: EngineApi, seconds: number, stop: () => void): void {
  let idleSince = Date.now();
  const timer = setInterval(() => {
    void engine.containers.list({ filters: { status: ["running", "restarting"] } }).then((running) => {
      if (running.length) idleSince = Date.now();
      else if (Date.now() - idleSince >= seconds * 1000) {
        clearInterval(timer);
        stop();
      }
    });
  }, 500);
}
