import { suite } from "uvu";
import * as assert from "uvu/assert";
import { message, runThrough, sampleApi } from "./_app.ts";

const t = suite("API: GET /strata/containers/{id}/tree, a directory of a container with the layer of each entry");

interface Entry { Name: string; Path: string; Type: string; Size: number; Layer: string; Target?: string }

t("entries are tagged with the topmost layer holding them, or the writable layer; markers on request", async () => {
  const { req } = await sampleApi(["demo"]);
  const layers = ((await (await req("/images/demo/json")).json()) as { RootFS: { Layers: string[] } }).RootFS.Layers;
  assert.is(layers.length, 3);
  const [base, middle, top] = layers as [string, string, string];
  const { Id, status } = await runThrough(req, { Image: "demo", Cmd: ["sh", "-c", "echo hi > /srv/data2 && rm /etc/motd && echo x >> /srv/data"] });
  assert.is(status.StatusCode, 0);
  const tree = async (path: string, q = "") => (await (await req(`/strata/containers/${Id}/tree?path=${encodeURIComponent(path)}${q}`)).json()) as Entry[];
  const byName = (es: Entry[]) => Object.fromEntries(es.map((e) => [e.Name, e]));

  const root = byName(await tree("/"));
  assert.is(root["demo.sh"]!.Layer, top);
  assert.is(root["bin"]!.Layer, base);
  assert.is(root["bin"]!.Type, "dir");
  assert.is(root["srv"]!.Layer, middle, "a merged directory belongs to its topmost lower layer");

  const srv = byName(await tree("/srv"));
  assert.is(srv["data2"]!.Layer, "writable");
  assert.is(srv["data2"]!.Size, 3);
  assert.is(srv["data"]!.Layer, "writable", "a file copied up and changed is the writable layer's");
  assert.is(srv["current"]!.Type, "symlink");
  assert.is(srv["current"]!.Target, "old");
  assert.is(srv["current"]!.Layer, middle);
  assert.is(srv["current"]!.Path, "/srv/current");

  const etc = await tree("/etc");
  assert.not.ok(etc.some((e) => e.Name === "motd"));
  assert.not.ok(etc.some((e) => e.Type === "whiteout"), "markers only on request");
  const etcW = byName(await tree("/etc", "&whiteouts=1"));
  assert.equal({ type: etcW[".wh.motd"]!.Type, layer: etcW[".wh.motd"]!.Layer, path: etcW[".wh.motd"]!.Path }, { type: "whiteout", layer: "writable", path: "/etc/motd" });

  const opt = byName(await tree("/opt", "&whiteouts=1"));
  assert.is(opt[".wh.remove-me"]!.Layer, middle);
  const old = byName(await tree("/srv/old", "&whiteouts=1"));
  assert.is(old[".wh..wh..opq"]!.Type, "opaque");
  assert.is(old[".wh..wh..opq"]!.Layer, middle);
  assert.is(old["new"]!.Layer, middle);
});

t("a missing path is 404, a file 400, a missing container 404, in Docker's words", async () => {
  const { req } = await sampleApi(["toolbox"]);
  const { Id } = await runThrough(req, { Image: "toolbox", Cmd: ["true"] });
  const missing = await req(`/strata/containers/${Id}/tree?path=/nope`);
  assert.is(missing.status, 404);
  assert.is(await message(missing), `Could not find the file /nope in container ${Id}`);
  const file = await req(`/v1.47/strata/containers/${Id}/tree?path=/bin/sh`);
  assert.is(file.status, 400);
  assert.match(await message(file), /not a directory: \/bin\/sh/);
  const none = await req("/strata/containers/nothere/tree");
  assert.is(none.status, 404);
  assert.match(await message(none), /No such container: nothere/);
});

t.run();
