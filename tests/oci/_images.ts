/** Images built in code for tests: a config and layer tars from fixture entries. */
import { encodeConfig, type ExportImage, type ImageConfig, sha256 } from "../../src/oci/mod.ts";
import { type TarInput, writeTar } from "../../src/tar/mod.ts";

export async function makeImage(layers: TarInput[][], repoTags: string[], config: ImageConfig["config"] = { Cmd: ["sh"] }): Promise<ExportImage> {
  const tars = layers.map((entries) => writeTar(entries, { sort: true, mtime: 0 }));
  const diffIds = await Promise.all(tars.map((t) => sha256(t)));
  const cfg: ImageConfig = {
    architecture: "wasm", os: "wasip1", created: "2026-01-01T00:00:00Z", config,
    rootfs: { type: "layers", diff_ids: diffIds },
    history: tars.map((_, i) => ({ created: "2026-01-01T00:00:00Z", created_by: `layer ${i}` })),
  };
  return { configBytes: encodeConfig(cfg), layers: tars.map((tar, i) => ({ tar, diffId: diffIds[i]! })), repoTags };
}
