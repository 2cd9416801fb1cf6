/** /images/* and /commit routes. Image names arrive unescaped with "/" and ":" in them, so names are greedy. */
import type { Context, Hono } from "hono";
import { commit, type Engine } from "../engine/mod.ts";
import { ApiError } from "./errors.ts";
import { bool } from "./_query.ts";
import { jsonLine, pushStream } from "./streams.ts";

/** The image name in `/images/<name>/<suffix>` (greedy). */
function nameOf(c: Context, suffix: string): string {
  const path = decodeURIComponent(new URL(c.req.url).pathname.replace(/^\/v1\.\d+(?=\/)/, ""));
  const rest = path.slice("/images/".length);
  return suffix ? rest.slice(0, -suffix.length - 1) : rest;
}

async function bodyBytes(c: Context, limit: number): Promise<Uint8Array> {
  const buf = new Uint8Array(await c.req.arrayBuffer());
  if (buf.length > limit) throw new ApiError(413, `request body of ${buf.length} bytes exceeds the limit of ${limit}`);
  return buf;
}

export function imageRoutes(app: Hono, engine: Engine, o: { maxLoadBytes: number }): void {
  app.get("/images/json", async (c) => c.json(await engine.images.list()));
  app.post("/images/load", async (c) => {
    const bytes = await bodyBytes(c, o.maxLoadBytes);
    const quiet = bool(c, "quiet");
    const { stream, push, close } = pushStream();
    void (async () => {
      try {
        const r = await engine.images.load(bytes, {
          name: "the uploaded archive",
          onProgress: (p) => { if (!quiet) push(jsonLine({ status: p.status, progressDetail: { current: p.current, total: p.total }, id: p.id })); },
        });
        for (const img of r.images) {
          if (img.repoTags.length) for (const t of img.repoTags) push(jsonLine({ stream: `Loaded image: ${t}\n` }));
          else push(jsonLine({ stream: `Loaded image ID: ${img.id}\n` }));
          engine.events.emit("image", "load", img.id, { name: img.repoTags[0] ?? img.id });
        }
      } catch (err) {
        const message = (err as Error).message;
        push(jsonLine({ errorDetail: { message }, error: message }));
      }
      close();
    })();
    return new Response(stream, { headers: { "Content-Type": "application/json" } });
  });
  app.get("/images/get", async (c) => {
    const names = c.req.queries("names") ?? [];
    if (!names.length) throw new ApiError(400, "no image names were given");
    return new Response(await engine.images.save(names) as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": "application/x-tar" } });
  });
  app.post("/images/prune", async (c) => {
    const deleted: Array<{ Untagged?: string; Deleted?: string }> = [];
    for (const img of await engine.images.list()) {
      if (img.RepoTags.length || engine.imageUser(img.Id)) continue;
      deleted.push(...await engine.removeImage(img.Id));
    }
    return c.json({ ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: 0 });
  });
  app.post("/images/create", (c) => {
    // XXX: no registry client yet (issue: pull/push through the distribution spec).
    const ref = `${c.req.query("fromImage") ?? ""}${c.req.query("tag") ? `:${c.req.query("tag")}` : ""}`;
    throw new ApiError(404, `pull access denied for ${ref}: strata cannot pull from registries yet; load the image with "docker load"`);
  });
  app.post("/commit", async (c) => {
    const container = c.req.query("container");
    if (!container) throw new ApiError(400, "container is required");
    const r = await commit(engine, { container, repo: c.req.query("repo") || undefined, tag: c.req.query("tag") || undefined, comment: c.req.query("comment"), author: c.req.query("author"), changes: c.req.queries("changes") ?? [] });
    return c.json(r, 201);
  });
  app.on(["GET", "POST", "DELETE"], "/images/*", async (c) => {
    const path = new URL(c.req.url).pathname;
    if (c.req.method === "GET" && path.endsWith("/json")) return c.json(await engine.images.inspect(nameOf(c, "json")));
    if (c.req.method === "GET" && path.endsWith("/history")) return c.json(await engine.images.history(nameOf(c, "history")));
    if (c.req.method === "POST" && path.endsWith("/tag")) {
      const repo = c.req.query("repo");
      if (!repo) throw new ApiError(400, "repository name is required");
      await engine.images.tag(nameOf(c, "tag"), c.req.query("tag") ? `${repo}:${c.req.query("tag")}` : repo);
      engine.events.emit("image", "tag", repo, { name: repo });
      return c.body(null, 201);
    }
    if (c.req.method === "DELETE") return c.json(await engine.removeImage(nameOf(c, ""), { force: bool(c, "force") }));
    throw new ApiError(404, `page not found`);
  });
}
