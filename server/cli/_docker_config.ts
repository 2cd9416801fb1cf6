/**
 * Registry credentials where the docker CLI keeps them: `$DOCKER_CONFIG/config.json`
 * (default `~/.docker/config.json`), `auths[KEY].auth` = base64("user:password") (or an
 * `identitytoken`), KEY being the registry's host ("127.0.0.1:5000") or, for Docker Hub,
 * "https://index.docker.io/v1/". So `strata login` and `docker login` share their logins
 * both ways. Other fields of the file are kept as they are. Credential helpers
 * (`credsStore`, `credHelpers`) are not run: strata says so and goes on without them.
 *
 * @example
 * const creds = credentialsFor("127.0.0.1:5000", process.env, { warn: (m) => console.error(m) });
 * // { username: "u", password: "p" } after `docker login 127.0.0.1:5000`
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { RegistryCredentials } from "../../src/oci/mod.ts";
import { CliError } from "./_verb.ts";

/** Docker Hub's key in `auths` (the CLI's `registry.IndexServer`). */
export const INDEX_SERVER = "https://index.docker.io/v1/";

/** One `auths` entry as the docker CLI writes it. */
interface AuthEntry {
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
  username?: string;
  password?: string;
  email?: string;
  [key: string]: unknown;
}

/** The parts of config.json strata reads; everything else is kept as it is. */
interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

type Env = Record<string, string | undefined>;

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` (HOME from `env`). */
export function dockerConfigPath(env: Env): string {
  const dir = env["DOCKER_CONFIG"] || join(env["HOME"] || homedir(), ".docker");
  return join(dir, "config.json");
}

/** The key of a registry in `auths`: Docker Hub's names are its index server, others their host. */
export function authKey(registry: string): string {
  const host = hostOf(registry);
  return host === "docker.io" || host === "index.docker.io" || host === "registry-1.docker.io" ? INDEX_SERVER : host;
}

/** The docker CLI's `ConvertToHostname`: "https://reg:5000/v2/" → "reg:5000". */
export function hostOf(address: string): string {
  return address.replace(/^https?:\/\//i, "").split("/")[0]!;
}

/**
 * Read config.json; `{}` when there is none. A file that is not a JSON object is warned
 * about and read as empty, as the docker CLI does ("WARNING: Error loading config file").
 */
export function readDockerConfig(env: Env, o: { warn?: (message: string) => void } = {}): DockerConfigFile {
  const path = dockerConfigPath(env);
  try {
    return _parse(path);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    o.warn?.(`WARNING: Error loading config file: ${err.message}`);
    return {};
  }
}

function _parse(path: string): DockerConfigFile {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, "utf8");
  let doc: unknown;
  try {
    doc = text.trim() ? JSON.parse(text) : {};
  } catch (err) {
    if (err instanceof SyntaxError) throw new CliError(`${path}: ${err.message}`);
    throw err;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new CliError(`${path}: not a JSON object`);
  const cfg = doc as DockerConfigFile;
  if (cfg.auths !== undefined && (typeof cfg.auths !== "object" || cfg.auths === null || Array.isArray(cfg.auths))) throw new CliError(`${path}: "auths" is not an object`);
  return cfg;
}

/** The `auths` entry of a registry: by its key, else (old files) by any key naming the same host. */
function _entry(cfg: DockerConfigFile, key: string): AuthEntry | undefined {
  const auths = cfg.auths ?? {};
  if (auths[key]) return auths[key];
  if (key === INDEX_SERVER) return undefined;
  for (const [k, v] of Object.entries(auths)) if (hostOf(k) === key) return v;
  return undefined;
}

/**
 * The stored credentials of `registry` ("127.0.0.1:5000", "docker.io"); undefined when
 * there are none. A credential helper named for it is warned about through `warn` (not run).
 */
export function credentialsFor(registry: string, env: Env, o: { warn?: (message: string) => void } = {}): RegistryCredentials | undefined {
  const cfg = readDockerConfig(env, o);
  const key = authKey(registry);
  const creds = _decode(_entry(cfg, key), dockerConfigPath(env));
  if (!creds) {
    const helper = cfg.credHelpers?.[key] ?? cfg.credsStore;
    if (helper) o.warn?.(`WARNING: ${dockerConfigPath(env)} names the credential helper "docker-credential-${helper}"; strata does not run credential helpers, so ${key} is accessed without credentials (log in with 'strata login' to keep them in the file)`);
  }
  return creds;
}

function _decode(entry: AuthEntry | undefined, path: string): RegistryCredentials | undefined {
  if (!entry) return undefined;
  const out: RegistryCredentials = {};
  if (typeof entry.auth === "string" && entry.auth) {
    const { username, password } = decodeAuth(entry.auth, path);
    out.username = username;
    if (password) out.password = password;
  } else {
    if (typeof entry.username === "string" && entry.username) out.username = entry.username;
    if (typeof entry.password === "string" && entry.password) out.password = entry.password;
  }
  if (typeof entry.identitytoken === "string" && entry.identitytoken) out.identitytoken = entry.identitytoken;
  if (typeof entry.registrytoken === "string" && entry.registrytoken) out.registrytoken = entry.registrytoken;
  return Object.keys(out).length ? out : undefined;
}

/** base64("user:password") → its parts. Errors: CliError naming the file (never the value). */
function decodeAuth(auth: string, path: string): { username: string; password: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(auth), (c) => c.charCodeAt(0)));
  } catch (err) {
    if (err instanceof TypeError || (err as Error).name === "InvalidCharacterError") throw new CliError(`${path}: an "auth" entry is not base64 of "user:password"`);
    throw err;
  }
  const colon = text.indexOf(":");
  if (colon < 0) throw new CliError(`${path}: an "auth" entry is not base64 of "user:password"`);
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** base64("user:password"), UTF-8 safe. */
function encodeAuth(username: string, password: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${password}`)));
}

/**
 * Keep a login: `auths[key] = { auth }` (with `identitytoken` instead of the password when
 * the registry gave one), the rest of the file kept. Written to a temp file and renamed,
 * mode 0600, as the docker CLI writes it. Returns the file's path. Errors: CliError when
 * the file exists and cannot be read as a config (it is not overwritten).
 */
export function storeCredentials(key: string, c: { username: string; password?: string; identitytoken?: string }, env: Env): string {
  const path = dockerConfigPath(env);
  const cfg = _parse(path);
  const entry: AuthEntry = { auth: encodeAuth(c.username, c.identitytoken ? "" : c.password ?? "") };
  if (c.identitytoken) entry.identitytoken = c.identitytoken;
  cfg.auths = { ...cfg.auths, [key]: entry };
  _write(path, cfg);
  return path;
}

/** Forget the logins of `server` under each key the docker CLI may have used for it; true when one was there. */
export function eraseCredentials(server: string, env: Env): boolean {
  const path = dockerConfigPath(env);
  const cfg = _parse(path);
  const key = authKey(server);
  const keys = key === INDEX_SERVER ? [INDEX_SERVER] : [server, key, `http://${key}`, `https://${key}`];
  const found = keys.filter((k) => cfg.auths?.[k] !== undefined);
  if (!found.length) return false;
  for (const k of found) delete cfg.auths![k];
  _write(path, cfg);
  return true;
}

function _write(path: string, cfg: DockerConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(cfg, null, "\t"), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
