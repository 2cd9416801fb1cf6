/**
 * The engine's public shapes, in Docker's field names (Engine API v1.47), so that the
 * HTTP layer is thin: what `POST /containers/create` takes, what is kept per container,
 * and the platform abilities the engine is handed.
 */
import type { ProcessLimits, WorkerHost } from "../wasi/mod.ts";
import type { Store } from "../store/mod.ts";

/** The body of `POST /containers/create` (the fields strata uses). */
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
  StopTimeout?: number | null;
  HostConfig?: HostConfig;
}

export interface HostConfig {
  AutoRemove?: boolean;
  Binds?: string[] | null;
  Memory?: number;
  Mounts?: Array<{ Type: "volume" | "bind"; Source?: string; Target: string; ReadOnly?: boolean }> | null;
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
  State: {
    Status: ContainerStatus; ExitCode: number; OOMKilled: boolean; Error: string;
    StartedAt: number; FinishedAt: number; Pid: number;
  };
  RestartCount: number;
}

export interface EngineOptions {
  store: Store;
  /** Run processes in workers (Node, Deno) so they can always be stopped. Without it they run inline. */
  workerHost?: WorkerHost;
  /** Default limits for every process. */
  limits?: ProcessLimits;
  /** Per-container log cap in bytes (default 1 MiB). */
  logCap?: number;
  /** How long a removed AutoRemove container still answers `wait` (ms, default 30 s). */
  removedGraceMs?: number;
}
