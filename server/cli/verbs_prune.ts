/**
 * `strata system prune`, as the docker CLI's: the same confirmation, then the prune
 * endpoints in Docker's order (containers, networks, volumes with --volumes, images,
 * build cache), each section's "Deleted …:" list, and one "Total reclaimed space".
 * `--filter until=…` / `label=…` go to every prune (`until` not with --volumes, as
 * Docker refuses it there).
 */
import { flag } from "./_args.ts";
import { humanSize } from "./_format.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";
import type { Client } from "./client.ts";
import { filtersQuery } from "./verbs_containers.ts";

type Deleted = Array<{ Untagged?: string; Deleted?: string }> | null;

/** One prune call: its reclaimed bytes and its section of the output ("" when it deleted nothing). */
type Prune = (c: Client, filters: string[], all: boolean) => Promise<[number, string]>;

const section = (title: string, items: string[]) => (items.length ? `${title}:\n${items.map((i) => `${i}\n`).join("")}` : "");
const query = (filters: string[]) => ({ filters: filtersQuery(filters) });

const containers: Prune = async (c, f) => {
  const r = await c.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>("POST", "/containers/prune", { query: query(f) });
  return [r.SpaceReclaimed, section("Deleted Containers", r.ContainersDeleted ?? [])];
};
const networks: Prune = async (c, f) => {
  const r = await c.json<{ NetworksDeleted: string[] | null }>("POST", "/networks/prune", { query: query(f) });
  return [0, section("Deleted Networks", r.NetworksDeleted ?? [])];
};
const volumes: Prune = async (c, f) => {
  const r = await c.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>("POST", "/volumes/prune", { query: query(f) });
  return [r.SpaceReclaimed, section("Deleted Volumes", r.VolumesDeleted ?? [])];
};
const images: Prune = async (c, f, all) => {
  const r = await c.json<{ ImagesDeleted: Deleted; SpaceReclaimed: number }>("POST", "/images/prune", { query: query([...f, `dangling=${!all}`]) });
  const items = (r.ImagesDeleted ?? []).flatMap((i) => [...(i.Untagged ? [`untagged: ${i.Untagged}`] : []), ...(i.Deleted ? [`deleted: ${i.Deleted}`] : [])]);
  return [r.SpaceReclaimed, section("Deleted Images", items)];
};
const buildCache: Prune = async (c, f, all) => {
  const r = await c.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>("POST", "/build/prune", { query: { ...query(f), all: all || undefined } });
  return [r.SpaceReclaimed, section("Deleted build cache objects", r.CachesDeleted ?? [])];
};

/** The docker CLI's confirmation text for system prune. */
function warning(o: { all: boolean; volumes: boolean; filters: string[] }): string {
  const items = [
    "all stopped containers", "all networks not used by at least one container",
    ...(o.volumes ? ["all anonymous volumes not used by at least one container"] : []),
    o.all ? "all images without at least one container associated to them" : "all dangling images",
    o.all ? "all build cache" : "unused build cache",
  ];
  const filters = o.filters.length ? `\n  Items to be pruned will be filtered with:\n${o.filters.map((f) => `  - ${f}\n`).join("")}` : "";
  return `WARNING! This will remove:\n${items.map((i) => `  - ${i}\n`).join("")}${filters}\nAre you sure you want to continue? [y/N] `;
}

async function confirm(ctx: Ctx, prompt: string): Promise<boolean> {
  await ctx.io.out(prompt);
  const dec = new TextDecoder();
  let line = "";
  for await (const chunk of ctx.io.stdin()) {
    line += dec.decode(chunk);
    if (line.includes("\n")) break;
  }
  return /^y(es)?$/i.test(line.trim());
}

export const systemPrune: Verb = {
  name: "prune", usage: "[OPTIONS]", summary: "Remove unused data", max: 0,
  flags: [
    { long: "all", short: "a", type: "bool", desc: "Remove all unused images not just dangling ones" },
    { long: "filter", type: "list", valueName: "filter", desc: "Provide filter values (e.g. \"label=<key>=<value>\")" },
    { long: "force", short: "f", type: "bool", desc: "Do not prompt for confirmation" },
    { long: "volumes", type: "bool", desc: "Prune anonymous volumes" },
  ],
  async run(ctx, p) {
    const o = { all: flag.bool(p, "all"), volumes: flag.bool(p, "volumes"), filters: flag.list(p, "filter") };
    if (o.volumes && o.filters.some((f) => f.startsWith("until="))) throw new CliError(`ERROR: The "until" filter is not supported with "--volumes"`, 125);
    if (!flag.bool(p, "force") && !(await confirm(ctx, warning(o)))) return 0;
    const c = await ctx.client();
    let reclaimed = 0;
    for (const prune of [containers, networks, ...(o.volumes ? [volumes] : []), images, buildCache]) {
      const [bytes, out] = await prune(c, o.filters, o.all);
      reclaimed += bytes;
      if (out) await ctx.io.out(`${out}\n`);
    }
    await ctx.io.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
