/**
 * `deno task start`: the same API app under Deno.serve, on the disk store (STRATA_HOME),
 * processes in web Workers. Flags as server/node/main.ts: --host, --port, --token, --home.
 * XXX: Deno.serve cannot hijack a connection for a 101 answer, so the docker CLI's
 * attached `run` needs the Node server; dockerode's plain (non-hijacked) attach and every
 * other endpoint work here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createApi } from "../../src/api/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore, type Store } from "../../src/store/mod.ts";
import { webWorkerHost } from "../../src/wasi/mod.ts";
import { defaultHome, DiskStore } from "../store/mod.ts";
import { parseServeArgs } from "../node/main.ts";

// deno-lint-ignore no-explicit-any
const Deno = (globalThis as any).Deno;
const o = parseServeArgs(Deno.args as string[]);
const host = o.host ?? "127.0.0.1";
if (!["127.0.0.1", "::1", "localhost"].includes(host) && !o.token) {
  console.error(`strata: refusing to listen on ${host} without a token (--token or STRATA_TOKEN)`);
  Deno.exit(1);
}
const home = o.home ?? defaultHome();
const store: Store = home === "memory" ? new MemoryStore() : DiskStore.open(home);
const engine = await createEngine({ store, workerHost: webWorkerHost() });
const samples = new URL("../../rootfs-samples/", import.meta.url);
for (const file of readdirSync(samples).filter((f: string) => f.endsWith(".tar")).sort()) {
  if (!(await engine.images.find(`${file.slice(0, -4)}:latest`))) await engine.images.load(new Uint8Array(readFileSync(new URL(file, samples))), { name: file });
}
const app = createApi(engine, { token: o.token, root: home });
const server = Deno.serve({ hostname: host, port: o.port ?? 2375, onListen: ({ port }: { port: number }) => console.error(`strata (deno): serving the Docker Engine API on tcp://${host}:${port}`) }, app.fetch);
const stop = async () => {
  await server.shutdown();
  await engine.close({ graceMs: 2000 });
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
