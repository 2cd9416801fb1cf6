/**
 * A synthetic tree shaped like a debootstrap (minbase) rootfs: about 7,000 entries,
 * usr-merged symlinks, deep /usr/lib and /usr/share trees, zoneinfo, dpkg info, man
 * pages; file sizes from a fixed pseudo-random sequence (so every run builds the same
 * tree), and split into N layers the way image builds split them.
 */
import type { TarInput } from "../src/tar/mod.ts";

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

export interface ShapeEntry { path: string; type: "dir" | "file" | "symlink"; size: number; linkname?: string }

export function rootfsShape(): ShapeEntry[] {
  seed = 42;
  const out: ShapeEntry[] = [];
  const dirs = new Set<string>();
  const mkdirs = (path: string) => {
    const parts = path.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (!dirs.has(d)) dirs.add(d), out.push({ path: d, type: "dir", size: 0 });
    }
  };
  const files = (dir: string, n: number, name: (i: number) => string, max: number) => {
    mkdirs(dir);
    for (let i = 0; i < n; i++) out.push({ path: `${dir}/${name(i)}`, type: "file", size: 64 + Math.floor(rand() * rand() * max) });
  };
  for (const [l, t] of [["bin", "usr/bin"], ["sbin", "usr/sbin"], ["lib", "usr/lib"], ["lib64", "usr/lib64"]]) out.push({ path: l, type: "symlink", size: 0, linkname: t });
  for (const d of ["boot", "dev", "home", "media", "mnt", "opt", "proc", "root", "run", "srv", "sys", "tmp", "var/tmp", "var/log", "var/cache/apt"]) mkdirs(d);
  files("etc", 180, (i) => `conf${i}.conf`, 8192);
  for (const d of ["apt/apt.conf.d", "default", "init.d", "pam.d", "security", "systemd/system", "cron.daily", "logrotate.d"]) files(`etc/${d}`, 12, (i) => `${d.split("/").pop()}-${i}`, 4096);
  files("usr/bin", 380, (i) => `prog${i}`, 150_000);
  files("usr/sbin", 120, (i) => `sprog${i}`, 200_000);
  files("usr/lib64", 1, () => "ld-linux-x86-64.so.2", 200_000);
  const gnu = "usr/lib/x86_64-linux-gnu";
  files(gnu, 520, (i) => `lib${i}.so.1.0`, 200_000);
  files("usr/share/i18n/charmaps", 200, (i) => `CHARMAP-${i}.gz`, 10_000);
  for (let i = 0; i < 520; i++) out.push({ path: `${gnu}/lib${i}.so.1`, type: "symlink", size: 0, linkname: `lib${i}.so.1.0` });
  for (let p = 0; p < 40; p++) files(`usr/lib/python3/dist-packages/pkg${p}`, 12, (i) => `mod${i}.py`, 30_000);
  for (let p = 0; p < 160; p++) files(`usr/share/doc/package-${p}`, 2, (i) => (i ? "changelog.Debian.gz" : "copyright"), 12_000);
  for (let s = 1; s <= 8; s++) files(`usr/share/man/man${s}`, 200, (i) => `page${i}.${s}.gz`, 9_000);
  for (const region of ["Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "Etc"]) {
    files(`usr/share/zoneinfo/${region}`, 100, (i) => `City${i}`, 3_000);
  }
  for (let l = 0; l < 40; l++) files(`usr/share/locale/l${l}/LC_MESSAGES`, 6, (i) => `domain${i}.mo`, 20_000);
  files("var/lib/dpkg/info", 800, (i) => `package-${i >> 2}.${["list", "md5sums", "postinst", "prerm"][i & 3]}`, 6_000);
  files("usr/share/perl5", 80, (i) => `Module${i}.pm`, 40_000);
  files("usr/share/common-licenses", 12, (i) => `LICENSE-${i}`, 30_000);
  files("usr/include", 100, (i) => `h${i}.h`, 20_000);
  return out;
}

function contents(e: ShapeEntry): Uint8Array {
  const d = new Uint8Array(e.size);
  for (let i = 0; i < d.length; i += 97) d[i] = (i + e.path.length) & 0xff;
  return d;
}

export function toTar(e: ShapeEntry): TarInput {
  if (e.type === "dir") return { path: e.path, type: "dir", mode: 0o755 };
  if (e.type === "symlink") return { path: e.path, type: "symlink", linkname: e.linkname, mode: 0o777 };
  return { path: e.path, type: "file", mode: 0o644, data: contents(e) };
}

/** The tree split into `n` layers (bottom first), each with the parent directories its entries need. */
export function splitLayers(shape: ShapeEntry[], n: number): TarInput[][] {
  const per = Math.ceil(shape.length / n);
  const layers: TarInput[][] = [];
  for (let k = 0; k < n; k++) {
    const chunk = shape.slice(k * per, (k + 1) * per);
    const need = new Set<string>();
    for (const e of chunk) {
      const parts = e.path.split("/");
      for (let i = 1; i < parts.length; i++) need.add(parts.slice(0, i).join("/"));
    }
    const own = new Set(chunk.map((e) => e.path));
    const parents = [...need].filter((p) => !own.has(p)).sort().map((p) => toTar({ path: p, type: "dir", size: 0 }));
    layers.push([...parents, ...chunk.map(toTar)]);
  }
  return layers;
}
