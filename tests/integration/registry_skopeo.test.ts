/**
 * strata and skopeo through one real registry (docker-registry on loopback), both ways:
 * an image umoci built (layers with whiteouts and an opaque directory, a WASI program)
 * is copied into the registry by skopeo and pulled by strata through the API, then run;
 * an image strata pushes is read back by `skopeo inspect --raw` and `skopeo copy` to an
 * OCI layout, and the digests agree (manifest, config = image id, layers, diffIds).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registryMissing, startRegistry, type StartedRegistry } from "./_registry.ts";
import { ROOT, runClient, type Started, startServer } from "./_server.ts";

const t = suite("skopeo and strata through a real registry");
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const why = registryMissing() || (has("skopeo") ? "" : "skopeo is not installed") || (has("docker") ? "" : "the docker CLI is not installed");
const TOOLBOX_WASM = join(ROOT, "wasm", "dist", "toolbox.wasm");

let server: Started, reg: StartedRegistry, dir: string;
const docker = (args: string[]) => runClient("docker", args, { env: { DOCKER_HOST: server.url }, timeoutMs: 60_000 });

/** Run a tool to its end; fails the test with its stderr when it fails. */
function run(cmd: string, args: string[], o: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd: o.cwd, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return "sha256:" + [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The reference's umoci recipe (docs §7) with a WASI program: L1 has /bin/toolbox and its
 * applets, /etc/a and /etc/dir/{f,g}; L2 deletes /etc/a; L3 makes /etc/dir opaque with z.
 */
function umociLayout(at: string): string {
  const layout = join(at, "layout");
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", `${layout}:base`]);
  const b1 = join(at, "b1");
  run("umoci", ["unpack", "--rootless", "--image", `${layout}:base`, b1]);
  const rootfs = join(b1, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  mkdirSync(join(rootfs, "etc", "dir"), { recursive: true });
  copyFileSync(TOOLBOX_WASM, join(rootfs, "bin", "toolbox"));
  for (const applet of ["sh", "ls", "cat", "echo"]) symlinkSync("toolbox", join(rootfs, "bin", applet));
  writeFileSync(join(rootfs, "etc", "a"), "a\n");
  writeFileSync(join(rootfs, "etc", "dir", "f"), "f\n");
  writeFileSync(join(rootfs, "etc", "dir", "g"), "g\n");
  run("umoci", ["repack", "--image", `${layout}:base`, b1]);
  const b2 = join(at, "b2");
  run("umoci", ["unpack", "--rootless", "--image", `${layout}:base`, b2]);
  unlinkSync(join(b2, "rootfs", "etc", "a"));
  run("umoci", ["repack", "--image", `${layout}:v2`, b2]);
  const z = join(at, "newdir");
  mkdirSync(z);
  writeFileSync(join(z, "z"), "z\n");
  run("umoci", ["insert", "--image", `${layout}:v2`, "--opaque", z, "/etc/dir"]);
  // The config last: umoci unpacks only images whose OS it knows (linux).
  run("umoci", ["config", "--image", `${layout}:v2`, "--config.cmd", "sh", "--config.env", "PATH=/bin", "--config.workingdir", "/", "--architecture", "wasm", "--os", "wasip1"]);
  run("umoci", ["gc", "--layout", layout]);
  return layout;
}

if (why) {
  console.log(`skip: ${why}; the skopeo round trips are skipped`);
  t.skip("skopeo round trips", () => {});
} else {
  t.before(async () => {
    [server, reg] = await Promise.all([startServer(), startRegistry()]);
    dir = mkdtempSync(join(tmpdir(), "strata-skopeo-"));
  });
  t.after(async () => {
    await Promise.all([server?.stop(), reg?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  if (!has("umoci") || !existsSync(TOOLBOX_WASM)) {
    console.log(`skip: ${has("umoci") ? "wasm/dist/toolbox.wasm is not built" : "umoci is not installed"}; the pull of an image skopeo copied from an OCI layout is skipped`);
  } else {
    t("skopeo copies umoci's OCI layout into the registry; strata pulls it (same digest), and the union of its layers runs", async () => {
      const layout = umociLayout(dir);
      const ref = `${reg.host}/umoci/demo:v2`;
      run("skopeo", ["copy", "-q", "--dest-tls-verify=false", `oci:${layout}:v2`, `docker://${ref}`]);
      const registryDigest = run("skopeo", ["inspect", "--tls-verify=false", "--format", "{{.Digest}}", `docker://${ref}`]).trim();
      const pulled = await docker(["pull", ref]);
      assert.is(pulled.code, 0, pulled.err);
      assert.match(pulled.out, `Digest: ${registryDigest}`);
      assert.match(pulled.out, `Status: Downloaded newer image for ${ref}`);
      // The layers' whiteouts and the opaque directory hold in the merged view.
      const ls = await docker(["run", "--rm", ref, "sh", "-c", "ls /etc; echo --; ls /etc/dir; cat /etc/dir/z"]);
      assert.is(ls.code, 0, ls.err);
      assert.is(ls.out, "dir\nhostname\nhosts\nresolv.conf\n--\nz\nz\n"); // /etc/a whited out; hostname, hosts, resolv.conf are Docker's per-container files
      // strata's image id is the config's digest, as skopeo reads it.
      const manifest = JSON.parse(run("skopeo", ["inspect", "--tls-verify=false", "--raw", `docker://${ref}`]));
      const id = (await docker(["inspect", "--format", "{{.Id}}", ref])).out.trim();
      assert.is(id, manifest.config.digest);
      assert.is(manifest.layers.length, 3);
    });
  }

  t("strata pushes; skopeo inspect --raw and skopeo copy to an OCI layout read the same manifest, config and layers", async () => {
    const ref = `${reg.host}/pushed/toolbox:v1`;
    assert.is((await docker(["tag", "toolbox", ref])).code, 0);
    const pushed = await docker(["push", ref]);
    assert.is(pushed.code, 0, pushed.err);
    const digest = pushed.out.match(/v1: digest: (sha256:[a-f0-9]{64}) size: (\d+)/);
    assert.ok(digest, pushed.out);

    const raw = spawnSync("skopeo", ["inspect", "--tls-verify=false", "--raw", `docker://${ref}`]);
    assert.is(raw.status, 0, String(raw.stderr));
    const rawBytes = new Uint8Array(raw.stdout);
    assert.is(await sha256(rawBytes), digest![1]);
    assert.is(rawBytes.length, Number(digest![2]));
    const manifest = JSON.parse(new TextDecoder().decode(rawBytes));
    const inspect = JSON.parse((await docker(["inspect", "toolbox"])).out)[0];
    assert.is(manifest.config.digest, inspect.Id);

    const out = join(dir, "copied");
    // --preserve-digests: skopeo would otherwise gzip strata's uncompressed layers for the layout (a new manifest digest).
    run("skopeo", ["copy", "-q", "--preserve-digests", "--src-tls-verify=false", `docker://${ref}`, `oci:${out}:v1`]);
    const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8"));
    assert.is(index.manifests[0].digest, digest![1]);
    const config = JSON.parse(readFileSync(join(out, "blobs", "sha256", manifest.config.digest.slice(7)), "utf8"));
    assert.equal(config.rootfs.diff_ids, inspect.RootFS.Layers);
    for (const layer of manifest.layers) {
      const blob = new Uint8Array(readFileSync(join(out, "blobs", "sha256", layer.digest.slice(7))));
      assert.is(await sha256(blob), layer.digest);
      assert.is(blob.length, layer.size);
    }
  });

  t("an image skopeo copies from registry to registry pulls as the same image id", async () => {
    const from = `${reg.host}/pushed/toolbox:v1`, to = `${reg.host}/copied/toolbox:v1`;
    if ((await docker(["image", "inspect", from])).code !== 0) {
      assert.is((await docker(["tag", "toolbox", from])).code, 0);
      assert.is((await docker(["push", from])).code, 0);
    }
    run("skopeo", ["copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${from}`, `docker://${to}`]);
    const pulled = await docker(["pull", to]);
    assert.is(pulled.code, 0, pulled.err);
    const ids = await Promise.all([from, to].map(async (r) => (await docker(["inspect", "--format", "{{.Id}}", r])).out.trim()));
    assert.is(ids[0], ids[1]);
    const echo = await docker(["run", "--rm", to, "echo", "copied by skopeo"]);
    assert.is(echo.out, "copied by skopeo\n");
  });
}

t.run();
