/**
 * The engine: Docker's model of images and containers as a library over a Store —
 * create, start, stop, kill, restart, wait, remove, rename, list, inspect, logs, exec,
 * diff, export, commit, events, system df — on Node and Deno with the disk store, and in
 * a browser or an edge worker with MemoryStore. See docs/engine.md.
 *
 * @example
 * ```ts
 * import { createEngine } from "./mod.ts";
 * import { MemoryStore } from "../store/mod.ts";
 * const engine = await createEngine({ store: new MemoryStore() });
 * await engine.images.load(archiveBytes);
 * const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["echo", "hi"] });
 * await engine.containers.start(Id);
 * console.log(await engine.containers.wait(Id)); // { StatusCode: 0, Error: null }
 * ```
 */
import { Engine } from "./engine.ts";
import type { EngineOptions } from "./types.ts";

/** Open an engine on a store (containers kept there come back). */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  return await new Engine(opts).open();
}

export { Engine };
export type {
  AttachOptions, AttachSession, ContainerInspect, ContainerRecord, ContainerStatus, ContainerSummary, ContainersApi,
  CreateOptions, EngineApi, EngineOptions, EnginePlatform, EventsApi, EventsOptions, ExecApi, ExecInspect, ExecOptions, HostConfig, ImagesApi,
  ListOptions, LogsOptions, MountPoint, MountSpec, SystemDf, Volume, VolumeCreateOptions, VolumesApi, WaitCondition,
} from "./types.ts";
export { EngineError, type EngineErrorKind } from "./errors.ts";
export { ImageStore, type LoadProgress, type LoadResult, type ImageSummary } from "./images.ts";
export { normalizeReference } from "./reference.ts";
export { type EngineEvent, EventBus } from "./events.ts";
export { LogBuffer } from "./logs.ts";
export type { LogEntry } from "./types.ts";
export { VolumeStore } from "./volumes.ts";
export { EngineImages } from "./_engine_images.ts";
export { MountedVfs, readOnly } from "../wasi/mod.ts";
export { Execs } from "./exec.ts";
export { humanDuration, isoTime } from "./_format.ts";
export type { ExitStatus } from "./types.ts";
export { type Filters } from "./_filters.ts";
