/** The module a web Worker runs: serves process runs (see worker_serve.ts). */
import { serveProcessWorker } from "./worker_serve.ts";

// deno-lint-ignore no-explicit-any
const self = globalThis as any;
serveProcessWorker({
  postMessage: (m) => self.postMessage(m),
  onMessage: (l) => void (self.onmessage = (e: MessageEvent) => l(e.data)),
});
