/**
 * `deno task start`: the same API app under Deno.serve, on the disk store (STRATA_HOME,
 * or --home memory), processes in web Workers, the sample images loaded. Flags as the
 * Node server: --host, --port, --token (or STRATA_TOKEN; required off loopback), --home.
 * XXX: Deno.serve cannot take over a connection to answer `101 UPGRADED` with a raw
 * stream, so attach and exec start with `Upgrade: tcp` (the docker CLI's `run` without
 * -d, `start -a`, `exec`) answer a clear 501, and so does attach over a websocket
 * (`GET …/attach/ws`; XXX: Deno.upgradeWebSocket could serve it through
 * serveAttachWebSocket); dockerode's plain attach, `run -d`, logs and every other
 * endpoint work. The Node server (npm start) serves those too. Web pages and foreign
 * Host headers are refused as on Node (--allow-origin, --allow-host to allow them).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type EngineApi } from "../../src/engine/mod.ts";
import { MemoryStore, type Store } from "../../src/store/mod.ts";
import { serverHost } from "../platform/mod.ts";
import { defaultHome, DiskStore } from "../store/mod.ts";
import { parseServeArgs } from "../node/args.ts";
import { uiFiles } from "../ui/mod.ts";

// deno-lint-ignore no-explicit-any
const Deno = (globalThis as any).Deno;
const LOOPBACK = /^(127\.|::1$|localhost$)/;
const NO_HIJACK = "attach and exec over a hijacked connection (Upgrade: tcp) are not available under Deno.serve, which cannot answer 101 with a raw stream: use `docker run -d` and `docker logs`, dockerode's attach without hijack, or the Node server (npm start)";

async function loadSamples(engine: EngineApi): Promise<void> {
  const samples = new URL("../../rootfs-samples/", import.meta.url);
  const have = new Set((await engine.images.list()).flatMap((i) => i.RepoTags));
  for (const file of readdirSync(samples).filter((f: string) => f.endsWith(".tar")).sort()) {
    if (!have.has(`${file.slice(0, -4)}:latest`)) await engine.images.load(new Uint8Array(readFileSync(new URL(file, samples))), { name: file });
  }
}

async function main(): Promise<void> {
  const o = parseServeArgs(Deno.args as string[], Deno.env.toObject());
  const host = o.host ?? "127.0.0.1";
  if (!LOOPBACK.test(host) && !o.token) throw new Error(`Refusing to listen on ${host} without a token: the Docker API is root-equivalent. Give --token or STRATA_TOKEN.`);
  if (o.socket) throw new Error("--socket is not supported by the Deno server yet; use the Node server (npm start)");
  const home = o.home ?? defaultHome();
  const store: Store = home === "memory" ? new MemoryStore() : DiskStore.open(home);
  const { note, ...hosts } = serverHost(o.processes);
  if (note) console.error(note);
  const engine = await createEngine({ store, ...hosts, maxLayerBytes: o.maxLayerBytes, loadMemoryBytes: o.loadMemoryBytes, registry: { insecureRegistries: o.insecureRegistries } });
  await loadSamples(engine);
  const app = createApi(engine, {
    token: o.token, root: home, hijackUnavailable: NO_HIJACK,
    allowOrigins: o.allowOrigins, allowHosts: o.allowHosts, listen: { host, port: o.port }, ui: uiFiles(),
  });
  const server = Deno.serve({
    hostname: host, port: o.port ?? 2375,
    onListen: ({ port }: { port: number }) => console.error(`strata (deno): serving the Docker Engine API on tcp://${host}:${port}`),
  }, app.fetch);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.error("strata: stopping containers and flushing state");
    await engine.close({ graceMs: 2000 });
    await server.shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

main().catch((err) => {
  console.error(`strata: ${(err as Error).message}`);
  Deno.exit(1);
});
