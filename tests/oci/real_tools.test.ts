/**
 * Real tools, not only our own round trips: images made by umoci and skopeo load, and
 * what strata saves is accepted by `skopeo inspect` (docker-archive: and oci:) and
 * unpacked by `umoci unpack` into the same files, modes and links.
 * The umoci recipe is the reference's (whiteouts, an opaque dir, a symlink, a hard link).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageStore } from "../../src/engine/images.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { indexTar } from "../../src/tar/mod.ts";

const t = suite("real tools: umoci and skopeo");
const missing = ["umoci", "skopeo", "tar"].filter((tool) => spawnSync(tool, ["--version"]).error);
if (missing.length) console.log(`skip: real-tool tests need ${missing.join(", ")}, not installed`);
const test = missing.length ? t.skip : t;
let work = "";

function sh(cmd: string, cwd = work): string {
  const r = spawnSync("sh", ["-c", cmd], { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const RECIPE = `
set -e
umoci init --layout layout
umoci new --image layout:base
umoci unpack --image layout:base b1
mkdir -p b1/rootfs/bin b1/rootfs/etc/dir; printf 'wasm-x\\n' > b1/rootfs/bin/x; chmod 755 b1/rootfs/bin/x
echo a > b1/rootfs/etc/a; echo f > b1/rootfs/etc/dir/f; echo g > b1/rootfs/etc/dir/g
umoci repack --image layout:base b1
umoci config --image layout:base --config.cmd /bin/x --config.env PATH=/bin --config.workingdir / --architecture amd64 --os linux
umoci unpack --image layout:base b2
(cd b2/rootfs && rm etc/a && rm -rf etc/dir && mkdir etc/dir && echo h > etc/dir/h && ln -s x bin/link && ln bin/x bin/hard)
umoci repack --image layout:v2 b2
umoci config --image layout:v2 --config.cmd /bin/link
mkdir -p newdir && echo z > newdir/z
umoci insert --image layout:v2 --opaque newdir /etc/dir
umoci insert --image layout:v2 --whiteout /bin/hard
umoci gc --layout layout
skopeo copy -q oci:layout:v2 docker-archive:skopeo.tar:demo:v2
(cd layout && tar -cf ../layout.tar .)
`;

t.before(() => {
  if (missing.length) return;
  work = mkdtempSync(join(tmpdir(), "strata-tools-"));
  sh(RECIPE);
});
t.after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A tree as `umoci unpack` left it: path → type, mode, content or link target, and hard-link groups. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const inodes = new Map<number, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, path));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[path] = `dir ${mode}`;
        walk(path);
      } else if (st.isSymbolicLink()) out[path] = `symlink -> ${readlinkSync(join(root, path))}`;
      else {
        const first = st.nlink > 1 ? inodes.get(st.ino) : undefined;
        if (st.nlink > 1 && !first) inodes.set(st.ino, path);
        out[path] = `file ${mode} ${JSON.stringify(readFileSync(join(root, path), "utf8"))}${first ? ` linked to ${first}` : ""}`;
      }
    }
  };
  walk("");
  return out;
}

async function loadUmoci() {
  const images = new ImageStore(new MemoryStore());
  const r = await images.load(new Uint8Array(readFileSync(join(work, "layout.tar"))), { name: "umoci layout" });
  return { images, r };
}

test("an OCI layout made by umoci loads: truncated layers, whiteouts, opaque dir, symlink and hard link", async () => {
  const { images, r } = await loadUmoci();
  // umoci kept "base" beside "v2"; a bare ref.name is taken as a repository, as a name without a tag is.
  assert.equal(r.images.map((i) => i.repoTags).sort(), [["base:latest"], ["v2:latest"]]);
  const info = await images.inspect("v2");
  assert.equal(info.Config.Cmd, ["/bin/link"]);
  assert.is(info.RootFS.Layers.length, 4);
  const layers = await Promise.all(info.RootFS.Layers.map((d) => images.layerBytes(d)));
  const view = layers.map((l) => indexTar(l).map((e) => `${e.path}${e.type === "symlink" ? ` -> ${e.linkname}` : e.type === "hardlink" ? ` link ${e.linkname}` : ""}`));
  assert.ok(view[1]!.includes("bin/link -> x"));
  assert.ok(view[1]!.some((e) => /^bin\/(x link bin\/hard|hard link bin\/x)$/.test(e)));
  assert.ok(view[1]!.includes("etc/.wh.a"));
  assert.equal(view[2], ["etc/dir/.wh..wh..opq", "etc/dir", "etc/dir/z"]);
  assert.equal(view[3], ["bin/.wh.hard"]);
  assert.not.equal(layers[2]!.length % 512, 0, "umoci's insert layer is expected to end without padding");
});

test("skopeo's legacy docker-archive (layer.tar symlinks) loads as the same layers", async () => {
  const { images: fromOci } = await loadUmoci();
  const images = new ImageStore(new MemoryStore());
  const seen: string[] = [];
  const r = await images.load(new Uint8Array(readFileSync(join(work, "skopeo.tar"))), { name: "skopeo.tar", onProgress: (p) => seen.push(p.status) });
  assert.equal(r.images[0]!.repoTags, ["demo:v2"]);
  assert.equal(seen, ["Loading layer", "Loading layer", "Loading layer", "Loading layer"]);
  assert.equal((await images.inspect("demo:v2")).RootFS.Layers, (await fromOci.inspect("v2")).RootFS.Layers);
});

test("what strata saves, skopeo inspects as docker-archive:, oci-archive: and oci:", async () => {
  const { images } = await loadUmoci();
  await images.tag("v2", "demo:v2");
  const diffs = (await images.inspect("demo:v2")).RootFS.Layers;
  writeFileSync(join(work, "saved.tar"), await images.save(["demo:v2"]));
  writeFileSync(join(work, "saved-oci.tar"), await images.save(["demo:v2"], { format: "oci" }));
  mkdirSync(join(work, "saved-oci"));
  sh("tar -xf ../saved-oci.tar", join(work, "saved-oci"));
  for (const ref of ["docker-archive:saved.tar", "oci-archive:saved.tar:v2", "oci-archive:saved-oci.tar:v2", "oci:saved-oci:v2"]) {
    const inspect = JSON.parse(sh(`skopeo inspect ${ref}`));
    assert.is(inspect.Layers.length, 4, ref);
    const config = JSON.parse(sh(`skopeo inspect --config ${ref}`));
    assert.equal(config.rootfs.diff_ids, diffs, ref);
    assert.equal(config.config.Cmd, ["/bin/link"], ref);
  }
});

test("umoci unpack of what strata saves gives the same files, modes and links as umoci's own image", async () => {
  const { images } = await loadUmoci();
  await images.tag("v2", "demo:v2");
  writeFileSync(join(work, "ours.tar"), await images.save(["demo:v2"], { format: "oci" }));
  mkdirSync(join(work, "ours"));
  sh("tar -xf ../ours.tar", join(work, "ours"));
  sh("umoci unpack --image layout:v2 orig-bundle && umoci unpack --image ours:v2 ours-bundle");
  const orig = tree(join(work, "orig-bundle", "rootfs"));
  assert.equal(tree(join(work, "ours-bundle", "rootfs")), orig);
  assert.equal(Object.keys(orig), ["bin", "bin/link", "bin/x", "etc", "etc/dir", "etc/dir/z"]);
  assert.is(orig["bin/x"], 'file 755 "wasm-x\\n"');
  assert.is(orig["bin/link"], "symlink -> x");
});

t.run();
