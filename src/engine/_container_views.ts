/** Docker-shaped views of a container: a `docker ps` row and `docker inspect` (a paused one shows "paused", Running still true, as Docker's). */
import { isoTime, statusString } from "./_format.ts";
import { hostConfigView } from "./_host_config.ts";
import type { ContainerRecord, MountPoint } from "./wire.ts";

/** Mounts as Docker shows them (without strata's bookkeeping). */
function mountsOf(rec: ContainerRecord): MountPoint[] {
  return (rec.Mounts ?? []).map(({ Anonymous: _a, Subpath: _s, ...m }) => m);
}

interface Sizes {
  SizeRw: number;
  SizeRootFs: number;
}

/** The status Docker shows: "paused" for a paused running container. */
function shownStatus(rec: ContainerRecord) {
  return rec.State.Status === "running" && rec.State.Paused ? "paused" as const : rec.State.Status;
}

function command(rec: ContainerRecord): string {
  return [...(rec.Config.Entrypoint ?? []), ...(rec.Config.Cmd ?? [])].join(" ");
}

export function summaryView(rec: ContainerRecord, sizes?: Sizes, now = Date.now()) {
  return {
    Id: rec.Id, Names: [`/${rec.Name}`], Image: rec.Image, ImageID: rec.ImageID, Command: command(rec),
    Created: Math.floor(rec.Created / 1000), Ports: [], Labels: rec.Config.Labels, State: shownStatus(rec),
    Status: statusString(shownStatus(rec), rec.State.ExitCode, rec.State.StartedAt, rec.State.FinishedAt, now),
    HostConfig: { NetworkMode: "none" }, NetworkSettings: { Networks: {} }, Mounts: mountsOf(rec),
    ...(sizes ?? {}),
  };
}

export function inspectView(rec: ContainerRecord, sizes?: Sizes) {
  const argv = [...(rec.Config.Entrypoint ?? []), ...(rec.Config.Cmd ?? [])];
  const s = rec.State;
  return {
    Id: rec.Id, Created: isoTime(rec.Created), Path: argv[0] ?? "", Args: argv.slice(1),
    State: {
      Status: shownStatus(rec), Running: s.Status === "running" || s.Status === "restarting", Paused: s.Status === "running" && !!s.Paused, Restarting: s.Status === "restarting", OOMKilled: s.OOMKilled,
      Dead: false, Pid: s.Pid, ExitCode: s.ExitCode, Error: s.Error, StartedAt: isoTime(s.StartedAt), FinishedAt: isoTime(s.FinishedAt),
    },
    Image: rec.ImageID, ResolvConfPath: "", HostnamePath: "", HostsPath: "", LogPath: "", Name: `/${rec.Name}`,
    RestartCount: rec.RestartCount, Driver: "strata-union", Platform: "wasip1", MountLabel: "", ProcessLabel: "", AppArmorProfile: "",
    ExecIDs: null, HostConfig: hostConfigView(rec.HostConfig),
    GraphDriver: { Name: "strata-union", Data: { LowerDiffs: rec.Layers.slice().reverse().join(":"), UpperDir: `container:${rec.Id}` } },
    Mounts: mountsOf(rec), Config: { ...rec.Config, Domainname: "", ExposedPorts: null, OnBuild: null },
    NetworkSettings: { Bridge: "", SandboxID: "", Ports: {}, Networks: {} },
    ...(sizes ?? {}),
  };
}
