import { suite } from "uvu";
import * as assert from "uvu/assert";
import { message, post, runThrough, sampleApi } from "./_app.ts";

const t = suite("create's HostConfig, inspect and info as Docker reports them");

type Inspect = { HostConfig: Record<string, unknown>; Config: { Entrypoint: string[] | null; Cmd: string[] | null }; Path: string; Args: string[] };

t("inspect's HostConfig has every field Docker always reports, the container's values over the defaults", async () => {
  const { req } = await sampleApi();
  const r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { Memory: 1 << 24, ShmSize: 1024, NetworkMode: "default" } }));
  const { Id } = (await r.json()) as { Id: string };
  const hc = ((await (await req(`/v1.47/containers/${Id}/json`)).json()) as Inspect).HostConfig;
  assert.equal(hc["LogConfig"], { Type: "json-file", Config: {} });
  assert.equal(hc["RestartPolicy"], { Name: "no", MaximumRetryCount: 0 });
  assert.is(hc["NetworkMode"], "none");
  assert.is(hc["Memory"], 1 << 24);
  assert.is(hc["ShmSize"], 1024);
  for (const k of ["PortBindings", "AutoRemove", "VolumeDriver", "VolumesFrom", "CapAdd", "CapDrop", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts",
    "GroupAdd", "IpcMode", "Cgroup", "Links", "OomScoreAdj", "PidMode", "Privileged", "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt", "UTSMode",
    "UsernsMode", "ConsoleSize", "Isolation", "Runtime", "CpuShares", "NanoCpus", "CpuQuota", "PidsLimit", "Ulimits", "Devices", "MaskedPaths", "ReadonlyPaths"]) {
    assert.ok(k in hc, `HostConfig.${k}`);
  }
});

t("/info has Debug and the rest of Docker's SystemInfo keys", async () => {
  const { req } = await sampleApi([]);
  const info = (await (await req("/v1.47/info")).json()) as Record<string, unknown>;
  for (const k of ["Debug", "NFd", "KernelMemoryTCP", "CPUShares", "CPUSet", "PidsLimit", "IPv4Forwarding", "BridgeNfIptables", "ContainerdCommit", "RuncCommit", "InitCommit", "DefaultAddressPools", "Runtimes", "DefaultRuntime"]) {
    assert.ok(k in info, k);
  }
  assert.is(info["Debug"], false);
});

t("an unknown log driver is a 400 with moby's wording; a known one strata lacks says so", async () => {
  const { req } = await sampleApi();
  let r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { LogConfig: { Type: "nosuch", Config: {} } } }));
  assert.is(r.status, 400);
  assert.is(await message(r), "logger: no log driver named 'nosuch' is registered");
  r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { LogConfig: { Type: "syslog", Config: {} } } }));
  assert.is(r.status, 400);
  assert.match(await message(r), /does not support the syslog log driver/);
  r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { LogConfig: { Type: "json-file", Config: {} } } }));
  assert.is(r.status, 201);
  assert.is(((await (await req("/v1.47/containers/json?all=1")).json()) as unknown[]).length, 1, "a refused create stored nothing");
});

t("published ports and host networking are refused; --network bridge warns; a user network is Docker's 404", async () => {
  const { req } = await sampleApi();
  let r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { PortBindings: { "80/tcp": [{ HostPort: "8080" }] } } }));
  assert.is(r.status, 400);
  assert.match(await message(r), /does not support publishing ports \(80\/tcp\)/);
  r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { NetworkMode: "host" } }));
  assert.is(r.status, 400);
  assert.match(await message(r), /--network host/);
  r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { NetworkMode: "mynet" } }));
  assert.is(r.status, 404);
  assert.is(await message(r), "network mynet not found");
  r = await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], HostConfig: { NetworkMode: "bridge" } }));
  assert.is(r.status, 201);
  assert.match(((await r.json()) as { Warnings: string[] }).Warnings.join("\n"), /no network/);
});

t("--entrypoint '' with a command runs the command alone", async () => {
  const { req } = await sampleApi();
  const { Id, status } = await runThrough(req, { Image: "toolbox", Entrypoint: [""], Cmd: ["sh", "-c", "exit 3"] });
  assert.is(status.StatusCode, 3);
  const ins = (await (await req(`/v1.47/containers/${Id}/json`)).json()) as Inspect;
  assert.is(ins.Config.Entrypoint, null);
  assert.is(ins.Path, "sh");
  assert.equal(ins.Args, ["-c", "exit 3"]);
});

t.run();
