/**
 * The filesystem a container's process sees: its union, plus /dev, /dev/shm, /proc and its
 * own /etc files (_container_mounts.ts), and its volumes and binds at their targets (a
 * `MountedVfs`). Mount points of volumes and binds are made in the container's layer as
 * Docker makes them; a volume is held for the run (`begin`, ended at exit by the
 * lifecycle), starts with a copy of the image's content when new and empty, and emits
 * `mount`; a volume mounted with a subpath shows that directory of it (it must exist, as
 * in moby, and the volume is then not filled from the image); a bind is the platform's
 * host directory; a tmpfs is one of the container's own mounts. With `--read-only`
 * (HostConfig.ReadonlyRootfs) the union refuses every change (EROFS) while the mounts
 * keep their own mode.
 */
import { type FileSystem, FsError, type UnionFS } from "../fs/mod.ts";
import { MountedVfs, type MountedFs } from "../wasi/mod.ts";
import { populateVolume } from "./_populate.ts";
import { containerMounts } from "./_container_mounts.ts";
import { tmpfsMounts } from "./_tmpfs.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import type { EventBus } from "./events.ts";
import { invalid } from "./errors.ts";
import type { EngineOptions } from "./options.ts";
import type { MountPoint } from "./wire.ts";
import type { VolumeStore } from "./volumes.ts";

/** What the view is made with. */
interface ViewParts {
  volumes: Pick<VolumeStore, "begin" | "mount">;
  events: Pick<EventBus, "emit">;
  options: Pick<EngineOptions, "platform">;
}

/** The view for a start; the volumes it begins are listed in `rt.held`. */
export async function processView(p: ViewParts, rt: ContainerRuntime, fs: UnionFS): Promise<FileSystem> {
  const mounts = rt.rec.Mounts ?? [];
  const table: MountedFs[] = containerMounts(rt.rec, fs, mounts);
  // Subpaths are checked before any volume is held: a start refused here holds nothing.
  for (const m of mounts) if (m.Type === "volume" && m.Subpath) checkSubpath(await p.volumes.mount(m.Name!), m);
  for (const m of tmpfsMounts(rt.rec)) ensureDir(fs, m.target); // served by the container's own mounts (containerMounts)
  for (const m of mounts) {
    if (m.Type === "tmpfs") continue;
    ensureDir(fs, m.Destination);
    if (m.Type === "volume") {
      const vol = await p.volumes.begin(m.Name!);
      rt.held.push(m.Name!);
      if (!m.Subpath) populateVolume(fs, m.Destination, vol); // moby fills a volume from the image only when it is mounted whole
      p.events.emit("volume", "mount", m.Name!, { container: rt.rec.Id, destination: m.Destination, driver: "local", propagation: "", "read/write": String(m.RW) });
      table.push({ target: m.Destination, fs: vol, readOnly: !m.RW, ...(m.Subpath ? { path: `/${m.Subpath}` } : {}) });
    } else {
      const dir = p.options.platform!.bindDir!(m.Source, { readOnly: !m.RW });
      table.push({ target: m.Destination, fs: dir, readOnly: !m.RW, bind: { source: m.Source } });
    }
  }
  return new MountedVfs(fs, table, { readOnlyRoot: !!rt.rec.HostConfig.ReadonlyRootfs });
}

/** A volume's subpath must be a directory of it when the container starts (moby's wording). Errors: invalid. */
function checkSubpath(vol: FileSystem, m: MountPoint): void {
  let type: string;
  try {
    type = vol.stat(`/${m.Subpath}`).type;
  } catch (err) {
    if (!(err instanceof FsError)) throw err;
    throw invalid(`error while mounting volume with subpath '${m.Subpath}' of volume ${m.Name}: cannot access path ${m.Source}: no such file or directory`);
  }
  if (type !== "dir") throw invalid(`error while mounting volume with subpath '${m.Subpath}' of volume ${m.Name}: ${m.Source} is not a directory`);
}

/** mkdir -p in the container's layer (a mount point, as Docker makes them). */
export function ensureDir(fs: UnionFS, path: string): void {
  let at = "";
  for (const part of path.split("/").filter(Boolean)) {
    at += `/${part}`;
    try {
      fs.stat(at);
    } catch {
      fs.mkdir(at);
    }
  }
}
