/**
 * The engine: Docker's model of images and containers as a library over a Store —
 * create, start, stop, kill, restart, wait, remove, rename, list, inspect, logs, exec,
 * diff, export, cp (the archive verbs), commit, events, system df — on Node and Deno with the disk store, and in
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
import type { EngineOptions } from "./options.ts";

/** Open an engine on a store (containers kept there come back). */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  return await new Engine(opts).open();
}

export { Engine };
// The contracts (api.ts), the options (options.ts) and Docker's wire shapes (wire.ts).
export type { AttachSession, BuilderApi, ContainersApi, EngineApi, EventsApi, ExecApi, ImagesApi, LogEntry, SystemApi, VolumesApi } from "./api.ts";
export type { AttachOptions, EngineOptions, EnginePlatform, EventsOptions, ListOptions, LogsOptions, WaitCondition } from "./options.ts";
export type {
  ContainerInspect, ContainerRecord, ContainerStatus, ContainerSummary, CreateOptions, ExecInspect, ExecOptions, ExitStatus, Filters, HostConfig,
  MountPoint, MountSpec, SystemDf, Volume, VolumeCreateOptions,
} from "./wire.ts";
export { EngineError, type EngineErrorKind } from "./errors.ts";
export type { UpdateOptions } from "./_update.ts";
export { type AuthConfig, authCredentials, type AuthResult } from "./_auth.ts";
export { DEFAULT_MAX_ARCHIVE, type PathStat, type PutArchiveOptions } from "./archive.ts";
// The parts an Engine is made of that callers hold (engine.images, engine.volumes, engine.events, engine.exec).
export { EngineImages } from "./_engine_images.ts";
export { VolumeStore } from "./volumes.ts";
export { type EngineEvent, EventBus } from "./events.ts";
export { Execs } from "./exec.ts";
export { ImageStore, type LoadProgress, type LoadResult, type ImageSummary } from "./images.ts";
export { normalizeReference, remoteReference } from "./reference.ts";
export { BuildError, type BuildMessage, type BuildOptions, type BuildResult, Builder } from "./build.ts";
export { LogBuffer } from "./logs.ts";
export { foreignPlatform, HOST_PLATFORM } from "./_host_config.ts";
export type { StatsJson } from "./stats.ts";
export type { TopResult } from "./top.ts";
export type { StatsOptions } from "./_proc_verbs.ts";
export { MountedVfs, readOnly } from "../wasi/mod.ts";
export { humanDuration, isoTime } from "./_format.ts";
