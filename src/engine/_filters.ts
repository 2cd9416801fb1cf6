/** `docker ps --filter`: status, name, label, ancestor, id; both JSON forms clients send. */
import type { ContainerRecord, Filters } from "./wire.ts";

export function values(filters: Filters, key: string): string[] {
  const v = filters[key];
  if (!v) return [];
  return Array.isArray(v) ? v : Object.keys(v).filter((k) => (v as Record<string, boolean>)[k]);
}

export function matchFilters(rec: ContainerRecord, filters: Filters, imageMatches: (ref: string) => boolean): boolean {
  const test = (key: string, fn: (v: string) => boolean) => {
    const vs = values(filters, key);
    return vs.length === 0 || vs.some(fn);
  };
  const status = rec.State.Status === "running" && rec.State.Paused ? "paused" : rec.State.Status;
  return test("status", (v) => status === v)
    && test("name", (v) => new RegExp(v).test(rec.Name))
    && test("id", (v) => rec.Id.startsWith(v))
    && test("ancestor", imageMatches)
    && test("label", (v) => {
      const [k, val] = v.split("=");
      return val === undefined ? k! in rec.Config.Labels : rec.Config.Labels[k!] === val;
    });
}
