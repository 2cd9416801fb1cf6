/**
 * A client of the OCI distribution spec (the registry API Docker pulls and pushes
 * through), on the web platform's `fetch` only, so it runs in a browser or an edge
 * worker as well as on a server (where a registry allows CORS, in a browser). It pings,
 * reads manifests and indexes with the full Accept list, streams blobs verified as they
 * arrive (size and sha256, resumed by Range after a reset), answers Bearer and Basic
 * challenges with anonymous or given credentials, retries 5xx and network failures,
 * follows redirects up to a limit, and pushes: blob checks, cross-repository mounts,
 * monolithic and chunked uploads, manifests. Errors are RegistryError with the
 * registry's own words (docs/registry.md).
 *
 * @example
 * ```ts
 * import { RegistryClient } from "./mod.ts";
 * const reg = new RegistryClient("127.0.0.1:5000"); // loopback: plain http, as Docker
 * const m = await reg.manifest("demo", "v1", "Cannot pull demo:v1");
 * console.log(m.mediaType, m.digest);
 * ```
 */
import { RegistryClient } from "./client.ts";
import type { RegistryCredentials } from "./credentials.ts";
import type { RegistryOptions } from "./_transport.ts";

export { RegistryClient } from "./client.ts";
export { type BlobReadOptions } from "./_blob_stream.ts";
export { type CredentialsFor, type RegistryCredentials } from "./credentials.ts";
export { describeErrors, parseErrorBody, RegistryError } from "./errors.ts";
export { DOCKER_HUB, isInsecure, registryOrigin } from "./_hosts.ts";
export { formatPlatform, isWasiPlatform, parsePlatform, pickManifest, type Platform } from "./platform.ts";
export { type RegistryOptions } from "./_transport.ts";

/**
 * Check a login: GET /v2/ on `registry` ("127.0.0.1:5000", "docker.io") with `creds`,
 * answering its challenge. Resolves when the registry accepts them.
 * Errors: RegistryError (status 401 for refused credentials, 0 when nothing answers).
 */
export async function pingRegistry(registry: string, creds: RegistryCredentials | undefined, opts: Omit<RegistryOptions, "credentials"> = {}): Promise<void> {
  const client = new RegistryClient(registry, { ...opts, credentials: () => Promise.resolve(creds) });
  await client.ping(`Get "${client.origin}/v2/"`);
}
