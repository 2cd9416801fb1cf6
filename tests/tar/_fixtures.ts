/** Tar fixtures built in code (STYLE.md): file, dir, symlink, link, whiteout, opaque. */
import type { TarInput } from "../../src/tar/mod.ts";

const enc = new TextEncoder();
export const file = (path: string, text = "", mode = 0o644): TarInput => ({ path, type: "file", mode, data: enc.encode(text) });
export const dir = (path: string, mode = 0o755): TarInput => ({ path, type: "dir", mode });
export const symlink = (path: string, target: string): TarInput => ({ path, type: "symlink", linkname: target, mode: 0o777 });
export const link = (path: string, target: string): TarInput => ({ path, type: "hardlink", linkname: target });
export const whiteout = (path: string): TarInput => {
  const slash = path.lastIndexOf("/");
  return { path: `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, type: "file", mode: 0 };
};
export const opaque = (dirPath: string): TarInput => ({ path: `${dirPath}/.wh..wh..opq`, type: "file", mode: 0 });
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** `bytes` as a stream of copies of `size` bytes (the last may be shorter), as a socket or file would deliver them. */
export function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, (at += size)));
    },
  });
}
