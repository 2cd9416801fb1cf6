/** The bearer token check: the Docker API is root-equivalent, so off loopback it needs one. */

/** True when no token is required, or `Authorization: Bearer <token>` matches (compared in constant time). */
export function authorized(header: string | undefined | null, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!m) return false;
  const given = m[1]!.trim();
  let diff = given.length ^ token.length;
  for (let i = 0; i < token.length; i++) diff |= token.charCodeAt(i) ^ (given.charCodeAt(i % Math.max(given.length, 1)) || 0);
  return diff === 0;
}
