/**
 * A small Docker Engine API client over a Transport: JSON calls with Docker's error
 * shape, streams, and hijacked attach/exec. `connect()` picks the transport: a server
 * (`-H`/DOCKER_HOST, or the `strata serve` that holds the store's lock), or the engine
 * opened in this process on the disk store (STRATA_HOME), which is the default.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createApi } from "../../src/api/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { runtimeHost } from "../platform/mod.ts";
import { defaultHome, DiskStore, SERVER_URL_FILE, StoreLockedError } from "../store/mod.ts";
import type { HijackResult } from "./_hijack.ts";
import { localTransport } from "./_local.ts";
import { remoteTransport } from "./_remote.ts";
import type { HijackOptions, Transport } from "./_transport.ts";

/** An error the engine answered (`{"message"}` with a status); printed "Error response from daemon: …". */
export class DaemonError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | string[] | undefined>;

/** `?a=1&b=x` from an object (arrays repeat the key; undefined is left out). */
function query(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) p.append(k, typeof v === "boolean" ? (v ? "1" : "0") : String(one));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

export class Client {
  constructor(readonly transport: Transport) {}

  /** A call whose error statuses become DaemonError. `body` objects go as JSON. */
  async call(method: string, path: string, o: { query?: Query; body?: unknown; raw?: BodyInit; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const init: RequestInit = { method, headers: { ...o.headers }, signal: o.signal };
    if (o.body !== undefined) {
      init.body = JSON.stringify(o.body);
      (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    } else if (o.raw !== undefined) {
      init.body = o.raw;
      // A streamed body (cp's tar as it is read) needs half duplex to be sent while the answer may come.
      if (o.raw instanceof ReadableStream) (init as RequestInit & { duplex: string }).duplex = "half";
    }
    const r = await this.transport.request(`${path}${o.query ? query(o.query) : ""}`, init);
    if (r.status >= 400) throw new DaemonError(r.status, await _message(r));
    return r;
  }

  async json<T>(method: string, path: string, o: Parameters<Client["call"]>[2] = {}): Promise<T> {
    return await (await this.call(method, path, o)).json() as T;
  }

  /** Attach or exec start with `Upgrade: tcp`. Errors: DaemonError when the server answers an HTTP error. */
  async hijack(path: string, o: HijackOptions & { query?: Query }): Promise<HijackResult> {
    try {
      return await this.transport.hijack(`${path}${o.query ? query(o.query) : ""}`, o);
    } catch (err) {
      const e = err as { status?: number; message: string };
      if (typeof e.status === "number") throw new DaemonError(e.status, e.message);
      throw err;
    }
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

async function _message(r: Response): Promise<string> {
  const text = await r.text();
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text.trim() || `HTTP ${r.status}`;
  }
}

interface ConnectOptions {
  host?: string;
  home?: string;
  token?: string;
  env: Record<string, string | undefined>;
  /** How long to wait for another command's lock on the store (ms, default 10 s). */
  lockWaitMs?: number;
  /**
   * The command leaves containers running (`run -d`, `start`): daemonless, the engine
   * must outlive this process, so a background `strata serve` is started on the home
   * (it exits once nothing has run for a while) and the command goes through it.
   */
  persistent?: boolean;
}

/** Pick the transport: -H/DOCKER_HOST, else the in-process engine, else the server that owns the store. */
export async function connect(o: ConnectOptions): Promise<Client> {
  const host = o.host ?? o.env["DOCKER_HOST"];
  const token = o.token ?? o.env["STRATA_TOKEN"];
  if (host) return new Client(remoteTransport(host, { token }));
  const home = resolve(o.home ?? o.env["STRATA_HOME"] ?? defaultHome());
  const deadline = Date.now() + (o.lockWaitMs ?? Number(o.env["STRATA_LOCK_WAIT_MS"] ?? 10_000));
  if (o.persistent) return await _viaBackgroundServer(home, token, o.env, deadline);
  for (;;) {
    try {
      return new Client(await openLocal(home, o.env));
    } catch (err) {
      if (!(err instanceof StoreLockedError)) throw err;
      const server = await _serverOf(home, token);
      if (server) return new Client(server);
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function _viaBackgroundServer(home: string, token: string | undefined, env: ConnectOptions["env"], deadline: number): Promise<Client> {
  let server = await _serverOf(home, token);
  if (!server) backgroundServer(home, env);
  while (!server) {
    if (Date.now() >= deadline) {
      throw new Error(`Cannot start a background server on ${home} (see ${join(home, "serve.log")}); is another strata command using it?`);
    }
    await new Promise((r) => setTimeout(r, 100));
    server = await _serverOf(home, token);
  }
  return new Client(server);
}

/** The engine on the disk store, in this process. Errors: StoreLockedError. */
async function openLocal(home: string, env: Record<string, string | undefined> = {}): Promise<Transport> {
  const store = DiskStore.open(home);
  const { workerHost, platform } = runtimeHost();
  try {
    // STRATA_WORKERS=0 runs programs inline, on this thread (they cannot then be stopped before they end).
    // autoRestart false: this engine lives for one command; restart policies act while a server runs.
    const engine = await createEngine({ store, workerHost: env["STRATA_WORKERS"] === "0" ? undefined : workerHost, platform, autoRestart: false });
    const app = createApi(engine, { root: home });
    return localTransport(engine, app, { where: `in-process (${home})`, close: () => engine.close({ graceMs: 10_000 }) });
  } catch (err) {
    await (store as unknown as { close?: () => Promise<void> }).close?.();
    throw err;
  }
}

/** Start `strata serve` on `home` in the background, detached, exiting when idle; its log is HOME/serve.log. */
function backgroundServer(home: string, env: Record<string, string | undefined>): void {
  mkdirSync(home, { recursive: true });
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const args = ["--home", home, "serve", "--port", "0", "--no-samples", "--idle-exit", env["STRATA_IDLE_EXIT"] ?? "30"];
  const argv = deno ? ["run", "-A", main, ...args] : ["--import", "tsx", main, ...args];
  const log = openSync(join(home, "serve.log"), "a");
  const child = spawn(deno ? deno.execPath() : process.execPath, argv, { detached: true, stdio: ["ignore", "ignore", log], env: { ...process.env, ...env } as NodeJS.ProcessEnv, cwd: dirname(dirname(dirname(main))) });
  child.unref();
  closeSync(log);
}

/** The address a running `strata serve` left in the home, if it answers /_ping. */
async function _serverOf(home: string, token?: string): Promise<Transport | undefined> {
  const file = join(home, SERVER_URL_FILE);
  if (!existsSync(file)) return undefined;
  const t = remoteTransport(readFileSync(file, "utf8").trim(), { token });
  try {
    const r = await t.request("/_ping", { signal: AbortSignal.timeout(2000) });
    await r.body?.cancel();
    return r.ok ? t : undefined;
  } catch {
    return undefined;
  }
}
