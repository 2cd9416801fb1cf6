/** The web Worker entry on Deno: serves process runs (worker_serve.ts), bind mounts and spilled files included. */
import { serveProcessWorker } from "../../src/wasi/mod.ts";
import { HostDirVfs } from "../platform/host_dir.ts";
import { DiskSpillSpace } from "../store/spill_files.ts";
import { nodeSha256Sync } from "../store/node_digest.ts";

// deno-lint-ignore no-explicit-any
const self = globalThis as any;
serveProcessWorker({
  postMessage: (m) => self.postMessage(m),
  onMessage: (l) => void (self.onmessage = (e: MessageEvent) => l(e.data)),
}, {
  host: { openBind: (source, o) => new HostDirVfs(source, o), openSpill: (dir, threshold) => new DiskSpillSpace(dir, threshold) },
  sha256: nodeSha256Sync,
});
