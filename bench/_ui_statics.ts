/**
 * The built web page (server/ui/build.ts) served as a static host serves it, on a free
 * loopback port: no COOP/COEP headers, so a page there is not cross-origin isolated and
 * its engine runs programs inline (server/ui/local.ts). For the benches that load it in
 * chromium (ui.bench.ts, inline.bench.ts).
 */
import { createServer } from "node:http";
import { uiFiles } from "../server/ui/mod.ts";

export async function serveUiStatics(dir: string): Promise<{ port: number; close: () => void }> {
  const files = uiFiles(dir);
  const statics = createServer(async (req, res) => {
    const r = await files(new URL(req.url ?? "/", "http://x").pathname);
    if (!r) return void res.writeHead(404).end();
    res.writeHead(r.status, Object.fromEntries(r.headers));
    res.end(new Uint8Array(await r.arrayBuffer()));
  });
  await new Promise<void>((r) => statics.listen(0, "127.0.0.1", r));
  return { port: (statics.address() as { port: number }).port, close: () => statics.close() };
}
