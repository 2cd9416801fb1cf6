/** volume (create, ls, inspect, rm, prune), system (df, prune, info, events), events, version, info. */
import { flag } from "./_args.ts";
import { humanSize } from "./_format.ts";
import { formatList } from "./_template.ts";
import { CliError, type Verb } from "./_verb.ts";
import { STRATA_VERSION } from "./_version.ts";
import { DaemonError } from "./client.ts";
import { filtersQuery, inspectEach, sinceValue } from "./verbs_containers.ts";
import { systemPrune } from "./verbs_prune.ts";

const q = encodeURIComponent;
type Volume = { Name: string; Driver: string; Mountpoint: string; Labels: Record<string, string> | null; Scope: string; UsageData?: { Size: number; RefCount: number } | null };

const VOLUME_TABLE = "table {{.Driver}}\t{{.Name}}";

export const volume: Verb = {
  name: "volume", usage: "COMMAND", summary: "Manage volumes",
  sub: [
    {
      name: "create", usage: "[OPTIONS] [VOLUME]", summary: "Create a volume", max: 1,
      flags: [
        { long: "driver", short: "d", type: "string", desc: "Specify volume driver name", default: "\"local\"" },
        { long: "label", type: "list", desc: "Set metadata for a volume" },
        { long: "opt", short: "o", type: "list", desc: "Set driver specific options" },
      ],
      async run(ctx, p) {
        const kv = (l: string[]) => Object.fromEntries(l.map((x) => [x.split("=")[0]!, x.includes("=") ? x.slice(x.indexOf("=") + 1) : ""]));
        const v = await (await ctx.client()).json<Volume>("POST", "/volumes/create", {
          body: { Name: p.args[0] ?? "", Driver: flag.str(p, "driver") ?? "local", Labels: kv(flag.list(p, "label")), DriverOpts: kv(flag.list(p, "opt")) },
        });
        await ctx.io.out(`${v.Name}\n`);
      },
    },
    {
      name: "ls", usage: "[OPTIONS]", summary: "List volumes", max: 0, aliases: ["strata volume list"],
      flags: [
        { long: "filter", short: "f", type: "list", valueName: "filter", desc: "Provide filter values (e.g. \"dangling=true\")" },
        { long: "format", type: "string", desc: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or 'TEMPLATE' (Go template)" },
        { long: "quiet", short: "q", type: "bool", desc: "Only display volume names" },
      ],
      async run(ctx, p) {
        const r = await (await ctx.client()).json<{ Volumes: Volume[] | null }>("GET", "/volumes", { query: { filters: filtersQuery(flag.list(p, "filter")) } });
        const vols = (r.Volumes ?? []).sort((a, b) => a.Name.localeCompare(b.Name));
        if (flag.bool(p, "quiet")) return void await ctx.io.out(vols.map((v) => `${v.Name}\n`).join(""));
        const views = vols.map((v) => ({ ...v, Labels: Object.entries(v.Labels ?? {}).map(([k, x]) => `${k}=${x}`).join(","), Size: "N/A", Links: "N/A" }));
        await ctx.io.out(formatList(flag.str(p, "format") ?? VOLUME_TABLE, views, { headers: { Name: "VOLUME NAME" }, defaultTable: VOLUME_TABLE }));
      },
    },
    inspectEach("volume", (n) => `/volumes/${q(n)}`),
    {
      name: "rm", usage: "[OPTIONS] VOLUME [VOLUME...]", summary: "Remove one or more volumes", min: 1, aliases: ["strata volume remove"],
      flags: [{ long: "force", short: "f", type: "bool", desc: "Force the removal of one or more volumes" }],
      async run(ctx, p) {
        const c = await ctx.client();
        let failed = 0;
        for (const n of p.args) {
          try {
            await c.call("DELETE", `/volumes/${q(n)}`, { query: { force: flag.bool(p, "force") || undefined } });
            await ctx.io.out(`${n}\n`);
          } catch (err) {
            if (!(err instanceof DaemonError)) throw err;
            failed++;
            await ctx.io.err(`${err.response}\n`);
          }
        }
        return failed ? 1 : 0;
      },
    },
    {
      name: "prune", usage: "[OPTIONS]", summary: "Remove unused local volumes", max: 0,
      flags: [
        { long: "all", short: "a", type: "bool", desc: "Remove all unused volumes, not just anonymous ones" },
        { long: "filter", type: "list", valueName: "filter", desc: "Provide filter values (e.g. \"label=<label>\")" },
        { long: "force", short: "f", type: "bool", desc: "Do not prompt for confirmation" },
      ],
      async run(ctx, p) {
        const r = await (await ctx.client()).json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>("POST", "/volumes/prune", {
          query: { filters: filtersQuery([...flag.list(p, "filter"), ...(flag.bool(p, "all") ? ["all=true"] : [])]) },
        });
        const names = r.VolumesDeleted ?? [];
        await ctx.io.out(`${names.length ? `Deleted Volumes:\n${names.join("\n")}\n\n` : ""}Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
      },
    },
  ],
};

type Df = {
  LayersSize: number;
  Images: Array<{ Size: number; SharedSize: number; Containers: number }> | null;
  Containers: Array<{ SizeRw?: number; State: string }> | null;
  Volumes: Volume[] | null;
};

/** `docker system df` rows, computed as the docker CLI's disk-usage formatter does. */
export function dfRows(df: Df): Array<Record<string, string>> {
  const pct = (part: number, whole: number) => (whole > 0 ? `${humanSize(part, 4)} (${Math.trunc((part * 100) / whole)}%)` : humanSize(part, 4));
  const imgs = df.Images ?? [], cs = df.Containers ?? [], vols = df.Volumes ?? [];
  let imgReclaim = df.LayersSize;
  for (const i of imgs) if (i.Containers > 0 && i.SharedSize >= 0) imgReclaim -= i.Size - i.SharedSize;
  const csSize = cs.reduce((n, x) => n + (x.SizeRw ?? 0), 0);
  const csReclaim = cs.filter((x) => x.State !== "running").reduce((n, x) => n + (x.SizeRw ?? 0), 0);
  const vSize = vols.reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const vReclaim = vols.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0);
  return [
    { Type: "Images", TotalCount: String(imgs.length), Active: String(imgs.filter((i) => i.Containers > 0).length), Size: humanSize(df.LayersSize, 4), Reclaimable: pct(Math.max(0, imgReclaim), df.LayersSize) },
    { Type: "Containers", TotalCount: String(cs.length), Active: String(cs.filter((x) => x.State === "running").length), Size: humanSize(csSize, 4), Reclaimable: pct(csReclaim, csSize) },
    { Type: "Local Volumes", TotalCount: String(vols.length), Active: String(vols.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length), Size: humanSize(vSize, 4), Reclaimable: pct(vReclaim, vSize) },
    { Type: "Build Cache", TotalCount: "0", Active: "0", Size: "0B", Reclaimable: "0B" },
  ];
}

const DF_TABLE = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";

const df: Verb = {
  name: "df", usage: "[OPTIONS]", summary: "Show docker disk usage", max: 0,
  flags: [{ long: "format", type: "string", desc: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or 'TEMPLATE' (Go template)" }],
  async run(ctx, p) {
    const d = await (await ctx.client()).json<Df>("GET", "/system/df");
    await ctx.io.out(formatList(flag.str(p, "format") ?? DF_TABLE, dfRows(d), { headers: { Type: "TYPE", TotalCount: "TOTAL", Active: "ACTIVE", Size: "SIZE", Reclaimable: "RECLAIMABLE" }, defaultTable: DF_TABLE }));
  },
};

export const events: Verb = {
  name: "events", usage: "[OPTIONS]", summary: "Get real time events from the server", max: 0, aliases: ["strata system events", "strata events"],
  flags: [
    { long: "filter", short: "f", type: "list", valueName: "filter", desc: "Filter output based on conditions provided" },
    { long: "format", type: "string", desc: "Format output using a custom template: 'json', or 'TEMPLATE' (Go template)" },
    { long: "since", type: "string", desc: "Show all events created since timestamp" },
    { long: "until", type: "string", desc: "Stream events until this timestamp" },
  ],
  async run(ctx, p) {
    const r = await (await ctx.client()).call("GET", "/events", { query: { since: sinceValue(flag.str(p, "since")), until: sinceValue(flag.str(p, "until")), filters: filtersQuery(flag.list(p, "filter")) } });
    const format = flag.str(p, "format");
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of (r.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) await ctx.io.out(format ? formatList(format, [JSON.parse(line)]) : `${eventLine(JSON.parse(line))}\n`);
      }
    }
  },
};

/** One event as `docker events` prints it: time, type, action, actor and its sorted attributes. */
export function eventLine(e: { Type: string; Action: string; Actor: { ID: string; Attributes?: Record<string, string> }; timeNano?: number; time: number }): string {
  const ns = BigInt(Math.round(e.timeNano ?? e.time * 1e9));
  const secs = Number(ns / 1_000_000_000n);
  const frac = String(ns % 1_000_000_000n).padStart(9, "0");
  const when = `${new Date(secs * 1000).toISOString().slice(0, 19)}.${frac}Z`;
  const attrs = Object.entries(e.Actor.Attributes ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  return `${when} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length ? ` (${attrs.join(", ")})` : ""}`;
}

export const version: Verb = {
  name: "version", usage: "[OPTIONS]", summary: "Show the strata version information", max: 0,
  flags: [{ long: "format", short: "f", type: "string", desc: "Format output using a custom template (Go template, or 'json')" }],
  async run(ctx, p) {
    const client = { Version: STRATA_VERSION, ApiVersion: "1.47", Os: process.platform, Arch: process.arch, Runtime: "Deno" in globalThis ? "deno" : `node ${process.version}` };
    let server: Record<string, unknown> | undefined, error: string | undefined;
    try {
      server = await (await ctx.client()).json<Record<string, unknown>>("GET", "/version");
    } catch (err) {
      error = (err as Error).message;
    }
    const format = flag.str(p, "format");
    if (format) await ctx.io.out(formatList(format, [{ Client: client, Server: server ?? null }]));
    else {
      await ctx.io.out(`Client:\n Version:           ${client.Version}\n API version:       ${client.ApiVersion}\n Runtime:           ${client.Runtime}\n OS/Arch:           ${client.Os}/${client.Arch}\n Context:           ${(await ctx.client().catch(() => undefined))?.transport.where ?? "-"}\n`);
      if (server) {
        const platform = (server["Platform"] as { Name?: string } | undefined)?.Name ?? "";
        await ctx.io.out(`\nServer: ${platform}\n Engine:\n  Version:          ${server["Version"]}\n  API version:      ${server["ApiVersion"]} (minimum version ${server["MinAPIVersion"]})\n  OS/Arch:          ${server["Os"]}/${server["Arch"]}\n  Git commit:       ${server["GitCommit"]}\n`);
      }
    }
    if (error) throw new CliError(`strata: ${error}`, 1);
  },
};

export const info: Verb = {
  name: "info", usage: "[OPTIONS]", summary: "Display system-wide information", max: 0, aliases: ["strata system info", "strata info"],
  flags: [{ long: "format", short: "f", type: "string", desc: "Format output using a custom template (Go template, or 'json')" }],
  async run(ctx, p) {
    const c = await ctx.client();
    const i = await c.json<Record<string, unknown>>("GET", "/info");
    const format = flag.str(p, "format");
    if (format) return void await ctx.io.out(formatList(format, [i]));
    const lines = [
      "Client:", ` Version:    ${STRATA_VERSION}`, ` Context:    ${c.transport.where}`, "", "Server:",
      ` Containers: ${i["Containers"]}`, `  Running: ${i["ContainersRunning"]}`, `  Paused: ${i["ContainersPaused"] ?? 0}`, `  Stopped: ${i["ContainersStopped"]}`,
      ` Images: ${i["Images"]}`, ` Server Version: ${i["ServerVersion"]}`, ` Storage Driver: ${i["Driver"]}`, ` Logging Driver: ${i["LoggingDriver"] ?? ""}`,
      ` Default Runtime: ${i["DefaultRuntime"] ?? ""}`, ` Kernel Version: ${i["KernelVersion"]}`, ` Operating System: ${i["OperatingSystem"]}`,
      ` OSType: ${i["OSType"]}`, ` Architecture: ${i["Architecture"]}`, ` CPUs: ${i["NCPU"]}`, ` Total Memory: ${humanSize(Number(i["MemTotal"] ?? 0))}`,
      ` Name: ${i["Name"]}`, ` ID: ${i["ID"]}`, ` Docker Root Dir: ${i["DockerRootDir"]}`,
    ];
    await ctx.io.out(`${lines.join("\n")}\n`);
  },
};

export const system: Verb = {
  name: "system", usage: "COMMAND", summary: "Manage strata",
  sub: [df, { ...events, aliases: [] }, { ...info, aliases: [] }, systemPrune],
};
