/** The server flags, shared by the Node and Deno entries. */

interface ServeArgs {
  host?: string;
  port?: number;
  socket?: string;
  token?: string;
  home?: string;
  /** --allow-origin (repeated or comma-separated), or STRATA_ALLOW_ORIGINS. */
  allowOrigins?: string[];
  /** --allow-host (repeated or comma-separated), or STRATA_ALLOW_HOSTS. */
  allowHosts?: string[];
  /** --max-layer-size: the largest uncompressed layer a load takes (engine `maxLayerBytes`). */
  maxLayerBytes?: number;
  /** --load-memory: the memory budget loads in progress share (engine `loadMemoryBytes`). */
  loadMemoryBytes?: number;
  /** --insecure-registry (repeated or comma-separated): registries reached over plain HTTP besides loopback ones. */
  insecureRegistries?: string[];
  /**
   * --processes inline|workers, or STRATA_WORKERS=0 for inline: where containers' programs
   * run. Workers (the default): a thread each. Inline: on the server's own thread, where
   * the runtime has JSPI (Deno) suspended while they wait and sharing the thread at their
   * preemption points, so thousands of sleeping containers cost little (docs/wasi.md).
   */
  processes?: "inline" | "workers";
}

const FLAGS = "--host, --port, --socket, --token, --home, --allow-origin, --allow-host, --max-layer-size, --load-memory, --insecure-registry, --processes";

/** "512m", "2g", "1048576" → bytes (k, m, g, t binary, as docker's sizes). Errors: anything else. */
export function sizeValue(flag: string, v: string): number {
  const m = v.match(/^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i);
  if (!m) throw new Error(`invalid size for ${flag}: ${JSON.stringify(v)} (bytes, or a number with k, m, g or t)`);
  return Math.round(Number(m[1]) * 1024 ** "bkmgt".indexOf(m[2]!.toLowerCase() || "b"));
}

/** A comma-separated list, empty items dropped. */
function listValue(v: string | undefined): string[] {
  return (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/**
 * Parse the server flags; `env` supplies STRATA_TOKEN, STRATA_HOME, STRATA_ALLOW_ORIGINS,
 * STRATA_ALLOW_HOSTS and STRATA_WORKERS (flags win). Errors: an unknown flag or a bad port.
 */
export function parseServeArgs(args: string[], env: Record<string, string | undefined> = {}): ServeArgs {
  const o: ServeArgs = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? args[++i] ?? "";
    if (flag === "--host" || flag === "-H") o.host = value();
    else if (flag === "--port" || flag === "-p") o.port = Number(value());
    else if (flag === "--socket") o.socket = value();
    else if (flag === "--token") o.token = value();
    else if (flag === "--home") o.home = value();
    else if (flag === "--allow-origin") (o.allowOrigins ??= []).push(...listValue(value()));
    else if (flag === "--allow-host") (o.allowHosts ??= []).push(...listValue(value()));
    else if (flag === "--max-layer-size") o.maxLayerBytes = sizeValue(flag, value());
    else if (flag === "--load-memory") o.loadMemoryBytes = sizeValue(flag, value());
    else if (flag === "--insecure-registry") (o.insecureRegistries ??= []).push(...listValue(value()));
    else if (flag === "--processes") {
      const v = value();
      if (v !== "inline" && v !== "workers") throw new Error(`invalid value for --processes: ${JSON.stringify(v)} (inline or workers)`);
      o.processes = v;
    } else throw new Error(`unknown flag: ${flag} (flags: ${FLAGS})`);
  }
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port < 65536)) throw new Error(`invalid port: ${o.port}`);
  if (!o.token && env["STRATA_TOKEN"]) o.token = env["STRATA_TOKEN"];
  if (!o.home && env["STRATA_HOME"]) o.home = env["STRATA_HOME"];
  if (!o.allowOrigins && env["STRATA_ALLOW_ORIGINS"]) o.allowOrigins = listValue(env["STRATA_ALLOW_ORIGINS"]);
  if (!o.allowHosts && env["STRATA_ALLOW_HOSTS"]) o.allowHosts = listValue(env["STRATA_ALLOW_HOSTS"]);
  if (!o.processes && env["STRATA_WORKERS"] === "0") o.processes = "inline";
  return o;
}

