/** Mount options as Docker accepts them: -v modes, BindOptions, VolumeOptions.Subpath. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { demultiplex, message, post, runThrough, sampleApi } from "./_app.ts";

const t = suite("api: mount options");

t("-v modes Docker accepts (z, Z, nocopy, propagation, consistency) are accepted; an unknown one is Docker's 400", async () => {
  const { req } = await sampleApi();
  let r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { Binds: ["v1:/a:ro,z,nocopy,consistent", "v2:/b:Z,cached", "v3:/c:delegated,rw"] } }));
  assert.is(r.status, 201, await r.clone().text());
  r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { Binds: ["v1:/a:bogus"] } }));
  assert.is(r.status, 400);
  assert.is(await message(r), "invalid mode: bogus");
});

t("VolumeOptions.Subpath mounts a directory of the volume, which must exist when the container starts", async () => {
  const { req } = await sampleApi();
  await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "mkdir -p /d/sub && echo in-sub > /d/sub/f && echo top > /d/g"], HostConfig: { Binds: ["data:/d"] } });
  const mount = (sub: string) => ({ Type: "volume", Source: "data", Target: "/s", VolumeOptions: { Subpath: sub, NoCopy: true } });
  const { Id } = await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "cat /s/f; ls /s; echo more > /s/h"], HostConfig: { Mounts: [mount("sub")] } });
  const out = demultiplex(new Uint8Array(await (await req(`/v1.47/containers/${Id}/logs?stdout=1&stderr=1`)).arrayBuffer()));
  assert.is(out.stdout, "in-sub\nf\n");
  const seen = await runThrough(req, { Image: "toolbox", Cmd: ["cat", "/d/sub/h"], HostConfig: { Binds: ["data:/d"] } });
  assert.is(demultiplex(new Uint8Array(await (await req(`/v1.47/containers/${seen.Id}/logs?stdout=1`)).arrayBuffer())).stdout, "more\n");
  const ins = (await (await req(`/v1.47/containers/${Id}/json`)).json()) as { Mounts: Array<Record<string, unknown>> };
  assert.is(ins.Mounts[0]!["Name"], "data");
  assert.not.ok("Subpath" in ins.Mounts[0]!);

  const missing = (await (await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { Mounts: [mount("nosuch")] } }))).json()) as { Id: string };
  const start = await req(`/v1.47/containers/${missing.Id}/start`, post());
  assert.is(start.status, 400);
  assert.match(await message(start), /subpath 'nosuch' of volume data: cannot access path/);
  assert.is((await (await req("/v1.47/volumes/data")).json() as { Name: string }).Name, "data");
  assert.is((await req("/v1.47/volumes/data", { method: "DELETE" })).status, 409, "used by containers, not held by the refused start");

  // A start that fails removes an AutoRemove container, as moby's (docker run --rm waits for that removal).
  const rm = (await (await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { AutoRemove: true, Mounts: [mount("nosuch")] } }))).json()) as { Id: string };
  const removed = req(`/v1.47/containers/${rm.Id}/wait?condition=removed`, post());
  assert.is((await req(`/v1.47/containers/${rm.Id}/start`, post())).status, 400);
  await removed;
  assert.is((await req(`/v1.47/containers/${rm.Id}/json`)).status, 404);

  for (const bad of ["/abs", "../up", "a/../../b"]) {
    const r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { Mounts: [mount(bad)] } }));
    assert.is(r.status, 400, bad);
    assert.match(await message(r), /subpath must be a relative path within the volume/);
  }
});

t.run();
