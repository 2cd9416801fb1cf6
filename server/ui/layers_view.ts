/**
 * The picture: every image as its stack of layers, bottom first, the stacks merged where
 * they start alike — images that share their lower layers share those boxes, drawn once
 * and as wide as everything built on them (a tree of layer chains). Each layer shows its
 * diff ID, its size and the instruction that made it (image history); each image's name
 * sits on its top layer, and each container on its image as its writable layer, with
 * SizeRw and the virtual size (SizeRootFs).
 */
import type { ContainerSummary, HistoryEntry, ImageInspect } from "./client.ts";
import { h, layerColor, shortId, size } from "./dom.ts";

/** An image as the picture needs it: inspect (RootFS) and history (sizes, instructions). */
export interface ImageInfo {
  inspect: ImageInspect;
  history: HistoryEntry[];
}

interface LayerNode {
  diffId: string;
  size: number;
  createdBy: string;
  children: LayerNode[];
  images: ImageInspect[];
}

/** History entries that made no layer (Dockerfile metadata instructions). */
const EMPTY_LAYER = /#\(nop\)\s+(CMD|ENV|LABEL|WORKDIR|EXPOSE|ENTRYPOINT|USER|VOLUME|STOPSIGNAL|HEALTHCHECK|SHELL|ARG|ONBUILD|MAINTAINER)\b/;

/** The history entry of each layer, oldest first: the entries that made a layer, matched in order. */
export function layerHistory(layers: string[], history: HistoryEntry[]): Array<HistoryEntry | undefined> {
  const oldest = [...history].reverse();
  let made = oldest.filter((e) => !EMPTY_LAYER.test(e.CreatedBy));
  if (made.length !== layers.length) made = oldest.filter((e) => e.Size > 0);
  if (made.length !== layers.length) return layers.map(() => undefined);
  return made;
}

/** The tree of layer chains: roots are bottom layers; a chain shared by images is one path. */
export function layerTree(images: ImageInfo[]): LayerNode[] {
  const roots: LayerNode[] = [];
  for (const { inspect, history } of images) {
    const hist = layerHistory(inspect.RootFS.Layers, history);
    let level = roots, node: LayerNode | undefined;
    inspect.RootFS.Layers.forEach((diffId, i) => {
      node = level.find((n) => n.diffId === diffId);
      if (!node) {
        node = { diffId, size: hist[i]?.Size ?? 0, createdBy: hist[i]?.CreatedBy ?? "", children: [], images: [] };
        level.push(node);
      }
      level = node.children;
    });
    node?.images.push(inspect);
  }
  return roots;
}

/** Render the picture; `onContainer` is called when a container is clicked. */
export function renderLayers(images: ImageInfo[], containers: ContainerSummary[], selected: string | null, onContainer: (id: string) => void): HTMLElement {
  const byImage = new Map<string, ContainerSummary[]>();
  for (const c of containers) byImage.set(c.ImageID, [...(byImage.get(c.ImageID) ?? []), c]);
  const users = new Map<string, number>();
  const count = (n: LayerNode): number => {
    const k = n.images.length + n.children.reduce((s, c) => s + count(c), 0);
    users.set(n.diffId, k);
    return k;
  };
  const roots = layerTree(images);
  roots.forEach(count);

  const containerBox = (c: ContainerSummary) => h("button", {
    class: `writable ${c.State}${c.Id === selected ? " selected" : ""}`, "data-container": c.Names[0]?.replace(/^\//, "") ?? c.Id,
    title: `${c.Id}\n${c.Command}\n${c.Status}`, onclick: () => onContainer(c.Id),
  }, [
    h("span", { class: "name" }, [c.Names[0]?.replace(/^\//, "") ?? shortId(c.Id)]),
    h("span", { class: "state" }, [c.State]),
    h("span", { class: "size" }, [`${size(c.SizeRw ?? 0)} (virtual ${size(c.SizeRootFs ?? 0)})`]),
  ]);
  const imageTop = (im: ImageInspect) => h("div", { class: "image-top" }, [
    h("div", { class: "containers" }, (byImage.get(im.Id) ?? []).map(containerBox)),
    h("div", { class: "image-label", "data-image": im.RepoTags[0] ?? shortId(im.Id), "data-layers": String(im.RootFS.Layers.length), title: im.Id }, [
      (im.RepoTags.length ? im.RepoTags.join(", ") : `<none> ${shortId(im.Id)}`),
    ]),
  ]);
  const node = (n: LayerNode): HTMLElement => {
    const shared = (users.get(n.diffId) ?? 0) > 1;
    return h("div", { class: "node" }, [
      h("div", { class: "above" }, [...n.children.map(node), ...n.images.map(imageTop)]),
      h("div", {
        class: `layer${shared ? " shared" : ""}`, "data-layer": n.diffId, style: `--layer: ${layerColor(n.diffId)}`,
        title: `${n.diffId}\n${n.createdBy}\n${shared ? `shared by ${users.get(n.diffId)} images` : ""}`,
      }, [
        h("span", { class: "id" }, [shortId(n.diffId)]),
        h("span", { class: "size" }, [size(n.size)]),
        h("span", { class: "by" }, [instruction(n.createdBy)]),
        shared ? h("span", { class: "badge" }, [`shared ×${users.get(n.diffId)}`]) : null,
      ]),
    ]);
  };
  return h("div", { class: "forest" }, roots.length ? roots.map(node) : [h("p", { class: "empty" }, ["no images"])]);
}

/** `/bin/sh -c #(nop) COPY dir:… in /` → `COPY dir:… in /`; `/bin/sh -c rm x` → `RUN rm x`. */
function instruction(createdBy: string): string {
  const nop = /^\/bin\/sh -c #\(nop\)\s*(.*)$/s.exec(createdBy);
  if (nop) return nop[1]!.trim();
  const run = /^\/bin\/sh -c (.*)$/s.exec(createdBy);
  return run ? `RUN ${run[1]}` : createdBy;
}
