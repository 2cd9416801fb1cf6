/**
 * `strata update` (`strata container update`): a container's limits and restart policy,
 * as `docker update` sends them (POST /containers/{id}/update). Each container's name is
 * printed as it is updated, then the engine's warnings (a limit strata does not enforce, a
 * memory limit that waits for the next start), on stdout as the docker CLI prints them.
 */
import { type FlagDef, flag, type Parsed } from "./_args.ts";
import { CliError, type Verb } from "./_verb.ts";
import { DaemonError } from "./client.ts";
import { memoryBytes, restartPolicy } from "./verbs_run.ts";

const FLAGS: FlagDef[] = [
  { long: "cpu-shares", short: "c", type: "int", desc: "CPU shares (relative weight; not enforced by strata)" },
  { long: "cpus", type: "string", desc: "Number of CPUs (not enforced by strata)" },
  { long: "cpuset-cpus", type: "string", desc: "CPUs in which to allow execution (not enforced by strata)" },
  { long: "memory", short: "m", type: "string", valueName: "bytes", desc: "Memory limit (WebAssembly memory cap, from the next start)" },
  { long: "memory-reservation", type: "string", valueName: "bytes", desc: "Memory soft limit (not enforced by strata)" },
  { long: "memory-swap", type: "string", valueName: "bytes", desc: "Swap limit equal to memory plus swap: -1 to enable unlimited swap (not enforced by strata)" },
  { long: "pids-limit", type: "int", desc: "Tune container pids limit (not enforced by strata)" },
  { long: "restart", type: "string", desc: "Restart policy to apply when a container exits" },
];

/** `--cpus 1.5` → NanoCpus, as the docker CLI converts it. */
function nanoCpus(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`invalid argument "${v}" for "--cpus" flag: failed to parse ${v} as a rational number`, 125);
  return Math.round(n * 1e9);
}

/** The update body from the flags (only those given), as the docker CLI sends it. */
function updateBody(p: Parsed): Record<string, unknown> {
  const swap = flag.str(p, "memory-swap");
  const body: Record<string, unknown> = {
    Memory: memoryBytes(flag.str(p, "memory")), MemoryReservation: memoryBytes(flag.str(p, "memory-reservation")),
    MemorySwap: swap === "-1" ? -1 : memoryBytes(swap), NanoCpus: nanoCpus(flag.str(p, "cpus")),
    CpuShares: flag.int(p, "cpu-shares"), CpusetCpus: flag.str(p, "cpuset-cpus"), PidsLimit: flag.int(p, "pids-limit"),
    RestartPolicy: restartPolicy(flag.str(p, "restart")),
  };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

export const update: Verb = {
  name: "update", usage: "[OPTIONS] CONTAINER [CONTAINER...]", summary: "Update configuration of one or more containers", min: 1, flags: FLAGS,
  aliases: ["strata container update", "strata update"],
  async run(ctx, p) {
    const body = updateBody(p);
    if (Object.keys(body).length === 0) throw new CliError("strata: you must provide one or more flags when using this command", 1);
    const c = await ctx.client();
    const warnings: string[] = [];
    const failed: string[] = [];
    for (const name of p.args) {
      try {
        const r = await c.json<{ Warnings?: string[] | null }>("POST", `/containers/${encodeURIComponent(name)}/update`, { body });
        warnings.push(...(r.Warnings ?? []));
        await ctx.io.out(`${name}\n`);
      } catch (err) {
        if (!(err instanceof DaemonError)) throw err;
        failed.push(name);
        await ctx.io.err(`Error response from daemon: ${err.message}\n`);
      }
    }
    if (warnings.length) await ctx.io.out(`${warnings.join("\n")}\n`); // on stdout, after the names, as the docker CLI prints them
    return failed.length ? 1 : 0;
  },
};
