/**
 * /images/* and /commit. Image names arrive unescaped with "/" and ":" in them
 * (`/images/127.0.0.1:5000/img:v1/json`), so the name parameter is greedy.
 */
import type { Context, Hono } from "hono";
import { type EngineApi, foreignPlatform, HOST_PLATFORM, type ImageSummary } from "../engine/mod.ts";
import { jsonText } from "./_bodies.ts";
import { ApiError } from "./errors.ts";
import { bool, filterValues, filters } from "./_query.ts";
import { jsonLine, pushStream, streamError } from "./streams.ts";
import { pullResponse, pushResponse } from "./_pull_push.ts";

const TAR = { "Content-Type": "application/x-tar" };

export function imageRoutes(app: Hono, engine: EngineApi, o: { maxLoadBytes: number }): void {
  const im = engine.images;
  app.get("/images/json", async (c) => c.json(listFilter(await im.list({ all: bool(c, "all") }), filters(c))));
  app.post("/images/load", (c) => loadResponse(engine, loadBody(c, o.maxLoadBytes), o.maxLoadBytes, bool(c, "quiet")));
  app.get("/images/get", async (c) => {
    const names = c.req.queries("names") ?? [];
    if (!names.length) throw new ApiError(400, `invalid query: "names" is required`);
    return new Response(await im.save(names) as Uint8Array<ArrayBuffer>, { headers: TAR });
  });
  app.post("/images/prune", async (c) => {
    const f = filters(c);
    const dangling = filterValues(f, "dangling")[0];
    const r = await im.prune({ all: dangling === "false" || dangling === "0", filters: f });
    return c.json({ ImagesDeleted: r.ImagesDeleted.length ? r.ImagesDeleted : null, SpaceReclaimed: r.SpaceReclaimed });
  });
  app.post("/images/create", async (c) => {
    // As moby: fromImage is a pull; otherwise fromSrc is an import ("-": the body).
    if (c.req.query("fromSrc") !== undefined && !c.req.query("fromImage")) return await importResponse(c, engine, o.maxLoadBytes);
    return await pullResponse(c, engine);
  });
  app.get("/images/:name{.+}/json", async (c) => c.json(await im.inspect(c.req.param("name"))));
  app.get("/images/:name{.+}/history", async (c) => c.json(await im.history(c.req.param("name"))));
  app.get("/images/:name{.+}/get", async (c) => new Response(await im.save([c.req.param("name")]) as Uint8Array<ArrayBuffer>, { headers: TAR }));
  app.post("/images/:name{.+}/push", (c) => pushResponse(c, engine));
  app.post("/images/:name{.+}/tag", async (c) => {
    const repo = c.req.query("repo");
    if (!repo) throw new ApiError(400, `invalid query: "repo" is required`);
    const tag = c.req.query("tag");
    await im.tag(c.req.param("name"), tag ? `${repo}:${tag}` : repo);
    return c.body(null, 201);
  });
  app.delete("/images/:name{.+}", async (c) => c.json(await im.remove(c.req.param("name"), { force: bool(c, "force") })));
  app.post("/commit", async (c) => {
    await jsonText(c); // moby checks the Content-Type; the body's Config is not used yet
    const container = c.req.query("container");
    if (!container) throw new ApiError(400, `invalid query: "container" is required`);
    const r = await engine.containers.commit(container, {
      repo: c.req.query("repo") || undefined, tag: c.req.query("tag") || undefined, comment: c.req.query("comment"),
      author: c.req.query("author"), changes: c.req.queries("changes") ?? [], pause: bool(c, "pause", true),
    });
    return c.json(r, 201);
  });
}

/**
 * `docker images --filter dangling=true|false` and `reference=PATTERN` (`docker images
 * REPO[:TAG]` sends one), as moby's image list applies it: an image is listed with only
 * the tags (and digests) the pattern matches — reference.FamiliarMatch, a path.Match glob
 * against "name:tag", then against the name alone — and left out when none does.
 */
function listFilter(images: ImageSummary[], f: ReturnType<typeof filters>): ImageSummary[] {
  const dangling = filterValues(f, "dangling")[0];
  const refs = filterValues(f, "reference").map(pathMatch);
  const out: ImageSummary[] = [];
  for (const img of images) {
    if (dangling !== undefined && (img.RepoTags.length === 0) !== (dangling === "true" || dangling === "1")) continue;
    if (!refs.length) {
      out.push(img);
      continue;
    }
    const match = (ref: string) => refs.some((re) => re.test(ref) || re.test(ref.replace(/(@sha256:[a-f0-9]+|:[^:/]+)$/, "")));
    const tags = img.RepoTags.filter(match), digests = img.RepoDigests.filter(match);
    if (tags.length || digests.length) out.push({ ...img, RepoTags: tags, RepoDigests: digests });
  }
  return out;
}

/** Go's path.Match pattern as a RegExp: `*` and `?` stop at "/", `[…]` classes, `\\` escapes. */
function pathMatch(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "\\" && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (ch === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close <= i + 1) throw new ApiError(400, `invalid reference filter "${pattern}": syntax error in pattern`);
      re += `[${pattern.slice(i + 1, close)}]`; // Go's class syntax ([^a-z], \\ escapes) is RegExp's
      i = close;
    } else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`);
}

const escapeRe = (s: string) => s.replace(/[.+?^${}()|[\]\\*]/g, "\\$&");

/**
 * `docker load`'s request body, as a stream: the engine reads the archive as it arrives
 * and never holds it whole. A Content-Length beyond `limit` is refused at once (413); a
 * chunked body that grows beyond it ends the load with an error in the response stream.
 */
function loadBody(c: Context, limit: number): ReadableStream<Uint8Array> {
  const length = Number(c.req.header("content-length") ?? "0");
  if (length > limit) throw new ApiError(413, `request body exceeds the limit of ${limit} bytes`);
  return c.req.raw.body ?? new ReadableStream({ start: (ctl) => ctl.close() });
}

/**
 * `docker import` (`POST /images/create?fromSrc=-&repo=…&message=…&changes=…&platform=…`,
 * the tar as the body): the image is made before anything is answered, so a failure is an
 * HTTP error as moby's is before it writes; then a JSON-message stream with the id as its
 * status, which the CLI prints. A URL in fromSrc is refused: the engine fetches nothing
 * (it runs in browsers and edge workers too, and a server that fetches what a client
 * names is a way into its network).
 */
async function importResponse(c: Context, engine: EngineApi, limit: number): Promise<Response> {
  const src = c.req.query("fromSrc") ?? "";
  if (src !== "-") throw new ApiError(501, `cannot import from ${src || "an empty source"}: strata does not download images; fetch the archive yourself and import it from stdin ("docker import - NAME < file.tar")`);
  const { id } = await engine.images.import(loadBody(c, limit), {
    repo: c.req.query("repo") || undefined, tag: c.req.query("tag") || undefined, message: c.req.query("message") || undefined,
    changes: c.req.queries("changes") ?? [], platform: c.req.query("platform") || undefined, source: src, maxBodyBytes: limit,
  });
  return new Response(jsonLine({ status: id }) as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": "application/json" } });
}

/**
 * A loaded image built for another platform (linux/amd64, ELF programs) cannot run here:
 * said in load's output, as Docker warns on a platform mismatch (and again at create).
 */
async function platformWarning(engine: EngineApi, id: string, name: string): Promise<string | undefined> {
  const { Os, Architecture, Variant } = await engine.images.inspect(id) as { Os?: string; Architecture?: string; Variant?: string };
  const platform = foreignPlatform({ os: Os, architecture: Architecture, variant: Variant });
  if (!platform) return undefined;
  return `WARNING: The image ${name} is for ${platform}, not ${HOST_PLATFORM}: strata runs WASI programs, so its programs will not run\n`;
}

/** `docker load`: a JSON-lines stream, "Loaded image: tag" per tag (or the id); errors in the stream. */
function loadResponse(engine: EngineApi, body: ReadableStream<Uint8Array>, limit: number, quiet: boolean): Response {
  const { stream, push, close } = pushStream();
  void (async () => {
    try {
      const r = await engine.images.load(body, {
        name: "the uploaded archive",
        maxArchiveBytes: limit,
        onProgress: (p) => {
          if (!quiet) push(jsonLine({ status: p.status, progressDetail: { current: p.current, total: p.total }, id: p.id }));
        },
      });
      for (const img of r.images) {
        if (img.repoTags.length) for (const t of img.repoTags) push(jsonLine({ stream: `Loaded image: ${t}\n` }));
        else push(jsonLine({ stream: `Loaded image ID: ${img.id}\n` }));
        const warning = await platformWarning(engine, img.id, img.repoTags[0] ?? img.id);
        if (warning) push(jsonLine({ stream: warning }));
      }
    } catch (err) {
      push(jsonLine(streamError(err)));
    } finally {
      close();
    }
  })();
  return new Response(stream, { headers: { "Content-Type": "application/json" } });
}
