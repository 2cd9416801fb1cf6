/** Docker-shaped views of image records: `docker images` rows, `docker image inspect`, history. */
import type { ImageConfig } from "../oci/mod.ts";

/** What the store keeps per image (kind "image", key = image id). */
export interface ImageRecord {
  id: string;
  diffIds: string[];
  chainIds: string[];
  /** Uncompressed size of each layer. */
  layerSizes: number[];
  created: string;
  /** When it was loaded or committed here. */
  loaded: number;
  /**
   * The image a build step made this one from ("" for a step on `FROM scratch`); absent
   * for a loaded image. Docker keeps the same relation locally (it is in no archive).
   */
  parent?: string;
  /** The build step that made it (a digest of its container config, src/engine/_build_cache.ts): the classic builder's cache key under `parent`. */
  buildKey?: string;
}

export interface ImageSummary {
  Id: string; ParentId: string; RepoTags: string[]; RepoDigests: string[]; Created: number; Size: number;
  SharedSize: number; VirtualSize: number; Labels: Record<string, string>; Containers: number;
}

export function summary(rec: ImageRecord, config: ImageConfig, tags: string[], digests: string[] = []): ImageSummary {
  const size = rec.layerSizes.reduce((a, b) => a + b, 0);
  return {
    Id: rec.id, ParentId: rec.parent ?? "", RepoTags: tags, RepoDigests: digests, Created: Math.floor(Date.parse(rec.created || "1970-01-01T00:00:00Z") / 1000) || 0,
    Size: size, SharedSize: -1, VirtualSize: size, Labels: config.config.Labels ?? {}, Containers: -1,
  };
}

export function inspectView(rec: ImageRecord, config: ImageConfig, tags: string[], digests: string[] = []) {
  const size = rec.layerSizes.reduce((a, b) => a + b, 0);
  const c = config.config;
  return {
    Id: rec.id, RepoTags: tags, RepoDigests: digests, Parent: rec.parent ?? "", Comment: config.history.at(-1)?.comment ?? "",
    Created: rec.created || "1970-01-01T00:00:00Z", DockerVersion: "", Author: config.author ?? "",
    Config: {
      Hostname: "", Domainname: "", User: c.User ?? "", AttachStdin: false, AttachStdout: false, AttachStderr: false,
      ExposedPorts: c.ExposedPorts ?? null, Tty: false, OpenStdin: false, StdinOnce: false, Env: c.Env ?? null, Cmd: c.Cmd ?? null,
      Image: "", Volumes: c.Volumes ?? null, WorkingDir: c.WorkingDir ?? "", Entrypoint: c.Entrypoint ?? null, OnBuild: c.OnBuild ?? null,
      Labels: c.Labels ?? null, StopSignal: c.StopSignal,
      // omitempty in Docker's container.Config: shown only when an image sets them
      ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}), ...(c.Shell ? { Shell: c.Shell } : {}), ...(c.ArgsEscaped ? { ArgsEscaped: true } : {}),
    },
    Architecture: config.architecture, Os: config.os, Size: size, VirtualSize: size,
    GraphDriver: { Name: "strata-union", Data: { LowerDiffs: rec.diffIds.slice().reverse().join(":") } },
    RootFS: { Type: "layers", Layers: rec.diffIds },
    Metadata: { LastTagTime: new Date(rec.loaded).toISOString() },
  };
}

/**
 * `docker history`: one row per history entry, newest first. `chain` is the image and its
 * parents as far as they are known here (a built image's steps), each with its tags: row
 * n shows the id of the n-th image up the chain, as moby's ImageHistory does; the rows
 * past the chain are `<missing>`.
 */
export function historyView(rec: ImageRecord, config: ImageConfig, chain: ReadonlyArray<{ id: string; tags: string[] }>) {
  const rows = [];
  let layer = 0;
  for (const h of config.history) {
    const size = h.empty_layer ? 0 : rec.layerSizes[layer++] ?? 0;
    rows.push({ Id: "<missing>", Created: Math.floor(Date.parse(h.created ?? "") / 1000) || 0, CreatedBy: h.created_by ?? "", Tags: null as string[] | null, Size: size, Comment: h.comment ?? "" });
  }
  for (; layer < rec.diffIds.length; layer++) rows.push({ Id: "<missing>", Created: 0, CreatedBy: "", Tags: null, Size: rec.layerSizes[layer]!, Comment: "" });
  rows.reverse();
  for (const [i, link] of chain.entries()) if (rows[i]) Object.assign(rows[i]!, { Id: link.id, Tags: link.tags.length ? link.tags : null });
  return rows;
}
