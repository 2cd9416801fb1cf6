/** JSON parsing that says which document and which field is wrong. */

/** A manifest, index or config that is not valid JSON or misses a field. */
export class OciFormatError extends SyntaxError {
  override name = "OciFormatError";
  constructor(readonly document: string, readonly field: string, detail: string) {
    super(`Cannot read ${document}: ${field ? `field "${field}" ` : ""}${detail}`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

export function parseJson(bytes: Uint8Array | string, document: string): unknown {
  try {
    return JSON.parse(typeof bytes === "string" ? bytes : utf8.decode(bytes));
  } catch (err) {
    throw new OciFormatError(document, "", `not valid JSON (${(err as Error).message})`);
  }
}

type Obj = Record<string, unknown>;

export function obj(v: unknown, document: string, field: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new OciFormatError(document, field, "must be an object");
  return v as Obj;
}

export function str(o: Obj, key: string, document: string, prefix = ""): string {
  const v = o[key];
  if (typeof v !== "string") throw new OciFormatError(document, prefix + key, v === undefined ? "is missing" : "must be a string");
  return v;
}

export function arr(o: Obj, key: string, document: string, prefix = ""): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new OciFormatError(document, prefix + key, v === undefined ? "is missing" : "must be an array");
  return v;
}

export function optStrings(o: Obj, key: string, document: string, prefix = ""): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new OciFormatError(document, prefix + key, "must be an array of strings");
  return v as string[];
}
