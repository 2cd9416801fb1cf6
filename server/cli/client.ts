/**
 * How the command reaches an engine. With --host/-H or DOCKER_HOST it talks HTTP to a
 * server. Otherwise it is daemonless: it opens the engine in-process on the disk store
 * (STRATA_HOME) and calls the same API app without a socket. When a running
 * `strata serve` owns the store (its lock is held), it goes through that server instead.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { defaultHome, DiskStore, StoreLockedError } from "../store/mod.ts";
import { nodeWorkerHost } from "../worker/node_worker_host.ts";

export interface Client {
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The in-process engine, when daemonless (for stdin on run -i). */
  engine?: Engine;
  close(): Promise<void>;
}

export async function connect(o: { host?: string; home?: string; token?: string }): Promise<Client> {
  const host = o.host ?? process.env["DOCKER_HOST"];
  if (host) return remote(host, o.token ?? process.env["STRATA_TOKEN"]);
  const home = o.home ?? defaultHome();
  let store: DiskStore;
  try {
    store = DiskStore.open(home);
  } catch (err) {
    const addr = join(home, "server.url");
    if (err instanceof StoreLockedError && existsSync(addr)) return remote(readFileSync(addr, "utf8").trim(), o.token ?? process.env["STRATA_TOKEN"]);
    throw err;
  }
  const engine = await createEngine({ store, workerHost: nodeWorkerHost() });
  const app = createApi(engine, { root: home });
  return { engine, request: async (path, init) => await app.request(`/v1.47${path}`, init), close: () => engine.close({ graceMs: 10_000 }) };
}

function remote(host: string, token?: string): Client {
  if (!host.startsWith("tcp://") && !host.startsWith("http://")) throw new Error(`unsupported host "${host}": use tcp://HOST:PORT`);
  const base = host.replace(/^tcp:\/\//, "http://").replace(/\/$/, "");
  return {
    request: (path, init = {}) => fetch(`${base}/v1.47${path}`, {
      ...init, headers: { ...(init.headers as Record<string, string> ?? {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      // @ts-expect-error: Node's fetch needs duplex for a streamed body
      duplex: "half",
    }),
    close: async () => {},
  };
}
