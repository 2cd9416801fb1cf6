/** The worker_threads entry: serves process runs for nodeWorkerHost, bind mounts and spilled files included, hashing with node:crypto. */
import { parentPort } from "node:worker_threads";
import { serveProcessWorker } from "../../src/wasi/mod.ts";
import { HostDirVfs } from "../platform/host_dir.ts";
import { DiskSpillSpace } from "../store/spill_files.ts";
import { nodeSha256Sync } from "../store/node_digest.ts";

serveProcessWorker({
  postMessage: (m) => parentPort!.postMessage(m),
  onMessage: (l) => void parentPort!.on("message", l),
}, {
  host: {
    openBind: (source, o) => new HostDirVfs(source, o),
    openSpill: (dir, threshold) => new DiskSpillSpace(dir, threshold),
  },
  sha256: nodeSha256Sync,
});
