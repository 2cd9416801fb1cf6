/**
 * `POST /images/create?fromImage=&tag=&platform=` (docker pull) and
 * `POST /images/{name}/push?tag=` (docker push): the engine's progress as the Engine
 * API's JSON-message stream, with the `progress` bar string moby adds for a terminal.
 * As moby does, an error before the first message is an HTTP error (`docker run`
 * prints "Error response from daemon: manifest for x not found: …"); after it, the
 * error is the stream's last line. Credentials come in X-Registry-Auth and are used for
 * this request only. A client that goes away aborts the pull, which then stores nothing.
 */
import type { Context } from "hono";
import type { EngineApi } from "../engine/mod.ts";
import type { RegistryCredentials } from "../oci/mod.ts";
import { registryAuth } from "./_registry_auth.ts";
import { jsonLine, pushStream, streamError } from "./streams.ts";

type Message = { status?: string; id?: string; progressDetail?: { current?: number; total?: number }; aux?: unknown };

/** `docker pull` (the fromImage branch of POST /images/create). */
export function pullResponse(c: Context, engine: EngineApi): Promise<Response> {
  const from = c.req.query("fromImage") ?? "";
  const tag = c.req.query("tag") ?? "";
  // moby: `tag` replaces a tag fromImage carries, and a tag that is a digest makes name@digest.
  const name = tag ? from.replace(/:[^/:@]+$/, "") : from;
  const ref = tag ? (/^[a-z0-9]+:[a-f0-9]{32,}$/.test(tag) ? `${name}@${tag}` : `${name}:${tag}`) : from;
  const credentials = credentialsOf(c);
  const platform = c.req.query("platform") || undefined;
  return progressResponse((say, signal) => engine.images.pull(ref, { platform, credentials, onProgress: say, signal }));
}

/** `docker push`. */
export function pushResponse(c: Context, engine: EngineApi): Promise<Response> {
  const name = c.req.param("name")!;
  const tag = c.req.query("tag");
  const credentials = credentialsOf(c);
  return progressResponse((say, signal) => engine.images.push(tag ? `${name}:${tag}` : name, { credentials, onProgress: say, signal }));
}

function credentialsOf(c: Context): ((registry: string) => Promise<RegistryCredentials | undefined>) | undefined {
  const creds = registryAuth(c.req.header("X-Registry-Auth"));
  return creds ? () => Promise.resolve(creds) : undefined;
}

/** Run `work`; the response starts at its first message (an earlier failure is thrown, for an HTTP error). */
async function progressResponse(work: (say: (m: Message) => void, signal: AbortSignal) => Promise<unknown>): Promise<Response> {
  const abort = new AbortController();
  const { stream, push, close } = pushStream(() => abort.abort());
  let started = false, start!: () => void;
  const first = new Promise<void>((resolve) => (start = resolve));
  const say = (m: Message) => {
    push(jsonLine(withBar(m)));
    if (!started) (started = true), start();
  };
  const done = work(say, abort.signal).then(
    () => close(),
    (err: unknown) => {
      if (!started) throw err;
      push(jsonLine(streamError(err)));
      close();
    },
  );
  await Promise.race([first, done]);
  return new Response(stream, { headers: { "Content-Type": "application/json" } });
}

/** moby's JSONProgress bar for a message with a total: `[=====>      ]  1.2MB/3.4MB`. */
function withBar(m: Message): Message & { progress?: string } {
  const d = m.progressDetail;
  if (!d || !d.total || d.current === undefined) return m;
  // moby pkg/jsonmessage JSONProgress.String, as the daemon renders it (no terminal: the bar is always drawn).
  const n = Math.min(50, Math.trunc(Math.trunc((d.current / d.total) * 100) / 2));
  const bar = `[${"=".repeat(n)}>${" ".repeat(Math.max(0, 50 - n))}] `;
  return { ...m, progress: `${bar}${humanSize(d.current).padStart(8)}/${humanSize(d.total)}` };
}

/** go-units HumanSize: decimal units, 4 significant digits. */
function humanSize(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) (n /= 1000), i++;
  return `${Number(n.toPrecision(4))}${units[i]}`;
}
