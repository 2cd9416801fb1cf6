/** Output as the docker CLI prints it: aligned tables, human sizes, "x ago", and Go-template-like --format. */

/** docker/go-units HumanSizeWithPrecision(size, 3), as `docker ps` and `docker images` print sizes. */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes, i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

export function ago(unixSeconds: number, now = Date.now()): string {
  const s = Math.max(0, Math.round(now / 1000 - unixSeconds));
  if (s < 1) return "Less than a second ago";
  if (s < 60) return `${s} second${s === 1 ? "" : "s"} ago`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? "About a minute ago" : `${m} minutes ago`;
  const h = Math.round(s / 3600);
  if (h < 48) return h === 1 ? "About an hour ago" : `${h} hours ago`;
  const d = Math.floor(h / 24);
  if (d < 14) return `${d} days ago`;
  if (d < 60) return `${Math.floor(d / 7)} weeks ago`;
  if (d < 730) return `${Math.floor(d / 30)} months ago`;
  return `${Math.floor(d / 365)} years ago`;
}

/** Columns padded to the widest cell plus three spaces, as the docker CLI's tabwriter does. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** `--format`: "{{.Field}}", "{{json .}}", and a leading "table " for a header row. */
export function format(template: string, items: Array<Record<string, unknown>>): string {
  const isTable = template.startsWith("table ");
  const body = isTable ? template.slice(6) : template;
  const render = (item: Record<string, unknown>) => body.replace(/\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}/g, (_, json, path: string) => {
    const v = path ? path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], item) : item;
    return json ? JSON.stringify(v) : v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  }).replace(/\\t/g, "\t");
  const lines = items.map(render);
  if (isTable) lines.unshift(body.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k: string) => k.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase()));
  return lines.length ? `${lines.join("\n")}\n` : "";
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
