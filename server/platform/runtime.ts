/**
 * What the engine needs from the runtime it finds itself in: where processes run and the
 * platform abilities, as values in `platform` (nothing global is set but one V8 flag on a
 * JSPI Node before V8 15: node_heap.ts). Both get node:crypto's SHA-256, whole and
 * incremental. Node gets worker_threads, node:fs, node:zlib's gzip (see node_gunzip.ts), a
 * minor collection as a streamed load drops its buffers (node_gc.ts) and, with JSPI, V8's
 * newer accounting of external memory (node_heap.ts); Deno gets web Workers (its
 * worker_threads cannot start the tsx-loaded worker entry) and Deno's fs.
 * One place decides, so the Node server's code serves under Deno too (`strata serve`).
 */
import type { EnginePlatform } from "../../src/engine/mod.ts";
import { suspendable, type WorkerHost, webWorkerHost } from "../../src/wasi/mod.ts";
import { nodeWorkerHost } from "../worker/node_worker_host.ts";
import { denoPlatform } from "./deno.ts";
import { nodeSha256, nodeSha256Hasher } from "../store/mod.ts";
import { nodeInflater } from "./node_gunzip.ts";
import { minorGc } from "./node_gc.ts";
import { tuneNodeHeap } from "./node_heap.ts";
import { nodePlatform } from "./node.ts";
import { getHeapStatistics } from "node:v8";

/**
 * The runtime's host for a server's `--processes` (server/node/args.ts): inline leaves the
 * worker host out, so programs run on the server's thread. `note` says what that means here.
 */
export function serverHost(processes: "inline" | "workers" = "workers"): { workerHost?: WorkerHost; platform: EnginePlatform; note?: string } {
  const { workerHost, platform } = runtimeHost();
  if (processes === "workers") return { workerHost, platform };
  return {
    platform,
    note: suspendable
      ? `strata: processes run inline on the server's thread, suspended while they wait and sharing it at their preemption points (JSPI)${heapAdvice()}`
      : "strata: processes run inline on the server's thread; this runtime has no JSPI, so a program holds the server while it runs (sleeps included) until it ends or its timeout",
  };
}

export function runtimeHost(): { workerHost: WorkerHost; platform: EnginePlatform } {
  const digests = { sha256: nodeSha256, sha256Hasher: nodeSha256Hasher }; // whatever the store: node:crypto hashes in place, and incrementally
  if ("Deno" in globalThis) {
    const workerHost = { ...webWorkerHost(new URL("../worker/deno_entry.ts", import.meta.url)), hostFiles: true };
    return { workerHost, platform: { ...denoPlatform(), ...digests } };
  }
  tuneNodeHeap(); // before any worker starts: V8 13-14 with JSPI count external memory as V8 15 does
  return { workerHost: nodeWorkerHost(), platform: { ...nodePlatform(), ...digests, inflater: nodeInflater, collectHint: minorGc } };
}

/**
 * Inline, every live process's linear memory counts as V8 external memory, and past about
 * 6,500 of them under V8's default heap limit (about 4 GiB) each start waits for full
 * collections (measured: ~80 ms a start, against ~1.5 ms with an 8 GiB limit;
 * bench/sleepers.bench.ts, docs/benchmarks.md). The limit can only be set as the runtime
 * starts, so the server says how; empty when it is already 8 GiB or more.
 */
export function heapAdvice(limit = getHeapStatistics().heap_size_limit): string {
  if (limit >= 8 * 2 ** 30) return "";
  const flag = "--max-old-space-size=16384";
  const how = `${"Deno" in globalThis ? "DENO_V8_FLAGS" : "NODE_OPTIONS"}=${flag}`;
  return `; V8's heap limit is ${(limit / 2 ** 30).toFixed(1)} GiB, so past ~6,000 live processes each start waits for collections: for thousands, start the server with ${how}`;
}
