/** The container verbs that do not attach: stop, kill, restart, wait, rm, ps, logs, inspect, diff, export, commit, rename, container prune. */
import { closeSync, openSync, writeSync } from "node:fs";
import { type FlagDef, flag } from "./_args.ts";
import { demux, RAW_STREAM } from "./_hijack.ts";
import { humanSize } from "./_format.ts";
import type { Io } from "./_io.ts";
import { formatList } from "./_template.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";
import { type ContainerRow, PS_HEADERS, PS_TABLE, psView } from "./_views.ts";
import { DaemonError } from "./client.ts";
import { eachContainer } from "./verbs_run.ts";

const q = encodeURIComponent;
const FORMAT: FlagDef = { long: "format", type: "string", desc: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or 'TEMPLATE' (Go template)" };
const TIME: FlagDef = { long: "time", short: "t", type: "int", desc: "Seconds to wait before killing the container" };

export const stop: Verb = {
  name: "stop", usage: "[OPTIONS] CONTAINER [CONTAINER...]", summary: "Stop one or more running containers", min: 1, flags: [TIME],
  aliases: ["strata container stop", "strata stop"],
  async run(ctx, p) {
    const c = await ctx.client();
    return await eachContainer(ctx, p.args, (n) => c.call("POST", `/containers/${q(n)}/stop`, { query: { t: flag.int(p, "time") } }));
  },
};

export const restart: Verb = {
  name: "restart", usage: "[OPTIONS] CONTAINER [CONTAINER...]", summary: "Restart one or more containers", min: 1, flags: [TIME],
  aliases: ["strata container restart", "strata restart"],
  async run(ctx, p) {
    const c = await ctx.client({ persistent: true });
    return await eachContainer(ctx, p.args, (n) => c.call("POST", `/containers/${q(n)}/restart`, { query: { t: flag.int(p, "time") } }));
  },
};

export const kill: Verb = {
  name: "kill", usage: "[OPTIONS] CONTAINER [CONTAINER...]", summary: "Kill one or more running containers", min: 1,
  flags: [{ long: "signal", short: "s", type: "string", desc: "Signal to send to the container" }], aliases: ["strata container kill", "strata kill"],
  async run(ctx, p) {
    const c = await ctx.client();
    return await eachContainer(ctx, p.args, (n) => c.call("POST", `/containers/${q(n)}/kill`, { query: { signal: flag.str(p, "signal") } }));
  },
};

export const wait: Verb = {
  name: "wait", usage: "CONTAINER [CONTAINER...]", summary: "Block until one or more containers stop, then print their exit codes", min: 1,
  aliases: ["strata container wait", "strata wait"],
  async run(ctx, p) {
    const c = await ctx.client();
    let failed = 0;
    for (const n of p.args) {
      try {
        const r = await c.json<{ StatusCode: number }>("POST", `/containers/${q(n)}/wait`);
        await ctx.io.out(`${r.StatusCode}\n`);
      } catch (err) {
        if (!(err instanceof DaemonError)) throw err;
        failed++;
        await ctx.io.err(`${err.response}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

export const rm: Verb = {
  name: "rm", usage: "[OPTIONS] CONTAINER [CONTAINER...]", summary: "Remove one or more containers", min: 1,
  aliases: ["strata container rm", "strata container remove", "strata rm"],
  flags: [
    { long: "force", short: "f", type: "bool", desc: "Force the removal of a running container (uses SIGKILL)" },
    { long: "volumes", short: "v", type: "bool", desc: "Remove anonymous volumes associated with the container" },
  ],
  async run(ctx, p) {
    const c = await ctx.client();
    return await eachContainer(ctx, p.args, (n) => c.call("DELETE", `/containers/${q(n)}`, { query: { force: flag.bool(p, "force") || undefined, v: flag.bool(p, "volumes") || undefined } }));
  },
};

/** `--filter k=v` list → the API's JSON form `{"k":{"v":true}}`. */
export function filtersQuery(list: string[]): string | undefined {
  if (!list.length) return undefined;
  const f: Record<string, Record<string, boolean>> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq < 1) throw new CliError(`strata: bad format of filter (expected name=value)`, 125);
    (f[item.slice(0, eq)] ??= {})[item.slice(eq + 1)] = true;
  }
  return JSON.stringify(f);
}

export const ps: Verb = {
  name: "ps", usage: "[OPTIONS]", summary: "List containers", max: 0,
  aliases: ["strata container ls", "strata container list", "strata container ps", "strata ps"],
  flags: [
    { long: "all", short: "a", type: "bool", desc: "Show all containers (default shows just running)" },
    { long: "filter", short: "f", type: "list", valueName: "filter", desc: "Filter output based on conditions provided" },
    FORMAT,
    { long: "last", short: "n", type: "int", desc: "Show n last created containers (includes all states)", default: "-1" },
    { long: "latest", short: "l", type: "bool", desc: "Show the latest created container (includes all states)" },
    { long: "no-trunc", type: "bool", desc: "Don't truncate output" },
    { long: "quiet", short: "q", type: "bool", desc: "Only display container IDs" },
    { long: "size", short: "s", type: "bool", desc: "Display total file sizes" },
  ],
  async run(ctx, p) {
    const c = await ctx.client();
    const last = flag.bool(p, "latest") ? 1 : flag.int(p, "last") ?? -1;
    const rows = await c.json<ContainerRow[]>("GET", "/containers/json", {
      query: { all: flag.bool(p, "all") || last > 0 || undefined, size: flag.bool(p, "size") || undefined, limit: last > 0 ? last : undefined, filters: filtersQuery(flag.list(p, "filter")) },
    });
    const trunc = !flag.bool(p, "no-trunc");
    if (flag.bool(p, "quiet")) return void await ctx.io.out(rows.map((r) => `${trunc ? r.Id.slice(0, 12) : r.Id}\n`).join(""));
    const format = flag.str(p, "format") ?? (flag.bool(p, "size") ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE);
    await ctx.io.out(formatList(format, rows.map((r) => psView(r, { trunc })), { headers: PS_HEADERS, defaultTable: PS_TABLE }));
  },
};

/** `--since 10m` / RFC 3339 / unix seconds → unix seconds (the logs and events query). */
export function sinceValue(v: string | undefined, now = Date.now()): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return v;
  const rel = v.match(/^(\d+(?:\.\d+)?)(ms|s|m|h)$/);
  if (rel) return String((now - Number(rel[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[rel[2] as "s"]) / 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new CliError(`strata: invalid value for "since": "${v}" (a duration such as 10m, an RFC 3339 time, or unix seconds)`, 125);
  return String(t / 1000);
}

export const logs: Verb = {
  name: "logs", usage: "[OPTIONS] CONTAINER", summary: "Fetch the logs of a container", min: 1, max: 1,
  aliases: ["strata container logs", "strata logs"],
  flags: [
    { long: "follow", short: "f", type: "bool", desc: "Follow log output" },
    { long: "since", type: "string", desc: "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)" },
    { long: "tail", short: "n", type: "string", desc: "Number of lines to show from the end of the logs", default: "\"all\"" },
    { long: "timestamps", short: "t", type: "bool", desc: "Show timestamps" },
    { long: "until", type: "string", desc: "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)" },
  ],
  async run(ctx, p) {
    const c = await ctx.client();
    const name = q(p.args[0]!);
    await c.call("GET", `/containers/${name}/json`);
    const r = await c.call("GET", `/containers/${name}/logs`, {
      query: { stdout: 1, stderr: 1, follow: flag.bool(p, "follow") || undefined, timestamps: flag.bool(p, "timestamps") || undefined, tail: flag.str(p, "tail") ?? "all", since: sinceValue(flag.str(p, "since")), until: sinceValue(flag.str(p, "until")) },
    });
    if (r.body) await demux(r.body as unknown as AsyncIterable<Uint8Array>, r.headers.get("Content-Type") === RAW_STREAM, (s, d) => (s === 2 ? ctx.io.err(d) : ctx.io.out(d)));
  },
};

export const inspect: Verb = {
  name: "inspect", usage: "[OPTIONS] NAME|ID [NAME|ID...]", summary: "Return low-level information on Docker objects", min: 1,
  flags: [
    { long: "format", short: "f", type: "string", desc: "Format output using a custom template (Go template, or 'json')" },
    { long: "size", short: "s", type: "bool", desc: "Display total file sizes if the type is container" },
    { long: "type", type: "string", desc: "Only inspect objects of the given type (container, image, volume)" },
  ],
  async run(ctx, p) {
    const c = await ctx.client();
    const type = flag.str(p, "type");
    const found: unknown[] = [];
    const missing: string[] = [];
    for (const name of p.args) {
      const paths = [
        ...(!type || type === "container" ? [`/containers/${q(name)}/json${flag.bool(p, "size") ? "?size=1" : ""}`] : []),
        ...(!type || type === "image" ? [`/images/${name}/json`] : []),
        ...(!type || type === "volume" ? [`/volumes/${q(name)}`] : []),
      ];
      const obj = await _firstFound(ctx, c, paths);
      if (obj === undefined) missing.push(name);
      else found.push(obj);
    }
    return await printObjects(ctx.io, found, flag.str(p, "format"), missing.map((n) => `Error: No such object: ${n}`));
  },
};

async function _firstFound(_ctx: Ctx, c: Awaited<ReturnType<Ctx["client"]>>, paths: string[]): Promise<unknown> {
  for (const path of paths) {
    try {
      return await c.json("GET", path);
    } catch (err) {
      if (!(err instanceof DaemonError) || err.status !== 404) throw err;
    }
  }
  return undefined;
}

/**
 * `network inspect`, `volume inspect`: each name's object from `GET {path(name)}`, printed
 * as `printObjects` prints them, the names the engine does not know reported after them.
 */
export function inspectEach(noun: string, path: (name: string) => string): Verb {
  const upper = noun.toUpperCase();
  return {
    name: "inspect", usage: `[OPTIONS] ${upper} [${upper}...]`, summary: `Display detailed information on one or more ${noun}s`, min: 1,
    flags: [{ long: "format", short: "f", type: "string", desc: "Format output using a custom template (Go template, or 'json')" }],
    async run(ctx, p) {
      const c = await ctx.client();
      const found: unknown[] = [], errors: string[] = [];
      for (const n of p.args) {
        try {
          found.push(await c.json("GET", path(n)));
        } catch (err) {
          if (!(err instanceof DaemonError)) throw err;
          errors.push(err.response);
        }
      }
      return await printObjects(ctx.io, found, flag.str(p, "format"), errors);
    },
  };
}

/** inspect's output: an indented JSON array, or each object through --format; errors after it (exit 1). */
export async function printObjects(io: Io, objs: unknown[], format: string | undefined, errors: string[]): Promise<number> {
  if (format) await io.out(formatList(format === "json" ? "{{json .}}" : format, objs));
  else await io.out(`${JSON.stringify(objs, null, 4)}\n`);
  for (const e of errors) await io.err(`${e}\n`);
  return errors.length ? 1 : 0;
}

export const diff: Verb = {
  name: "diff", usage: "CONTAINER", summary: "Inspect changes to files or directories on a container's filesystem", min: 1, max: 1,
  aliases: ["strata container diff", "strata diff"],
  async run(ctx, p) {
    const changes = await (await ctx.client()).json<Array<{ Path: string; Kind: number }> | null>("GET", `/containers/${q(p.args[0]!)}/changes`);
    await ctx.io.out((changes ?? []).map((ch) => `${"CAD"[ch.Kind]} ${ch.Path}\n`).join(""));
  },
};

/** Stream a response body to a file (`-o`) or to stdout (never to a terminal). */
export async function writeBody(io: Io, body: ReadableStream<Uint8Array> | null, output: string | undefined, onChunk?: (b: Uint8Array) => void): Promise<void> {
  if (!output && io.stdoutTTY) throw new CliError("strata: cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
  const fd = output ? openSync(output, "w") : undefined;
  try {
    for await (const chunk of (body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      onChunk?.(chunk);
      if (fd === undefined) await io.out(chunk);
      else writeSync(fd, chunk);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export const exportVerb: Verb = {
  name: "export", usage: "[OPTIONS] CONTAINER", summary: "Export a container's filesystem as a tar archive", min: 1, max: 1,
  flags: [{ long: "output", short: "o", type: "string", desc: "Write to a file, instead of STDOUT" }], aliases: ["strata container export", "strata export"],
  async run(ctx, p) {
    const r = await (await ctx.client()).call("GET", `/containers/${q(p.args[0]!)}/export`);
    await writeBody(ctx.io, r.body, flag.str(p, "output"));
  },
};

/** "name:tag" → [repo, tag]; a registry port is not a tag. */
export function splitRef(ref: string): [string, string | undefined] {
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, undefined];
}

export const commit: Verb = {
  name: "commit", usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", summary: "Create a new image from a container's changes", min: 1, max: 2,
  aliases: ["strata container commit", "strata commit"],
  flags: [
    { long: "author", short: "a", type: "string", desc: "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")" },
    { long: "change", short: "c", type: "list", desc: "Apply Dockerfile instruction to the created image" },
    { long: "message", short: "m", type: "string", desc: "Commit message" },
    { long: "pause", short: "p", type: "bool", desc: "Pause container during commit", default: "true" },
  ],
  async run(ctx, p) {
    const [container, ref] = p.args;
    const [repo, tag] = ref ? splitRef(ref) : [undefined, undefined];
    const r = await (await ctx.client()).json<{ Id: string }>("POST", "/commit", {
      query: { container, repo, tag: repo ? tag ?? "latest" : undefined, comment: flag.str(p, "message") ?? "", author: flag.str(p, "author") ?? "", changes: flag.list(p, "change"), pause: p.flags["pause"] === false ? false : undefined },
    });
    await ctx.io.out(`${r.Id}\n`);
  },
};

export const rename: Verb = {
  name: "rename", usage: "CONTAINER NEW_NAME", summary: "Rename a container", min: 2, max: 2, aliases: ["strata container rename", "strata rename"],
  async run(ctx, p) {
    await (await ctx.client()).call("POST", `/containers/${q(p.args[0]!)}/rename`, { query: { name: p.args[1] } });
  },
};

export const containerPrune: Verb = {
  name: "prune", usage: "[OPTIONS]", summary: "Remove all stopped containers", max: 0,
  flags: [
    { long: "filter", type: "list", valueName: "filter", desc: "Provide filter values (e.g. \"until=<timestamp>\")" },
    { long: "force", short: "f", type: "bool", desc: "Do not prompt for confirmation" },
  ],
  async run(ctx, p) {
    const r = await (await ctx.client()).json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>("POST", "/containers/prune", { query: { filters: filtersQuery(flag.list(p, "filter")) } });
    const ids = r.ContainersDeleted ?? [];
    await ctx.io.out(`${ids.length ? `Deleted Containers:\n${ids.join("\n")}\n\n` : ""}Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  },
};
