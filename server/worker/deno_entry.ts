/** The web Worker entry on Deno: serves process runs (worker_serve.ts), bind mounts included. */
import { serveProcessWorker } from "../../src/wasi/mod.ts";
import { HostDirVfs } from "../platform/host_dir.ts";

// deno-lint-ignore no-explicit-any
const self = globalThis as any;
serveProcessWorker({
  postMessage: (m) => self.postMessage(m),
  onMessage: (l) => void (self.onmessage = (e: MessageEvent) => l(e.data)),
}, { openBind: (source, o) => new HostDirVfs(source, o) });
