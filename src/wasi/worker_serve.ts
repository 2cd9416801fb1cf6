/**
 * The worker side of a process: receives a run request, rebuilds the filesystem from
 * its snapshot, wraps it in a JournalingVfs over the shared ring, runs the program with
 * `runSync`, and posts its output and result. A worker serves one process at a time.
 */
import { Control, OUT_INFLIGHT } from "./_control.ts";
import { Ring } from "./_ring.ts";
import { JournalingVfs } from "./journal.ts";
import { rootfsFrom, type RootfsTransfer } from "./rootfs_transfer.ts";
import { ModuleCache } from "./module_cache.ts";
import { runSync } from "./run_sync.ts";
import { OutputFd, StdinFd } from "./stdio.ts";

/** The worker's end of its channel (globalThis in a web Worker, parentPort in Node). */
export interface WorkerSelf {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface RunRequest {
  type: "run";
  rootfs: RootfsTransfer;
  argv: string[];
  env: string[];
  cwd: string;
  stdin: Uint8Array;
  control: SharedArrayBuffer;
  journal: SharedArrayBuffer;
  /** The other processes' changes to this rootfs, forwarded by the engine. */
  inbox?: SharedArrayBuffer;
  memoryBytes?: number;
  outputCap: number;
  deadline?: number;
  preload?: { digest: string; maxPages?: number; module: WebAssembly.Module };
}

const modules = new ModuleCache();

/** Serve run requests on `self` forever. */
export function serveProcessWorker(self: WorkerSelf): void {
  self.onMessage((m) => {
    const req = m as RunRequest;
    if (req.type !== "run") return;
    const control = new Control(req.control);
    if (req.deadline) control.deadline = req.deadline;
    if (req.preload) modules.put(req.preload.digest, req.preload.maxPages, req.preload.module);
    const ring = new Ring(req.journal);
    const vfs = new JournalingVfs(rootfsFrom(req.rootfs), (f) => ring.push(f), ring.maxFrame, req.inbox && new Ring(req.inbox));
    const out = (fd: number) => new OutputFd((chunk) => {
      for (;;) {
        const inflight = Atomics.load(control.words, OUT_INFLIGHT);
        if (inflight < req.outputCap) break;
        Atomics.wait(control.words, OUT_INFLIGHT, inflight, 100); // a full pipe: wait for the engine's sink
      }
      Atomics.add(control.words, OUT_INFLIGHT, chunk.length);
      self.postMessage({ type: "out", fd, chunk: chunk.slice(), time: Date.now() });
    });
    const result = runSync({
      vfs, argv: req.argv, env: req.env, cwd: req.cwd, control, modules, memoryBytes: req.memoryBytes,
      stdio: [new StdinFd(req.stdin), out(1), out(2)],
    });
    self.postMessage({ type: "done", result });
  });
}
