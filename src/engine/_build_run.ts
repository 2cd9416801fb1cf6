/**
 * RUN (moby dispatchRun + containerManager.Run): a build container from the step's image
 * made with the engine's own create/start/wait, its output streamed into the build's
 * output as it comes (stderr marked as moby marks it), and, when it exits 0, its
 * writable layer as the step's layer. It has the stage's Env plus the build args in
 * scope, its WORKDIR and USER, no entrypoint, and no network (strata has none). A
 * non-zero exit fails the step in Docker's words; a cancelled build kills it.
 */
import { exportUpper, type UnionFS } from "../fs/mod.ts";
import type { ContainersApi } from "./api.ts";
import { BuildError, type BuildOutput } from "./_build_state.ts";
import { EngineError } from "./errors.ts";

interface RunParts {
  containers: Pick<ContainersApi, "create" | "start" | "wait" | "attach" | "kill">;
  /** A container's mounted filesystem (its writable layer over its image's). */
  mountOf(id: string): Promise<UnionFS>;
}

interface RunStep {
  image: string;
  cmd: string[];
  env: string[];
  workingDir?: string;
  user?: string;
  volumes?: Record<string, object>;
  out: BuildOutput;
  signal?: AbortSignal;
  /** Called with the container's id once it exists (so the build removes it whatever happens next). */
  created(id: string): void;
}

/**
 * Run the step; resolves with the container's writable layer as a tar.
 * Errors: BuildError "The command '/bin/sh -c exit 3' returned a non-zero code: 3" (code 3);
 * BuildError "Build cancelled" when the signal fires.
 */
export async function runStep(parts: RunParts, s: RunStep): Promise<Uint8Array> {
  const { containers } = parts;
  const { Id } = await containers.create({
    Image: s.image, Cmd: s.cmd, Entrypoint: [], Env: s.env, WorkingDir: s.workingDir, User: s.user, Volumes: s.volumes,
    AttachStdout: true, AttachStderr: true,
  });
  s.created(Id);
  s.out.stdout(` ---> Running in ${Id.slice(0, 12)}\n`);
  const session = containers.attach(Id, { stdout: true, stderr: true, stream: true });
  const pump = (async () => {
    const lines = { stdout: new LineBuffer((t) => s.out.stdout(t)), stderr: new LineBuffer((t) => s.out.stderr(t)) };
    for await (const e of session.output) await lines[e.stream].push(e.data);
    await lines.stdout.end();
    await lines.stderr.end();
  })();
  let killFailed: unknown;
  const cancel = () => {
    containers.kill(Id).catch((err: unknown) => {
      // Exited or gone already: nothing left to stop.
      if (!(err instanceof EngineError && (err.kind === "conflict" || err.kind === "not-found"))) killFailed = err;
    });
  };
  s.signal?.addEventListener("abort", cancel);
  try {
    await containers.start(Id);
    const status = await containers.wait(Id);
    await pump;
    if (killFailed) throw killFailed;
    if (s.signal?.aborted) throw new BuildError("Build cancelled");
    if (status.StatusCode !== 0) {
      const why = status.Error?.Message ? `: ${status.Error.Message}` : "";
      throw new BuildError(`The command '${s.cmd.join(" ")}' returned a non-zero code: ${status.StatusCode}${why}`, status.StatusCode);
    }
  } finally {
    s.signal?.removeEventListener("abort", cancel);
    session.close();
  }
  return exportUpper(await parts.mountOf(Id));
}

/** A line longer than this is passed on in pieces (a program that never writes a newline holds no more). */
const MAX_LINE = 64 * 1024;

/**
 * A stream's text passed on a line at a time (a program's many small writes — `echo`
 * writes its newline apart — read as the lines they make; stderr's red marks go around
 * whole lines), what is left of a line when the stream ends.
 */
class LineBuffer {
  readonly #dec = new TextDecoder();
  #held = "";
  constructor(readonly emit: (text: string) => void | Promise<void>) {}

  async push(data: Uint8Array): Promise<void> {
    const text = this.#held + this.#dec.decode(data, { stream: true });
    const cut = text.length > MAX_LINE ? text.length : text.lastIndexOf("\n") + 1;
    this.#held = text.slice(cut);
    if (cut > 0) await this.emit(text.slice(0, cut));
  }

  async end(): Promise<void> {
    const rest = this.#held + this.#dec.decode();
    this.#held = "";
    if (rest) await this.emit(rest);
  }
}
