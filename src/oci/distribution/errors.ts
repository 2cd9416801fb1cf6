/**
 * Errors of the registry client: what the registry said (its `{"errors":[{code,message}]}`
 * body, OCI distribution-spec "Error Codes"), or what it did wrong (a redirect loop, a
 * blob of the wrong size), worded as Docker words them (`manifest unknown: manifest
 * unknown`, moby's errcode: the code lowercased with spaces, then the message).
 */

/** One entry of a registry's error body. */
interface RegistryErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

/**
 * A registry refused a request or broke the protocol. `status` is the HTTP status (0 when
 * there was no answer), `errors` what its body said, `code` the first error's code.
 */
export class RegistryError extends Error {
  override name = "RegistryError";
  readonly code: string | undefined;
  constructor(message: string, readonly status: number, readonly errors: readonly RegistryErrorEntry[] = [], options?: ErrorOptions) {
    super(message, options);
    this.code = errors[0]?.code;
  }
}

/** The registry's error body as entries; [] when it is not the spec's shape (a proxy's HTML page, an empty body). */
export function parseErrorBody(text: string): RegistryErrorEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) return [];
    throw err;
  }
  const list = (doc as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return [];
  return list.filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null).map((e) => ({
    code: typeof e["code"] === "string" ? e["code"] : "UNKNOWN",
    message: typeof e["message"] === "string" ? e["message"] : "",
    ...(e["detail"] !== undefined ? { detail: e["detail"] } : {}),
  }));
}

/** moby's errcode wording: "manifest unknown: manifest unknown", entries joined by ", ". */
export function describeErrors(errors: readonly RegistryErrorEntry[]): string {
  return errors.map((e) => {
    const code = e.code.toLowerCase().replaceAll("_", " ");
    return e.message ? `${code}: ${e.message}` : code;
  }).join(", ");
}

/** Longest error body read from a registry: the spec's bodies are small, a hostile one may not be. */
const MAX_ERROR_BODY = 64 * 1024;

/** A RegistryError for a response that is not what was asked for; `action` says what was attempted ("pull manifest demo:v1"). */
export async function responseError(res: Response, action: string): Promise<RegistryError> {
  const text = await boundedText(res, MAX_ERROR_BODY);
  const errors = parseErrorBody(text);
  const said = errors.length ? describeErrors(errors) : `${res.status} ${res.statusText || statusText(res.status)}`.trim();
  return new RegistryError(`${action}: ${said}`, res.status, errors);
}

/** At most `max` bytes of a body as text (the rest is cancelled). */
export async function boundedText(res: Response, max: number): Promise<string> {
  return new TextDecoder().decode(await boundedBytes(res, max));
}

/** At most `max` bytes of a body (the rest is cancelled). */
export async function boundedBytes(res: Response, max: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < max) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(r.value);
      n += r.value.length;
    }
  } finally {
    await reader.cancel().catch((err: unknown) => void err); // the rest is not wanted; a failed cancel changes nothing
  }
  const all = new Uint8Array(Math.min(n, max));
  let at = 0;
  for (const c of chunks) {
    const piece = c.subarray(0, all.length - at);
    all.set(piece, at);
    at += piece.length;
  }
  return all;
}

function statusText(status: number): string {
  return ({ 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 416: "Range Not Satisfiable", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" } as Record<number, string>)[status] ?? "";
}
