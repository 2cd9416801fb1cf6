/**
 * What every step of one build is handed (`StepContext`): the engine parts a build uses
 * (a narrow view of them: images, the layer cache's lowers, the container verbs), the
 * output, the cache probe, the context, the stages built so far, and the build
 * containers the step in progress made (the build removes them).
 */
import { Layer, UnionFS, WritableLayer } from "../fs/mod.ts";
import type { Sha256Impl } from "../oci/mod.ts";
import type { MakeInflater } from "../tar/mod.ts";
import type { ContainersApi } from "./api.ts";
import type { EngineImages } from "./_engine_images.ts";
import type { LayerCache } from "./_layer_cache.ts";
import type { CacheProbe } from "./_build_cache.ts";
import type { BuildContext } from "./_build_context.ts";
import type { BuildOutput, StageState } from "./_build_state.ts";

/** The parts of the engine a build uses. */
export interface BuilderParts {
  images: Pick<EngineImages, "find" | "resolve" | "config" | "cached" | "create" | "tag" | "pull">;
  layers: Pick<LayerCache, "lowersOf">;
  containers: Pick<ContainersApi, "create" | "start" | "wait" | "attach" | "kill" | "remove">;
  /** A container's mounted filesystem (the RUN step's layer is its upper). */
  mountOf(containerId: string): Promise<UnionFS>;
  platform?: { sha256?: Sha256Impl; inflater?: MakeInflater };
}

/** The stages built so far: by name (lower case) and by index, each its final image id ("" for an empty scratch stage). */
class StageResults {
  readonly #byName = new Map<string, string>();
  readonly #list: string[] = [];

  /** Errors: "NAME stage name already used". */
  checkName(name: string): void {
    if (name && this.#byName.has(name.toLowerCase())) throw new Error(`${name} stage name already used`);
  }

  add(name: string, imageId: string): void {
    this.checkName(name);
    if (name) this.#byName.set(name.toLowerCase(), imageId);
    this.#list.push(imageId);
  }

  byName(name: string): string | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  /** A stage by name or index (COPY --from=1); undefined when it names no stage. Errors: "index out of bounds", "refers to current build stage". */
  get(nameOrIndex: string): string | undefined {
    const named = this.byName(nameOrIndex);
    if (named !== undefined) return named;
    if (!/^-?\d+$/.test(nameOrIndex)) return undefined;
    const i = Number(nameOrIndex);
    if (i === this.#list.length) throw new Error("refers to current build stage");
    if (i < 0 || i > this.#list.length) throw new Error("index out of bounds");
    return this.#list[i];
  }
}

export class StepContext {
  /** Build containers the step in progress made. */
  readonly containers: string[] = [];
  readonly stages = new StageResults();

  constructor(
    readonly parts: BuilderParts,
    readonly out: BuildOutput,
    readonly cache: CacheProbe,
    readonly context: BuildContext,
    readonly o: { hash: Sha256Impl; escape: string; epoch?: number; signal?: AbortSignal },
  ) {}

  get hash(): Sha256Impl {
    return this.o.hash;
  }
  get epoch(): number | undefined {
    return this.o.epoch;
  }

  /** Take the cached result of this step when there is one (" ---> Using cache"). */
  async probe(st: StageState, key: string): Promise<boolean> {
    const hit = await this.cache.probe(st.imageId, key);
    if (!hit) return false;
    this.out.stdout(" ---> Using cache\n");
    st.imageId = hit;
    return true;
  }

  /** A new union filesystem over an image's layers (an empty one for ""): a step writes its layer into its upper. */
  async mount(imageId: string): Promise<UnionFS> {
    const diffIds = imageId ? (await this.parts.images.find(imageId))?.diffIds ?? [] : [];
    const lowers: Layer[] = await this.parts.layers.lowersOf(diffIds);
    return new UnionFS({ lowers, upper: new WritableLayer() });
  }
}
