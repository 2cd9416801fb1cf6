/**
 * `npm run build:samples`: makes the sample images, deterministically (fixed times,
 * sorted entries), from the WASI programs in wasm/dist/, as `docker save` archives
 * (rootfs-samples/<name>.tar) and OCI image layouts (rootfs-samples/oci/<name>/):
 *   toolbox:latest  a small Linux-shaped rootfs: /bin/toolbox and its applet symlinks, /etc files, /tmp…
 *   demo:latest     toolbox's layer (byte for byte) plus two layers that exercise every union rule
 *   probes:latest   toolbox's layer plus the probe programs (hello, spin, spam, alloc, fsops, escape, bigfile, tmpsort)
 *   sqlite:latest   toolbox's layer plus the SQLite shell (upstream's, wasm/src/sqlite/) as /usr/bin/sqlite3
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeConfig, type ExportImage, type ImageConfig, ociLayoutFiles, sha256, writeDockerArchive } from "../src/oci/mod.ts";
import { type TarInput, writeTar } from "../src/tar/mod.ts";

const here = dirname(fileURLToPath(import.meta.url));
const wasm = (name: string) => new Uint8Array(readFileSync(join(here, "..", "wasm", "dist", `${name}.wasm`)));
const enc = new TextEncoder();
const CREATED = "2026-11-01T00:00:00Z";
const MTIME = Date.parse(CREATED) / 1000;
// Every applet of wasm/src/toolbox/main.c (toolbox --help lists them), as /bin symlinks.
const APPLETS = [
  "[", "basename", "cat", "chmod", "cp", "cut", "date", "df", "dirname", "du", "echo", "env", "false", "find", "grep",
  "head", "hostname", "id", "ln", "ls", "mkdir", "mv", "printf", "pwd", "readlink", "realpath", "rm", "rmdir", "sed",
  "seq", "sh", "sha256sum", "sleep", "sort", "stat", "stty", "tail", "tee", "test", "touch", "tr", "true", "uname", "uniq",
  "wc", "which", "whoami", "xargs", "yes",
];

const dir = (path: string, mode = 0o755): TarInput => ({ path, type: "dir", mode });
const file = (path: string, data: string | Uint8Array, mode = 0o644): TarInput => ({ path, type: "file", mode, data: typeof data === "string" ? enc.encode(data) : data });
const symlink = (path: string, target: string): TarInput => ({ path, type: "symlink", linkname: target, mode: 0o777 });
const link = (path: string, target: string): TarInput => ({ path, type: "hardlink", linkname: target });
const layer = (entries: TarInput[]) => writeTar(entries.map((e) => ({ ...e, uname: "root", gname: "root" })), { mtime: MTIME });

const toolboxLayer = layer([
  dir("bin"), file("bin/toolbox", wasm("toolbox"), 0o755), ...APPLETS.map((a) => symlink(`bin/${a}`, "toolbox")),
  dir("etc"), file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
  file("etc/group", "root:x:0:\nnogroup:x:65534:\n"), file("etc/hostname", "toolbox\n"),
  file("etc/os-release", 'NAME="strata toolbox"\nID=strata\nVERSION_ID=1\nPRETTY_NAME="strata toolbox 1 (WASI)"\n'),
  file("etc/motd", "Welcome to the strata toolbox.\n"),
  dir("home"), dir("root", 0o700), dir("tmp", 0o1777), dir("usr"), dir("usr/bin"),
  dir("srv"), dir("srv/old"), file("srv/old/a", "lower a\n"), file("srv/old/b", "lower b\n"),
  dir("opt"), file("opt/remove-me", "this file is deleted by a whiteout in demo\n"),
]);

const demoLayer1 = layer([
  dir("opt"), file("opt/.wh.remove-me", "", 0), // deleted by whiteout
  dir("srv"), file("srv/old/.wh..wh..opq", "", 0), dir("srv/old"), file("srv/old/new", "upper new\n"), // replaced by an opaque dir
  dir("etc"), file("etc/motd", "Welcome to the strata demo.\n"), // overridden
  symlink("srv/current", "old"), file("srv/data", "shared data\n"), link("srv/data.link", "srv/data"),
]);
const demoLayer2 = layer([
  file("demo.sh", [
    "#!/bin/sh",
    "echo \"$GREETING from $(pwd)\"",
    "cat /etc/motd",
    "ls /srv/old",
    "if [ -e /opt/remove-me ]; then echo 'whiteout failed'; exit 1; fi",
    "echo 'demo: ok'",
    "",
  ].join("\n"), 0o755),
]);

const probesLayer = layer([dir("bin"), ...["hello", "spin", "spam", "alloc", "fsops", "escape", "bigfile", "tmpsort"].map((p) => file(`bin/${p}`, wasm(p), 0o755))]);
const sqliteLayer = layer([dir("usr"), dir("usr/bin"), file("usr/bin/sqlite3", wasm("sqlite3"), 0o755)]);

async function image(name: string, layers: Array<[Uint8Array, string]>, config: ImageConfig["config"]): Promise<ExportImage> {
  const diffIds = await Promise.all(layers.map(([t]) => sha256(t)));
  const cfg: ImageConfig = {
    architecture: "wasm", os: "wasip1", created: CREATED, config,
    rootfs: { type: "layers", diff_ids: diffIds },
    history: layers.map(([, by]) => ({ created: CREATED, created_by: by })),
  };
  return { configBytes: encodeConfig(cfg), layers: layers.map(([tar], i) => ({ tar, diffId: diffIds[i]! })), repoTags: [`${name}:latest`] };
}

const PATH = "PATH=/usr/bin:/bin";
const images = {
  toolbox: await image("toolbox", [[toolboxLayer, "toolbox rootfs: /bin/toolbox and applets"]], { Env: [PATH], Cmd: ["sh"] }),
  demo: await image("demo", [[toolboxLayer, "toolbox rootfs: /bin/toolbox and applets"], [demoLayer1, "whiteout, opaque dir, override, symlink, hard link"], [demoLayer2, "COPY demo.sh /demo.sh"]],
    { Env: [PATH, "GREETING=hello"], Cmd: ["/demo.sh"], WorkingDir: "/srv", Labels: { "org.opencontainers.image.title": "strata demo" } }),
  probes: await image("probes", [[toolboxLayer, "toolbox rootfs: /bin/toolbox and applets"], [probesLayer, "COPY probes /bin/"]], { Env: [PATH], Cmd: ["hello"] }),
  sqlite: await image("sqlite", [[toolboxLayer, "toolbox rootfs: /bin/toolbox and applets"], [sqliteLayer, "COPY sqlite3 /usr/bin/sqlite3 (SQLite 3.52.0)"]],
    { Env: [PATH], Cmd: ["sqlite3"], Labels: { "org.opencontainers.image.title": "SQLite shell", "org.opencontainers.image.version": "3.52.0" } }),
};

for (const [name, img] of Object.entries(images)) {
  writeFileSync(join(here, `${name}.tar`), await writeDockerArchive([img]));
  const out = join(here, "oci", name);
  rmSync(out, { recursive: true, force: true });
  for (const f of await ociLayoutFiles([img])) {
    mkdirSync(dirname(join(out, f.path)), { recursive: true });
    writeFileSync(join(out, f.path), f.data);
  }
  console.log(`${name}:latest → rootfs-samples/${name}.tar, rootfs-samples/oci/${name}/`);
}
