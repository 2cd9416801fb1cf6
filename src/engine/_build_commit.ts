/**
 * One build step's image (moby image.NewChildImage): the parent's config and history
 * plus one history entry (created_by is the step's Cmd joined by spaces), the stage's
 * config, and the step's layer when it changed any file — a step that changed nothing
 * (every config instruction, a WORKDIR that exists, a RUN that wrote nothing) adds an
 * `empty_layer` history entry and no layer, as Docker does. With a source date epoch
 * (BuildKit's SOURCE_DATE_EPOCH) the image's times are that time and every mtime in the
 * new layer is clamped to it, so a deterministic Dockerfile builds the same bytes twice.
 */
import { type ContainerConfig, encodeConfig, type HistoryEntry, type ImageConfig, sha256, type Sha256Impl } from "../oci/mod.ts";
import { indexTar, writeTar } from "../tar/mod.ts";
import type { EngineImages } from "./_engine_images.ts";

/** The platform of an image made from scratch: strata runs WASI programs. */
export const SCRATCH_PLATFORM = { os: "wasip1", architecture: "wasm" };

interface StepImage {
  /** The image the step started from ("" for scratch). */
  parent: string;
  /** The stage's config after the step. */
  config: ContainerConfig;
  /** The config the step ran with: its Cmd is the history entry's created_by. */
  ran: ContainerConfig;
  buildKey: string;
  /** The step's layer (a tar), or null when it is no filesystem step. */
  layer: Uint8Array | null;
  author?: string;
  /** Unix seconds: the image's times, and the latest mtime in the layer. */
  epoch?: number;
}

/** Make and store the step's image; resolves with its id. */
export async function commitStep(images: Pick<EngineImages, "config" | "find" | "create">, s: StepImage, hash: Sha256Impl = sha256): Promise<string> {
  const base: ImageConfig = s.parent ? await images.config(s.parent) : { ...SCRATCH_PLATFORM, config: {}, rootfs: { type: "layers", diff_ids: [] }, history: [] };
  const sizes = s.parent ? (await images.find(s.parent))?.layerSizes ?? [] : [];
  const tar = s.layer && hasEntries(s.layer) ? (s.epoch === undefined ? s.layer : clampTimes(s.layer, s.epoch)) : null;
  const created = s.epoch === undefined ? new Date().toISOString() : new Date(s.epoch * 1000).toISOString().replace(/\.000Z$/, "Z");
  const entry: HistoryEntry = { created, ...(s.author ? { author: s.author } : {}), created_by: (s.ran.Cmd ?? []).join(" "), ...(tar ? {} : { empty_layer: true }) };
  const diffId = tar ? await hash(tar) : undefined;
  const config: ImageConfig = {
    architecture: base.architecture || SCRATCH_PLATFORM.architecture, os: base.os || SCRATCH_PLATFORM.os, created,
    ...(s.author ? { author: s.author } : {}), config: clean(s.config),
    rootfs: { type: "layers", diff_ids: [...base.rootfs.diff_ids, ...(diffId ? [diffId] : [])] },
    history: [...base.history, entry],
  };
  const configBytes = encodeConfig(config);
  const id = await hash(configBytes);
  const layers: Array<{ diffId: string; size: number; tar?: Uint8Array }> = base.rootfs.diff_ids.map((d, i) => ({ diffId: d, size: sizes[i] ?? 0 }));
  if (tar && diffId) layers.push({ diffId, size: tar.length, tar });
  await images.create({ id, configBytes, created, layers, parent: s.parent, buildKey: s.buildKey }, config);
  return id;
}

function hasEntries(tar: Uint8Array): boolean {
  return indexTar(tar, { name: "the step's layer" }).length > 0;
}

/** The layer with every mtime after `epoch` set to it (BuildKit's rewrite-timestamp). */
function clampTimes(tar: Uint8Array, epoch: number): Uint8Array {
  const entries = indexTar(tar, { name: "the step's layer" });
  if (entries.every((e) => e.mtime <= epoch)) return tar;
  return writeTar(entries.map((e) => ({ ...e, mtime: Math.min(e.mtime, epoch), pax: clampPax(e.pax, epoch) })));
}

function clampPax(pax: Record<string, string>, epoch: number): Record<string, string> {
  const out = { ...pax };
  for (const k of ["atime", "ctime"]) if (k in out && Number(out[k]) > epoch) out[k] = String(epoch);
  return out;
}

/** The config without absent fields (what the image's JSON holds). */
function clean(c: ContainerConfig): ContainerConfig {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v;
  return out as ContainerConfig;
}
