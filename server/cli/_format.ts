/**
 * Output as the docker CLI prints it: human sizes (docker/go-units), "5 minutes ago"
 * (the engine's humanDuration, the one its Status strings use), IDs cut to 12, and
 * tables laid out by Go's text/tabwriter with the docker CLI's settings (minimum cell
 * width 10, padding 3, last column unpadded).
 */

// Not through the engine's mod.ts, which would load the whole engine into commands that never open one (-H, --help).
import { humanDuration } from "../../src/engine/_format.ts";

const DECIMAL = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/**
 * go-units HumanSizeWithPrecision: decimal units, `%.{precision}g` (docker ps and images
 * use 3, system df uses 4): 241000 → "241kB", 2345678 → "2.35MB", 0 → "0B".
 */
export function humanSize(bytes: number, precision = 3): string {
  let v = bytes, i = 0;
  while (v >= 1000 && i < DECIMAL.length - 1) { v /= 1000; i++; }
  return `${goG(v, precision)}${DECIMAL[i]}`;
}

/** Go's `%.Ng`: N significant digits, trailing zeros dropped, exponent form when the exponent reaches N. */
function goG(v: number, precision: number): string {
  if (v === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [m, e] = v.toExponential(precision - 1).split("e") as [string, string];
    const n = Number(e);
    return `${String(Number(m))}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  return String(Number(v.toPrecision(precision)));
}

/** "5 minutes ago" for a unix time in seconds. */
export function ago(unixSeconds: number, now = Date.now()): string {
  return `${humanDuration(Math.max(0, now - unixSeconds * 1000))} ago`;
}

/** Go's `time.Time.String()` for a unix time, as `--format '{{.CreatedAt}}'` prints it: "2024-05-01 10:00:00 +0000 UTC". */
export function goTime(unixSeconds: number): string {
  return `${new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;
}

/** The first 12 hex digits of an ID, without its "sha256:" prefix. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** The docker CLI's Ellipsis: at most `n` characters, the last one "…" when cut. */
export function ellipsis(s: string, n: number): string {
  const chars = [...s];
  return chars.length > n ? `${chars.slice(0, n - 1).join("")}…` : s;
}

/** Go's strconv.Quote for the common cases (quotes, backslashes, control characters). */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, "\\x$1");
}

/**
 * Lay out tab-separated lines as Go's tabwriter (minwidth 10, or as given; padding 3, padchar ' ')
 * does for the docker CLI: each tab-terminated cell is padded to its column's width;
 * the text after the last tab of a line is not.
 */
export function tabwrite(text: string, minwidth = 10): string {
  const lines = text.split("\n");
  const trailing = lines[lines.length - 1] === "" ? lines.pop() : undefined;
  const cells = lines.map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const row of cells) {
    row.slice(0, -1).forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, minwidth - 3, [...c].length); });
  }
  const out = cells.map((row) => row.map((c, i) => (i < row.length - 1 ? c + " ".repeat(widths[i]! + 3 - [...c].length) : c)).join(""));
  return out.join("\n") + (trailing !== undefined ? "\n" : "");
}

/** A table from a header and rows (columns joined by tabs, then `tabwrite`). */
export function table(header: string[], rows: string[][]): string {
  return tabwrite([header, ...rows].map((r) => r.join("\t")).join("\n") + "\n");
}
