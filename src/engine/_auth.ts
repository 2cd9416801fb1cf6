/**
 * `POST /auth` (`docker login` through the engine): check credentials against a registry
 * by a `GET /v2/` that answers its challenge with them, as dockerd's registry service
 * does (moby registry/auth.go `loginV2`). The engine keeps nothing: the client stores the
 * credentials it logged in with (the docker CLI in its config.json) and sends them again
 * with each pull and push (X-Registry-Auth).
 */
import { pingRegistry, registryOrigin, RegistryError, type RegistryCredentials, type RegistryOptions } from "../oci/distribution/mod.ts";
import { EngineError, invalid } from "./errors.ts";

/** The body of `POST /auth`, moby's AuthConfig (`auth` and `email` are accepted and unused). */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  /** "127.0.0.1:5000", "https://index.docker.io/v1/" (Docker Hub, also when empty), or a URL. */
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The answer of `POST /auth` (moby AuthenticateOKBody). */
export interface AuthResult {
  Status: string;
  /** An OAuth2 refresh token the registry gave, to store instead of the password ("" when none). */
  IdentityToken: string;
}

/** How a login reaches registries: the engine's registry options; `ping` is replaceable in tests. */
export interface LoginOptions {
  registry?: Omit<RegistryOptions, "credentials">;
  ping?: typeof pingRegistry;
}

/** Docker Hub's legacy index address, what the docker CLI sends for a login without a server. */
const INDEX_SERVER = "https://index.docker.io/v1/";

/**
 * The registry host an AuthConfig's serveraddress names, as moby's registry service
 * reads it: no scheme means https, the URL's host is the registry, and Docker Hub's index
 * (index.docker.io, or no address at all) is "docker.io".
 * Errors: invalid "unable to parse server address: …".
 */
function loginHost(serveraddress: string | undefined): string {
  let address = serveraddress?.trim() || INDEX_SERVER;
  if (!/^https?:\/\//i.test(address)) address = `https://${address}`;
  let url: URL;
  try {
    url = new URL(address);
  } catch (err) {
    if (err instanceof TypeError) throw invalid(`unable to parse server address: parse "${address}": invalid URL`);
    throw err;
  }
  return !url.host || url.hostname === "index.docker.io" || url.hostname === "docker.io" ? "docker.io" : url.host;
}

/**
 * Check `cfg`'s credentials against its registry. Resolves with moby's answer
 * `{ Status: "Login Succeeded", IdentityToken: "" }`. Errors: unauthorized "login attempt
 * to http://HOST/v2/ failed with status: 401 Unauthorized" when the registry refuses them
 * (any answer but 200, as moby); unavailable when it cannot be reached; invalid for a bad
 * address.
 */
export async function registryLogin(cfg: AuthConfig, o: LoginOptions = {}): Promise<AuthResult> {
  const host = loginHost(cfg.serveraddress);
  const creds = authCredentials(cfg);
  try {
    await (o.ping ?? pingRegistry)(host, creds, o.registry ?? {});
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    if (err.status === 0) throw new EngineError("unavailable", err.message);
    const url = `${registryOrigin(host, o.registry?.insecureRegistries)}/v2/`;
    throw new EngineError("unauthorized", `login attempt to ${url} failed with status: ${err.status} ${statusText(err.status)}`.trimEnd());
  }
  return { Status: "Login Succeeded", IdentityToken: "" };
}

/**
 * The credentials an AuthConfig carries; undefined when none (`{}`, the docker CLI's
 * `e30=`). `auth` (base64 "user:password", as config.json keeps it) stands for username
 * and password when no username is given. Errors: invalid when `auth` is not that.
 */
export function authCredentials(cfg: AuthConfig): RegistryCredentials | undefined {
  let { username, password } = cfg;
  if (!username && cfg.auth) {
    const text = _base64Text(cfg.auth);
    const colon = text?.indexOf(":") ?? -1;
    if (text === undefined || colon < 1) throw invalid(`invalid auth configuration: "auth" is not base64 of "user:password"`);
    username = text.slice(0, colon);
    password = text.slice(colon + 1);
  }
  const out: RegistryCredentials = {};
  if (username) out.username = username;
  if (password) out.password = password;
  if (cfg.identitytoken) out.identitytoken = cfg.identitytoken;
  if (cfg.registrytoken) out.registrytoken = cfg.registrytoken;
  return Object.keys(out).length ? out : undefined;
}

function _base64Text(b64: string): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch (err) {
    if (err instanceof TypeError || (err as Error).name === "InvalidCharacterError") return undefined;
    throw err;
  }
}

/** Go's http.StatusText for the answers a registry gives a login. */
const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests",
  500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "";
}
