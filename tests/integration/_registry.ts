/**
 * A real OCI registry for the tests: Debian's `docker-registry` (the CNCF distribution
 * registry 2.8) started on a free loopback port with its storage in a temp dir, with
 * htpasswd (bcrypt) basic auth when asked. It waits for `GET /v2/` to answer, keeps the
 * registry's access log (combined format on stdout) and counts the blob GETs in it, which
 * is how a test sees that a pull skipped the layers it already had.
 *
 * @example
 * const why = registryMissing();
 * if (why) console.log(`skip: ${why}`);
 * else {
 *   const reg = await startRegistry({ auth: { user: "u", password: "p" } });
 *   // … push/pull against reg.host ("127.0.0.1:PORT") …
 *   assert.is(reg.blobGets(layerDigest), 1);
 *   await reg.stop();
 * }
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./_server.ts";
import { until } from "../_wait.ts";

export interface RegistryAuth {
  user: string;
  password: string;
}

export interface StartedRegistry {
  /** "127.0.0.1:PORT", as an image reference names the registry. */
  host: string;
  /** "http://127.0.0.1:PORT". */
  url: string;
  /** The htpasswd credentials it checks, when started with auth. */
  auth?: RegistryAuth;
  /** Its temp dir (storage under data/, config.yml, htpasswd). */
  dir: string;
  /** End it and remove its storage. */
  stop(): Promise<void>;
  /** Its access log and its own log lines so far. */
  log(): string;
  /**
   * How many blob GETs it answered with 2xx (of `digest` only, when given). The registry
   * logs a request after its handler returns, which can be just after the client has the
   * whole body: `await sync()` first.
   */
  blobGets(digest?: string): number;
  /** Wait until the log holds every request answered so far (a marker request is logged after them). */
  sync(): Promise<void>;
}

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** Why no registry can be started here ("" when one can), for a test's skip line. */
export function registryMissing(): string {
  if (!has("docker-registry")) return "docker-registry is not installed (scripts/install-tools.sh installs it from Debian)";
  return "";
}

/** Why no registry with auth can be started here ("" when one can). */
export function registryAuthMissing(): string {
  return registryMissing() || (has("htpasswd") ? "" : "htpasswd is not installed (apache2-utils; scripts/install-tools.sh installs it)");
}

/** The registry's config (reference §6), flow-style YAML. */
function config(dir: string, port: number, htpasswd?: string): string {
  const auth = htpasswd ? `auth: {htpasswd: {realm: strata-test-registry, path: ${htpasswd}}}\n` : "";
  return `version: 0.1
log: {level: info, formatter: text, fields: {service: registry}}
storage: {cache: {blobdescriptor: inmemory}, filesystem: {rootdirectory: ${join(dir, "data")}}, delete: {enabled: true}}
http: {addr: 127.0.0.1:${port}, secret: strata-test, headers: {X-Content-Type-Options: [nosniff]}}
${auth}`;
}

/** A bcrypt htpasswd line, the only scheme the registry accepts. */
function htpasswdLine(a: RegistryAuth): string {
  const r = spawnSync("htpasswd", ["-Bbn", a.user, a.password], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
  return r.stdout.trim() + "\n";
}

/** `"GET /v2/NAME/blobs/sha256:… HTTP/1.1" 200` lines of the combined access log. */
const BLOB_GET = /"GET \/v2\/\S+\/blobs\/(sha256:[a-f0-9]{64})\S* HTTP\/[\d.]+" (\d{3}) /g;

function countBlobGets(log: string, digest?: string): number {
  let n = 0;
  for (const m of log.matchAll(BLOB_GET)) if (m[2]!.startsWith("2") && (!digest || m[1] === digest)) n++;
  return n;
}

/** Start a registry (at most three tries, should another process take the free port first). */
export async function startRegistry(o: { auth?: RegistryAuth } = {}): Promise<StartedRegistry> {
  const why = o.auth ? registryAuthMissing() : registryMissing();
  if (why) throw new Error(`Cannot start a registry: ${why}`);
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await _start(o.auth);
    } catch (err) {
      last = err;
      if (!/address already in use/.test((err as Error).message)) break;
    }
  }
  throw last;
}

async function _start(auth?: RegistryAuth): Promise<StartedRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "strata-registry-"));
  const port = await freePort();
  let htpasswd: string | undefined;
  if (auth) writeFileSync((htpasswd = join(dir, "htpasswd")), htpasswdLine(auth));
  writeFileSync(join(dir, "config.yml"), config(dir, port, htpasswd));
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "", exited = false;
  child.stdout!.on("data", (d) => void (out += d));
  child.stderr!.on("data", (d) => void (err += d));
  const exit = new Promise<void>((r) => child.once("exit", () => r(void (exited = true))));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exit;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // With auth, /v2/ answers 401 with a Basic challenge: that too says it serves.
    await until(async () => {
      if (exited) throw new Error(`docker-registry exited: ${err}`);
      return await fetch(`${url}/v2/`).then((r) => (r.body?.cancel(), r.status === 200 || r.status === 401), () => false);
    }, { timeoutMs: 15_000, pollMs: 50, what: () => `docker-registry to answer GET /v2/; its log: ${err}` });
  } catch (e) {
    await stop();
    throw e;
  }
  let marks = 0;
  const sync = async () => {
    const agent = `strata-test-sync/${++marks}`;
    await fetch(`${url}/v2/`, { headers: { "User-Agent": agent } }).then((r) => r.body?.cancel());
    await until(() => out.includes(`"${agent}"`), { timeoutMs: 5_000, pollMs: 10, what: "the registry to log a marker request" });
  };
  return {
    host: `127.0.0.1:${port}`, url, auth, dir, stop, sync,
    log: () => out + err,
    blobGets: (digest) => countBlobGets(out, digest),
  };
}
