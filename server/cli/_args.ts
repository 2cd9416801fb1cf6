/** Docker-style argument parsing: --flag value, --flag=value, combined short flags (-it), repeated flags, "--". */

export interface FlagSpec {
  /** Flags that take a value, long and short names: { name: ["--name"], env: ["-e", "--env"] }. */
  values?: Record<string, string[]>;
  /** Boolean flags: { rm: ["--rm"], interactive: ["-i", "--interactive"] }. */
  bools?: Record<string, string[]>;
}

export interface Parsed {
  flags: Record<string, string[]>;
  bools: Record<string, boolean>;
  args: string[];
}

/** Parse until the first positional argument when `stopAtPositional` (so `run img cmd -x` keeps -x for cmd). */
export function parseArgs(argv: string[], spec: FlagSpec, stopAtPositional = false): Parsed {
  const out: Parsed = { flags: {}, bools: {}, args: [] };
  const byFlag = new Map<string, [string, boolean]>();
  for (const [k, names] of Object.entries(spec.values ?? {})) for (const n of names) byFlag.set(n, [k, true]);
  for (const [k, names] of Object.entries(spec.bools ?? {})) for (const n of names) byFlag.set(n, [k, false]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") { out.args.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith("-") || a === "-") {
      if (stopAtPositional) { out.args.push(...argv.slice(i)); break; }
      out.args.push(a);
      continue;
    }
    const [name, inline] = a.startsWith("--") ? (a.split("=", 2) as [string, string?]) : [a, undefined];
    const known = byFlag.get(name);
    if (known) {
      const [key, takes] = known;
      if (takes) (out.flags[key] ??= []).push(inline ?? argv[++i] ?? "");
      else out.bools[key] = inline === undefined ? true : inline !== "false";
      continue;
    }
    if (!a.startsWith("--") && a.length > 2) { // combined short flags: -it, -aq, or -p80
      for (let j = 1; j < a.length; j++) {
        const k = byFlag.get(`-${a[j]}`);
        if (!k) throw new Error(`unknown shorthand flag: '${a[j]}' in ${a}`);
        if (k[1]) { (out.flags[k[0]] ??= []).push(a.slice(j + 1) || argv[++i] || ""); break; }
        out.bools[k[0]] = true;
      }
      continue;
    }
    throw new Error(`unknown flag: ${name}`);
  }
  return out;
}
