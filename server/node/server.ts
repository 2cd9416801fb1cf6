/**
 * The Node server: the API app under @hono/node-server, our upgrade handler for attach
 * and exec, the disk store (or memory), the sample images loaded at start, and a
 * graceful shutdown that stops containers and flushes state.
 */
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { MemoryStore, type Store } from "../../src/store/mod.ts";
import { defaultHome, DiskStore } from "../store/mod.ts";
import { handleUpgrade } from "./hijack.ts";
import { nodeWorkerHost } from "../worker/node_worker_host.ts";

export const SAMPLES_DIR = fileURLToPath(new URL("../../rootfs-samples/", import.meta.url));

export interface ServerOptions {
  host?: string;
  port?: number;
  socket?: string;
  token?: string;
  /** STRATA_HOME; "memory" keeps nothing. */
  home?: string;
  /** Load rootfs-samples/*.tar when their tags are missing (default true). */
  samples?: boolean;
  log?: (line: string) => void;
}

export interface RunningServer {
  engine: Engine;
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Load the sample images whose tags are not in the store yet. */
export async function loadSamples(engine: Engine, log: (l: string) => void = () => {}): Promise<void> {
  for (const file of readdirSync(SAMPLES_DIR).filter((f) => f.endsWith(".tar")).sort()) {
    const name = `${file.slice(0, -4)}:latest`;
    if (await engine.images.find(name)) continue;
    await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES_DIR}${file}`)), { name: file });
    log(`Loaded image: ${name}`);
  }
}

export async function startServer(o: ServerOptions = {}): Promise<RunningServer> {
  const log = o.log ?? ((l: string) => console.error(l));
  const host = o.host ?? "127.0.0.1";
  if (!o.socket && !LOOPBACK.has(host) && !o.token) {
    throw new Error(`Refusing to listen on ${host} without a token: the Docker API is root-equivalent. Give --token or STRATA_TOKEN.`);
  }
  const home = o.home ?? defaultHome();
  const store: Store = home === "memory" ? new MemoryStore() : DiskStore.open(home);
  const engine = await createEngine({ store, workerHost: nodeWorkerHost() });
  if (o.samples !== false) await loadSamples(engine, log);
  const app = createApi(engine, { token: o.token, root: home });
  if (o.socket && existsSync(o.socket)) rmSync(o.socket);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (o.socket) server.listen(o.socket, resolve);
    else server.listen(o.port ?? 2375, host, resolve);
  });
  server.on("upgrade", (req, socket, head) => handleUpgrade(engine, o.token, req, socket, head));
  if (home !== "memory") writeFileSync(join(home, "server.url"), o.socket ? `unix://${o.socket}` : `tcp://${host}:${(server.address() as { port: number }).port}`);
  const addr = server.address();
  const url = o.socket ? `unix://${o.socket}` : `tcp://${host}:${typeof addr === "object" && addr ? addr.port : o.port}`;
  return {
    engine, url,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (home !== "memory") rmSync(join(home, "server.url"), { force: true });
      await engine.close({ graceMs: 2000 });
    },
  };
}
