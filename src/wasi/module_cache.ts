/**
 * Compiled WebAssembly modules keyed by the sha256 digest of the program file, so a
 * hundred containers of one image compile each program once. Runtimes that cannot
 * compile at run time (Cloudflare Workers) `register` modules bundled at deploy time.
 */
import type { ModuleCacheLike } from "./types.ts";
import { sha256Hex } from "./_sha256.ts";
import { capModuleMemory } from "./_memory_cap.ts";

/** A module ready to instantiate, and whether its memory carries the requested cap. */
interface CachedModule {
  module: WebAssembly.Module;
  digest: string;
  /** False for precompiled modules: their cap is enforced at system calls instead. */
  capped: boolean;
}

/** Digest of a file's bytes, memoized per underlying buffer (lower-layer files are views into shared layer bytes). */
const digests = new WeakMap<ArrayBufferLike, Map<string, string>>();

/** "sha256:<hex>" of `bytes`. */
export function fileDigest(bytes: Uint8Array): string {
  let byBuffer = digests.get(bytes.buffer);
  if (!byBuffer) digests.set(bytes.buffer, byBuffer = new Map());
  const key = `${bytes.byteOffset}:${bytes.byteLength}`;
  let digest = byBuffer.get(key);
  if (!digest) byBuffer.set(key, digest = `sha256:${sha256Hex(bytes)}`);
  return digest;
}

/** The cache key of a module compiled from `digest` with a memory cap of `maxPages` (none: the file's own limits). */
export function moduleKey(digest: string, maxPages?: number): string {
  return maxPages ? `${digest}@${maxPages}` : digest;
}

/** A module cache; `defaultModuleCache` is shared by every container of this engine. */
export class ModuleCache implements ModuleCacheLike {
  #modules = new Map<string, WebAssembly.Module>();
  #precompiled = new Set<string>();

  get(digest: string): WebAssembly.Module | undefined {
    return this.#modules.get(digest);
  }

  register(digest: string, module: WebAssembly.Module): void {
    this.#modules.set(digest, module);
    this.#precompiled.add(digest);
  }

  /** Put a module compiled elsewhere (a module posted to a worker) under its digest and cap. */
  put(digest: string, maxPages: number | undefined, module: WebAssembly.Module): void {
    this.#modules.set(moduleKey(digest, maxPages), module);
  }

  /** How many modules are held. */
  get size(): number {
    return this.#modules.size;
  }

  /** The module for these file bytes, compiled once per digest (and per memory cap, in pages). */
  load(bytes: Uint8Array, opts: { maxPages?: number } = {}): CachedModule {
    const digest = fileDigest(bytes);
    if (this.#precompiled.has(digest)) return { module: this.#modules.get(digest)!, digest, capped: false };
    const key = moduleKey(digest, opts.maxPages);
    let module = this.#modules.get(key);
    if (!module) {
      const source = opts.maxPages ? capModuleMemory(bytes, opts.maxPages) : bytes;
      module = new WebAssembly.Module(source as Uint8Array<ArrayBuffer>);
      this.#modules.set(key, module);
    }
    return { module, digest, capped: true };
  }
}

/** The engine-wide cache used when `RunOptions.modules` is not given. */
export const defaultModuleCache: ModuleCache = new ModuleCache();

