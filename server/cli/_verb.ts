/**
 * What a verb is (usage line, summary, flags, argument counts, its run function or its
 * sub-commands), its --help text laid out as the docker CLI's, and running one with
 * Docker's exit statuses: 125 for a flag error or a strata failure, 1 for a wrong
 * argument count or an error the engine answered, else what the verb returns. A verb
 * may be a reference (`lazy`): its name and the module that has it, loaded when it runs
 * or when a help lists it.
 */
import { type FlagDef, formatOptions, type Parsed, parseArgs, UsageError } from "./_args.ts";
import type { Client } from "./client.ts";
import type { Io } from "./_io.ts";

export interface Ctx {
  io: Io;
  /**
   * The engine connection, opened on first use; `persistent` when containers must outlive
   * the command; `programs` when the command runs one (an engine in this process starts
   * its worker at once, in parallel with the rest).
   */
  client(o?: { persistent?: boolean; programs?: boolean }): Promise<Client>;
  /** The global options (for serve). */
  global: { host?: string; home?: string };
}

export interface Verb {
  name: string;
  /** After the command path: "[OPTIONS] CONTAINER [CONTAINER...]". */
  usage: string;
  summary: string;
  flags?: FlagDef[];
  min?: number;
  max?: number;
  /** Flags only before the first positional (run, create, exec). */
  interspersed?: boolean;
  aliases?: string[];
  sub?: Array<Verb | VerbRef>;
  run?(ctx: Ctx, p: Parsed): Promise<number | void>;
}

/** A verb known by name, whose code is loaded on first use (`loadVerb`). */
export interface VerbRef {
  name: string;
  load(): Promise<Verb>;
}

/**
 * The verb `name`, which `load` imports; under another name than its own it takes `name`
 * (`container ls` is `ps`). `lazy("run", () => import("./verbs_run.ts").then((m) => m.run))`.
 */
export function lazy(name: string, load: () => Promise<Verb>): VerbRef {
  let verb: Promise<Verb> | undefined;
  return { name, load: () => (verb ??= load().then((v) => (v.name === name ? v : { ...v, name }))) };
}

/** The verb itself, its module loaded if it is a reference. */
export async function loadVerb(v: Verb | VerbRef): Promise<Verb> {
  return "load" in v ? await v.load() : v;
}

/** A failure the verb already described; `code` is the exit status. */
export class CliError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

/** The --help text; a group's sub-commands must be loaded (`loadVerb`) for their summaries. */
export function helpText(v: Verb, path: string): string {
  const parts = [`\nUsage:  ${path} ${v.usage}\n`, `${v.summary}\n`];
  if (v.aliases?.length) parts.push(`Aliases:\n  ${v.aliases.join(", ")}\n`);
  if (v.sub) {
    const subs = v.sub as Verb[];
    const w = Math.max(...subs.map((s) => s.name.length));
    parts.push(`Commands:\n${subs.map((s) => `  ${s.name.padEnd(w)}   ${s.summary.split("\n")[0]}`).join("\n")}\n`);
    parts.push(`Run '${path} COMMAND --help' for more information on a command.\n`);
  } else if (v.flags?.length) parts.push(`Options:\n${formatOptions(v.flags)}\n`);
  return parts.join("\n");
}

/** Run `v` on its arguments; resolves with the exit status (errors are printed here). */
export async function runVerb(ctx: Ctx, v: Verb, path: string, argv: string[]): Promise<number> {
  if (v.sub) {
    const name = argv[0];
    const all = async () => await Promise.all(v.sub!.map(loadVerb));
    if (!name || name === "--help" || name === "-h") return await _say(ctx, helpText({ ...v, sub: await all() }, path), 0);
    const byName = v.sub.find((s) => s.name === name);
    // An alias (`container list`) is known to the verb itself: then the group's verbs are loaded.
    const sub = byName ? await loadVerb(byName) : (await all()).find((s) => s.aliases?.includes(`${path} ${name}`));
    if (!sub) return await _say(ctx, `strata: unknown command: ${path} ${name}\n\nRun '${path} --help' for more information\n`, 1, true);
    return await runVerb(ctx, sub, `${path} ${sub.name}`, argv.slice(1));
  }
  let p: Parsed;
  try {
    p = parseArgs(argv, v.flags ?? [], { interspersed: v.interspersed });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return await _say(ctx, `${err.message}\n\nUsage:  ${path} ${v.usage}\n\nRun '${path} --help' for more information\n`, 125, true);
  }
  if (p.help) return await _say(ctx, helpText(v, path), 0);
  const countError = _countError(v, p.args.length);
  if (countError) return await _say(ctx, `strata: '${path}' ${countError}\n\nUsage:  ${path} ${v.usage}\n\nSee '${path} --help' for more information\n`, 1, true);
  return (await v.run!(ctx, p)) ?? 0;
}

function _countError(v: Verb, n: number): string | undefined {
  const s = (k: number) => (k === 1 ? "argument" : "arguments");
  if (v.min !== undefined && v.min === v.max && n !== v.min) return `requires exactly ${v.min} ${s(v.min)}`;
  if (v.min !== undefined && n < v.min) return `requires at least ${v.min} ${s(v.min)}`;
  if (v.max !== undefined && n > v.max) return v.max === 0 ? "accepts no arguments" : `requires at most ${v.max} ${s(v.max)}`;
  return undefined;
}

async function _say(ctx: Ctx, text: string, code: number, toErr = false): Promise<number> {
  await (toErr ? ctx.io.err(text) : ctx.io.out(text.replace(/^\n/, "")));
  return code;
}
