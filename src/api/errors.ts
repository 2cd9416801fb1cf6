/**
 * The one mapping from errors to HTTP statuses (moby's `httpstatus.FromError` idea), and
 * Docker's error body `{ "message": "…" }`. Nothing else in the API inspects error types.
 */
import { EngineError, type EngineErrorKind } from "../engine/mod.ts";

const STATUS: Record<EngineErrorKind, number> = {
  "not-found": 404, conflict: 409, invalid: 400, "not-modified": 304, unavailable: 503, forbidden: 403, unauthorized: 401, internal: 500,
};

/** An error of the HTTP layer itself: a bad query or body (400), a body too large (413), no token (401). */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The HTTP status for an error: EngineError by kind, ApiError by its status, a parser's
 * SyntaxError/RangeError (a bad archive, a bad reference) 400, anything else 500.
 * @example toHttpStatus(new EngineError("not-found", "No such container: x")) // 404
 */
export function toHttpStatus(err: unknown): number {
  if (err instanceof EngineError) return STATUS[err.kind] ?? 500;
  if (err instanceof ApiError) return err.status;
  if (err instanceof SyntaxError || err instanceof RangeError) return 400;
  return 500;
}

/** Docker's error body. */
export function errorBody(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}

/** A JSON error Response with the status `toHttpStatus` gives (304 has no body). */
export function errorResponse(err: unknown): Response {
  const status = toHttpStatus(err);
  if (status === 304) return new Response(null, { status });
  return Response.json(errorBody(err), { status });
}
