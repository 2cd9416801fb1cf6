/**
 * Instruction flags (buildkit instructions/bflag.go): each instruction declares the flags it
 * takes — bool, string, or a repeatable string — and the words as written are checked
 * against them with Docker's messages ("unknown flag: --chwon (did you mean chown?)").
 */
import { LineError } from "./errors.ts";
import { withSuggestion } from "./_suggest.ts";

/** A flag's kind: `--link` / `--link=false`, `--from=x`, `--exclude=a --exclude=b`. */
export type FlagKind = "bool" | "string" | "strings";

/** The parsed values: bools as booleans, strings as strings, repeatables as arrays; absent flags absent. */
export type FlagValues = Record<string, boolean | string | string[]>;

/** Check `raw` (the `--name[=value]` words) against `spec`. Errors: Error with Docker's message. */
export function parseFlags(raw: readonly string[], spec: Record<string, FlagKind>): FlagValues {
  const out: FlagValues = {};
  for (const a of raw) {
    if (a === "--") break;
    if (!a.startsWith("--")) throw new LineError(`arg should start with -- : ${a}`);
    const eq = a.indexOf("=");
    const flagName = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? undefined : a.slice(eq + 1);
    const name = flagName.slice(2);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!kind) throw new LineError(withSuggestion(`unknown flag: ${flagName}`, name, Object.keys(spec), true));
    if (kind !== "strings" && Object.hasOwn(out, name)) throw new LineError(`duplicate flag specified: ${flagName}`);
    if (kind === "bool") {
      if (value === "") throw new LineError(`missing a value on flag: ${flagName}`);
      const v = (value ?? "true").toLowerCase();
      if (v !== "true" && v !== "false") throw new LineError(`expecting boolean value for flag ${flagName}, not: ${value}`);
      out[name] = v === "true";
      continue;
    }
    if (value === undefined) throw new LineError(`missing a value on flag: ${flagName}`);
    if (kind === "string") out[name] = value;
    else out[name] = [...((out[name] as string[] | undefined) ?? []), value];
  }
  return out;
}
