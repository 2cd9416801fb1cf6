/**
 * One registry's HTTP: requests through the web platform's `fetch`, with the challenge
 * answered (_auth.ts), redirects followed up to a limit (a loop is an error that names
 * it; credentials are not sent to another origin, e.g. a storage bucket's signed URL),
 * and retries after a network failure or a 5xx/429 answer, backing off between tries.
 * A browser hides where a manual redirect goes (an "opaqueredirect"); there the request
 * is sent again with the browser following redirects itself (its own limit of 20).
 */
import { Authorizer } from "./_auth.ts";
import { parseChallenge } from "./_challenge.ts";
import type { CredentialsFor } from "./credentials.ts";
import { RegistryError } from "./errors.ts";
import { registryOrigin } from "./_hosts.ts";

/** How a registry client reaches registries. */
export interface RegistryOptions {
  /** The credentials of a registry ("127.0.0.1:5000", "docker.io"), asked once per client at its first challenge. */
  credentials?: CredentialsFor;
  /** Hosts (host, host:port, IPv4 CIDR) reached over plain HTTP besides loopback ones. */
  insecureRegistries?: readonly string[];
  /** The fetch to use (the global one by default). */
  fetch?: typeof fetch;
  /** Tries after the first when a request fails on the network or with 5xx/429 (default 3). */
  retries?: number;
  /** The first back-off in ms, doubled each retry (default 250). */
  retryDelayMs?: number;
  /** Redirects followed per request (default 10). */
  maxRedirects?: number;
  /** Ends every request. */
  signal?: AbortSignal;
}

interface RegistryRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH";
  /** A path below the registry ("/v2/demo/manifests/v1") or an absolute URL (an upload's Location). */
  url: string;
  /** What the request needs ("repository:demo:pull"); names the token it carries. */
  scope: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** What is being done, for errors ("Cannot pull demo:v1"). */
  action: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Transport {
  readonly origin: string;
  readonly #auth: Authorizer;
  readonly #fetch: typeof fetch;
  constructor(readonly registry: string, readonly opts: RegistryOptions = {}) {
    this.origin = registryOrigin(registry, opts.insecureRegistries);
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.#auth = new Authorizer(registry, () => opts.credentials?.(registry) ?? Promise.resolve(undefined), this.#fetch);
  }

  /** The absolute URL of a path or Location. */
  resolve(url: string): URL {
    return new URL(url, this.origin);
  }

  /**
   * Send a request; the response is whatever the registry finally answered (the caller
   * judges its status). Errors: RegistryError when nothing answers after the retries, on a
   * redirect loop or too many redirects, or when a token cannot be had.
   */
  async send(req: RegistryRequest): Promise<Response> {
    let url = this.resolve(req.url), method: string = req.method, body = sendable(req.body);
    const seen: string[] = [];
    let tries = 0, authed = false;
    for (;;) {
      const headers = new Headers(req.headers);
      const own = url.origin === this.origin;
      const authorization = own ? await this.#auth.header(req.scope) : undefined;
      if (authorization) headers.set("Authorization", authorization);
      let res: Response;
      try {
        res = await this.#fetch(url, { method, headers, body: body as Uint8Array<ArrayBuffer> | undefined, redirect: "manual", signal: this.opts.signal });
        if (res.type === "opaqueredirect") res = await this.#fetch(url, { method, headers, body: body as Uint8Array<ArrayBuffer> | undefined, redirect: "follow", signal: this.opts.signal });
      } catch (err) {
        if (this.opts.signal?.aborted) throw err;
        if (!hopeless(err) && tries++ < (this.opts.retries ?? 3)) {
          await this.backoff(tries);
          continue;
        }
        throw new RegistryError(`${req.action}: ${method} ${url.href} failed: ${describeFailure(err)}`, 0, [], { cause: err });
      }
      if (REDIRECTS.has(res.status)) {
        const location = res.headers.get("location");
        await discard(res);
        if (!location) throw new RegistryError(`${req.action}: ${url.origin} answered ${res.status} with no Location`, res.status);
        const next = new URL(location, url);
        seen.push(url.href);
        if (seen.includes(next.href)) throw new RegistryError(`${req.action}: the registry redirects in a loop (${[...seen, next.href].join(" -> ")})`, res.status);
        if (seen.length > (this.opts.maxRedirects ?? 10)) throw new RegistryError(`${req.action}: stopped after ${seen.length} redirects (last to ${next.href})`, res.status);
        if (res.status === 303) (method = "GET"), (body = undefined);
        url = next;
        continue;
      }
      if (res.status === 401 && own && !authed) {
        const challenge = parseChallenge(res.headers.get("www-authenticate"));
        if (challenge && (await this.#auth.answer(challenge, req.scope, this.opts.signal))) {
          await discard(res);
          authed = true;
          continue;
        }
      }
      if ((res.status >= 500 || res.status === 429) && tries++ < (this.opts.retries ?? 3)) {
        await discard(res);
        await this.backoff(tries);
        continue;
      }
      return res;
    }
  }

  /** Wait before try `n` (1-based), doubling from retryDelayMs. */
  async backoff(n: number): Promise<void> {
    const ms = (this.opts.retryDelayMs ?? 250) * 2 ** (n - 1);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }
}

/**
 * A body fetch accepts: fetch refuses a view of a resizable or shared buffer (the store's
 * gunzip output can be one, src/tar/_grow_buffer.ts), so such a body is copied.
 */
function sendable(body: Uint8Array | undefined): Uint8Array | undefined {
  const buf = body?.buffer as (ArrayBuffer & { resizable?: boolean }) | undefined;
  if (!body || !buf) return body;
  return buf.resizable || (typeof SharedArrayBuffer !== "undefined" && buf instanceof SharedArrayBuffer) ? body.slice() : body;
}

/** Drop a response's body that will not be read (frees the connection). */
export async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch((err: unknown) => void err); // nothing to do about a body that cannot be cancelled
}

/** A failure a retry within seconds will not mend: no such host, nothing listening (Docker does not retry these either). */
function hopeless(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  return code === "ENOTFOUND" || code === "ECONNREFUSED" || code === "EAI_NONAME";
}

/** A fetch failure's reason: undici hides the socket error in `cause`. */
export function describeFailure(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message ?? String(err)} (${cause})` : e?.message ?? String(err);
}
