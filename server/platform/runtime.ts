/**
 * What the engine needs from the runtime it finds itself in: where processes run and the
 * platform abilities (bind mounts). Node gets worker_threads and node:fs; Deno gets web
 * Workers (its worker_threads cannot start the tsx-loaded worker entry) and Deno's fs.
 * One place decides, so the Node server's code serves under Deno too (`strata serve`).
 */
import type { EnginePlatform } from "../../src/engine/mod.ts";
import { type WorkerHost, webWorkerHost } from "../../src/wasi/mod.ts";
import { nodeWorkerHost } from "../worker/node_worker_host.ts";
import { denoPlatform } from "./deno.ts";
import { nodePlatform } from "./node.ts";

export function runtimeHost(): { workerHost: WorkerHost; platform: EnginePlatform } {
  return "Deno" in globalThis ? { workerHost: webWorkerHost(), platform: denoPlatform() } : { workerHost: nodeWorkerHost(), platform: nodePlatform() };
}
