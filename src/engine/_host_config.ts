/**
 * A container's HostConfig as Docker checks it at create and shows it in inspect:
 * `checkHostConfig` refuses what strata cannot honour and would mislead if ignored
 * (a log driver other than json-file, host or container networking, a user network,
 * published ports) and warns where Docker itself only warns; `hostConfigView` is
 * inspect's HostConfig with every field Docker always reports (moby api/swagger.yaml,
 * HostConfig and Resources, v1.47), the container's own values over Docker's defaults.
 * `platformWarning` is the create warning for an image built for another platform.
 */
import { invalid, notFound } from "./errors.ts";
import type { HostConfig } from "./wire.ts";

/** Docker's `docker run` log driver names; only json-file is kept by strata (as `docker logs` reads it). */
const LOG_DRIVERS = new Set(["json-file", "local", "none", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs", "logentries"]);

/** The platform strata runs programs for (os/architecture of WASI images). */
export const HOST_PLATFORM = "wasip1/wasm";

/** Network modes that mean "the default" or "none": a strata container runs as --network none. */
const NO_NETWORK_MODES = new Set(["", "default", "none", "bridge"]);

/**
 * Check a create's HostConfig; returns the warnings for create's `Warnings`.
 * Errors: invalid (an unknown or unsupported log driver, published ports, host or
 * container networking), not-found (a user-defined network: Docker's "network X not found").
 */
export function checkHostConfig(hc: HostConfig): string[] {
  const warnings: string[] = [];
  const log = hc["LogConfig"] as { Type?: string } | undefined;
  const driver = log?.Type ?? "";
  if (driver && driver !== "json-file") {
    // moby: "failed to create task for container: … logger: no log driver named 'x' is registered"; a known one strata lacks is said so.
    if (!LOG_DRIVERS.has(driver)) throw invalid(`logger: no log driver named '${driver}' is registered`);
    throw invalid(`strata does not support the ${driver} log driver: container output is kept as json-file (docker logs reads it)`);
  }
  const mode = String(hc["NetworkMode"] ?? "");
  if (mode === "host" || mode.startsWith("container:")) {
    throw invalid(`strata does not support --network ${mode}: strata containers have no network (a WASI program has no sockets)`);
  }
  if (!NO_NETWORK_MODES.has(mode)) throw notFound(`network ${mode} not found`);
  if (mode === "bridge") warnings.push("strata containers have no network: --network bridge runs as --network none");
  const ports = hc["PortBindings"] as Record<string, unknown> | null | undefined;
  if (ports && Object.keys(ports).length) {
    throw invalid(`strata does not support publishing ports (${Object.keys(ports).join(", ")}): strata containers have no network`);
  }
  if (hc["PublishAllPorts"] === true) warnings.push("strata containers have no network: --publish-all publishes nothing");
  return warnings;
}

/** An image's platform ("linux/amd64") when it is not WASI's; undefined when it is, or the image does not say. */
export function foreignPlatform(config: { os?: string; architecture?: string; variant?: string }): string | undefined {
  const os = config.os ?? "", arch = config.architecture ?? "";
  if (!os && !arch) return undefined;
  if ((os === "" || os === "wasip1" || os === "wasi") && (arch === "" || arch === "wasm" || arch === "wasm32")) return undefined;
  return [os, arch, config.variant].filter(Boolean).join("/");
}

/** The create warning for an image of another platform (Docker's wording); undefined when it is WASI's or not said. */
export function platformWarning(config: { os?: string; architecture?: string; variant?: string }): string | undefined {
  const platform = foreignPlatform(config);
  if (!platform) return undefined;
  return `The requested image's platform (${platform}) does not match the detected host platform (${HOST_PLATFORM}) and no specific platform was requested`;
}

/** Docker's defaults of the HostConfig fields it always reports (the container's own values go over them). */
function defaults() {
  return {
    Binds: null, ContainerIDFile: "", LogConfig: { Type: "json-file", Config: {} }, NetworkMode: "none", PortBindings: {},
    RestartPolicy: { Name: "no", MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: "", VolumesFrom: null, ConsoleSize: [0, 0],
    Annotations: null, CapAdd: null, CapDrop: null, CgroupnsMode: "private", Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null,
    GroupAdd: null, IpcMode: "private", Cgroup: "", Links: null, OomScoreAdj: 0, PidMode: "", Privileged: false, PublishAllPorts: false,
    ReadonlyRootfs: false, SecurityOpt: null, UTSMode: "", UsernsMode: "", ShmSize: 67108864,
    // strata's one runtime, as `docker info` names it (Runtimes, DefaultRuntime).
    Runtime: "wasi", Isolation: "",
    // Resources: strata enforces Memory (the program's linear memory); the rest are Docker's zero values.
    CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: "", BlkioWeight: 0, BlkioWeightDevice: [], BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [], CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0, CpusetCpus: "", CpusetMems: "", Devices: [], DeviceCgroupRules: null, DeviceRequests: null,
    MemoryReservation: 0, MemorySwap: 0, MemorySwappiness: null, OomKillDisable: null, PidsLimit: null, Ulimits: [],
    CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0,
    // strata's /proc has nothing to mask: no path is masked or made read-only.
    MaskedPaths: [], ReadonlyPaths: [],
  };
}

/** inspect's HostConfig: Docker's defaults, then the container's values (null and absent ones keep the default's shape). */
export function hostConfigView(hc: HostConfig): HostConfig & { NetworkMode: string } {
  const out: Record<string, unknown> = defaults();
  for (const [k, v] of Object.entries(hc)) if (v !== undefined && !(v === null && out[k] !== null && k in out)) out[k] = v;
  if (NO_NETWORK_MODES.has(String(out["NetworkMode"]))) out["NetworkMode"] = "none";
  const log = out["LogConfig"] as { Type?: string; Config?: unknown };
  out["LogConfig"] = { Type: log.Type || "json-file", Config: log.Config ?? {} };
  const restart = out["RestartPolicy"] as { Name?: string; MaximumRetryCount?: number };
  out["RestartPolicy"] = { Name: restart.Name || "no", MaximumRetryCount: restart.MaximumRetryCount ?? 0 };
  if (!out["ConsoleSize"]) out["ConsoleSize"] = [0, 0];
  if (!out["ShmSize"]) out["ShmSize"] = 67108864; // moby: 0 is the default size
  return out as HostConfig & { NetworkMode: string };
}
