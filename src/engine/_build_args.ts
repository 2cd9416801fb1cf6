/**
 * Build arguments as the classic builder keeps them (moby builder/dockerfile/buildargs.go):
 * the values given with `--build-arg`, the ARGs a stage declared (allowed in it), the
 * ARGs before the first FROM (meta args, for FROM lines and as defaults), which names the
 * Dockerfile referenced (for the "were not consumed" warning), and the predefined proxy
 * args, usable without an ARG and left out of history unless declared. The classic
 * builder predefines no BUILDPLATFORM/TARGETPLATFORM (BuildKit does), and neither does this.
 */

/** The predefined args: allowed without an ARG, and "transparent" (not in a RUN's cache key or history unless declared). */
const PREDEFINED_ARGS = new Set(["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"]);

export class BuildArgs {
  /** Args this stage declared (ARG), with their defaults. */
  #allowed = new Map<string, string | undefined>();
  /** ARGs before the first FROM. */
  #meta = new Map<string, string | undefined>();
  /** Names the Dockerfile declared anywhere. */
  #referenced = new Set<string>();

  /** `fromOptions`: `--build-arg` values (null: named without a value and unset in the client's env). */
  constructor(readonly fromOptions: Readonly<Record<string, string | null>> = {}) {}

  /** A copy for a new stage: meta args and references kept, no args allowed yet (moby's Clone + ResetAllowed). */
  forStage(): BuildArgs {
    const out = new BuildArgs(this.fromOptions);
    out.#meta = new Map(this.#meta);
    out.#referenced = new Set(this.#referenced);
    return out;
  }

  /** ARG name[=value] in a stage. */
  addArg(name: string, value: string | undefined): void {
    this.#allowed.set(name, value);
    this.#referenced.add(name);
  }

  /** ARG before the first FROM. */
  addMetaArg(name: string, value: string | undefined): void {
    this.#meta.set(name, value);
  }

  /** Take the names another stage referenced (each stage works on its own copy). */
  mergeReferenced(other: BuildArgs): void {
    for (const k of other.#referenced) this.#referenced.add(k);
  }

  /** The args usable in this stage's instructions, with their values (allowed ones and the predefined ones given). */
  allowed(): Map<string, string> {
    return this.#values(this.#allowed);
  }

  /** The meta args with their values (what a FROM line may use). */
  meta(): Map<string, string> {
    return this.#values(this.#meta);
  }

  /** `NAME=value` of the allowed args that `env` (the image's Env) does not set: what a RUN gets besides Env. */
  filterAllowed(env: readonly string[]): string[] {
    const set = new Set(env.map((e) => e.split("=")[0]));
    return [...this.allowed()].filter(([k]) => !set.has(k)).map(([k, v]) => `${k}=${v}`);
  }

  /** Declared in this stage, or not a predefined arg (moby's IsReferencedOrNotBuiltin). */
  isReferencedOrNotPredefined(name: string): boolean {
    return this.#allowed.has(name) || !PREDEFINED_ARGS.has(name);
  }

  /** The `--build-arg` names no ARG declared (predefined ones aside), sorted. */
  unused(): string[] {
    return Object.keys(this.fromOptions).filter((k) => !this.#referenced.has(k) && !PREDEFINED_ARGS.has(k)).sort();
  }

  #values(source: ReadonlyMap<string, string | undefined>): Map<string, string> {
    const out = new Map<string, string>();
    for (const key of [...source.keys(), ...PREDEFINED_ARGS]) {
      const given = this.fromOptions[key];
      if (given !== undefined && given !== null) {
        out.set(key, given);
        continue;
      }
      if (!source.has(key)) continue;
      const dflt = source.get(key) ?? this.#meta.get(key);
      if (dflt !== undefined) out.set(key, dflt);
    }
    return out;
  }
}
