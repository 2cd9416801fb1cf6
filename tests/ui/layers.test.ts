import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { HistoryEntry, ImageInspect } from "../../server/ui/client.ts";
import { layerHistory, layerTree } from "../../server/ui/layers_view.ts";

const t = suite("ui: the picture's tree of layer chains and the history entry of each layer");

const hist = (entries: Array<[string, number]>): HistoryEntry[] =>
  entries.map(([CreatedBy, Size]) => ({ Id: "<missing>", Created: 0, CreatedBy, Size, Comment: "", Tags: null })).reverse();
const image = (tag: string, layers: string[]): ImageInspect => ({ Id: `sha256:${tag}`, RepoTags: [`${tag}:latest`], RootFS: { Layers: layers }, Config: {} });

t("layers are matched to the history entries that made them (metadata instructions skipped), oldest first", () => {
  const h = hist([["/bin/sh -c #(nop) COPY dir:abc in /", 100], ["/bin/sh -c #(nop)  ENV PATH=/bin", 0], ["/bin/sh -c rm /x", 0], ["/bin/sh -c #(nop)  CMD [\"sh\"]", 0]]);
  assert.equal(layerHistory(["a", "b"], h).map((e) => e?.CreatedBy), ["/bin/sh -c #(nop) COPY dir:abc in /", "/bin/sh -c rm /x"]);
  // Counts that do not match: by size, else nothing rather than a wrong label.
  assert.equal(layerHistory(["a"], hist([["make a", 5], ["label", 0], ["make b", 0]])).map((e) => e?.CreatedBy), ["make a"]);
  assert.equal(layerHistory(["a", "b", "c"], hist([["x", 1]])), [undefined, undefined, undefined]);
});

t("images that start with the same layers share those nodes; each image ends on its top layer", () => {
  const base = image("toolbox", ["L1"]), demo = image("demo", ["L1", "L2", "L3"]), snap = image("snap", ["L1", "L2"]), other = image("other", ["M1"]);
  const roots = layerTree([base, demo, snap, other].map((inspect) => ({ inspect, history: [] })));
  assert.equal(roots.map((r) => r.diffId), ["L1", "M1"]);
  const l1 = roots[0]!;
  assert.equal(l1.images.map((i) => i.RepoTags[0]), ["toolbox:latest"]);
  assert.equal(l1.children.map((c) => c.diffId), ["L2"]);
  assert.equal(l1.children[0]!.images.map((i) => i.RepoTags[0]), ["snap:latest"]);
  assert.equal(l1.children[0]!.children.map((c) => [c.diffId, c.images.map((i) => i.RepoTags[0])]), [["L3", ["demo:latest"]]]);
});

t.run();
