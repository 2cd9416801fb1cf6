/**
 * `strata network`: ls and inspect show Docker's predefined networks (bridge, host, none)
 * as the docker CLI shows them; create, connect, disconnect and rm send the request and
 * print the engine's answer (strata containers have no network: src/api/_networks.ts);
 * prune has nothing to delete.
 */
import { flag } from "./_args.ts";
import { formatList } from "./_template.ts";
import type { Verb } from "./_verb.ts";
import { DaemonError } from "./client.ts";
import { filtersQuery, inspectEach } from "./verbs_containers.ts";

const q = encodeURIComponent;
type Network = { Id: string; Name: string; Driver: string; Scope: string; Created: string; Internal: boolean; EnableIPv6: boolean; Labels: Record<string, string> | null };

const NETWORK_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";

/** A verb that sends one request per argument and prints each argument, or the engine's error. */
function eachArgument(name: string, usage: string, summary: string, request: (arg: string, args: string[]) => [method: string, path: string, body?: unknown]): Verb {
  return {
    name, usage, summary, min: 1,
    async run(ctx, p) {
      const c = await ctx.client();
      const targets = name === "connect" || name === "disconnect" ? [p.args[0]!] : p.args;
      let failed = 0;
      for (const arg of targets) {
        const [method, path, body] = request(arg, p.args);
        try {
          await c.call(method, path, body === undefined ? {} : { body });
          if (name === "rm") await ctx.io.out(`${arg}\n`);
        } catch (err) {
          if (!(err instanceof DaemonError)) throw err;
          failed++;
          await ctx.io.err(`${err.response}\n`);
        }
      }
      return failed ? 1 : 0;
    },
  };
}

export const network: Verb = {
  name: "network", usage: "COMMAND", summary: "Manage networks",
  sub: [
    {
      name: "ls", usage: "[OPTIONS]", summary: "List networks", max: 0, aliases: ["strata network list"],
      flags: [
        { long: "filter", short: "f", type: "list", valueName: "filter", desc: "Provide filter values (e.g. \"driver=bridge\")" },
        { long: "format", type: "string", desc: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or 'TEMPLATE' (Go template)" },
        { long: "no-trunc", type: "bool", desc: "Do not truncate the output" },
        { long: "quiet", short: "q", type: "bool", desc: "Only display network IDs" },
      ],
      async run(ctx, p) {
        const nets = await (await ctx.client()).json<Network[]>("GET", "/networks", { query: { filters: filtersQuery(flag.list(p, "filter")) } });
        nets.sort((a, b) => a.Name.localeCompare(b.Name));
        const id = (n: Network) => (flag.bool(p, "no-trunc") ? n.Id : n.Id.slice(0, 12));
        if (flag.bool(p, "quiet")) return void await ctx.io.out(nets.map((n) => `${id(n)}\n`).join(""));
        const views = nets.map((n) => ({ ...n, ID: id(n), IPv6: String(n.EnableIPv6), Internal: String(n.Internal), Labels: Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(",") }));
        await ctx.io.out(formatList(flag.str(p, "format") ?? NETWORK_TABLE, views, { headers: { ID: "NETWORK ID" }, defaultTable: NETWORK_TABLE }));
      },
    },
    inspectEach("network", (n) => `/networks/${q(n)}`),
    eachArgument("create", "[OPTIONS] NETWORK", "Create a network", (name) => ["POST", "/networks/create", { Name: name }]),
    eachArgument("connect", "[OPTIONS] NETWORK CONTAINER", "Connect a container to a network", (net, args) => ["POST", `/networks/${q(net)}/connect`, { Container: args[1] ?? "" }]),
    eachArgument("disconnect", "[OPTIONS] NETWORK CONTAINER", "Disconnect a container from a network", (net, args) => ["POST", `/networks/${q(net)}/disconnect`, { Container: args[1] ?? "" }]),
    eachArgument("rm", "NETWORK [NETWORK...]", "Remove one or more networks", (net) => ["DELETE", `/networks/${q(net)}`]),
    {
      name: "prune", usage: "[OPTIONS]", summary: "Remove all unused networks", max: 0,
      flags: [
        { long: "filter", type: "list", valueName: "filter", desc: "Provide filter values (e.g. \"until=<timestamp>\")" },
        { long: "force", short: "f", type: "bool", desc: "Do not prompt for confirmation" },
      ],
      async run(ctx, p) {
        // Nothing to prompt for: the predefined networks are never pruned, and there are no others.
        const r = await (await ctx.client()).json<{ NetworksDeleted: string[] | null }>("POST", "/networks/prune", { query: { filters: filtersQuery(flag.list(p, "filter")) } });
        const names = r.NetworksDeleted ?? [];
        if (names.length) await ctx.io.out(`Deleted Networks:\n${names.join("\n")}\n`);
      },
    },
  ],
};
