/**
 * `docker build` with the classic builder (moby daemon/builder/dockerfile; `engine.builder`):
 * a Dockerfile from the build context is run step by step, each step committing an image
 * whose parent is the previous step's, so that the next build of the same steps on the
 * same parent takes them from the cache (" ---> Using cache"). The output is moby's,
 * as JSON messages (`{"stream": "Step 1/3 : FROM toolbox\n"}`, `{"aux": {"ID": …}}`),
 * ending with "Successfully built" and one "Successfully tagged" per tag; a failed step
 * ends the build with its error (a RUN's exit status as the error's `code`), tags
 * nothing, and leaves only complete images (the steps that succeeded). Build containers
 * are removed after their step, and when it fails (`remove: false` keeps them).
 *
 * The parts: the plan (_build_stages.ts), the context (_build_context.ts), FROM and
 * `--from` (_build_from.ts), each step (_build_dispatch.ts, _build_config.ts,
 * _build_run.ts, _build_copy.ts with _build_sources.ts and _build_owner.ts), the image a
 * step makes (_build_commit.ts) and the cache (_build_cache.ts).
 */
import { DockerfileError, expandCommand } from "../dockerfile/mod.ts";
import { sha256 } from "../oci/mod.ts";
import type { BuilderApi } from "./api.ts";
import { BuildArgs } from "./_build_args.ts";
import { CacheProbe } from "./_build_cache.ts";
import { BuildContext } from "./_build_context.ts";
import { dispatch } from "./_build_dispatch.ts";
import { beginStage } from "./_build_from.ts";
import { type BuildPlan, planBuild, triggerStep } from "./_build_stages.ts";
import { BuildError, type BuildMessage, BuildOutput, type StageState } from "./_build_state.ts";
import { type BuilderParts, StepContext } from "./_build_step.ts";
import { EngineError, invalid } from "./errors.ts";
import { normalizeReference } from "./reference.ts";

export type { BuilderParts, BuildMessage };
export { BuildError };

/** `POST /build`'s parameters, as the engine takes them. */
export interface BuildOptions {
  /** The Dockerfile's path in the context (default "Dockerfile"; "dockerfile" is tried when that is missing). */
  dockerfile?: string;
  /** `-t`, each tagged when the build succeeds. */
  tags?: string[];
  /** `--target`: build the stages up to this one. */
  target?: string;
  /** `--build-arg`: null for a name given without a value that the client's env does not set. */
  buildArgs?: Record<string, string | null>;
  noCache?: boolean;
  /** Remove build containers after their step (default true). */
  remove?: boolean;
  /** Remove build containers even when their step fails (strata does whenever `remove`). */
  forceRemove?: boolean;
  /** `--label`: LABEL steps at the end of the last stage. */
  labels?: Record<string, string>;
  /** `--platform` (os[/arch]): a base image of another platform is an error. */
  platform?: string;
  /**
   * Unix seconds (BuildKit's SOURCE_DATE_EPOCH, also taken from the build arg of that
   * name): the images' times, and the latest mtime in their new layers.
   */
  sourceDateEpoch?: number;
  /** Largest context (default 2 GiB). */
  maxContextBytes?: number;
  /** Cancel the build (the client went away): a running step's container is killed. */
  signal?: AbortSignal;
  /** Each message of the output, as it comes; a promise it returns holds a RUN's output back until it resolves (backpressure). */
  onOutput?: (m: BuildMessage) => void | Promise<void>;
}

export interface BuildResult {
  /** The image id. */
  id: string;
  /** The tags given to it (normalized). */
  tags: string[];
}

const short = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

export class Builder implements BuilderApi {
  constructor(readonly parts: BuilderParts) {}

  /**
   * Build an image from a context tar. Errors before the first step (a bad tag, an
   * unreadable context, a Dockerfile that is missing or does not parse) are EngineErrors
   * "invalid" or the context's parse errors; a failed step is a BuildError.
   */
  async build(input: Uint8Array | ReadableStream<Uint8Array>, o: BuildOptions = {}): Promise<BuildResult> {
    const tags = sanitizeTags(o.tags ?? []);
    const epoch = sourceDateEpoch(o);
    const context = await BuildContext.read(input, { maxBytes: o.maxContextBytes ?? 2 ** 31, inflater: this.parts.platform?.inflater });
    const name = o.dockerfile || "Dockerfile";
    const plan = parse(context.dockerfile(name), o);
    context.applyDockerignore();
    const out = new BuildOutput(o.onOutput ?? (() => {}));
    for (const w of plan.warnings) out.stderr(`${w}\n`);
    const hash = this.parts.platform?.sha256 ?? sha256;
    const run = new StepContext(this.parts, out, new CacheProbe(this.parts.images, !!o.noCache), context, { hash, escape: plan.escape, epoch, signal: o.signal });
    const id = await this.#run(run, plan, new BuildArgs(o.buildArgs ?? {}), o);
    out.stdout(`Successfully built ${short(id)}\n`);
    for (const tag of tags) {
      await this.parts.images.tag(id, tag);
      out.stdout(`Successfully tagged ${tag}\n`);
    }
    return { id, tags };
  }

  /** Every step of every stage; resolves with the last stage's image id. */
  async #run(run: StepContext, plan: BuildPlan, args: BuildArgs, o: BuildOptions): Promise<string> {
    let n = 1;
    const say = (text: string) => run.out.stdout(`Step ${n++}/${plan.total} : ${text}\n`);
    for (const meta of plan.metaArgs) {
      say(meta.original);
      const allowed = args.allowed();
      const cmd = expandCommand(meta.cmd, (k) => allowed.get(k), plan.escape) as typeof meta.cmd;
      for (const a of cmd.args) {
        args.addArg(a.name, a.value);
        args.addMetaArg(a.name, a.value);
      }
    }
    let state: StageState | undefined;
    for (const stage of plan.stages) {
      run.stages.checkName(stage.from.stage ?? "");
      say(stage.original);
      run.cache.reset();
      state = await beginStage(run, stage.from, args.forStage(), { platform: o.platform });
      await this.#triggers(run, state, o);
      run.out.stdout(` ---> ${short(state.imageId)}\n`);
      for (const step of stage.steps) {
        if (o.signal?.aborted) {
          run.out.stdout("Build cancelled\n");
          throw new BuildError("Build cancelled");
        }
        say(step.original);
        await this.#step(run, state, step, o);
        run.out.stdout(` ---> ${short(state.imageId)}\n`);
      }
      if (state.imageId) run.out.aux(state.imageId);
      args.mergeReferenced(state.args);
      run.stages.add(state.name, state.imageId);
    }
    const unused = args.unused().filter((k) => k !== "SOURCE_DATE_EPOCH");
    if (unused.length) run.out.stdout(`[Warning] One or more build-args [${unused.join(" ")}] were not consumed\n`);
    if (!state?.imageId) throw new BuildError("No image was generated. Is your Dockerfile empty?");
    return state.imageId;
  }

  /** One step, its build containers removed after it whatever happened (unless `remove: false`). */
  async #step(run: StepContext, state: StageState, step: { cmd: Parameters<typeof dispatch>[2]; expand?: boolean }, o: BuildOptions): Promise<void> {
    try {
      await dispatch(run, state, step.cmd, { expand: step.expand });
    } finally {
      await this.#removeContainers(run, o);
    }
  }

  /** ONBUILD triggers of the stage's base image, run as its first steps (moby dispatchTriggeredOnBuild). */
  async #triggers(run: StepContext, state: StageState, o: BuildOptions): Promise<void> {
    const triggers = state.config.OnBuild ?? [];
    if (!triggers.length) return;
    state.config = { ...state.config };
    delete state.config.OnBuild;
    run.out.stdout(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? "s" : ""}\n`);
    for (const t of triggers) await this.#step(run, state, triggerStep(t), o);
  }

  async #removeContainers(run: StepContext, o: BuildOptions): Promise<void> {
    const ids = run.containers.splice(0);
    if (o.remove === false && !o.forceRemove) return;
    for (const id of ids) {
      try {
        await this.parts.containers.remove(id, { force: true, v: true });
        run.out.stdout(` ---> Removed intermediate container ${short(id)}\n`);
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        run.out.stdout(`Removing intermediate container ${short(id)}: ${err.message}\n`);
      }
    }
  }
}

/** The Dockerfile's plan; its syntax errors are "invalid" (400 before the build starts). */
function parse(text: string, o: BuildOptions): BuildPlan {
  try {
    return planBuild(text, { target: o.target, labels: o.labels });
  } catch (err) {
    if (err instanceof DockerfileError) throw invalid(err.message);
    throw err;
  }
}

/** The `t` values as references, each once (moby sanitizeRepoAndTags). Errors: invalid. */
function sanitizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    if (!t) continue;
    if (t.includes("@")) throw invalid("build tag cannot contain a digest");
    const ref = normalizeReference(t);
    if (!out.includes(ref)) out.push(ref);
  }
  return out;
}

/** The source date epoch, from the option or the build arg. Errors: invalid when it is no whole number of seconds. */
function sourceDateEpoch(o: BuildOptions): number | undefined {
  const raw = o.sourceDateEpoch ?? o.buildArgs?.["SOURCE_DATE_EPOCH"] ?? undefined;
  if (raw === undefined || raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw invalid(`invalid SOURCE_DATE_EPOCH: ${JSON.stringify(String(raw))} is not a whole number of seconds since 1970`);
  return n;
}
