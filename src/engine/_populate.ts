/**
 * A new, empty volume mounted where the image has content gets a copy of that content
 * first (Docker's volume copy-up: `-v data:/etc/app` starts with the image's /etc/app).
 */
import type { UnionFS } from "../fs/mod.ts";

/** Copy `fs`'s tree at `dir` into the root of `vol` when `vol` is empty. Returns the entries copied. */
export function populateVolume(fs: UnionFS, dir: string, vol: UnionFS): number {
  if (vol.readdir("/").length > 0) return 0;
  try {
    if (fs.stat(dir).type !== "dir") return 0;
  } catch {
    return 0;
  }
  return copyTree(fs, dir, vol, "");
}

function copyTree(from: UnionFS, src: string, to: UnionFS, dst: string): number {
  let n = 0;
  for (const e of from.readdir(src)) {
    const s = `${src}/${e.name}`, d = `${dst}/${e.name}`;
    const st = from.lstat(s);
    if (st.type === "dir") {
      to.mkdir(d, { mode: st.mode });
      n += 1 + copyTree(from, s, to, d);
    } else if (st.type === "symlink") {
      to.symlink(from.readlink(s), d);
      n++;
    } else if (st.type === "file") {
      to.writeFile(d, from.readFile(s), { mode: st.mode });
      n++;
    }
  }
  return n;
}
