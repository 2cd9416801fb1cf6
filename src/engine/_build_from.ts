/**
 * Where a stage starts and where COPY --from reads (moby dispatchers.go initializeStage,
 * getFromImage, getImageMount): FROM names an earlier stage, `scratch`, or an image
 * (the name expanded with the meta args only), pulled from its registry when it is not
 * here; the stage's config is a copy of the
 * image's, with PATH added when it has none (moby's setDefaultPath). `COPY --from` names
 * a stage (by name or index) or an image, and reads its files; `COPY <<EOF` reads what
 * the heredoc holds.
 */
import { type Command, expandWord } from "../dockerfile/mod.ts";
import { Layer, UnionFS, WritableLayer } from "../fs/mod.ts";
import { writeTar } from "../tar/mod.ts";
import type { BuildArgs } from "./_build_args.ts";
import { SCRATCH_PLATFORM } from "./_build_commit.ts";
import type { CopySource } from "./_build_sources.ts";
import { BuildError, type StageState } from "./_build_state.ts";
import type { StepContext } from "./_build_step.ts";
import { EngineError } from "./errors.ts";

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The state a stage begins with. Errors: BuildError for a blank or missing base, or another platform than asked. */
export async function beginStage(run: StepContext, from: Extract<Command, { kind: "from" }>, args: BuildArgs, o: { platform?: string } = {}): Promise<StageState> {
  const meta = args.meta();
  const name = expandWord(from.image, (n) => meta.get(n), run.o.escape);
  if (!name) throw new BuildError(`base name (${from.image}) should not be blank`);
  const stage = run.stages.byName(name);
  const state: StageState = { name: from.stage ?? "", imageId: "", platform: { ...SCRATCH_PLATFORM }, config: {}, cmdSet: false, args };
  const imageId = stage ?? (name === "scratch" ? "" : await localImage(run, name));
  if (imageId) {
    const image = await run.parts.images.config(imageId);
    Object.assign(state, { imageId, platform: { os: image.os || SCRATCH_PLATFORM.os, architecture: image.architecture || SCRATCH_PLATFORM.architecture }, config: structuredClone(image.config) });
  }
  const wanted = o.platform ?? (from.platform ? expandWord(from.platform, (n) => meta.get(n), run.o.escape) : undefined);
  if (wanted && imageId && !samePlatform(wanted, state.platform)) {
    throw new BuildError(`image with reference ${name} was found but does not match the specified platform: wanted ${wanted}, actual: ${state.platform.os}/${state.platform.architecture}`);
  }
  if (!(state.config.Env ?? []).some((e) => e.startsWith("PATH="))) state.config.Env = [...(state.config.Env ?? []), DEFAULT_PATH];
  return state;
}

/**
 * A local image's id; one that is not here is pulled first, as the classic builder pulls
 * a missing base, its progress in the build's output (one line per change, no byte
 * counts). The pull is anonymous: X-Registry-Config is not read yet.
 */
async function localImage(run: StepContext, name: string): Promise<string> {
  try {
    return (await run.parts.images.resolve(name)).id;
  } catch (err) {
    if (!(err instanceof EngineError) || err.kind !== "not-found") throw err;
  }
  const say = (m: { status?: string; id?: string; progressDetail?: { current?: number } }) => {
    if (m.status && m.progressDetail?.current === undefined) void run.out.stdout(`${m.id ? `${m.id}: ` : ""}${m.status}\n`);
  };
  try {
    return (await run.parts.images.pull(name, { onProgress: say, signal: run.o.signal })).id;
  } catch (err) {
    if (run.o.signal?.aborted) throw err;
    throw new BuildError((err as Error).message); // "pull access denied for x, …", "manifest for x not found: …"
  }
}

function samePlatform(wanted: string, p: { os: string; architecture: string }): boolean {
  const [os, arch] = wanted.toLowerCase().split("/");
  return os === p.os && (!arch || arch === p.architecture);
}

/** What a COPY or ADD reads: the heredocs it holds, the stage or image `--from` names, or the context. */
export async function copySource(run: StepContext, cmd: Extract<Command, { kind: "copy" | "add" }>): Promise<CopySource & { paths?: string[] }> {
  if (cmd.contents?.length) {
    if (cmd.sources.length) throw new BuildError(`${cmd.kind.toUpperCase()} failed: heredoc sources cannot be mixed with files`);
    const files = cmd.contents.map((c) => ({ path: c.path, type: "file" as const, mode: 0o644, data: new TextEncoder().encode(c.data) }));
    const tar = writeTar(files);
    return { fs: new UnionFS({ lowers: [new Layer(tar, { name: "heredoc" })], upper: new WritableLayer() }), context: false, paths: cmd.contents.map((c) => c.path) };
  }
  if (cmd.from === undefined) return { fs: run.context.filesystem(), context: true };
  let imageId: string;
  try {
    imageId = run.stages.get(cmd.from) ?? (await run.parts.images.resolve(cmd.from)).id;
  } catch (err) {
    throw new BuildError(`invalid from flag value ${cmd.from}: ${(err as Error).message}`);
  }
  return { fs: await run.mount(imageId), context: false };
}
