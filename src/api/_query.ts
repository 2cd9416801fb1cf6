/** Query parameters as the docker CLI ("1") and dockerode ("true") send them. */
import type { Context } from "hono";
import { ApiError } from "./errors.ts";

export const bool = (c: Context, name: string, dflt = false): boolean => {
  const v = c.req.query(name);
  return v === undefined ? dflt : v === "1" || v === "true" || v === "True";
};

export const int = (c: Context, name: string): number | undefined => {
  const v = c.req.query(name);
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ApiError(400, `invalid value for ${name}: "${v}"`);
  return n;
};

export const filters = (c: Context): Record<string, string[] | Record<string, boolean>> => {
  const raw = c.req.query("filters");
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(400, `invalid filter "${raw}"`);
  }
};
