/**
 * commit: a container's writable layer becomes one more layer of a new image, with
 * config changes given as Dockerfile instructions (every one `docker commit --change`
 * takes: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER,
 * VOLUME, WORKDIR). The new image's Parent is the container's image, as moby records it.
 * The container keeps running or stays as it was.
 */
import { type ContainerConfig, encodeConfig, type ImageConfig, sha256 } from "../oci/mod.ts";
import { applyChanges, DockerfileError } from "../dockerfile/mod.ts";
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
  images: Pick<EngineImages, "config" | "find" | "create" | "tag">;
  events: Pick<EventBus, "emit">;
  platform?: Pick<EnginePlatform, "sha256">;
}

/**
 * `docker commit --change`: the changes applied as moby's BuildFromConfig applies them (any
 * instruction Docker accepts there, expanded with the container's Env), then moby's merge:
 * when the changes leave no Entrypoint, an empty Cmd and an unset Entrypoint come back from
 * the container. Errors: invalid, with the parser's message ("RUN is not a valid change command").
 */
function applyCommitChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  let out: ContainerConfig;
  try {
    out = applyChanges(config, [...changes]);
  } catch (e) {
    if (e instanceof DockerfileError) throw invalid(e.detail);
    throw e;
  }
  if (!out.Entrypoint?.length) {
    if (!out.Cmd?.length && config.Cmd) out.Cmd = config.Cmd;
    if (!out.Entrypoint && config.Entrypoint) out.Entrypoint = config.Entrypoint;
  }
  return out;
}

/** Commit a container; returns the new image id. Errors: not-found; invalid (a change it cannot parse). */
export async function commit(parts: CommitParts, ref: string, o: CommitOptions = {}): Promise<{ Id: string }> {
  const { images } = parts;
  const rt = parts.registry.get(ref);
  const tags = o.repo ? [normalizeReference(o.repo, o.tag || undefined)] : []; // a bad name stores nothing
  const fs = await parts.layers.mount(rt);
  const base = await images.config(rt.rec.ImageID);
  const layer = exportUpper(fs);
  const hash = parts.platform?.sha256 ?? sha256;
  const diffId = await hash(layer);
  const now = new Date().toISOString();
  const config: ImageConfig = {
    ...base, created: now, author: o.author || base.author,
    config: applyCommitChanges({ ...base.config, Env: rt.rec.Config.Env, Cmd: rt.rec.Config.Cmd ?? undefined, Entrypoint: rt.rec.Config.Entrypoint ?? undefined, WorkingDir: rt.rec.Config.WorkingDir }, o.changes ?? []),
    rootfs: { type: "layers", diff_ids: [...base.rootfs.diff_ids, diffId] },
    history: [...base.history, { created: now, created_by: `strata commit ${rt.rec.Name}`, comment: o.comment ?? "" }],
  };
  const configBytes = encodeConfig(config);
  const id = await hash(configBytes);
  // Stored as a child of the container's image (moby's commit records Parent, shown by image inspect).
  const sizes = (await images.find(rt.rec.ImageID))?.layerSizes ?? [];
  const layers = [...base.rootfs.diff_ids.map((d, i) => ({ diffId: d, size: sizes[i] ?? 0 })), { diffId, size: layer.length, tar: layer }];
  await images.create({ id, configBytes, created: now, layers, parent: rt.rec.ImageID, buildKey: "" }, config);
  for (const t of tags) await images.tag(id, t);
  const img = { id };
  parts.events.emit("container", "commit", rt.rec.Id, { comment: o.comment ?? "", imageID: img.id, imageRef: tags[0] ?? "", name: rt.rec.Name });
  return { Id: img.id };
}
