/**
 * The daemonless transport: the engine opened in this process on the disk store
 * (`openLocal`), driven through the very API app the server runs
 * (`createApi(engine).request`, no socket), and attach/exec through `serveHijack` on an
 * in-memory connection. So `strata ps` and `strata -H tcp://… ps` go through one code
 * path and print the same thing. This module is what imports the engine: client.ts
 * loads it only when a command opens the store.
 */
import type { Hono } from "hono";
import { createApi, serveHijack } from "../../src/api/mod.ts";
import { createEngine, type EngineApi } from "../../src/engine/mod.ts";
import { warmWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../platform/mod.ts";
import { DiskStore } from "../store/mod.ts";
import type { HijackOptions, Transport } from "./_transport.ts";
import { readUpgrade } from "./_hijack.ts";

/** The engine on the disk store, in this process. Errors: StoreLockedError. */
export async function openLocal(home: string, env: Record<string, string | undefined> = {}, o: { programs?: boolean } = {}): Promise<Transport> {
  const store = DiskStore.open(home);
  const { workerHost, platform } = runtimeHost();
  // STRATA_WORKERS=0 runs programs inline, on this thread (without JSPI they cannot then be stopped before they end).
  const workers = env["STRATA_WORKERS"] === "0" ? undefined : workerHost;
  // A worker takes longer to start than the engine to open and create a container: start it now, in parallel.
  if (workers && o.programs) warmWorkers(workers, 1);
  try {
    // autoRestart false: this engine lives for one command; restart policies act while a server runs.
    const engine = await createEngine({ store, workerHost: workers, platform, autoRestart: false });
    const app = createApi(engine, { root: home });
    return localTransport(engine, app, { where: `in-process (${home})`, close: () => engine.close({ graceMs: 10_000 }) });
  } catch (err) {
    await (store as unknown as { close?: () => Promise<void> }).close?.();
    throw err;
  }
}

export function localTransport(engine: EngineApi, app: Hono, o: { where: string; close: () => Promise<void> }): Transport {
  return {
    where: o.where,
    request: async (path, init) => await app.request(`/v1.47${path}`, init),
    hijack: async (path, h) => {
      const conn = _serve(engine, `/v1.47${path}`, h);
      return { ...await readUpgrade(conn.output), close: conn.close };
    },
    close: o.close,
  };
}

/**
 * Run serveHijack on a memory connection: `output` is what it writes; `close` drops the
 * connection as a socket's close would (the server's onClose runs, stdin is not ended).
 */
function _serve(engine: EngineApi, url: string, h: HijackOptions): { output: AsyncIterable<Uint8Array>; close(): void } {
  const q = byteQueue();
  const closers: Array<() => void> = [];
  const stdin = h.stdin ? _toStream(h.stdin) : new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  void serveHijack(engine, {
    method: "POST", url, body: h.body ?? new Uint8Array(0),
    header: (name) => ({ upgrade: "tcp", connection: "Upgrade", "content-type": h.contentType ?? "text/plain" } as Record<string, string>)[name.toLowerCase()],
  }, {
    stdin,
    write: (b) => q.push(b),
    end: () => q.close(),
    onClose: (fn) => void closers.push(fn),
  }).finally(() => q.close());
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    closers.forEach((fn) => fn());
  };
  const output = q.iterable(close);
  return { output, close: () => (close(), q.close()) };
}

function _toStream(src: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = src[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const r = await it.next();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    // Not awaited: an input waiting for keys (a terminal) may not answer until the next key.
    cancel() { void it.return?.(); },
  });
}

/** A push queue of byte chunks read as an async iterable. */
function byteQueue() {
  const items: Uint8Array[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  return {
    push(b: Uint8Array) { if (!done) { items.push(b.slice()); wake?.(); } },
    close() { done = true; wake?.(); },
    async *iterable(onStop?: () => void): AsyncIterable<Uint8Array> {
      try {
        for (;;) {
          while (items.length) yield items.shift()!;
          if (done) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      } finally {
        onStop?.();
      }
    },
  };
}
