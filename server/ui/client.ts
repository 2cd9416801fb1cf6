/**
 * The page's only way to the engine: the Docker Engine API (and strata's read-only
 * `/strata/` tree) over a fetch function — the network's in served mode, the in-page
 * engine's `createApi(...).fetch` in the in-browser mode. Errors answer Docker's
 * `{ message }`, thrown here as ApiFailure with that message.
 */
import { indexTar } from "../../src/tar/mod.ts";

/** What the page calls instead of `fetch` (a path of the API, `/containers/json`). */
export type ApiFetch = (path: string, init?: RequestInit) => Promise<Response>;

export class ApiFailure extends Error {
  override name = "ApiFailure";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface ImageSummary { Id: string; RepoTags: string[]; Size: number; Created: number }
export interface HistoryEntry { Id: string; Created: number; CreatedBy: string; Size: number; Comment: string; Tags: string[] | null }
export interface ImageInspect { Id: string; RepoTags: string[]; RootFS: { Layers: string[] }; Config: { Cmd?: string[] | null; Env?: string[] | null } }
export interface ContainerSummary { Id: string; Names: string[]; Image: string; ImageID: string; Command: string; State: string; Status: string; SizeRw?: number; SizeRootFs?: number }
export interface TreeEntry { Name: string; Path: string; Type: string; Size: number; Mode: number; Target?: string; Layer: string }
export interface Change { Path: string; Kind: 0 | 1 | 2 }
interface EngineEvent { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; time: number }

/** The API calls the page makes. */
export class Client {
  constructor(readonly fetch: ApiFetch, readonly token?: string) {}

  async #call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set("Authorization", `Bearer ${this.token}`);
    const r = await this.fetch(path, { ...init, headers });
    if (!r.ok) {
      const text = await r.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch { /* not JSON: the text itself */ }
      throw new ApiFailure(r.status, message || `${r.status} ${r.statusText}`);
    }
    return r;
  }
  async #json<T>(path: string, init?: RequestInit): Promise<T> {
    return (await (await this.#call(path, init)).json()) as T;
  }
  #post(path: string, body?: unknown): Promise<Response> {
    return this.#call(path, body === undefined ? { method: "POST" } : { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  }

  /**
   * A plain attach (no hijack) whose request body is the container's stdin, streamed: the
   * in-page engine's terminal (its fetch is a function call, so the body streams both ways).
   */
  attachStreaming(id: string, stdin: ReadableStream<Uint8Array>): Promise<Response> {
    return this.#call(`/containers/${encodeURIComponent(id)}/attach?stream=1&stdin=1&stdout=1&stderr=1`, { method: "POST", body: stdin, duplex: "half" } as RequestInit);
  }

  images(): Promise<ImageSummary[]> {
    return this.#json("/images/json");
  }
  image(id: string): Promise<ImageInspect> {
    return this.#json(`/images/${encodeURIComponent(id)}/json`);
  }
  history(id: string): Promise<HistoryEntry[]> {
    return this.#json(`/images/${encodeURIComponent(id)}/history`);
  }
  containers(): Promise<ContainerSummary[]> {
    return this.#json("/containers/json?all=1&size=1");
  }
  changes(id: string): Promise<Change[] | null> {
    return this.#json(`/containers/${id}/changes`);
  }
  tree(id: string, path: string, whiteouts: boolean): Promise<TreeEntry[]> {
    return this.#json(`/strata/containers/${id}/tree?path=${encodeURIComponent(path)}${whiteouts ? "&whiteouts=1" : ""}`);
  }
  /** A file's bytes, from the tar `GET /containers/{id}/archive` answers. */
  async file(id: string, path: string): Promise<Uint8Array> {
    const tar = new Uint8Array(await (await this.#call(`/containers/${id}/archive?path=${encodeURIComponent(path)}`)).arrayBuffer());
    const entry = indexTar(tar, { name: path }).find((e) => e.type === "file");
    if (!entry) throw new ApiFailure(400, `${path} is not a regular file`);
    return entry.data;
  }
  /** Create (with a terminal and open stdin for `tty`: `-it`); returns the id. */
  async create(o: { image: string; cmd: string[]; env: string[]; name?: string; tty?: boolean }): Promise<string> {
    const q = o.name ? `?name=${encodeURIComponent(o.name)}` : "";
    const body: Record<string, unknown> = { Image: o.image, Env: o.env };
    if (o.cmd.length) body.Cmd = o.cmd;
    if (o.tty) Object.assign(body, { Tty: true, OpenStdin: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    return ((await (await this.#post(`/containers/create${q}`, body)).json()) as { Id: string }).Id;
  }
  async start(id: string): Promise<void> {
    await this.#post(`/containers/${id}/start`);
  }
  async resize(id: string, rows: number, cols: number): Promise<void> {
    await this.#post(`/containers/${id}/resize?h=${rows}&w=${cols}`);
  }
  async stop(id: string): Promise<void> {
    await this.#post(`/containers/${id}/stop?t=2`);
  }
  async remove(id: string): Promise<void> {
    await this.#call(`/containers/${id}?force=1`, { method: "DELETE" });
  }
  async commit(id: string, repo: string, tag: string): Promise<string> {
    const q = new URLSearchParams({ container: id });
    if (repo) q.set("repo", repo);
    if (tag) q.set("tag", tag);
    return ((await (await this.#post(`/commit?${q}`, {})).json()) as { Id: string }).Id;
  }
  async removeImage(id: string): Promise<void> {
    await this.#call(`/images/${encodeURIComponent(id)}`, { method: "DELETE" });
  }

  /** Follow a container's output (multiplexed frames, or raw with a terminal); ends with the container or `signal`. */
  async logs(id: string, onText: (text: string, stream: "stdout" | "stderr") => void, signal: AbortSignal): Promise<void> {
    const r = await this.#call(`/containers/${id}/logs?stdout=1&stderr=1&follow=1`, { signal });
    const raw = !(r.headers.get("Content-Type") ?? "").includes("multiplexed");
    const dec = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    let pending: Uint8Array = new Uint8Array(0);
    await eachChunk(r, signal, (chunk) => {
      if (raw) return onText(dec.stdout.decode(chunk, { stream: true }), "stdout");
      pending = concat(pending, chunk);
      let at = 0;
      while (pending.length - at >= 8) {
        const size = new DataView(pending.buffer, pending.byteOffset + at + 4, 4).getUint32(0);
        if (pending.length - at - 8 < size) break;
        const stream = pending[at] === 2 ? "stderr" : "stdout";
        onText(dec[stream].decode(pending.subarray(at + 8, at + 8 + size), { stream: true }), stream);
        at += 8 + size;
      }
      pending = pending.slice(at);
    });
  }

  /** Follow `GET /events` (JSON lines) until `signal`. */
  async events(on: (e: EngineEvent) => void, signal: AbortSignal): Promise<void> {
    const r = await this.#call(`/events`, { signal });
    const dec = new TextDecoder();
    let text = "";
    await eachChunk(r, signal, (chunk) => {
      text += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, nl).trim();
        text = text.slice(nl + 1);
        if (line) on(JSON.parse(line) as EngineEvent);
      }
    });
  }
}

async function eachChunk(r: Response, signal: AbortSignal, on: (chunk: Uint8Array) => void): Promise<void> {
  const reader = r.body!.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal.aborted) return;
      on(value);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
