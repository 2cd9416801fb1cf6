/** `POST /images/create?fromSrc=-`: docker import through the API, as the docker CLI and dockerode send it. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { gzip, writeTar } from "../../src/tar/mod.ts";
import { dir, file } from "../tar/_fixtures.ts";
import { message, sampleApi } from "./_app.ts";

const t = suite("api: docker import");
const tarBody = (b: Uint8Array): RequestInit => ({ method: "POST", body: b as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/x-tar" } });
const rootfs = writeTar([dir("etc"), file("etc/greeting", "hello from an imported image\n")]);

t("fromSrc=- imports the body and answers a JSON-message stream whose status is the image id", async () => {
  const { req, engine } = await sampleApi([]);
  const q = new URLSearchParams([["fromSrc", "-"], ["repo", "imp:v1"], ["message", "made by hand"], ["changes", 'CMD ["cat", "/etc/greeting"]'], ["changes", "ENV X=1"]]);
  const r = await req(`/v1.47/images/create?${q}`, tarBody((await gzip(rootfs)).slice()));
  assert.is(r.status, 200);
  assert.is(r.headers.get("content-type"), "application/json");
  const { status } = JSON.parse((await r.text()).trim()) as { status: string };
  assert.match(status, /^sha256:[a-f0-9]{64}$/);
  const img = await engine.images.inspect("imp:v1");
  assert.is(img.Id, status);
  assert.is(img.Comment, "made by hand");
  assert.equal([img.Config.Cmd, img.Config.Env], [["cat", "/etc/greeting"], ["X=1"]]);
});

t("repo and tag may come apart (dockerode's importImage sends them so)", async () => {
  const { req, engine } = await sampleApi([]);
  const r = await req("/images/create?fromSrc=-&repo=apart&tag=t1", tarBody(rootfs));
  assert.is(r.status, 200);
  assert.ok(await engine.images.inspect("apart:t1"));
});

t("a bad tar or change is a 400 with the reason, before any stream; nothing is stored", async () => {
  const { req, engine } = await sampleApi([]);
  const bad = await req("/images/create?fromSrc=-&repo=bad", tarBody(new TextEncoder().encode("no tar here")));
  assert.is(bad.status, 400);
  assert.match(await message(bad), /^Cannot read the tar from stdin: truncated header/);
  const change = await req(`/images/create?fromSrc=-&repo=bad&changes=${encodeURIComponent("COPY a b")}`, tarBody(rootfs));
  assert.is(change.status, 400);
  assert.is(await message(change), "COPY is not a valid change command");
  assert.equal(await engine.images.list(), []);
});

t("a body over the load limit is refused with 413 from its Content-Length", async () => {
  const { req } = await sampleApi([], { maxLoadBytes: 1024 });
  const r = await req("/images/create?fromSrc=-", { ...tarBody(rootfs), headers: { "Content-Type": "application/x-tar", "Content-Length": String(rootfs.length) } });
  assert.is(r.status, 413);
});

t("a URL source is refused: the engine downloads nothing", async () => {
  const { req } = await sampleApi([]);
  const r = await req(`/images/create?fromSrc=${encodeURIComponent("http://169.254.169.254/latest")}&repo=x`, { method: "POST" });
  assert.is(r.status, 501);
  assert.match(await message(r), /^cannot import from http:\/\/169\.254\.169\.254\/latest: strata does not download images/);
});

t.run();
