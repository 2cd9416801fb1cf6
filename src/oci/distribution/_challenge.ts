/**
 * The WWW-Authenticate challenge of a registry (RFC 7235 auth-params; the distribution
 * spec's token authentication): `Bearer realm="…",service="…",scope="…"` or
 * `Basic realm="…"`. Only the first challenge is read, as Docker reads it.
 */

export interface Challenge {
  /** "bearer" or "basic" (lowercased), or another scheme the client does not speak. */
  scheme: string;
  params: Record<string, string>;
}

/** Parse a WWW-Authenticate header; undefined when there is none or it has no scheme. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s*/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*,?\s*/gy;
  re.lastIndex = m[0].length;
  for (let p = re.exec(header); p; p = re.exec(header)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3]!;
    if (re.lastIndex >= header.length) break;
  }
  return { scheme: m[1]!.toLowerCase(), params };
}
