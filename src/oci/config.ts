/**
 * The image config (OCI image-spec config.md; Docker's field names for `Config`), parsed
 * and validated so that a bad one says which field is wrong.
 */
import { isDigest } from "./digest.ts";
import { arr, obj, OciFormatError, optStrings, parseJson, str } from "./_json.ts";

/** The runtime part of a config, in Docker's names. */
export interface ContainerConfig {
  User?: string;
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  StopSignal?: string;
  /** HEALTHCHECK; durations in nanoseconds, as Docker stores them. `Test: ["NONE"]` disables the base image's. */
  Healthcheck?: HealthConfig;
  /** ONBUILD triggers, each one Dockerfile instruction as written. */
  OnBuild?: string[];
  /** SHELL: the shell that runs the shell form of RUN, CMD and ENTRYPOINT. */
  Shell?: string[];
  /** Set by the builder when Cmd/Entrypoint came from a shell form (Windows-only meaning in Docker). */
  ArgsEscaped?: boolean;
}

/** Docker's HealthConfig (api/types/container/config.go); durations in nanoseconds, 0 = inherit. */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  author?: string;
  empty_layer?: boolean;
}

/** An image config document. `raw` keeps the exact bytes, whose digest is the image id. */
export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string;
  author?: string;
  config: ContainerConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history: HistoryEntry[];
}

/** Parse and validate a config. Errors: OciFormatError naming `document` and the field. */
export function parseConfig(bytes: Uint8Array, document: string): ImageConfig {
  const root = obj(parseJson(bytes, document), document, "");
  const rootfs = obj(root["rootfs"], document, "rootfs");
  if (rootfs["type"] !== "layers") throw new OciFormatError(document, "rootfs.type", `must be "layers"`);
  const diffIds = arr(rootfs, "diff_ids", document, "rootfs.");
  diffIds.forEach((d, i) => {
    if (!isDigest(d)) throw new OciFormatError(document, `rootfs.diff_ids[${i}]`, "must be a sha256 digest");
  });
  const c = root["config"] === undefined || root["config"] === null ? {} : obj(root["config"], document, "config");
  const config: ContainerConfig = {};
  for (const key of ["Env", "Cmd", "Entrypoint", "OnBuild", "Shell"] as const) {
    const v = optStrings(c, key, document, "config.");
    if (v) config[key] = v;
  }
  for (const key of ["User", "WorkingDir", "StopSignal"] as const) {
    if (c[key] !== undefined && c[key] !== null && c[key] !== "") config[key] = str(c, key, document, "config.");
  }
  for (const key of ["Labels", "ExposedPorts", "Volumes"] as const) {
    if (c[key] !== undefined && c[key] !== null) config[key] = obj(c[key], document, `config.${key}`) as never;
  }
  if (c["Healthcheck"] !== undefined && c["Healthcheck"] !== null) config.Healthcheck = parseHealthcheck(c["Healthcheck"], document);
  if (c["ArgsEscaped"] === true) config.ArgsEscaped = true;
  const history = root["history"] === undefined ? [] : arr(root, "history", document).map((h, i) => obj(h, document, `history[${i}]`) as HistoryEntry);
  return {
    architecture: typeof root["architecture"] === "string" ? root["architecture"] : "",
    os: typeof root["os"] === "string" ? root["os"] : "",
    created: typeof root["created"] === "string" ? root["created"] : undefined,
    author: typeof root["author"] === "string" ? root["author"] : undefined,
    config,
    rootfs: { type: "layers", diff_ids: diffIds as string[] },
    history,
  };
}

/** Docker's HealthConfig: Test a string array, the durations and Retries non-negative integers. */
function parseHealthcheck(v: unknown, document: string): HealthConfig {
  const h = obj(v, document, "config.Healthcheck");
  const out: HealthConfig = {};
  const test = optStrings(h, "Test", document, "config.Healthcheck.");
  if (test) out.Test = test;
  for (const key of ["Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"] as const) {
    const n = h[key];
    if (n === undefined || n === null || n === 0) continue;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw new OciFormatError(document, `config.Healthcheck.${key}`, "must be a non-negative integer");
    out[key] = n;
  }
  return out;
}

/** Serialize a config deterministically (the bytes whose digest is the image id). */
export function encodeConfig(config: ImageConfig): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(config));
}
