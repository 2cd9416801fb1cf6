/**
 * Docker-style argument parsing (the rules of spf13/pflag as the docker CLI sets them
 * up): `--flag value`, `--flag=value`, `-f value`, `-fvalue`, combined short flags
 * (`-it`, `-aq`, `-dit`), booleans that take `=false`, repeated list flags
 * (`-e A -e B`), `--` ending the flags, `-` as a positional, and for run/create/exec
 * flags only before the first positional (so `run img sh -c x` keeps `-c` for sh).
 */

type FlagType = "bool" | "string" | "list" | "int";

export interface FlagDef {
  /** Long name without dashes: "force". */
  long: string;
  /** One letter: "f". */
  short?: string;
  type: FlagType;
  /** One line for --help (the value's name comes from the type unless `valueName` is given). */
  desc: string;
  valueName?: string;
  /** Shown as "(default …)" in --help. */
  default?: string;
}

export interface Parsed {
  /** Flag values by long name: booleans as true/false, strings as their last value, lists as arrays. */
  flags: Record<string, boolean | string | string[] | number>;
  args: string[];
  help: boolean;
}

/** A command-line mistake (exit status 125, as the docker CLI's flag errors). */
export class UsageError extends Error {
  constructor(message: string, readonly code = 125) {
    super(message);
  }
}

const HELP: FlagDef = { long: "help", type: "bool", desc: "Print usage" };

/**
 * Parse `argv` against `defs`. With `interspersed: false` the first positional ends the
 * flags. Errors: UsageError "unknown flag: --x", "unknown shorthand flag: 'x' in -x",
 * "flag needs an argument: --x", "invalid argument "v" for "-n, --last" flag: …".
 */
export function parseArgs(argv: readonly string[], defs: readonly FlagDef[], o: { interspersed?: boolean } = {}): Parsed {
  const byLong = new Map(defs.map((d) => [d.long, d]));
  const byShort = new Map(defs.filter((d) => d.short).map((d) => [d.short!, d]));
  if (!byLong.has("help")) byLong.set("help", HELP);
  if (!byShort.has("h")) byShort.set("h", HELP);
  const out: Parsed = { flags: {}, args: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") { out.args.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith("-") || a === "-") {
      if (o.interspersed === false) { out.args.push(...argv.slice(i)); break; }
      out.args.push(a);
      continue;
    }
    const next = () => (i + 1 < argv.length ? argv[++i]! : undefined);
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const def = byLong.get(name);
      if (!def) throw new UsageError(`unknown flag: --${name}`);
      const inline = eq < 0 ? undefined : a.slice(eq + 1);
      _set(out, def, def.type === "bool" ? inline : inline ?? next(), `--${name}`);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const def = byShort.get(a[j]!);
      if (!def) throw new UsageError(`unknown shorthand flag: '${a[j]}' in ${a}`);
      if (def.type === "bool") {
        const inline = a[j + 1] === "=" ? a.slice(j + 2) : undefined;
        _set(out, def, inline, `'${a[j]}' in ${a}`);
        if (inline !== undefined) break;
        continue;
      }
      const rest = a.slice(j + 1).replace(/^=/, "");
      _set(out, def, rest !== "" ? rest : next(), `'${a[j]}' in ${a}`);
      break;
    }
  }
  return out;
}

function _set(out: Parsed, def: FlagDef, value: string | undefined, shown: string): void {
  if (def.long === "help") { out.help = true; return; }
  if (def.type === "bool") {
    if (value !== undefined && !/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(value)) {
      throw new UsageError(`invalid argument "${value}" for "${_names(def)}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
    }
    out.flags[def.long] = value === undefined || /^(true|1|t|TRUE|True)$/.test(value);
    return;
  }
  if (value === undefined) throw new UsageError(`flag needs an argument: ${shown}`);
  if (def.type === "int") {
    if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid argument "${value}" for "${_names(def)}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
    out.flags[def.long] = Number(value);
  } else if (def.type === "list") {
    ((out.flags[def.long] ??= []) as string[]).push(value);
  } else {
    out.flags[def.long] = value;
  }
}

function _names(def: FlagDef): string {
  return def.short ? `-${def.short}, --${def.long}` : `--${def.long}`;
}

/** Typed reads of a parse result. */
export const flag = {
  bool: (p: Parsed, name: string): boolean => p.flags[name] === true,
  str: (p: Parsed, name: string): string | undefined => p.flags[name] as string | undefined,
  list: (p: Parsed, name: string): string[] => (p.flags[name] as string[] | undefined) ?? [],
  int: (p: Parsed, name: string): number | undefined => p.flags[name] as number | undefined,
};

/**
 * The "Options:" block of --help, laid out as cobra does: names in a column, the value
 * name from the type, descriptions aligned three spaces after the widest.
 */
export function formatOptions(defs: readonly FlagDef[]): string {
  const rows = [...defs].sort((a, b) => a.long.localeCompare(b.long)).map((d) => {
    const value = d.valueName ?? (d.type === "bool" ? "" : d.type === "int" ? "int" : d.type);
    const names = `${d.short ? `-${d.short}, ` : "    "}--${d.long}${value ? ` ${value}` : ""}`;
    const dflt = d.default !== undefined ? ` (default ${d.default})` : "";
    return [names, d.desc + dflt] as const;
  });
  const w = Math.max(...rows.map(([n]) => n.length));
  return rows.map(([n, d]) => `  ${n.padEnd(w)}   ${d}`).join("\n");
}
