/**
 * The engine's public shapes, in Docker's field names (Engine API v1.47), so that the
 * HTTP layer (src/api) and the CLI stay thin: what `POST /containers/create` takes, what
 * `docker ps`, `docker inspect`, `docker volume`, `docker events` and `docker system df`
 * return, the `EngineApi` grouped as Docker groups it (containers, exec, images, volumes,
 * events, system), and the platform abilities the engine is handed (`EnginePlatform`).
 */
import type { ProcessLimits, StdinSource, WorkerHost } from "../wasi/mod.ts";
import type { Store } from "../store/mod.ts";
import type { Sha256Hasher, Sha256Impl } from "../oci/mod.ts";
import type { MakeInflater } from "../tar/mod.ts";
import type { Change, FileSystem } from "../fs/mod.ts";
import type { EngineEvent } from "./events.ts";
import type { ImageStore, ImageSummary, LoadProgress, LoadResult } from "./images.ts";

// ---------------------------------------------------------------- create and host config

/** The body of `POST /containers/create` (the fields strata uses), plus `name` from the query. */
export interface CreateOptions {
  name?: string;
  Image: string;
  Cmd?: string[] | string | null;
  Entrypoint?: string[] | string | null;
  Env?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  User?: string;
  Hostname?: string;
  /** Anonymous volumes, as `{ "/data": {} }` (added to the image's Volumes). */
  Volumes?: Record<string, object> | null;
  StopTimeout?: number | null;
  HostConfig?: HostConfig;
}

/** One entry of `HostConfig.Mounts` (`docker run --mount`). */
export interface MountSpec {
  Type: "volume" | "bind";
  /** Volume name (empty or absent: a new anonymous volume) or host path. */
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
}

export interface HostConfig {
  AutoRemove?: boolean;
  /** `docker run -v`: "name:/dst[:ro]" (named volume) or "/host/dir:/dst[:ro]" (bind). */
  Binds?: string[] | null;
  /** WebAssembly memory cap in bytes (0 = the engine default). */
  Memory?: number;
  Mounts?: MountSpec[] | null;
  [key: string]: unknown;
}

export type ContainerStatus = "created" | "running" | "exited" | "removing";

/** What the store keeps per container (kind "container"). */
export interface ContainerRecord {
  Id: string;
  Name: string;
  Created: number;
  /** The image as the user named it. */
  Image: string;
  ImageID: string;
  /** diffIds of the image's layers, bottom first. */
  Layers: string[];
  Config: {
    Hostname: string; User: string; Tty: boolean; OpenStdin: boolean; StdinOnce: boolean;
    AttachStdin: boolean; AttachStdout: boolean; AttachStderr: boolean;
    Env: string[]; Cmd: string[] | null; Entrypoint: string[] | null; WorkingDir: string; Labels: Record<string, string>;
    Image: string; Volumes: Record<string, object> | null; StopTimeout?: number;
  };
  HostConfig: HostConfig;
  /** Resolved mounts, in `docker inspect` form (volumes named, anonymous ones given names at create). */
  Mounts?: MountPoint[];
  State: {
    Status: ContainerStatus; ExitCode: number; OOMKilled: boolean; Error: string;
    StartedAt: number; FinishedAt: number; Pid: number;
  };
  RestartCount: number;
}

// ---------------------------------------------------------------- views (what the API returns)

/** `docker inspect` `.Mounts[]`. */
export interface MountPoint {
  Type: "volume" | "bind";
  /** Volume name (volumes only). */
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** strata: true for a volume made for this container (removed by `rm -v`). */
  Anonymous?: boolean;
}

/** A `GET /containers/json` row. */
export interface ContainerSummary {
  Id: string; Names: string[]; Image: string; ImageID: string; Command: string; Created: number;
  Ports: unknown[]; Labels: Record<string, string>; State: ContainerStatus; Status: string;
  HostConfig: { NetworkMode: string }; NetworkSettings: { Networks: Record<string, unknown> }; Mounts: MountPoint[];
  SizeRw?: number; SizeRootFs?: number;
}

/** `GET /containers/{id}/json`. */
export interface ContainerInspect {
  Id: string; Created: string; Path: string; Args: string[];
  State: {
    Status: ContainerStatus; Running: boolean; Paused: boolean; Restarting: boolean; OOMKilled: boolean; Dead: boolean;
    Pid: number; ExitCode: number; Error: string; StartedAt: string; FinishedAt: string;
  };
  Image: string; Name: string; RestartCount: number; Driver: string; Platform: string;
  HostConfig: HostConfig & { NetworkMode: string };
  GraphDriver: { Name: string; Data: Record<string, string> };
  Mounts: MountPoint[];
  Config: ContainerRecord["Config"] & Record<string, unknown>;
  NetworkSettings: Record<string, unknown>;
  SizeRw?: number; SizeRootFs?: number;
  [key: string]: unknown;
}

/** The body of `POST /containers/{id}/wait`. */
export interface ExitStatus {
  StatusCode: number;
  Error: { Message: string } | null;
}

export type WaitCondition = "not-running" | "next-exit" | "removed";

/** `docker ps --filter` in either JSON form: `{"status":{"exited":true}}` (CLI) or `{"status":["exited"]}` (dockerode). */
export type Filters = Record<string, string[] | Record<string, boolean>>;

export interface ListOptions { all?: boolean; size?: boolean; limit?: number; filters?: Filters }

// ---------------------------------------------------------------- logs and attach

/** One write of a program: `data` as written, `time` in ms since the epoch. */
export interface LogEntry {
  stream: "stdout" | "stderr";
  time: number;
  data: Uint8Array;
}

/** `GET /containers/{id}/logs`: since/until in seconds (fractions allowed), tail a line count or "all". */
export interface LogsOptions {
  stdout?: boolean; stderr?: boolean; timestamps?: boolean;
  tail?: number | "all"; since?: number; until?: number;
  /** Keep the iterable open until the container's process exits. */
  follow?: boolean;
  /** Stop following (a client disconnected). */
  signal?: AbortSignal;
}

/**
 * `POST /containers/{id}/attach`. Output is registered at once, so an attach made before
 * `start` loses nothing; `stdin` is buffered until the process starts and its end is the
 * program's EOF.
 */
export interface AttachOptions {
  stdin?: StdinSource | null;
  stdout?: boolean; stderr?: boolean;
  /** Replay the past output first. */
  logs?: boolean;
  /** Follow new output (default true). */
  stream?: boolean;
}

export interface AttachSession {
  /** The container's output; ends when its process exits (or at once with stream: false). */
  output: AsyncIterable<LogEntry>;
  /** Stop receiving output. */
  close(): void;
}

// ---------------------------------------------------------------- exec

export interface ExecOptions {
  Cmd: string[];
  Env?: string[];
  WorkingDir?: string;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  User?: string;
}

export interface ExecIo {
  stdin?: StdinSource;
  onOutput?: (stream: "stdout" | "stderr", data: Uint8Array) => void;
}

/** `GET /exec/{id}/json`. */
export interface ExecInspect {
  ID: string; Running: boolean; ExitCode: number | null; ContainerID: string; Pid: number;
  OpenStdin: boolean; OpenStdout: boolean; OpenStderr: boolean; CanRemove: boolean; DetachKeys: string;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user: string };
}

// ---------------------------------------------------------------- commit, volumes, events, df

/** `POST /commit`; `changes` are Dockerfile instructions (`CMD ["x"]`, `ENV A=b`, WORKDIR, ENTRYPOINT, LABEL, USER). */
export interface CommitOptions {
  repo?: string; tag?: string; comment?: string; author?: string; changes?: string[];
  /** Accepted for Docker compatibility; a strata container's layer is consistent between writes anyway. */
  pause?: boolean;
}

/** `docker volume inspect`. */
export interface Volume {
  Name: string; Driver: "local"; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>;
  Scope: "local"; Options: Record<string, string>;
  /** -1 when not computed (as Docker); filled by system df. */
  UsageData?: { Size: number; RefCount: number };
}

export interface VolumeCreateOptions {
  Name?: string; Driver?: string; DriverOpts?: Record<string, string>; Labels?: Record<string, string>;
}

export interface EventsOptions {
  /** Replay recorded events from this time (unix seconds, fractions allowed). */
  since?: number;
  /** End the stream at this time (unix seconds). */
  until?: number;
  /** type, event (Action), container, image, volume, label — as `docker events --filter`. */
  filters?: Filters;
  signal?: AbortSignal;
}

export interface SystemDf {
  LayersSize: number;
  Images: ImageSummary[];
  Containers: ContainerSummary[];
  Volumes: Volume[];
  BuildCache: unknown[];
}

// ---------------------------------------------------------------- the engine

export interface ContainersApi {
  /** Errors: not-found (image), conflict (name in use), invalid (bad name, no command). */
  create(opts: CreateOptions): Promise<{ Id: string; Warnings: string[] }>;
  /** Errors: not-found; not-modified when already running. */
  start(ref: string): Promise<void>;
  /** SIGTERM, then kill after `t` seconds (default StopTimeout or 10). Errors: not-found; not-modified when not running. */
  stop(ref: string, t?: number): Promise<void>;
  /** Errors: not-found; conflict "cannot kill container: c1: container ID is not running". */
  kill(ref: string, signal?: string): Promise<void>;
  restart(ref: string, t?: number): Promise<void>;
  wait(ref: string, condition?: WaitCondition): Promise<ExitStatus>;
  /** Errors: not-found; conflict when running and not forced. `v` removes its anonymous volumes. */
  remove(ref: string, opts?: { force?: boolean; v?: boolean }): Promise<void>;
  /** Errors: not-found; conflict (name in use); invalid (bad name). */
  rename(ref: string, name: string): Promise<void>;
  list(opts?: ListOptions): Promise<ContainerSummary[]>;
  inspect(ref: string, opts?: { size?: boolean }): Promise<ContainerInspect>;
  logs(ref: string, opts?: LogsOptions): AsyncIterable<LogEntry>;
  attach(ref: string, opts?: AttachOptions): AttachSession;
  changes(ref: string): Promise<Change[]>;
  /** The merged rootfs as a tar. */
  export(ref: string): Promise<Uint8Array>;
  /** The upper as one more layer of a new image. */
  commit(ref: string, opts?: CommitOptions): Promise<{ Id: string }>;
  /** Remove every stopped container. */
  prune(): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }>;
}

export interface ExecApi {
  /** Errors: not-found; conflict when the container is not running. */
  create(containerRef: string, opts: ExecOptions): { Id: string };
  /** Run to the end; resolves with the exit code. */
  start(id: string, io?: ExecIo): Promise<number>;
  inspect(id: string): ExecInspect;
}

export interface ImagesApi {
  /** `docker load` of an archive, whole or streamed (a streamed archive is never held whole). */
  load(input: Uint8Array | ReadableStream<Uint8Array>, opts?: { name?: string; maxArchiveBytes?: number; onProgress?: (p: LoadProgress) => void }): Promise<LoadResult>;
  list(): Promise<ImageSummary[]>;
  inspect(ref: string): ReturnType<ImageStore["inspect"]>;
  history(ref: string): ReturnType<ImageStore["history"]>;
  tag(source: string, target: string): Promise<void>;
  /** `docker rmi`. Errors: not-found; conflict when a container uses it (unless force). */
  remove(ref: string, opts?: { force?: boolean }): Promise<Array<{ Untagged?: string; Deleted?: string }>>;
  save(refs: readonly string[]): Promise<Uint8Array>;
  /** Remove untagged images no container uses (`dangling`), or every unused one with all. */
  prune(opts?: { all?: boolean }): Promise<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }>; SpaceReclaimed: number }>;
}

export interface VolumesApi {
  /** Errors: invalid (bad name). An existing name is returned as it is (Docker's behaviour). */
  create(opts?: VolumeCreateOptions): Promise<Volume>;
  list(opts?: { filters?: Filters }): Promise<{ Volumes: Volume[]; Warnings: string[] }>;
  /** Errors: not-found "get NAME: no such volume". */
  inspect(name: string): Promise<Volume>;
  /** Errors: not-found; conflict "remove NAME: volume is in use - [ID]" (unless force and no running user). */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  prune(opts?: { all?: boolean }): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
}

export interface EventsApi {
  /** Call `fn` for each new event; returns an unsubscribe. */
  subscribe(fn: (e: EngineEvent) => void): () => void;
  /** Past events from `since`, then live ones until `until` or the signal. */
  stream(opts?: EventsOptions): AsyncIterable<EngineEvent>;
}

/** What `createEngine` returns; every Docker verb the engine does, grouped as Docker groups it. */
export interface EngineApi {
  readonly containers: ContainersApi;
  readonly exec: ExecApi;
  readonly images: ImagesApi;
  readonly volumes: VolumesApi;
  readonly events: EventsApi;
  /** `GET /system/df`: images with SharedSize and Containers, containers with SizeRw, volumes with UsageData. */
  systemDf(): Promise<SystemDf>;
  /** `GET /info` data. */
  info(opts?: { name?: string; root?: string }): Promise<Record<string, unknown>>;
  /** `GET /version` data. */
  version(): Record<string, unknown>;
  /** Stop running containers (SIGTERM, then kill after graceMs), write everything, release the store. */
  close(opts?: { graceMs?: number }): Promise<void>;
}

// ---------------------------------------------------------------- platform

/**
 * What a platform lends the engine. Node and Deno hand in server/platform's adapters;
 * a browser or edge build hands in nothing, so host directories are never reachable.
 */
export interface EnginePlatform {
  /** A host directory as a filesystem for a bind mount. Errors: invalid when it is missing or not a directory. */
  bindDir?(hostPath: string, opts: { readOnly: boolean }): FileSystem;
  /** SHA-256 of image content (loads, commit); WebCrypto without it. */
  sha256?: Sha256Impl;
  /** An incremental SHA-256: a streamed load then drops a compressed layer as it inflates instead of holding it whole. */
  sha256Hasher?: () => Sha256Hasher;
  /** gzip inflation for loads (src/tar `GunzipOptions.inflater`); DecompressionStream without it. */
  inflater?: MakeInflater;
  /** Hinted as a streamed load drops many buffers the collector does not feel (src/tar/churn.ts); nothing without it. */
  collectHint?: () => void;
}

export interface EngineOptions {
  store: Store;
  platform?: EnginePlatform;
  /** Run processes in workers (Node, Deno) so they can always be stopped. Without it they run inline. */
  workerHost?: WorkerHost;
  /** Default limits for every process. */
  limits?: ProcessLimits;
  /** Per-container log cap in bytes (default 1 MiB); the oldest writes are dropped first. */
  logCap?: number;
  /** How long a removed AutoRemove container still answers `wait` (ms, default 30 s). */
  removedGraceMs?: number;
  /** Limit on one layer's uncompressed size in `docker load` (default 1 GiB): a gzip bomb is refused as it inflates past it. */
  maxLayerBytes?: number;
  /**
   * Memory shared by every load in progress (default 2 GiB, src/oci DEFAULT_LOAD_MEMORY):
   * what loads hold while they read (inflated layers, copied members); a load that would
   * pass it is refused at once.
   */
  loadMemoryBytes?: number;
}
