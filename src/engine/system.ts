/** `docker info`, `docker version` and `docker system df` data for an engine (`engine.system`). */
import type { Store } from "../store/mod.ts";
import { type AuthConfig, type AuthResult, type LoginOptions, registryLogin } from "./_auth.ts";
import type { EngineImages } from "./_engine_images.ts";
import type { ContainerRegistry } from "./_registry.ts";
import type { ContainersApi, SystemApi } from "./api.ts";
import type { SystemDf, Volume } from "./wire.ts";
import type { VolumeStore } from "./volumes.ts";

/** What the system calls read: the store's image records and warnings, the containers, images and volumes. */
interface SystemParts {
  store: Pick<Store, "listRecords" | "warnings">;
  registry: Pick<ContainerRegistry, "all" | "volumeUsers">;
  containers: Pick<ContainersApi, "list">;
  images: Pick<EngineImages, "list">;
  volumes: Pick<VolumeStore, "list" | "size">;
  /** How `auth` reaches registries (the engine's `registry` options: insecure registries, fetch). */
  registries?: LoginOptions["registry"];
}

export class System implements SystemApi {
  readonly #p: SystemParts;
  constructor(parts: SystemParts) {
    this.#p = parts;
  }

  df(): Promise<SystemDf> {
    return systemDf(this.#p);
  }

  info(o: { name?: string; root?: string } = {}): Promise<Record<string, unknown>> {
    return info(this.#p, o);
  }

  version(): Record<string, unknown> {
    return versionInfo();
  }

  auth(cfg: AuthConfig): Promise<AuthResult> {
    return registryLogin(cfg, { registry: this.#p.registries });
  }
}

const ENGINE_VERSION = "28.2.2-strata";
const API_VERSION = "1.47";
const MIN_API_VERSION = "1.24";

function versionInfo() {
  const details = { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: "strata", GoVersion: "n/a (TypeScript)", Os: "wasip1", Arch: "wasm32", KernelVersion: "none", BuildTime: "2026-11-22T00:00:00.000000000+00:00", Experimental: "false" };
  return {
    Platform: { Name: "strata" },
    Components: [{ Name: "Engine", Version: ENGINE_VERSION, Details: details }],
    Version: ENGINE_VERSION, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: "strata", GoVersion: "n/a (TypeScript)",
    Os: "wasip1", Arch: "wasm32", KernelVersion: "none", BuildTime: details.BuildTime, Experimental: false,
  };
}

async function info(p: SystemParts, o: { name?: string; root?: string }) {
  const cs = [...p.registry.all()].map((rt) => (rt.rec.State.Status === "running" && rt.rec.State.Paused ? "paused" : rt.rec.State.Status));
  const images = await p.images.list({ all: true });
  return {
    ID: "strata", Containers: cs.length, ContainersRunning: cs.filter((s) => s === "running").length, ContainersPaused: cs.filter((s) => s === "paused").length,
    ContainersStopped: cs.filter((s) => s !== "running" && s !== "paused").length, Images: images.length, Driver: "strata-union",
    DriverStatus: [["Backing", "union of OCI layer tars"]], Plugins: { Volume: ["local"], Network: [], Authorization: null, Log: ["json-file"] },
    MemoryLimit: true, SwapLimit: false, CpuCfsPeriod: false, CpuCfsQuota: false, OomKillDisable: false, NGoroutines: 1, SystemTime: new Date().toISOString(),
    LoggingDriver: "json-file", CgroupDriver: "none", CgroupVersion: "", NEventsListener: 0, KernelVersion: "none", OperatingSystem: "strata (WASI preview1)",
    OSVersion: "", OSType: "linux", Architecture: "wasm32", IndexServerAddress: "", RegistryConfig: { InsecureRegistryCIDRs: ["127.0.0.0/8"], IndexConfigs: {}, Mirrors: [] },
    NCPU: (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 1, MemTotal: 0, DockerRootDir: o.root ?? "memory",
    HttpProxy: "", HttpsProxy: "", NoProxy: "", Name: o.name ?? "strata", Labels: [], ExperimentalBuild: false, ServerVersion: ENGINE_VERSION,
    Runtimes: { wasi: { path: "strata" } }, DefaultRuntime: "wasi", Swarm: { LocalNodeState: "inactive", NodeID: "", NodeAddr: "", ControlAvailable: false, Error: "", RemoteManagers: null },
    LiveRestoreEnabled: false, Isolation: "", InitBinary: "", SecurityOptions: [],
    // The rest of Docker's SystemInfo keys (moby api/swagger.yaml, v1.47), with what holds here.
    KernelMemoryTCP: false, CPUShares: false, CPUSet: false, PidsLimit: false, IPv4Forwarding: false, BridgeNfIptables: false,
    BridgeNfIp6tables: false, Debug: false, NFd: 0, GenericResources: null, ContainerdCommit: { ID: "" }, RuncCommit: { ID: "" },
    InitCommit: { ID: "" }, ProductLicense: "", DefaultAddressPools: [], CDISpecDirs: [], Containerd: null,
    // What the store set aside (records it could not use), in Docker's "WARNING: …" form.
    Warnings: p.store.warnings().map((w) => `WARNING: ${w}`),
  };
}

/**
 * `GET /system/df`, as Docker reports it: LayersSize counts each layer once however many
 * images share it; an image's SharedSize is the bytes of its layers that another image
 * also has, its Size all of them; Containers counts the containers using it. Containers
 * come with SizeRw and SizeRootFs, volumes with UsageData (Size, RefCount).
 */
async function systemDf(p: SystemParts): Promise<SystemDf> {
  const records = (await p.store.listRecords<{ id: string; chainIds: string[]; layerSizes: number[] }>("image")).map(([, r]) => r);
  const users = new Map<string, number>();
  for (const r of records) for (const c of r.chainIds) users.set(c, (users.get(c) ?? 0) + 1);
  let layersSize = 0;
  const counted = new Set<string>();
  for (const r of records) {
    r.chainIds.forEach((c, i) => {
      if (!counted.has(c)) counted.add(c), layersSize += r.layerSizes[i]!;
    });
  }
  const perImage = new Map<string, number>();
  for (const rt of p.registry.all()) perImage.set(rt.rec.ImageID, (perImage.get(rt.rec.ImageID) ?? 0) + 1);
  const images = (await p.images.list({ all: true })).map((img) => {
    const rec = records.find((r) => r.id === img.Id);
    const shared = rec ? rec.chainIds.reduce((n, c, i) => n + ((users.get(c) ?? 0) > 1 ? rec.layerSizes[i]! : 0), 0) : 0;
    return { ...img, SharedSize: shared, Containers: perImage.get(img.Id) ?? 0 };
  });
  const containers = await p.containers.list({ all: true, size: true });
  const volumes: Volume[] = [];
  for (const v of (await p.volumes.list()).Volumes) {
    volumes.push({ ...v, UsageData: { Size: await p.volumes.size(v.Name), RefCount: p.registry.volumeUsers(v.Name).length } });
  }
  return { LayersSize: layersSize, Images: images, Containers: containers, Volumes: volumes, BuildCache: [] };
}
