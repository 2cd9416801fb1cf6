/**
 * The edge entry: `export default { fetch }` over MemoryStore with programs run inline
 * (no workers, no host directories), for Cloudflare Workers, Deno Deploy and the like.
 * The sample images are bundled in (esbuild's binary loader; server/edge/build.ts), so a
 * fresh isolate can run containers at once. A hijacked attach needs a socket, so attach
 * and exec start with `Upgrade: tcp` answer a clear 501; everything else is the same API.
 * Requests from web pages (an Origin header) are refused as on the servers. The Host
 * check is off: a worker is reached under names it cannot know in advance, it holds no
 * host directories, and DNS rebinding only matters for a server a page could not reach
 * otherwise (one on loopback or a private network).
 * Programs run inline: where the runtime has JSPI (Deno) they suspend while they wait and
 * share the isolate at their preemption points (docs/wasi.md); elsewhere a program holds
 * the isolate while it runs. Where the runtime delivers SIGTERM (`deno serve`), the
 * containers are stopped then, as a daemon stops them, so the isolate can end: without
 * that, a sleeping or spinning container kept `deno serve` alive after SIGTERM.
 */
import { createApi } from "../../src/api/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
// @ts-ignore: bundled by esbuild's binary loader
import toolbox from "../../rootfs-samples/toolbox.tar";
// @ts-ignore: bundled by esbuild's binary loader
import probes from "../../rootfs-samples/probes.tar";
// @ts-ignore: bundled by esbuild's binary loader
import demo from "../../rootfs-samples/demo.tar";

const NO_HIJACK = "attach and exec over a hijacked connection (Upgrade: tcp) are not available at the edge: a fetch handler cannot take over the connection; use logs, or attach without Upgrade";

let app: Promise<{ fetch: (req: Request) => Response | Promise<Response> }> | undefined;

/** Time a container has between SIGTERM and SIGKILL when the isolate is asked to end. */
const SHUTDOWN_GRACE_MS = 1000;

async function boot() {
  const engine = await createEngine({ store: new MemoryStore() });
  const signals = (globalThis as { Deno?: { addSignalListener?: (s: string, f: () => void) => void } }).Deno;
  try {
    signals?.addSignalListener?.("SIGTERM", () => void engine.close({ graceMs: SHUTDOWN_GRACE_MS }));
  } catch {
    // a runtime without signals (Deno Deploy): nothing to stop at
  }
  for (const [name, bytes] of [["toolbox.tar", toolbox], ["probes.tar", probes], ["demo.tar", demo]] as const) {
    await engine.images.load(bytes as Uint8Array, { name });
  }
  return createApi(engine, { hijackUnavailable: NO_HIJACK, name: "strata-edge", allowHosts: ["*"] });
}

export default {
  async fetch(req: Request): Promise<Response> {
    app ??= boot().catch((err) => {
      app = undefined; // let the next request try again
      throw err;
    });
    return await (await app).fetch(req);
  },
};
