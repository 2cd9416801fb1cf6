/**
 * The hash a process's program is known by when a container wrote it (src/wasi's module
 * cache names a file in an image layer by its place there, and hashes nothing else): the
 * platform's incremental SHA-256 used whole, which is synchronous, as loading a program
 * inside a system call (`strata.spawn`) must be. Without one, src/wasi's own.
 */
import type { EnginePlatform } from "./options.ts";

/** "sha256:<hex>" of a program file through the platform's hasher, or undefined when it has none. */
export function programSha256(platform: EnginePlatform | undefined): ((bytes: Uint8Array) => string) | undefined {
  const make = platform?.sha256Hasher;
  if (!make) return undefined;
  return (bytes) => {
    const h = make();
    h.update(bytes);
    return h.digest();
  };
}
