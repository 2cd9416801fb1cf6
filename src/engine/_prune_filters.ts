/**
 * The filters of the prune endpoints, as moby reads them: `until=TIMESTAMP` (a Go
 * duration before now such as `24h` or `10m30s`, unix seconds, or an RFC 3339 date)
 * keeps what was created after it; `label=KEY[=VALUE]` prunes only what has the label,
 * `label!=KEY[=VALUE]` only what has not. A key a prune does not take is Docker's 400.
 */
import { values } from "./_filters.ts";
import { invalid } from "./errors.ts";
import type { Filters } from "./wire.ts";

/** What a prune filter looks at. */
interface Prunable {
  /** Creation time, ms since the epoch. */
  created: number;
  labels: Record<string, string> | null | undefined;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** A prune `until` as ms since the epoch (moby's timetypes.GetTimestamp). Errors: invalid. */
export function untilTime(v: string, now = Date.now()): number {
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) {
    let ms = 0;
    for (const [, n, unit] of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNITS[unit!]!;
    return now - ms;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`failed to parse value as time or duration: "${v}"`);
  return t;
}

function hasLabel(labels: Record<string, string> | null | undefined, spec: string): boolean {
  const at = spec.indexOf("=");
  const key = at < 0 ? spec : spec.slice(0, at);
  if (!labels || !(key in labels)) return false;
  return at < 0 || labels[key] === spec.slice(at + 1);
}

/** The test a prune applies to each candidate; `accepted` are the filter keys this prune takes. Errors: invalid (an unknown key, a bad time). */
export function pruneFilter(filters: Filters | undefined, accepted: readonly string[]): (x: Prunable) => boolean {
  const f = filters ?? {};
  for (const key of Object.keys(f)) if (!accepted.includes(key)) throw invalid(`invalid filter '${key}'`);
  const until = values(f, "until").map((v) => untilTime(v));
  const labels = values(f, "label"), notLabels = values(f, "label!");
  return (x) => until.every((t) => x.created < t) && labels.every((l) => hasLabel(x.labels, l)) && notLabels.every((l) => !hasLabel(x.labels, l));
}
