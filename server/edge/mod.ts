/**
 * The edge entry: a fetch handler (`export default { fetch }`) over MemoryStore with
 * programs run inline, for Cloudflare Workers and the like. The sample toolbox image is
 * bundled in (esbuild's binary loader), so a fresh isolate can run containers at once.
 * Hijacked attach needs a socket, so it answers 501; everything else is the same API.
 */
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
// @ts-ignore: bundled by esbuild's binary loader
import toolbox from "../../rootfs-samples/toolbox.tar";
// @ts-ignore: bundled by esbuild's binary loader
import probes from "../../rootfs-samples/probes.tar";

let ready: Promise<{ engine: Engine; fetch: (req: Request) => Response | Promise<Response> }> | undefined;

async function boot() {
  const engine = await createEngine({ store: new MemoryStore() });
  await engine.images.load(toolbox as Uint8Array, { name: "toolbox.tar" });
  await engine.images.load(probes as Uint8Array, { name: "probes.tar" });
  const app = createApi(engine);
  return { engine, fetch: (req: Request) => app.fetch(req) };
}

export default {
  async fetch(req: Request): Promise<Response> {
    if (req.headers.get("upgrade")) {
      return Response.json({ message: "attach over a hijacked connection is not available at the edge: use logs, or attach without Upgrade" }, { status: 501 });
    }
    ready ??= boot();
    return (await ready).fetch(req);
  },
};
