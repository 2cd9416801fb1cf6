/**
 * `npm run build:samples`: makes the sample images with strata's own builder (an engine
 * in this process, on a MemoryStore), from the Dockerfiles in rootfs-samples/<name>/,
 * and writes them as `docker save` archives (rootfs-samples/<name>.tar) and OCI image
 * layouts (rootfs-samples/oci/<name>/):
 *   toolbox:latest  FROM scratch: a small Linux-shaped rootfs, /bin/toolbox and its applet symlinks, /etc files, /tmp…
 *   demo:latest     toolbox's layer (byte for byte) plus a RUN layer with a whiteout, an opaque dir,
 *                   an override, a symlink and a hard link, and a COPY layer (demo.sh)
 *   probes:latest   toolbox's layer plus the probe programs (hello, spin, spam, alloc, fsops, escape, bigfile, tmpsort)
 *   sqlite:latest   toolbox's layer plus the SQLite shell (upstream's, wasm/src/sqlite/) as /usr/bin/sqlite3
 *
 * Each build context is the image's directory with the WASI programs from wasm/dist/
 * added (the built modules), every mtime fixed; the build's source date epoch is the same
 * time, so the images are the same bytes on every run (`sourceDateEpoch`, docs/build.md).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, type Engine } from "../src/engine/mod.ts";
import { type ExportImage, ociLayoutFiles } from "../src/oci/mod.ts";
import { MemoryStore } from "../src/store/mod.ts";
import { type TarInput, writeTar } from "../src/tar/mod.ts";

const here = dirname(fileURLToPath(import.meta.url));
const wasm = (name: string) => new Uint8Array(readFileSync(join(here, "..", "wasm", "dist", `${name}.wasm`)));
/** Every time in the images: their creation, and every file's mtime. */
export const CREATED = "2026-11-01T00:00:00Z";
const MTIME = Date.parse(CREATED) / 1000;
// Every applet of wasm/src/toolbox/main.c (toolbox --help lists them), as /bin symlinks.
const APPLETS = [
  "[", "basename", "cat", "chmod", "cp", "cut", "date", "df", "dirname", "du", "echo", "env", "false", "find", "grep",
  "head", "hostname", "id", "ln", "ls", "mkdir", "mv", "printf", "pwd", "readlink", "realpath", "rm", "rmdir", "sed",
  "seq", "sh", "sha256sum", "sleep", "sort", "stat", "stty", "tail", "tee", "test", "touch", "tr", "true", "uname", "uniq",
  "wc", "which", "whoami", "xargs", "yes",
];
const PROBES = ["hello", "spin", "spam", "alloc", "fsops", "escape", "bigfile", "tmpsort"];

const dir = (path: string, mode = 0o755): TarInput => ({ path, type: "dir", mode });
const file = (path: string, data: Uint8Array, mode = 0o644): TarInput => ({ path, type: "file", mode, data });
const symlink = (path: string, target: string): TarInput => ({ path, type: "symlink", linkname: target, mode: 0o777 });

/** What each context holds besides its directory: the built modules (and toolbox's empty directories). */
const ADDED: Record<string, TarInput[]> = {
  toolbox: [
    dir("rootfs/bin"), file("rootfs/bin/toolbox", wasm("toolbox"), 0o755), ...APPLETS.map((a) => symlink(`rootfs/bin/${a}`, "toolbox")),
    dir("rootfs/home"), dir("rootfs/root", 0o700), dir("rootfs/tmp", 0o1777), dir("rootfs/usr"), dir("rootfs/usr/bin"),
  ],
  demo: [],
  probes: PROBES.map((p) => file(p, wasm(p), 0o755)),
  sqlite: [file("sqlite3", wasm("sqlite3"), 0o755)],
};

/** A directory as context entries: directories 0755, files 0644 or 0755 (git keeps only the x bit). */
function directory(root: string, prefix = ""): TarInput[] {
  const out: TarInput[] = [];
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const path = prefix ? `${prefix}/${name}` : name;
    const st = statSync(join(root, path));
    if (st.isDirectory()) out.push(dir(path), ...directory(root, path));
    else out.push(file(path, new Uint8Array(readFileSync(join(root, path))), st.mode & 0o111 ? 0o755 : 0o644));
  }
  return out;
}

/** The build context of a sample: its directory plus what it adds, every mtime fixed. */
export function sampleContext(name: string): Uint8Array {
  return writeTar([...directory(join(here, name)), ...ADDED[name]!], { mtime: MTIME, sort: true });
}

export const SAMPLE_NAMES = ["toolbox", "demo", "probes", "sqlite"];

/** Build every sample in `engine` (toolbox first: the others start FROM it). */
export async function buildSamples(engine: Engine, o: { noCache?: boolean; say?: (text: string) => void } = {}): Promise<void> {
  for (const name of SAMPLE_NAMES) {
    await engine.builder.build(sampleContext(name), {
      tags: [`${name}:latest`], sourceDateEpoch: MTIME, noCache: o.noCache,
      onOutput: (m) => void ("stream" in m && o.say?.(m.stream)),
    });
  }
}

/** An image as archives take it: its config and its layers. */
async function exported(engine: Engine, ref: string): Promise<ExportImage> {
  const info = await engine.images.inspect(ref);
  const configBytes = (await engine.store.getBlob(info.Id))!;
  const layers = await Promise.all(info.RootFS.Layers.map(async (diffId) => ({ diffId, tar: await engine.images.layerBytes(diffId) })));
  return { configBytes, layers, repoTags: [ref] };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("rootfs-samples/build.ts")) {
  const engine = await createEngine({ store: new MemoryStore() });
  await buildSamples(engine, { say: (t) => void process.stdout.write(t) });
  for (const name of SAMPLE_NAMES) {
    const ref = `${name}:latest`;
    writeFileSync(join(here, `${name}.tar`), await engine.images.save([ref]));
    const out = join(here, "oci", name);
    rmSync(out, { recursive: true, force: true });
    for (const f of await ociLayoutFiles([await exported(engine, ref)])) {
      mkdirSync(dirname(join(out, f.path)), { recursive: true });
      writeFileSync(join(out, f.path), f.data);
    }
    console.log(`${ref} → rootfs-samples/${name}.tar, rootfs-samples/oci/${name}/`);
  }
  await engine.close();
}
