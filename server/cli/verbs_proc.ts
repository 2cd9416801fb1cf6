/**
 * The verbs on a running container's processes, with the docker CLI's output: `stats`
 * (a table redrawn each second, or once with --no-stream; --format templates; the CPU %,
 * memory and block I/O figures computed from StatsJSON as the docker CLI computes them),
 * `top` (the engine's ps table), `pause` and `unpause`. Each verb object is
 * self-contained (its flags, its run).
 */
import { type FlagDef, flag } from "./_args.ts";
import { humanSize, tabwrite } from "./_format.ts";
import { formatList } from "./_template.ts";
import type { Ctx, Verb } from "./_verb.ts";
import { type Client, DaemonError } from "./client.ts";
import { eachContainer } from "./verbs_run.ts";

const q = encodeURIComponent;

/** The docker CLI's default stats table and its header names. */
const STATS_TABLE = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
const STATS_HEADERS: Record<string, string> = {
  ID: "CONTAINER ID", Container: "CONTAINER", Name: "NAME", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT", MemPerc: "MEM %",
  NetIO: "NET I/O", BlockIO: "BLOCK I/O", PIDs: "PIDS",
};

interface CpuStats {
  cpu_usage?: { total_usage?: number };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** The part of Docker's StatsJSON the table reads. */
interface StatsDoc {
  id?: string;
  name?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  pids_stats?: { current?: number };
}

const BINARY = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/** go-units BytesSize: binary units, `%.4g` ("1.063MiB", "4GiB"). */
export function bytesSize(bytes: number): string {
  let v = bytes, i = 0;
  while (v >= 1024 && i < BINARY.length - 1) v /= 1024, i++;
  return `${Number(v.toPrecision(4))}${BINARY[i]}`;
}

/** One row of the stats table, as the docker CLI computes it from a document (`given` is the name the user gave). */
export function statsView(d: StatsDoc, given: string): Record<string, string> {
  const cpu = d.cpu_stats ?? {}, pre = d.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const sysDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const cpuPerc = sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * (cpu.online_cpus || 1) * 100 : 0;
  const m = d.memory_stats ?? {};
  const inactive = m.stats?.["inactive_file"] ?? 0;
  const mem = (m.usage ?? 0) - (inactive < (m.usage ?? 0) ? inactive : 0), limit = m.limit ?? 0;
  let read = 0, written = 0;
  for (const e of d.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (/^r/i.test(e.op)) read += e.value;
    else if (/^w/i.test(e.op)) written += e.value;
  }
  let rx = 0, tx = 0;
  for (const n of Object.values(d.networks ?? {})) rx += n.rx_bytes ?? 0, tx += n.tx_bytes ?? 0;
  return {
    Container: given, ID: (d.id ?? "").slice(0, 12), Name: (d.name ?? "").replace(/^\//, "") || "--",
    CPUPerc: `${cpuPerc.toFixed(2)}%`, MemUsage: `${bytesSize(mem)} / ${bytesSize(limit)}`, MemPerc: `${(limit ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`, BlockIO: `${humanSize(read)} / ${humanSize(written)}`, PIDs: String(d.pids_stats?.current ?? 0),
  };
}

/** The containers `stats` shows: those named, else the running ones (every one with --all). */
async function statsTargets(c: Client, names: string[], all: boolean): Promise<string[]> {
  if (names.length) return names;
  const rows = await c.json<Array<{ Id: string }>>("GET", "/containers/json", { query: { all: all || undefined } });
  return rows.map((r) => r.Id.slice(0, 12));
}

/** The latest document of each container's stats stream, kept as it arrives (until the signal aborts). */
function follow(c: Client, name: string, latest: Map<string, StatsDoc>, signal: AbortSignal): Promise<void> {
  return (async () => {
    const r = await c.call("GET", `/containers/${q(name)}/stats`, { query: { stream: true }, signal });
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += value;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) latest.set(name, JSON.parse(line) as StatsDoc);
      }
    }
  })().catch((err: unknown) => {
    if (signal.aborted) return;
    throw err;
  });
}

const FORMAT: FlagDef = { long: "format", type: "string", desc: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or 'TEMPLATE' (Go template)" };

export const stats: Verb = {
  name: "stats", usage: "[OPTIONS] [CONTAINER...]", summary: "Display a live stream of container(s) resource usage statistics",
  aliases: ["strata container stats", "strata stats"],
  flags: [
    { long: "all", short: "a", type: "bool", desc: "Show all containers (default shows just running)" },
    FORMAT,
    { long: "no-stream", type: "bool", desc: "Disable streaming stats and only pull the first result" },
    { long: "no-trunc", type: "bool", desc: "Do not truncate output" },
  ],
  async run(ctx, p) {
    const c = await ctx.client();
    const names = await statsTargets(c, p.args, flag.bool(p, "all"));
    const format = flag.str(p, "format") ?? STATS_TABLE;
    const trunc = !flag.bool(p, "no-trunc");
    const render = (docs: Array<[string, StatsDoc]>) =>
      formatList(format, docs.map(([n, d]) => ({ ...statsView(d, n), ...(trunc ? {} : { ID: d.id ?? "" }) })), { headers: STATS_HEADERS, defaultTable: STATS_TABLE });
    if (flag.bool(p, "no-stream")) {
      const docs: Array<[string, StatsDoc]> = [];
      let failed = false;
      for (const n of names) {
        try {
          docs.push([n, await c.json<StatsDoc>("GET", `/containers/${q(n)}/stats`, { query: { stream: false } })]);
        } catch (err) {
          if (!(err instanceof DaemonError)) throw err;
          failed = true;
          await ctx.io.err(`Error response from daemon: ${err.message}\n`);
        }
      }
      if (docs.length || !failed) await ctx.io.out(render(docs));
      return failed ? 1 : 0;
    }
    return await streamStats(ctx, c, names, render);
  },
};

/** Redraw the table each second, as the docker CLI does on a terminal, until the streams end or the command is interrupted. */
async function streamStats(ctx: Ctx, c: Client, names: string[], render: (docs: Array<[string, StatsDoc]>) => string): Promise<number> {
  const abort = new AbortController();
  const latest = new Map<string, StatsDoc>();
  let failure: unknown;
  const streams = Promise.all(names.map((n) => follow(c, n, latest, abort.signal).catch((err: unknown) => void (failure ??= err))));
  let ended = false;
  void streams.then(() => (ended = true));
  try {
    while (!ended && failure === undefined) {
      await new Promise((r) => setTimeout(r, 1000));
      const text = render(names.filter((n) => latest.has(n)).map((n) => [n, latest.get(n)!]));
      await ctx.io.out(`\x1b[H\x1b[J${text}`);
    }
  } finally {
    abort.abort();
  }
  if (failure instanceof DaemonError) {
    await ctx.io.err(`Error response from daemon: ${failure.message}\n`);
    return 1;
  }
  if (failure !== undefined) throw failure;
  return 0;
}

export const top: Verb = {
  name: "top", usage: "CONTAINER [ps OPTIONS]", summary: "Display the running processes of a container", min: 1, interspersed: false,
  aliases: ["strata container top", "strata top"],
  async run(ctx, p) {
    const c = await ctx.client();
    const [name, ...psArgs] = p.args;
    const t = await c.json<{ Titles: string[]; Processes: string[][] }>("GET", `/containers/${q(name!)}/top`, {
      query: { ps_args: psArgs.length ? psArgs.join(" ") : undefined },
    });
    // The docker CLI's tabwriter for top: columns at least 20 wide.
    await ctx.io.out(tabwrite([t.Titles, ...t.Processes].map((r) => r.join("\t")).join("\n") + "\n", 20));
  },
};

export const pause: Verb = {
  name: "pause", usage: "CONTAINER [CONTAINER...]", summary: "Pause all processes within one or more containers", min: 1,
  aliases: ["strata container pause", "strata pause"],
  async run(ctx, p) {
    const c = await ctx.client();
    return await eachContainer(ctx, p.args, (n) => c.call("POST", `/containers/${q(n)}/pause`));
  },
};

export const unpause: Verb = {
  name: "unpause", usage: "CONTAINER [CONTAINER...]", summary: "Unpause all processes within one or more containers", min: 1,
  aliases: ["strata container unpause", "strata unpause"],
  async run(ctx, p) {
    const c = await ctx.client();
    return await eachContainer(ctx, p.args, (n) => c.call("POST", `/containers/${q(n)}/unpause`));
  },
};
