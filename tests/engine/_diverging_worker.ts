/**
 * A process worker for the containment test: it serves runs as the real one does, but a
 * run whose environment says STRATA_TEST_DIVERGE=1 starts with a change in its journal
 * (its filesystem's, on a shared worker) that fits none of the engine's copies (a
 * directory inode that does not exist), as when the engine's copy and the worker's have
 * parted. The engine must end that process alone.
 */
import { serveProcessWorker } from "../../src/wasi/mod.ts";
import { encodeChange } from "../../src/fs/mod.ts";
import { Ring } from "../../src/wasi/_ring.ts";
import { setAt } from "../../src/wasi/_ring_sets.ts";
import { JOURNAL_FRAME } from "../../src/wasi/_frames.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const port = g.Deno ? undefined : (await import("node:worker_threads")).parentPort!;
/** The journals the engine sent: a dedicated worker's one, or a shared worker's by ring set. */
let journal: Ring | undefined;
const journals = new Map<number, Ring>();
const slabs = new Map<number, SharedArrayBuffer>();

serveProcessWorker({
  postMessage: (m) => (port ? port.postMessage(m) : g.postMessage(m)),
  onMessage: (listener) => {
    // deno-lint-ignore no-explicit-any
    const l = (m: any) => {
      if (m.rings) journal = new Ring(m.rings.journal);
      // A shared worker's sets are places in slabs (src/wasi/_ring_sets.ts).
      for (const f of m.filesystems ?? []) {
        if (f.slab) slabs.set(f.slab.id, f.slab.sab);
        if (f.setAt) journals.set(f.ringSet, setAt(slabs.get(f.setAt.slab)!, f.setAt).journal);
      }
      const key = m.rootfs?.key ?? m.rootfs?.root?.key; // the container's union: the view itself, or the root of its mounts
      if (m.type === "run" && m.env.includes("STRATA_TEST_DIVERGE=1") && key) {
        // On a shared worker the container's changes go into its filesystem's journal (_shared_fs.ts).
        // deno-lint-ignore no-explicit-any
        const fs = m.filesystems?.find((f: any) => f.key === key);
        const ring = fs ? journals.get(fs.ringSet) : journal;
        ring!.push(encodeChange({ op: "entry", dir: 2 ** 40, name: "parted", child: -2 }, key), JOURNAL_FRAME, true);
      }
      listener(m);
    };
    if (port) port.on("message", l);
    else g.onmessage = (e: MessageEvent) => l(e.data);
  },
});
