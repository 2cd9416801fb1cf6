/**
 * The Node server: the API app under @hono/node-server, our `upgrade` listener for
 * attach and exec (on the server `serve` returns), the disk store under STRATA_HOME (or
 * memory), the sample images loaded at start, and a graceful shutdown that stops
 * containers and flushes state.
 */
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type EngineApi } from "../../src/engine/mod.ts";
import { MemoryStore, type Store } from "../../src/store/mod.ts";
import { defaultHome, DiskStore, SERVER_URL_FILE } from "../store/mod.ts";
import { serverHost } from "../platform/mod.ts";
import { uiFiles } from "../ui/mod.ts";
import { upgradeHandler } from "./hijack.ts";

const SAMPLES_DIR = fileURLToPath(new URL("../../rootfs-samples/", import.meta.url));
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

interface ServerOptions {
  host?: string;
  port?: number;
  /** Listen on a unix socket instead of TCP. */
  socket?: string;
  token?: string;
  /** Origins whose web pages may drive the API (--allow-origin); any other Origin is refused. */
  allowOrigins?: string[];
  /** Host header names allowed besides loopback and the listen address (--allow-host). */
  allowHosts?: string[];
  /** STRATA_HOME; "memory" keeps nothing. */
  home?: string;
  /** The largest uncompressed layer a load takes (--max-layer-size; the engine's default otherwise). */
  maxLayerBytes?: number;
  /** The memory budget loads in progress share (--load-memory). */
  loadMemoryBytes?: number;
  /** Serve the web page at /ui (default true; server/ui, docs/ui.md). */
  ui?: boolean;
  /** Registries reached over plain HTTP besides loopback ones (--insecure-registry). */
  insecureRegistries?: string[];
  /** Load rootfs-samples/*.tar whose tags are missing (default true). */
  samples?: boolean;
  /** Where programs run (--processes; server/platform/runtime.ts `serverHost`). */
  processes?: "inline" | "workers";
  log?: (line: string) => void;
}

interface RunningServer {
  engine: EngineApi;
  /** `tcp://host:port` or `unix://path`, as DOCKER_HOST takes it. */
  url: string;
  port?: number;
  /** Stop accepting, stop containers, flush state. */
  close(): Promise<void>;
}

/** Is `host` a loopback address (no token needed)? */
function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\./.test(host);
}

/** Load the sample images (rootfs-samples/*.tar) whose tags are not in the engine yet. */
async function loadSamples(engine: EngineApi, log: (l: string) => void = () => {}): Promise<void> {
  const have = new Set((await engine.images.list()).flatMap((i) => i.RepoTags));
  for (const file of readdirSync(SAMPLES_DIR).filter((f) => f.endsWith(".tar")).sort()) {
    const name = `${file.slice(0, -4)}:latest`;
    if (have.has(name)) continue;
    await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES_DIR}${file}`)), { name: file });
    log(`strata: loaded sample image ${name}`);
  }
}

/** Open the engine, load the samples, listen. Errors: a non-loopback host without a token. */
export async function startServer(o: ServerOptions = {}): Promise<RunningServer> {
  const log = o.log ?? ((l: string) => console.error(l));
  const host = o.host ?? "127.0.0.1";
  if (!o.socket && !isLoopback(host) && !o.token) {
    throw new Error(`Refusing to listen on ${host} without a token: the Docker API is root-equivalent. Give --token or STRATA_TOKEN.`);
  }
  const home = o.home ?? defaultHome();
  const store: Store = home === "memory" ? new MemoryStore() : DiskStore.open(home);
  const { note, ...hosts } = serverHost(o.processes);
  if (note) log(note);
  const engine = await createEngine({ store, ...hosts, maxLayerBytes: o.maxLayerBytes, loadMemoryBytes: o.loadMemoryBytes, registry: { insecureRegistries: o.insecureRegistries } });
  if (o.samples !== false) await loadSamples(engine, log);
  // Refusals (src/api/_origin.ts): web pages, and Hosts that are not this server's.
  // With the web page on, a page of the server's own origin passes too (its terminal's websocket included).
  const source = { allowOrigins: o.allowOrigins, allowHosts: o.allowHosts, listen: o.socket ? { socket: o.socket } : { host, port: o.port }, allowSameOrigin: o.ui !== false };
  const app = createApi(engine, { token: o.token, root: home, ...source, ui: o.ui === false ? undefined : uiFiles() });
  if (o.socket && existsSync(o.socket)) rmSync(o.socket);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.on("upgrade", upgradeHandler(engine, { token: o.token, source, log }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (o.socket) server.listen(o.socket, resolve);
    else server.listen(o.port ?? 2375, host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : undefined;
  const url = o.socket ? `unix://${o.socket}` : `tcp://${host.includes(":") ? `[${host}]` : host}:${port}`;
  // A daemonless `strata` command on this home finds the server here and goes through it.
  const urlFile = home === "memory" ? undefined : join(home, SERVER_URL_FILE);
  if (urlFile) writeFileSync(urlFile, `${url}\n`);
  let closing: Promise<void> | undefined;
  return {
    engine, url, port,
    close: () => (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close({ graceMs: 2000 });
      server.closeAllConnections();
      await closed;
      if (o.socket) rmSync(o.socket, { force: true });
      if (urlFile) rmSync(urlFile, { force: true });
    })()),
  };
}
