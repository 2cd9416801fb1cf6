/** Entry-name normalization shared by the reader and writer (OCI image-spec layer.md: paths are relative to the root). */

/** Anything normalization would change or refuse: a "." or ".." component, "//", a leading or trailing "/". */
const NEEDS_WORK = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|^\/|\/$|^$/;

/**
 * Normalize a tar name to "a/b/c" ("" for the root), or return why it is unsafe.
 * Leading "./" and trailing "/" are dropped; "." components vanish; ".." and absolute
 * names are refused, since a layer must never reach outside the rootfs.
 */
export function normalizeEntryPath(raw: string): string | { error: string } {
  if (!NEEDS_WORK.test(raw)) return raw; // the common case: already "a/b/c"
  if (raw.startsWith("/")) return { error: `absolute path "${raw}"` };
  const parts: string[] = [];
  for (const part of raw.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") return { error: `path "${raw}" contains ".."` };
    parts.push(part);
  }
  return parts.join("/");
}
