/**
 * The file browser over a container's merged view: a directory at a time (strata's
 * `/strata/containers/{id}/tree`), each entry tagged with the layer it comes from (the
 * layer's colour and short ID, or "writable"); `docker diff` highlighted (added, changed,
 * and deleted entries shown struck through where they were); whiteouts and opaque
 * markers on request; a file's contents from `GET /containers/{id}/archive`.
 */
import type { Change, Client, TreeEntry } from "./client.ts";
import { h, layerColor, shortId, size } from "./dom.ts";

const KIND = ["changed", "added", "deleted"] as const;

export class FilesPanel {
  readonly el = h("section", { class: "files", "data-testid": "files" });
  #id: string | null = null;
  #path = "/";
  #whiteouts = false;
  #viewing: string | null = null;

  constructor(readonly client: Client, readonly onError: (err: unknown) => void) {}

  /** Show container `id` (from its root when it is another container). */
  show(id: string | null): void {
    if (id !== this.#id) this.#path = "/", this.#viewing = null;
    this.#id = id;
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const id = this.#id;
    if (!id) return void this.el.replaceChildren(h("p", { class: "empty" }, ["select a container to browse its files"]));
    try {
      const [entries, changes] = await Promise.all([this.client.tree(id, this.#path, this.#whiteouts), this.client.changes(id)]);
      if (id !== this.#id) return;
      const content = this.#viewing ? await this.#content(id, this.#viewing) : null;
      this.el.replaceChildren(this.#header(), this.#list(entries, changes ?? []), ...(content ? [content] : []));
    } catch (err) {
      this.onError(err);
      if (this.#path !== "/") this.#path = "/", this.#viewing = null;
    }
  }

  #go(path: string): void {
    this.#path = path;
    this.#viewing = null;
    void this.refresh();
  }

  #header(): HTMLElement {
    const parts = this.#path.split("/").filter(Boolean);
    const crumbs: HTMLElement[] = [h("a", { href: "#", onclick: (e) => (e.preventDefault(), this.#go("/")) }, ["/"])];
    parts.forEach((p, i) => {
      const to = `/${parts.slice(0, i + 1).join("/")}`;
      crumbs.push(h("a", { href: "#", onclick: (e) => (e.preventDefault(), this.#go(to)) }, [`${p}/`]));
    });
    const toggle = h("input", { type: "checkbox", "data-testid": "whiteouts", checked: this.#whiteouts, onchange: (e) => {
      this.#whiteouts = (e.target as HTMLInputElement).checked;
      void this.refresh();
    } });
    return h("div", { class: "crumbs" }, [h("span", { class: "path", "data-testid": "path" }, crumbs), h("label", {}, [toggle, " whiteouts and opaque markers"])]);
  }

  #list(entries: TreeEntry[], changes: Change[]): HTMLElement {
    const kinds = new Map(changes.map((c) => [c.Path, c.Kind]));
    const here = this.#path === "/" ? "" : this.#path;
    const names = new Set(entries.map((e) => e.Path));
    // Deleted entries are not in the merged view: shown where they were, from the diff.
    const deleted = changes.filter((c) => c.Kind === 2 && c.Path.slice(0, c.Path.lastIndexOf("/")) === here && !names.has(c.Path));
    const rows = entries.map((e) => {
      const kind = e.Type === "whiteout" || e.Type === "opaque" ? undefined : kinds.get(e.Path);
      const open = () => (e.Type === "dir" ? this.#go(e.Path) : e.Type === "file" ? this.#view(e.Path) : undefined);
      return h("tr", { class: `${kind !== undefined ? KIND[kind] : ""} ${e.Type}`, "data-path": e.Path, "data-kind": kind !== undefined ? KIND[kind] : undefined }, [
        h("td", {}, [h("span", { class: "chip", style: `--layer: ${layerColor(e.Layer)}`, title: e.Layer }, [e.Layer === "writable" ? "writable" : shortId(e.Layer)])]),
        h("td", { class: "name" }, [
          e.Type === "dir" || e.Type === "file" ? h("a", { href: "#", onclick: (ev) => (ev.preventDefault(), open()) }, [e.Name + (e.Type === "dir" ? "/" : "")]) : e.Name,
          e.Target !== undefined ? ` → ${e.Target}` : null,
        ]),
        h("td", { class: "type" }, [e.Type]),
        h("td", { class: "size" }, [e.Type === "file" ? size(e.Size) : ""]),
        h("td", { class: "kind" }, [kind !== undefined ? KIND[kind] : ""]),
      ]);
    });
    for (const d of deleted) {
      rows.push(h("tr", { class: "deleted", "data-path": d.Path, "data-kind": "deleted" }, [
        h("td", {}, [h("span", { class: "chip", style: `--layer: ${layerColor("writable")}` }, ["writable"])]),
        h("td", { class: "name" }, [d.Path.slice(d.Path.lastIndexOf("/") + 1)]), h("td", { class: "type" }, ["—"]), h("td", {}, []), h("td", { class: "kind" }, ["deleted"]),
      ]));
    }
    return h("table", { class: "listing" }, [h("tbody", {}, rows)]);
  }

  #view(path: string): void {
    this.#viewing = path;
    void this.refresh();
  }

  async #content(id: string, path: string): Promise<HTMLElement> {
    const bytes = await this.client.file(id, path);
    const text = looksText(bytes) ? new TextDecoder().decode(bytes.subarray(0, 64 * 1024)) : `(${size(bytes.length)} of binary data${isWasm(bytes) ? ": a WebAssembly module" : ""})`;
    return h("div", { class: "viewer" }, [h("div", { class: "viewer-head" }, [path, h("button", { onclick: () => this.#view("") }, ["close"])]), h("pre", { "data-testid": "file-content" }, [text])]);
  }
}

function looksText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) if (b[i] === 0) return false;
  return true;
}

function isWasm(b: Uint8Array): boolean {
  return b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;
}
