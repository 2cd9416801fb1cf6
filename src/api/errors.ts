/** The one mapping from engine errors to HTTP statuses, and Docker's `{ "message" }` body. */
import { EngineError } from "../engine/mod.ts";
import { FsError } from "../fs/mod.ts";

const STATUS: Record<EngineError["kind"], number> = {
  "not-found": 404, conflict: 409, invalid: 400, "not-modified": 304, unavailable: 503, forbidden: 403, internal: 500,
};

export function toHttpStatus(err: unknown): number {
  if (err instanceof EngineError) return STATUS[err.kind];
  if (err instanceof ApiError) return err.status;
  if (err instanceof SyntaxError || err instanceof RangeError || err instanceof FsError) return 400;
  return 500;
}

/** An error of the HTTP layer itself (bad query, body too large). */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function errorBody(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}
