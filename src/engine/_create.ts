/**
 * `docker create`: the container record from the create body and the image config —
 * command (Entrypoint + Cmd, Docker's override rules), Env merged by name, Labels, and
 * the mounts resolved: `-v name:/dst[:ro]` and `--mount type=volume` (a missing named
 * volume is created), `-v /host:/dst[:ro]` and `--mount type=bind` through the platform,
 * `--tmpfs` and `--mount type=tmpfs` checked (_tmpfs.ts), and one anonymous volume for
 * each image (or body) Volume not otherwise mounted.
 */
import { normalizePath } from "../wasi/mod.ts";
import { invalid } from "./errors.ts";
import { checkRestartPolicy } from "./_restart_policy.ts";
import { tmpfsMounts } from "./_tmpfs.ts";
import type { EnginePlatform } from "./options.ts";
import type { ContainerRecord, CreateOptions, MountPoint, MountSpec } from "./wire.ts";
import type { VolumeStore } from "./volumes.ts";
import type { ImageConfig } from "../oci/mod.ts";

const asList = (v: string[] | string | null | undefined): string[] | undefined => (v == null ? undefined : typeof v === "string" ? [v] : v);

/** `--entrypoint ''` arrives as `[""]` (or `""`, `[]`): Docker resets the entrypoint then, and the command runs alone. */
function entrypointOf(v: string[] | string | null | undefined): string[] | null | undefined {
  const list = asList(v);
  return list && (list.length === 0 || (list.length === 1 && list[0] === "")) ? null : list;
}

/** Image Env then container Env; a name set by the container replaces the image's. */
function mergeEnv(image: readonly string[], container: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const kv of [...image, ...container]) out.set(kv.split("=")[0]!, kv);
  return [...out.values()];
}

export function buildRecord(id: string, name: string, o: CreateOptions, image: { id: string; diffIds: string[] }, config: ImageConfig["config"]): ContainerRecord {
  const given = entrypointOf(o.Entrypoint);
  const entrypoint = given === null ? null : given ?? config.Entrypoint ?? null;
  const cmd = asList(o.Cmd) ?? (o.Entrypoint != null ? null : config.Cmd ?? null);
  if (!entrypoint?.length && !cmd?.length) throw invalid("No command specified");
  checkRestartPolicy(o.HostConfig?.RestartPolicy, !!o.HostConfig?.AutoRemove);
  const volumes = { ...(config.Volumes ?? {}), ...(o.Volumes ?? {}) };
  return {
    Id: id, Name: name, Created: Date.now(), Image: o.Image, ImageID: image.id, Layers: image.diffIds,
    Config: {
      Hostname: o.Hostname || id.slice(0, 12), User: o.User ?? config.User ?? "", Tty: !!o.Tty, OpenStdin: !!o.OpenStdin, StdinOnce: !!o.StdinOnce,
      AttachStdin: !!o.AttachStdin, AttachStdout: o.AttachStdout ?? true, AttachStderr: o.AttachStderr ?? true,
      Env: mergeEnv(config.Env ?? [], o.Env ?? []), Cmd: cmd, Entrypoint: entrypoint, WorkingDir: o.WorkingDir || config.WorkingDir || "",
      Labels: { ...(config.Labels ?? {}), ...(o.Labels ?? {}) }, Image: o.Image, Volumes: Object.keys(volumes).length ? volumes : null,
      ...(o.StopTimeout != null ? { StopTimeout: o.StopTimeout } : {}),
    },
    HostConfig: { AutoRemove: false, Binds: null, Memory: 0, ...(o.HostConfig ?? {}) },
    Mounts: [],
    State: { Status: "created", ExitCode: 0, OOMKilled: false, Error: "", StartedAt: 0, FinishedAt: 0, Pid: 0 },
    RestartCount: 0,
  };
}

/** `-v` syntax: "src:dst[:opts]" or a lone "/dst" (anonymous). Errors: invalid. */
function parseBind(bind: string): MountSpec {
  const parts = bind.split(":");
  if (parts.length === 1) return { Type: "volume", Target: parts[0]! };
  if (parts.length > 3 || !parts[0] || !parts[1]) throw invalid(`invalid volume specification: '${bind}'`);
  const opts = (parts[2] ?? "").split(",").filter(Boolean);
  for (const opt of opts) if (!BIND_OPTIONS.has(opt) && !PROPAGATIONS.has(opt)) throw invalid(`invalid mode: ${opt}`);
  const propagation = opts.find((o) => PROPAGATIONS.has(o));
  return {
    Type: parts[0].startsWith("/") ? "bind" : "volume", Source: parts[0], Target: parts[1], ReadOnly: opts.includes("ro"),
    ...(propagation ? { BindOptions: { Propagation: propagation } } : {}),
  };
}

/**
 * The `-v` modes Docker accepts besides propagation: ro/rw; z/Z (SELinux relabelling);
 * nocopy (do not fill a new volume from the image); consistent/cached/delegated (Docker
 * Desktop's file sharing). Only ro/rw mean something to strata; the others are accepted
 * and ignored (no SELinux, no file sharing VM), except that they show in inspect's Mode.
 */
const BIND_OPTIONS = new Set(["ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated"]);
/** Mount propagation modes: reported in inspect; strata has no mount namespaces to propagate them through. */
const PROPAGATIONS = new Set(["rprivate", "private", "rshared", "shared", "rslave", "slave"]);

/** `VolumeOptions.Subpath` as moby checks it: relative, clean, not leaving the volume. Errors: invalid. */
function subpathOf(s: MountSpec): string | undefined {
  const sub = s.VolumeOptions?.Subpath;
  if (!sub) return undefined;
  if (s.Type !== "volume") throw invalid(`invalid mount config for type "${s.Type}": field VolumeOptions must not be specified`);
  if (sub.startsWith("/") || sub.split("/").includes("..")) throw invalid(`invalid mount config: subpath must be a relative path within the volume: ${sub}`);
  return normalizePath(`/${sub}`).slice(1) || undefined;
}

/** Resolve every mount of a new container, creating the volumes it names. Errors: invalid. */
export async function resolveMounts(rec: ContainerRecord, volumes: Pick<VolumeStore, "create">, platform: EnginePlatform | undefined): Promise<MountPoint[]> {
  const specs: MountSpec[] = [...(rec.HostConfig.Binds ?? []).map(parseBind), ...(rec.HostConfig.Mounts ?? [])];
  const tmpfs = tmpfsMounts(rec); // checks every tmpfs's options now, as Docker does at create
  const flags = Object.keys(rec.HostConfig.Tmpfs ?? {}).map(normalizePath); // --tmpfs: not in inspect's Mounts, as in Docker
  for (const target of Object.keys(rec.Config.Volumes ?? {})) {
    // A volume of the image is not made where the container mounts something else (a tmpfs replaces it, as in Docker).
    const mounted = specs.some((s) => normalizePath(s.Target) === normalizePath(target)) || tmpfs.some((t) => t.target === normalizePath(target));
    if (!mounted) specs.push({ Type: "volume", Target: target });
  }
  const out: MountPoint[] = [];
  for (const s of specs) {
    if (!s.Target?.startsWith("/")) throw invalid(`invalid mount config: mount path must be absolute: ${s.Target ?? ""}`);
    const target = normalizePath(s.Target);
    if (target === "/") throw invalid("invalid specification: destination can't be '/'");
    if (out.some((m) => m.Destination === target) || flags.includes(target)) throw invalid(`Duplicate mount point: ${target}`);
    const rw = !s.ReadOnly;
    if (s.Type === "bind") {
      if (!platform?.bindDir) throw invalid("bind mounts of host directories are not available on this platform");
      platform.bindDir(s.Source ?? "", { readOnly: !rw }); // validates the source now, as Docker does
      const propagation = s.BindOptions?.Propagation || "rprivate";
      if (!PROPAGATIONS.has(propagation)) throw invalid(`invalid mount config: invalid propagation mode: ${propagation}`);
      out.push({ Type: "bind", Source: s.Source!, Destination: target, Mode: rw ? "" : "ro", RW: rw, Propagation: propagation });
    } else if (s.Type === "volume") {
      const anonymous = !s.Source;
      const sub = subpathOf(s);
      if (sub && anonymous) throw invalid("invalid mount config: a subpath needs a named volume");
      const v = await volumes.create({ Name: s.Source, anonymous });
      out.push({
        Type: "volume", Name: v.Name, Source: sub ? `${v.Mountpoint}/${sub}` : v.Mountpoint, Destination: target, Driver: "local", Mode: rw ? "z" : "ro", RW: rw,
        Propagation: "", ...(anonymous ? { Anonymous: true } : {}), ...(sub ? { Subpath: sub } : {}),
      });
    } else if (s.Type === "tmpfs") {
      out.push({ Type: "tmpfs", Source: "", Destination: target, Mode: "", RW: rw, Propagation: "" });
    } else throw invalid(`invalid mount config: mount type unknown: "${(s as { Type: string }).Type}"`);
  }
  return out;
}
