/**
 * The classic builder's cache (moby image/cache: getLocalCachedImage, compare.go). A
 * step's result is a child image of the image it started from; a later build reuses it
 * when the same parent has a child made with an equal container config — the config the
 * step ran with, whose Cmd names the step (`/bin/sh -c #(nop)  ENV A=b`, the RUN's
 * command line with its build args, `COPY file:<sum> in /dest`). The key is a digest of
 * that config (every field moby's compare looks at, empty and absent alike) and of the
 * platform, kept on the image's record with its parent. After the first miss a stage
 * probes no more (moby's imageProber: the cache is busted from there on).
 */
import type { ContainerConfig } from "../oci/mod.ts";
import { sha256, type Sha256Impl } from "../oci/mod.ts";
import type { EngineImages } from "./_engine_images.ts";

/** The key of a step: a digest of its container config and the platform. */
export async function buildKey(config: ContainerConfig, platform: { os: string; architecture: string }, hash: Sha256Impl = sha256): Promise<string> {
  return await hash(new TextEncoder().encode(stableJson({ config, platform: `${platform.os}/${platform.architecture}` })));
}

/** JSON with sorted keys, where absent, null, false, "" and empty lists or maps are all left out (compare treats them alike). */
function stableJson(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (x === null || x === undefined || x === false || x === "") return undefined;
    if (Array.isArray(x)) return x.length ? x.map((e) => norm(e) ?? null) : undefined;
    if (typeof x !== "object") return x;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x as object).sort()) {
      const n = norm((x as Record<string, unknown>)[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  };
  return JSON.stringify(norm(v) ?? null);
}

/** One stage's view of the cache: off with `noCache`, and off for the rest of the stage after a miss. */
export class CacheProbe {
  #busted = false;
  constructor(readonly images: Pick<EngineImages, "cached">, readonly noCache: boolean) {}

  /** A new stage starts with the cache on again. */
  reset(): void {
    this.#busted = false;
  }

  /** The id of the image this step made before from `parent` ("" for scratch), or undefined (and no more probes this stage). */
  async probe(parent: string, key: string): Promise<string | undefined> {
    if (this.noCache || this.#busted) return undefined;
    const hit = await this.images.cached(parent, key);
    if (!hit) this.#busted = true;
    return hit?.id;
  }
}
