/** Query parameters as the docker CLI ("1") and dockerode ("true") send them. */
import type { Context } from "hono";
import type { Filters } from "../engine/mod.ts";
import { ApiError } from "./errors.ts";

/** A boolean query flag: "1", "true", "True" are true. */
export function bool(c: Context, name: string, dflt = false): boolean {
  const v = c.req.query(name);
  return v === undefined || v === "" ? dflt : v === "1" || v === "true" || v === "True";
}

/** A numeric query value; 400 naming the parameter when it is not a number. */
export function num(c: Context, name: string): number | undefined {
  const v = c.req.query(name);
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ApiError(400, `invalid value for "${name}": "${v}" is not a number`);
  return n;
}

/** `filters` in either JSON form: `{"status":{"exited":true}}` (CLI) or `{"status":["exited"]}` (dockerode). */
export function filters(c: Context): Filters {
  const raw = c.req.query("filters");
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError(400, `invalid filter: "${raw}" is not JSON`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new ApiError(400, `invalid filter: "${raw}" is not an object`);
  return parsed as Filters;
}

/** The values of one filter key, whichever form it came in. */
export function filterValues(f: Filters, key: string): string[] {
  const v = f[key];
  if (!v) return [];
  return Array.isArray(v) ? v : Object.keys(v).filter((k) => (v as Record<string, boolean>)[k]);
}

/** `docker logs --since/--until`: unix seconds with an optional fraction ("1700000000.123"). */
export function seconds(c: Context, name: string): number | undefined {
  const n = num(c, name);
  return n === undefined || n === 0 ? undefined : n;
}
