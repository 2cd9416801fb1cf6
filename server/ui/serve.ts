/**
 * The page's files for `createApi`'s `ui` option on Node and Deno (node:fs, which both
 * have): a path under /ui is a file of dist/ui ("/" is index.html), with its type, or
 * null (404). Before `npm run build:ui` the page answers 404 with what to run. A name
 * that climbs out (`..`) or holds a NUL is never read. The edge entry serves no page
 * (its bundle would carry it; use the in-browser build on any static host instead).
 */
import { readFile, stat } from "node:fs/promises";
import { join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `npm run build:ui` puts the page (gitignored). */
export const UI_DIR = fileURLToPath(new URL("../../dist/ui/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".tar": "application/x-tar", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png",
};

/** The file answerer for `createApi(engine, { ui: uiFiles() })`. */
export function uiFiles(dir = UI_DIR): (path: string) => Promise<Response | null> {
  const root = normalize(dir.endsWith(sep) ? dir : dir + sep);
  return async (path) => {
    let rel: string;
    try {
      rel = decodeURIComponent(path === "" || path.endsWith("/") ? `${path}index.html` : path);
    } catch {
      return null; // a malformed escape names no file
    }
    if (rel.includes("\0") || rel.split("/").includes("..")) return null;
    const file = normalize(join(root, rel));
    if (!file.startsWith(root)) return null;
    try {
      if (!(await stat(file)).isFile()) return null;
    } catch {
      if (rel === "/index.html") {
        return new Response(JSON.stringify({ message: "the web page is not built: run npm run build:ui" }), { status: 404, headers: { "Content-Type": "application/json" } });
      }
      return null;
    }
    const ext = file.slice(file.lastIndexOf("."));
    return new Response(new Uint8Array(await readFile(file)), { headers: { "Content-Type": TYPES[ext] ?? "application/octet-stream", "Cache-Control": "no-cache" } });
  };
}
