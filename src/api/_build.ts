/**
 * `POST /build`: the classic builder (moby's build router, postBuild). The body is the
 * build context as a tar (the docker CLI sends it chunked, plain or gzip); the answer is
 * a JSON-message stream (`{"stream": …}`, `{"aux": {"ID": …}}`, and a failure as
 * `{"errorDetail": {"code", "message"}, "error"}`). An error before the build has said
 * anything (a bad query, a Dockerfile that is missing or does not parse) is an HTTP
 * error instead, as moby answers it. With `q=1` only the image id is written (or, on a
 * failure, the output and then the error). A client that goes away cancels the build.
 */
import type { Context, Hono } from "hono";
import type { BuildMessage, BuildOptions, EngineApi } from "../engine/mod.ts";
import { ApiError, errorResponse } from "./errors.ts";
import { bool } from "./_query.ts";
import { jsonLine, streamError } from "./streams.ts";

const JSON_STREAM = { "Content-Type": "application/json" };

export function buildRoutes(app: Hono, engine: EngineApi, o: { maxContextBytes: number }): void {
  // `docker builder prune` (and system prune): the classic builder's cache is its intermediate images, which
  // image removal and prune take care of, as Docker's classic builder keeps it; there is no BuildKit cache to delete.
  app.post("/build/prune", (c) => c.json({ CachesDeleted: null, SpaceReclaimed: 0 }));
  app.post("/build", async (c) => {
    const opts = buildOptions(c);
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > o.maxContextBytes) throw new ApiError(413, `request body exceeds the limit of ${o.maxContextBytes} bytes`);
    const body = c.req.raw.body ?? new Uint8Array(0);
    const run = { ...opts, maxContextBytes: o.maxContextBytes };
    return bool(c, "q") ? await quietBuild(engine, body, run) : await streamedBuild(engine, body, run);
  });
}

/** The query as the engine's options. Errors: ApiError 400 for bad JSON, BuildKit (version=2) or a remote context. */
function buildOptions(c: Context): BuildOptions {
  if (c.req.query("version") === "2") throw new ApiError(400, "BuildKit (builder version 2) is not available in strata: use the classic builder (DOCKER_BUILDKIT=0)");
  if (c.req.query("remote")) throw new ApiError(400, `strata cannot fetch a remote build context (${c.req.query("remote")}): send the context as the request body`);
  const forceRemove = bool(c, "forcerm");
  return {
    dockerfile: c.req.query("dockerfile") || undefined,
    tags: c.req.queries("t") ?? [],
    target: c.req.query("target") || undefined,
    buildArgs: json<Record<string, string | null>>(c, "buildargs", "build args"),
    labels: json<Record<string, string>>(c, "labels", "labels"),
    noCache: bool(c, "nocache"),
    remove: forceRemove || bool(c, "rm", true),
    forceRemove,
    platform: c.req.query("platform") || undefined,
  };
}

function json<T>(c: Context, name: string, what: string): T | undefined {
  const raw = c.req.query(name);
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) throw new SyntaxError(`${name} must be a JSON object`);
    return v as T;
  } catch (err) {
    throw new ApiError(400, `error reading ${what}: ${(err as Error).message}`);
  }
}

/**
 * The output streamed as it comes; the response starts with the build's first message,
 * so an error before it is an HTTP error.
 */
async function streamedBuild(engine: EngineApi, body: ReadableStream<Uint8Array> | Uint8Array, o: BuildOptions): Promise<Response> {
  const abort = new AbortController();
  const out = messageStream(() => abort.abort());
  let started!: () => void;
  const first = new Promise<void>((r) => (started = r));
  const onOutput = (m: BuildMessage) => {
    started();
    return out.push(m);
  };
  const built = engine.builder.build(body, { ...o, signal: abort.signal, onOutput });
  const early = await Promise.race([first.then(() => undefined), built.then(() => undefined, (err: unknown) => ({ err }))]);
  if (early) return errorResponse(early.err);
  void built.then(out.close, (err: unknown) => {
    void out.push(streamError(err));
    out.close();
  });
  return new Response(out.stream, { headers: JSON_STREAM });
}

/** Messages a client has not read yet, at most this many: then a RUN's output waits (its container's log keeps it meanwhile). */
const UNREAD = 64;

/** A stream of JSON lines whose `push` answers a promise while the client is behind. */
function messageStream(onCancel: () => void) {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const waiting: Array<() => void> = [];
  const wake = () => waiting.splice(0).forEach((f) => f());
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (ctrl = c),
    pull: wake,
    cancel: () => {
      closed = true;
      wake();
      onCancel();
    },
  }, { highWaterMark: UNREAD });
  return {
    stream,
    push(m: unknown): Promise<void> | undefined {
      if (closed) return undefined;
      ctrl.enqueue(jsonLine(m));
      return (ctrl.desiredSize ?? 1) > 0 ? undefined : new Promise<void>((r) => waiting.push(r));
    },
    close() {
      if (closed) return;
      closed = true;
      ctrl.close();
      wake();
    },
  };
}

/** `q=1`: the image id alone, or what was said and the error. */
async function quietBuild(engine: EngineApi, body: ReadableStream<Uint8Array> | Uint8Array, o: BuildOptions): Promise<Response> {
  const said: Uint8Array[] = [];
  try {
    const r = await engine.builder.build(body, { ...o, onOutput: (m) => void said.push(jsonLine(m)) });
    return new Response(jsonLine({ stream: `${r.id}\n` }) as Uint8Array<ArrayBuffer>, { headers: JSON_STREAM });
  } catch (err) {
    if (!said.length) return errorResponse(err);
    return new Response(new Blob([...said, jsonLine(streamError(err))] as BlobPart[]), { headers: JSON_STREAM });
  }
}
