/**
 * EngineError: the one error shape of the engine, with Docker's own wording. `kind` is
 * mapped to an HTTP status in exactly one place (src/api `toHttpStatus`).
 */
export type EngineErrorKind = "not-found" | "conflict" | "invalid" | "not-modified" | "unavailable" | "forbidden" | "unauthorized" | "internal";

export class EngineError extends Error {
  override name = "EngineError";
  constructor(readonly kind: EngineErrorKind, message: string) {
    super(message);
  }
}

export const notFound = (message: string) => new EngineError("not-found", message);
export const conflict = (message: string) => new EngineError("conflict", message);
export const invalid = (message: string) => new EngineError("invalid", message);
