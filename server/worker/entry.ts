/** The worker_threads entry: serves process runs for nodeWorkerHost. */
import { parentPort } from "node:worker_threads";
import { serveProcessWorker } from "../../src/wasi/mod.ts";

serveProcessWorker({
  postMessage: (m) => parentPort!.postMessage(m),
  onMessage: (l) => void parentPort!.on("message", l),
});
