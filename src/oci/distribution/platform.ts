/**
 * Choosing an image from an index (OCI image-index.md, Docker manifest list) for the
 * platform strata runs: WASI preview1 programs, which images name `wasip1/wasm` (Go,
 * `docker buildx --platform wasip1/wasm`) or `wasi/wasm` (older toolchains and
 * containerd's wasm shims); or the platform a pull asks for (`--platform os/arch[/variant]`).
 * With no request and no WASI entry, the first real entry is taken (attestation
 * manifests, `unknown/unknown`, are skipped) and the pull warns that its platform does
 * not match, as Docker warns; such an image's programs then fail to run with exit 126.
 */
import type { Descriptor } from "../manifest.ts";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The platforms strata runs, best first. */
const WASI_PLATFORMS: readonly Platform[] = [{ os: "wasip1", architecture: "wasm" }, { os: "wasi", architecture: "wasm" }];

/** "os/arch[/variant]" → Platform. Errors: RangeError in Docker's wording for a malformed one. */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().toLowerCase().split("/");
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) throw new RangeError(`"${s}": invalid platform format, expected os/arch[/variant]`);
  const [os, architecture = os === "wasip1" || os === "wasi" ? "wasm" : "", variant] = parts as [string, string?, string?];
  if (!architecture) throw new RangeError(`"${s}": unknown operating system or architecture: invalid argument`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** "os/arch[/variant]". */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x).join("/");
}

/** A descriptor of an index with the platform it declares. */
type IndexEntry = Descriptor & { platform?: Platform };

/** Does the entry's platform match the wanted one (a variant only when asked for)? */
function matches(p: Platform | undefined, want: Platform): boolean {
  return !!p && p.os === want.os && p.architecture === want.architecture && (!want.variant || p.variant === want.variant);
}

/**
 * The entry to pull: the asked platform's, else a WASI one, else (nothing asked) the
 * first real entry with `mismatch` set. Errors: RangeError "no matching manifest for X
 * in the manifest list entries" (Docker's words) when an asked platform is absent.
 */
export function pickManifest(entries: readonly IndexEntry[], want?: Platform): { entry: IndexEntry; mismatch: boolean } {
  if (want) {
    const hit = entries.find((e) => matches(e.platform, want));
    if (!hit) throw new RangeError(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
    return { entry: hit, mismatch: false };
  }
  for (const w of WASI_PLATFORMS) {
    const hit = entries.find((e) => matches(e.platform, w));
    if (hit) return { entry: hit, mismatch: false };
  }
  const real = entries.find((e) => e.platform?.os !== "unknown");
  if (!real) throw new RangeError(`no matching manifest for ${formatPlatform(WASI_PLATFORMS[0]!)} in the manifest list entries`);
  return { entry: real, mismatch: true };
}

/** Is this a platform strata runs? */
export function isWasiPlatform(p: Platform): boolean {
  return WASI_PLATFORMS.some((w) => w.os === p.os && w.architecture === p.architecture);
}
