/**
 * commit: a container's writable layer becomes one more layer of a new image, with
 * config changes given as Dockerfile instructions (`CMD […]`, `ENV A=b`, `WORKDIR`,
 * `ENTRYPOINT`, `LABEL`, `USER`). The container keeps running or stays as it was.
 */
import { encodeConfig, type ImageConfig, sha256, writeDockerArchive } from "../oci/mod.ts";
import { exportUpper } from "../fs/mod.ts";
import { invalid } from "./errors.ts";
import type { EngineImages } from "./_engine_images.ts";
import type { LayerCache } from "./_layer_cache.ts";
import type { ContainerRegistry } from "./_registry.ts";
import type { EventBus } from "./events.ts";
import { normalizeReference } from "./reference.ts";
import type { CommitOptions, EnginePlatform } from "./options.ts";

/** What commit is handed: the container, its mounted layer, the images to add to, the event bus, and a SHA-256. */
interface CommitParts {
  registry: Pick<ContainerRegistry, "get">;
  layers: Pick<LayerCache, "mount">;
  images: Pick<EngineImages, "config" | "layerBytes" | "load">;
  events: Pick<EventBus, "emit">;
  platform?: Pick<EnginePlatform, "sha256">;
}

/** Apply `docker commit --change` instructions to a config. Errors: invalid. */
function applyChanges(config: ImageConfig["config"], changes: readonly string[]): ImageConfig["config"] {
  const out = { ...config };
  const list = (arg: string): string[] => {
    if (arg.trim().startsWith("[")) {
      try {
        return JSON.parse(arg) as string[];
      } catch {
        throw invalid(`Cannot parse change "${arg}": not a JSON array`);
      }
    }
    return ["/bin/sh", "-c", arg];
  };
  for (const change of changes.flatMap((c) => c.split("\n")).filter((c) => c.trim())) {
    const m = change.trim().match(/^(\w+)\s+(.*)$/s);
    if (!m) throw invalid(`dockerfile parse error: unknown instruction: ${change}`);
    const [, ins, arg] = m as unknown as [string, string, string];
    switch (ins.toUpperCase()) {
      case "CMD": out.Cmd = list(arg); break;
      case "ENTRYPOINT": out.Entrypoint = list(arg); break;
      case "WORKDIR": out.WorkingDir = arg.trim(); break;
      case "USER": out.User = arg.trim(); break;
      case "ENV": {
        const [k, ...v] = arg.includes("=") ? arg.split("=") : arg.split(/\s+/);
        out.Env = [...(out.Env ?? []).filter((e) => !e.startsWith(`${k}=`)), `${k!.trim()}=${v.join(arg.includes("=") ? "=" : " ").trim()}`];
        break;
      }
      case "LABEL": {
        const [k, ...v] = arg.split("=");
        out.Labels = { ...(out.Labels ?? {}), [k!.trim()]: v.join("=").trim().replace(/^"(.*)"$/, "$1") };
        break;
      }
      default: throw invalid(`${ins.toLowerCase()} is not a valid change command`);
    }
  }
  return out;
}

/** Commit a container; returns the new image id. Errors: not-found; invalid (a change it cannot parse). */
export async function commit(parts: CommitParts, ref: string, o: CommitOptions = {}): Promise<{ Id: string }> {
  const { images } = parts;
  const rt = parts.registry.get(ref);
  const fs = await parts.layers.mount(rt);
  const base = await images.config(rt.rec.ImageID);
  const layer = exportUpper(fs);
  const diffId = await (parts.platform?.sha256 ?? sha256)(layer);
  const now = new Date().toISOString();
  const config: ImageConfig = {
    ...base, created: now, author: o.author || base.author,
    config: applyChanges({ ...base.config, Env: rt.rec.Config.Env, Cmd: rt.rec.Config.Cmd ?? undefined, Entrypoint: rt.rec.Config.Entrypoint ?? undefined, WorkingDir: rt.rec.Config.WorkingDir }, o.changes ?? []),
    rootfs: { type: "layers", diff_ids: [...base.rootfs.diff_ids, diffId] },
    history: [...base.history, { created: now, created_by: `strata commit ${rt.rec.Name}`, comment: o.comment ?? "" }],
  };
  const configBytes = encodeConfig(config);
  const layers = await Promise.all(base.rootfs.diff_ids.map(async (d) => ({ diffId: d, tar: await images.layerBytes(d) })));
  const tags = o.repo ? [normalizeReference(o.repo, o.tag || undefined)] : [];
  const archive = await writeDockerArchive([{ configBytes, layers: [...layers, { diffId, tar: layer }], repoTags: tags }]);
  const { images: [img] } = await images.load(archive, { name: `commit of ${rt.rec.Name}` });
  parts.events.emit("container", "commit", rt.rec.Id, { comment: o.comment ?? "", imageID: img!.id, imageRef: tags[0] ?? "", name: rt.rec.Name });
  return { Id: img!.id };
}
