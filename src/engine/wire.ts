/**
 * Docker's wire shapes: what the Engine API (v1.47) accepts and returns, in Docker's field
 * names, so that the HTTP layer (src/api) and the CLI pass them through as they are — the
 * body of `POST /containers/create`, a `docker ps` row, `docker inspect`, `wait`'s body,
 * exec, volumes, `docker system df` — and the container record the store keeps, whose
 * Config and HostConfig are inspect's.
 */
import type { ImageSummary } from "./images.ts";

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
  Type: "volume" | "bind" | "tmpfs";
  /** Volume name (empty or absent: a new anonymous volume) or host path. */
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  /** `Subpath`: mount this directory of the volume (API 1.45); the rest is accepted, and has no meaning here. */
  VolumeOptions?: { Subpath?: string; NoCopy?: boolean; [key: string]: unknown } | null;
  /** `Propagation` is reported in inspect; strata has no mount namespaces to propagate through. */
  BindOptions?: { Propagation?: string; [key: string]: unknown } | null;
  /** type=tmpfs: `tmpfs-size` (bytes) and `tmpfs-mode`. */
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

/** `HostConfig.RestartPolicy` (`docker run --restart`): no, always, on-failure (with a retry count), unless-stopped. */
export interface RestartPolicy {
  Name: string;
  /** on-failure only: the most restarts (0: no limit). */
  MaximumRetryCount?: number;
}

/** `HostConfig` of the create body, kept whole on the record (inspect shows it). */
export interface HostConfig {
  AutoRemove?: boolean;
  RestartPolicy?: RestartPolicy | null;
  /** `--read-only`: the container's root filesystem refuses every change (EROFS); volumes, binds and tmpfs mounts stay writable. */
  ReadonlyRootfs?: boolean;
  /** `--tmpfs /path[:opts]`: an empty in-memory directory at each path, with mount options ("size=64m,mode=1777"). */
  Tmpfs?: Record<string, string> | null;
  /** `docker run -v`: "name:/dst[:ro]" (named volume) or "/host/dir:/dst[:ro]" (bind). */
  Binds?: string[] | null;
  /** WebAssembly memory cap in bytes (0 = the engine default). */
  Memory?: number;
  Mounts?: MountSpec[] | null;
  /** The terminal's size at start, [rows, columns] (API 1.42; the docker CLI sends it with -t). */
  ConsoleSize?: [number, number] | null;
  [key: string]: unknown;
}

/**
 * `State.Status` (strata has no dead containers). "restarting": waiting out the backoff
 * before its restart policy starts it again. A record keeps "running" for a paused
 * container, with `State.Paused`; the views say "paused", as Docker does.
 */
export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "exited" | "removing";

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
    /** `docker pause`d (while running only). */
    Paused?: boolean;
  };
  RestartCount: number;
  /**
   * The user stopped or killed it (Docker's HasBeenManuallyStopped): `unless-stopped` does
   * not start it again when an engine opens the store. Cleared by the user's next start.
   */
  ManuallyStopped?: boolean;
}

/** `docker inspect` `.Mounts[]`. */
export interface MountPoint {
  Type: "volume" | "bind" | "tmpfs";
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
  /** strata: the directory of the volume mounted (`VolumeOptions.Subpath`), relative; absent for the whole volume. */
  Subpath?: string;
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

/** `docker ps --filter` in either JSON form: `{"status":{"exited":true}}` (CLI) or `{"status":["exited"]}` (dockerode). */
export type Filters = Record<string, string[] | Record<string, boolean>>;

/** The body of `POST /containers/{id}/exec`. */
export interface ExecOptions {
  Cmd: string[];
  Env?: string[];
  WorkingDir?: string;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  User?: string;
  /** The detach keys of its terminal's attach ("ctrl-p,ctrl-q" when absent). */
  DetachKeys?: string;
  /** The terminal's size at start, [rows, columns]. */
  ConsoleSize?: [number, number] | null;
}

/** `GET /exec/{id}/json`. */
export interface ExecInspect {
  ID: string; Running: boolean; ExitCode: number | null; ContainerID: string; Pid: number;
  OpenStdin: boolean; OpenStdout: boolean; OpenStderr: boolean; CanRemove: boolean; DetachKeys: string;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user: string };
}

/** `docker volume inspect`. */
export interface Volume {
  Name: string; Driver: "local"; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>;
  Scope: "local"; Options: Record<string, string>;
  /** -1 when not computed (as Docker); filled by system df. */
  UsageData?: { Size: number; RefCount: number };
}

/** The body of `POST /volumes/create`. */
export interface VolumeCreateOptions {
  Name?: string; Driver?: string; DriverOpts?: Record<string, string>; Labels?: Record<string, string>;
}

/** `GET /system/df`. */
export interface SystemDf {
  LayersSize: number;
  Images: ImageSummary[];
  Containers: ContainerSummary[];
  Volumes: Volume[];
  BuildCache: unknown[];
}
