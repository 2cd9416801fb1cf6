/**
 * What the steps of a build share: the state of the stage being built (moby's
 * dispatchState: the image so far, the config it will have, build args, whether CMD was
 * set), the build's output, and the error a failed step ends the build with.
 */
import type { ContainerConfig } from "../oci/mod.ts";
import type { BuildArgs } from "./_build_args.ts";

/** One JSON message of the build's output, in Docker's shape: text for the terminal, or the image id. */
export type BuildMessage = { stream: string } | { aux: { ID: string } };

/**
 * Where a build's messages go. A promise it returns says "wait before saying more" (a
 * client reading slowly): a RUN's output waits for it, so a chatty program costs what
 * its container's log keeps, not what the client has yet to read.
 */
type BuildSink = (m: BuildMessage) => void | Promise<void>;

/** The build's output: stdout text, stderr text (shown red, as moby's StderrFormatter does), the image id of a finished stage. */
export class BuildOutput {
  constructor(readonly emit: BuildSink) {}
  stdout(text: string): void | Promise<void> {
    if (text) return this.emit({ stream: text });
  }
  stderr(text: string): void | Promise<void> {
    if (text) return this.emit({ stream: `\x1b[91m${text}\x1b[0m` });
  }
  aux(id: string): void {
    void this.emit({ aux: { ID: id } });
  }
}

/** A stage as it is being built. */
export interface StageState {
  /** `FROM … AS name` (lower case), or "". */
  name: string;
  /** The image so far; "" while a `FROM scratch` stage has made none. */
  imageId: string;
  platform: { os: string; architecture: string };
  /** The config the stage's image will have. */
  config: ContainerConfig;
  /** MAINTAINER: the author of the images from here on. */
  maintainer?: string;
  /** A CMD with arguments was given in this stage: a later ENTRYPOINT keeps it. */
  cmdSet: boolean;
  args: BuildArgs;
}

/**
 * A failed build (moby's jsonstream.Error): its message is the stream's `errorDetail`,
 * and `code` — a RUN's exit status — is what the docker CLI exits with.
 */
export class BuildError extends Error {
  override name = "BuildError";
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

/** The shell that runs shell forms: SHELL, or /bin/sh -c. */
export function shellOf(config: ContainerConfig): string[] {
  return config.Shell?.length ? [...config.Shell] : ["/bin/sh", "-c"];
}
