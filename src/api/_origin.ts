/**
 * Who may drive the API: programs, not web pages. The Docker API is root-equivalent
 * (a bind of `/` is one create away), and a browser will send a page's requests to
 * 127.0.0.1 on the page's behalf, so three kinds of request are refused unless the
 * operator allowed them:
 * - a request with an `Origin` header: the docker CLI, dockerode and the strata CLI
 *   send none, a browser sends one on every POST, every cross-origin fetch and every
 *   websocket handshake (a page's `new WebSocket("ws://127.0.0.1:2375/…/attach/ws")`
 *   gets no CORS protection at all);
 * - a request with `Sec-Fetch-Site: cross-site` or `same-site`: a browser's no-cors
 *   GET (`<img src>`, `<script src>`) carries no Origin but says where it comes from;
 * - a `Host` that is not an address of this server: DNS rebinding points a name the
 *   page controls (`evil.example`) at 127.0.0.1, and the browser then sends
 *   `Host: evil.example:2375`. Loopback names and addresses are always ours; so is the
 *   address the server was told to listen on; on a wildcard address (0.0.0.0, ::) any IP
 *   literal is (a rebinding always arrives under a name, never a literal); over a unix
 *   socket every Host is (no browser reaches one; the docker CLI sends
 *   `Host: api.moby.localhost` there, dockerode `localhost`).
 * Answers are 403 in Docker's `{ "message" }` shape. An allowed origin also gets CORS
 * headers (hono/cors), so a page the operator trusts can make non-simple requests.
 * Docker itself has `--api-cors-header` and no Host check; this is stricter on purpose.
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** Where the server listens and what the operator allowed beyond that. */
export interface SourcePolicy {
  /** Origins a browser page may drive the API from (`http://localhost:3000`), exact, case-insensitive. */
  allowOrigins?: string[];
  /** Host names (any port) or `name:port` the API answers besides its own addresses; `*` turns the Host check off. */
  allowHosts?: string[];
  /** The address the server listens on: a host (and port), or a unix socket (no Host check). */
  listen?: { host?: string; port?: number; socket?: string };
  /**
   * A page of the server's own origin (the web page at /ui) may drive it: its Origin is
   * `http(s)://` + the request's Host, that Host passes the Host check (so a rebound
   * name's page, whose Origin is its own Host too, is still refused), and the browser did
   * not say the request crosses sites.
   */
  allowSameOrigin?: boolean;
}

/** A refusal: Docker's error shape with its status. */
interface Refusal {
  status: 403;
  message: string;
}

const LOOPBACK_V4 = /^127(\.\d{1,3}){3}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const WILDCARD = new Set(["", "0.0.0.0", "::", "[::]"]);

/**
 * The refusal for a request's headers under `policy`, or null when it may pass.
 * @example refuseSource((h) => ({ origin: "http://evil.example" } as Record<string, string>)[h], {}) // { status: 403, … }
 */
export function refuseSource(header: (name: string) => string | undefined | null, policy: SourcePolicy): Refusal | null {
  const origin = header("origin");
  if (origin != null) {
    if (originAllowed(origin, policy)) return _checkHost(header("host"), policy);
    if (policy.allowSameOrigin && _sameOrigin(origin, header("host"), header("sec-fetch-site"))) return _checkHost(header("host"), policy);
    return { status: 403, message: `Forbidden: requests from web pages are refused (Origin: ${origin}): the Docker API is root-equivalent. To let pages of this origin drive it, start the server with --allow-origin ${origin}` };
  }
  const site = header("sec-fetch-site")?.toLowerCase();
  if (site === "cross-site" || site === "same-site") {
    return { status: 403, message: `Forbidden: requests from web pages are refused (Sec-Fetch-Site: ${site}): the Docker API is root-equivalent` };
  }
  return _checkHost(header("host"), policy);
}

/** Is `origin` one the operator allowed? */
function originAllowed(origin: string, policy: SourcePolicy): boolean {
  const o = _trimSlash(origin.toLowerCase());
  return (policy.allowOrigins ?? []).some((a) => _trimSlash(a.toLowerCase()) === o);
}

/** The Hono middleware: refusals answer 403 `{ message }`; allowed origins get CORS headers and preflights. */
export function sourceGuard(policy: SourcePolicy): MiddlewareHandler {
  const allowCors = (policy.allowOrigins ?? []).length > 0
    ? cors({ origin: (o) => (originAllowed(o, policy) ? o : null), allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE"], maxAge: 600 })
    : null;
  return async (c, next) => {
    const refusal = refuseSource((h) => c.req.header(h), policy);
    if (refusal) return c.json({ message: refusal.message }, refusal.status);
    if (allowCors && c.req.header("origin") != null) return await allowCors(c, next);
    await next();
  };
}

function _checkHost(raw: string | undefined | null, policy: SourcePolicy): Refusal | null {
  if (raw == null || policy.listen?.socket !== undefined) return null;
  const allow = policy.allowHosts ?? [];
  if (allow.includes("*")) return null;
  const { name, port } = _splitHost(raw.trim().toLowerCase());
  if (_ours(name, policy)) return null;
  if (allow.some((a) => { const h = _splitHost(a.trim().toLowerCase()); return h.name === name && (h.port === undefined || h.port === port); })) return null;
  return { status: 403, message: `Forbidden: the Host header "${raw}" is not an address of this server (refused as a DNS rebinding). To allow it, start the server with --allow-host ${name}` };
}

/** Loopback, the listen address, or (listening on a wildcard) any IP literal. */
function _ours(name: string, policy: SourcePolicy): boolean {
  if (name === "localhost" || name.endsWith(".localhost") || name === "::1" || LOOPBACK_V4.test(name)) return true;
  const listen = policy.listen?.host?.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (listen === undefined) return false;
  if (WILDCARD.has(listen)) return IPV4.test(name) || name.includes(":");
  return name === listen;
}

/** `[::1]:2375` → `::1`, 2375; `localhost` → `localhost`, undefined. */
function _splitHost(h: string): { name: string; port?: number } {
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(h);
  if (v6) return { name: v6[1]!, port: v6[2] === undefined ? undefined : Number(v6[2]) };
  const m = /^([^:]*)(?::(\d+))?$/.exec(h);
  if (m) return { name: m[1]!, port: m[2] === undefined ? undefined : Number(m[2]) };
  return { name: h }; // a bare IPv6 address
}

/** Is `origin` the origin of the request's own Host (and not said by the browser to cross sites)? */
function _sameOrigin(origin: string, host: string | undefined | null, site: string | undefined | null): boolean {
  if (host == null || (site != null && site.toLowerCase() !== "same-origin")) return false;
  const o = _trimSlash(origin.trim().toLowerCase()), h = host.trim().toLowerCase();
  return h !== "" && (o === `http://${h}` || o === `https://${h}`);
}

function _trimSlash(s: string): string {
  return s.endsWith("/") ? s.slice(0, -1) : s;
}
