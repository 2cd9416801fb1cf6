/**
 * The Node 20 `WorkerHost` (src/wasi/types.ts): worker_threads workers running
 * entry.ts, which serves process runs. Workers inherit the parent's execArgv, so the
 * tsx loader that runs the engine runs the worker too.
 */
import { Worker } from "node:worker_threads";
import type { WorkerHost, WorkerPort } from "../../src/wasi/mod.ts";

export function nodeWorkerHost(entry = new URL("./entry.mjs", import.meta.url)): WorkerHost {
  return {
    hostFiles: true, // entry.ts opens bind mounts' directories and spill spaces
    spawn(): WorkerPort {
      // trackUnmanagedFds (Node's default, said here because it matters): the descriptors a
      // program's bind mounts and spilled files hold are closed when a killed worker ends.
      const worker = new Worker(entry, { trackUnmanagedFds: true });
      worker.unref();
      return {
        postMessage: (m, transfer) => worker.postMessage(m, (transfer ?? []) as never),
        // One listener each: pooled workers serve many runs.
        onMessage: (l) => void worker.removeAllListeners("message").on("message", l),
        onError: (l) => void worker.removeAllListeners("error").on("error", l),
        // A worker running a process keeps Node alive; an idle pooled one must not (adding a
        // message listener refs the worker's port again, so the pool says which it is).
        ref: () => worker.ref(),
        unref: () => worker.unref(),
        terminate: async () => void (await worker.terminate()),
      };
    },
  };
}
