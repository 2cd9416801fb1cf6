/** The page's small DOM helpers: an element builder, sizes, short ids, a colour per layer. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | ((e: Event) => void) | undefined>;

/** `h("div", { class: "x", onclick }, ["text", child])`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Bytes as the docker CLI prints them (decimal units): 249.3kB. */
export function size(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0, v = n;
  while (v >= 1000 && i < units.length - 1) v /= 1000, i++;
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1).replace(/\.?0+$/, "")}${units[i]}`;
}

/** `sha256:d834f827737d…` → `d834f827737d`. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** A stable hue for a layer (its diff ID), the writable layer its own colour. */
export function layerColor(diffId: string): string {
  if (diffId === "writable") return "hsl(45 95% 70%)";
  const hex = diffId.replace(/^sha256:/, "");
  const hue = parseInt(hex.slice(0, 6), 16) % 360;
  return `hsl(${hue} 55% 78%)`;
}
