/** An image for another platform (linux/amd64, ELF programs) is said to be so at load and at create, as Docker warns on a platform mismatch. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { writeTar } from "../../src/tar/mod.ts";
import { dir, file } from "../tar/_fixtures.ts";
import { post, sampleApi } from "./_app.ts";

const t = suite("api: images of another platform");
const tarBody = (b: Uint8Array): RequestInit => ({ method: "POST", body: b as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/x-tar" } });
const rootfs = writeTar([dir("bin"), file("bin/sh", "\x7fELF...")]);

async function amd64Image() {
  const api = await sampleApi(["toolbox"]);
  const q = new URLSearchParams([["fromSrc", "-"], ["repo", "elf:1"], ["platform", "linux/amd64"], ["changes", 'CMD ["/bin/sh"]']]);
  assert.is((await api.req(`/v1.47/images/create?${q}`, tarBody(rootfs))).status, 200);
  return api;
}

t("create's Warnings carry Docker's platform mismatch warning; a WASI image has none", async () => {
  const { req } = await amd64Image();
  const r = (await (await req("/v1.47/containers/create", post({ Image: "elf:1" }))).json()) as { Warnings: string[] };
  assert.equal(r.Warnings, ["The requested image's platform (linux/amd64) does not match the detected host platform (wasip1/wasm) and no specific platform was requested"]);
  const ok = (await (await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"] }))).json()) as { Warnings: string[] };
  assert.equal(ok.Warnings, []);
});

t("load's output says the image is for another platform", async () => {
  const { req } = await amd64Image();
  const saved = new Uint8Array(await (await req("/v1.47/images/elf:1/get")).arrayBuffer());
  const other = await sampleApi([]);
  const out = await (await other.req("/v1.47/images/load?quiet=1", tarBody(saved))).text();
  assert.match(out, /Loaded image: elf:1/);
  assert.match(out, /WARNING: The image elf:1 is for linux\/amd64, not wasip1\/wasm/);
  const sample = await (await other.req("/v1.47/images/load?quiet=1", tarBody(await (await req("/v1.47/images/toolbox/get")).arrayBuffer().then((b) => new Uint8Array(b))))).text();
  assert.not.match(sample, /WARNING/);
});

t.run();
