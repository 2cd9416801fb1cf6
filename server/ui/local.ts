/**
 * The in-browser mode: the engine itself in the page (MemoryStore), its API app's
 * `fetch` called directly instead of the network, the sample images fetched from the
 * static files beside the page (`samples/index.json` lists them; server/ui/build.ts puts
 * them there). Where the page is cross-origin isolated (COOP/COEP, so SharedArrayBuffer
 * exists) programs run in web Workers (`worker.js`); elsewhere inline in the page's
 * thread. Where the browser has JSPI, an inline program suspends in its waits and lets
 * the tab go at its preemption points (src/wasi/_preempt.ts), as the engine's own thread
 * does on a server; without it a program holds the tab while it computes or sleeps, so
 * there each process is ended after INLINE_TIMEOUT_MS (137, as a kill): a `sleep 1000`
 * or a loop cannot hold the tab for good.
 */
import { createApi } from "../../src/api/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { suspendable, webWorkerHost } from "../../src/wasi/mod.ts";
import type { ApiFetch } from "./client.ts";

/** How long an inline process may run in a page that is not cross-origin isolated. */
const INLINE_TIMEOUT_MS = 30_000;

/** Start the engine, load the samples; the fetch function the page's Client calls. */
export async function localFetch(base: URL, progress: (line: string) => void = () => {}): Promise<ApiFetch> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const engine = await createEngine({
    store: new MemoryStore(),
    ...(isolated ? { workerHost: webWorkerHost(new URL("worker.js", base)) } : suspendable ? {} : { limits: { timeoutMs: INLINE_TIMEOUT_MS } }),
  });
  const names = (await (await fetch(new URL("samples/index.json", base))).json()) as string[];
  for (const name of names) {
    progress(`loading the sample image ${name}…`);
    const r = await fetch(new URL(`samples/${name}`, base));
    if (!r.ok) throw new Error(`the sample image ${name} could not be fetched: ${r.status} ${r.statusText}`);
    await engine.images.load(new Uint8Array(await r.arrayBuffer()), { name });
  }
  // No Origin reaches this app (no network), and localhost is one of its own Hosts.
  const app = createApi(engine, { name: "strata-browser", hijackUnavailable: "attach over a hijacked connection needs a server; in this page use logs" });
  return async (path, init) => await app.fetch(new Request(new URL(path, "http://localhost"), init));
}
