/**
 * The filesystem `docker cp` sees in a container: its union with its volumes and bind
 * mounts at their targets, and, once it has run, its own /etc/hostname, /etc/hosts and
 * /etc/resolv.conf (moby's openContainerFS mounts the container's mount points and its
 * network files; /dev, /dev/shm and /proc are the runtime's, so there the union's own
 * directories show). A created, running or exited container alike: while it runs, the
 * very filesystems its processes use (the engine's copies, which every change of a
 * process in a worker reaches, and from which `changeShared` sends the engine's own
 * changes back); otherwise the union mounted from its stored layer, the volumes from
 * theirs, and the binds' host directories opened afresh.
 *
 * A view for writing holds what it writes until `done()`: each volume is begun (its
 * changes go through to the store, and it is snapshotted when the last user ends it),
 * and a stopped container's layer is traced to its journal, as a run's is, and is
 * untraced again unless a start has taken the tracing over meanwhile.
 */
import type { UnionFS } from "../fs/mod.ts";
import { MountedVfs, type MountedFs } from "../wasi/mod.ts";
import { containerMounts } from "./_container_mounts.ts";
import { tmpfsMounts } from "./_tmpfs.ts";
import type { LayerCache } from "./_layer_cache.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import { invalid } from "./errors.ts";
import type { EnginePlatform } from "./options.ts";
import type { VolumeStore } from "./volumes.ts";

/** What a view is made from. */
export interface ViewParts {
  layers: Pick<LayerCache, "mount">;
  volumes: Pick<VolumeStore, "mount" | "begin" | "end">;
  platform?: EnginePlatform;
}

/** A container's filesystem for one copy, and its end. */
export interface CpView {
  fs: MountedVfs;
  /** The container's own union (its layer). */
  union: UnionFS;
  /** Let go of what the view holds (for a write: once every change is in the store). */
  done(): Promise<void>;
}

/** The mounts of the runtime, not of the container (moby's copy view has none of them). */
const RUNTIME_MOUNTS = new Set(["/proc", "/dev", "/dev/shm"]);

/** Open the view of `rt` (see the top of this file); `write` when the copy changes it. */
export async function openCpView(p: ViewParts, rt: ContainerRuntime, o: { write: boolean }): Promise<CpView> {
  const union = await p.layers.mount(rt);
  const begun: string[] = [];
  const ended = async () => {
    for (const name of begun.splice(0)) await p.volumes.end(name);
  };
  try {
    const table: MountedFs[] = [];
    const running = rt.view instanceof MountedVfs && rt.view.root === union ? rt.view : null;
    const user = rt.rec.Mounts ?? [];
    if (running) table.push(...running.mounts.filter((m) => !RUNTIME_MOUNTS.has(m.target)));
    else if (rt.rec.State.StartedAt !== 0) {
      // A stopped container has no tmpfs mounted: a copy reaches the layer beneath, as in Docker.
      const tmpfs = new Set(tmpfsMounts(rt.rec).map((m) => m.target));
      table.push(...containerMounts(rt.rec, union, user, rt.rec.State.StartedAt || rt.rec.Created).filter((m) => !RUNTIME_MOUNTS.has(m.target) && !tmpfs.has(m.target)));
    }
    for (const m of user) {
      if (m.Type === "volume") {
        const vol = o.write ? await p.volumes.begin(m.Name!) : await p.volumes.mount(m.Name!);
        if (o.write) begun.push(m.Name!);
        if (!running) table.push({ target: m.Destination, fs: vol, readOnly: !m.RW, ...(m.Subpath ? { path: `/${m.Subpath}` } : {}) });
      } else if (m.Type === "bind" && !running) {
        const bindDir = p.platform?.bindDir;
        if (!bindDir) throw invalid(`Cannot open the bind mount ${m.Source} of container ${rt.rec.Id}: this engine has no host directories`);
        table.push({ target: m.Destination, fs: bindDir(m.Source, { readOnly: !m.RW }), readOnly: !m.RW, bind: { source: m.Source } });
      }
    }
    const untrace = o.write ? traceStopped(rt, union) : async () => {};
    return {
      fs: new MountedVfs(union, table, { readOnlyRoot: !!rt.rec.HostConfig.ReadonlyRootfs }), // --read-only: a copy into the rootfs is refused too
      union,
      done: async () => {
        try {
          await untrace();
        } finally {
          await ended();
        }
      },
    };
  } catch (err) {
    await ended();
    throw err;
  }
}

/**
 * Trace a layer no run traces now, so what the copy changes reaches the store's journal;
 * returns what ends it (once the journal has it), unless a start took the tracing over.
 */
function traceStopped(rt: ContainerRuntime, union: UnionFS): () => Promise<void> {
  if (union.upper.onChange !== null || !rt.upper) return async () => await rt.upper?.flushed();
  rt.upper.trace(union);
  const mine = union.upper.onChange;
  return async () => {
    await rt.upper!.flushed();
    if (union.upper.onChange === mine && rt.rec.State.Status !== "running") rt.upper!.untrace(union);
  };
}
