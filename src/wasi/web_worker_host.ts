/**
 * A `WorkerHost` over the web `Worker` (Deno, browsers): each worker runs
 * `web_worker_entry.ts`. Node 20 has no web Worker; server/worker/ supplies its host.
 */
import type { WorkerHost, WorkerPort } from "./types.ts";

export function webWorkerHost(entry = new URL("./web_worker_entry.ts", import.meta.url)): WorkerHost {
  return {
    spawn(): WorkerPort {
      const worker = new Worker(entry, { type: "module" });
      return {
        postMessage: (m, transfer) => worker.postMessage(m, transfer ?? []),
        onMessage: (l) => void (worker.onmessage = (e: MessageEvent) => l(e.data)),
        // An error nobody prevents in a worker is reported again in this thread, where
        // Deno ends the process: it is this process's end only.
        onError: (l) => void (worker.onerror = (e) => (e.preventDefault(), l(e.message || e.error))),
        terminate: () => worker.terminate(),
      };
    },
  };
}
