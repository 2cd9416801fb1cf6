/**
 * The classic builder's texts as Go's fmt prints them, since they end up in image
 * history (`docker history` shows `CMD ["sh" "-c" "x"]`, `VOLUME [/data]`) and in the
 * build's output: `%q` of a string and of a []string, `%v` of a []string, a
 * time.Duration, and `%+v` of a *HealthConfig.
 */
import type { HealthConfig } from "../oci/mod.ts";

const ESCAPES: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\", '"': '\\"' };

/**
 * Go's strconv.Quote: double quotes, with `\n`-style escapes, `\xNN` for other control
 * bytes, and printable characters kept as they are.
 * @example goQuote('say "hi"\n') // '"say \\"hi\\"\\n"'
 */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if ((code >= 0x80 && code < 0xa0) || code === 0xfffd) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `%q` of a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[] | undefined): string {
  return `[${(list ?? []).map(goQuote).join(" ")}]`;
}

/** `%v` of a []string: `[a b]`. */
export function goList(list: readonly string[] | undefined): string {
  return `[${(list ?? []).join(" ")}]`;
}

const UNITS: Array<[number, string]> = [[1e6, "ms"], [1e3, "µs"], [1, "ns"]];

/**
 * Go's time.Duration.String() of a count of nanoseconds.
 * @example goDuration(90e9) // "1m30s"
 */
function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const n = Math.abs(ns);
  if (n < 1e9) {
    const [size, unit] = UNITS.find(([s]) => n >= s)!;
    return `${sign}${trimFraction(n / size)}${unit}`;
  }
  const h = Math.floor(n / 3600e9), m = Math.floor((n % 3600e9) / 60e9), s = (n % 60e9) / 1e9;
  return `${sign}${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${trimFraction(s)}s`;
}

function trimFraction(x: number): string {
  return x.toFixed(9).replace(/\.?0+$/, "");
}

/** `%+v` of a *HealthConfig, as `HEALTHCHECK` writes it into history. */
export function goHealthcheck(h: HealthConfig): string {
  const d = (v: number | undefined) => goDuration(v ?? 0);
  return `&{Test:${goList(h.Test)} Interval:${d(h.Interval)} Timeout:${d(h.Timeout)} StartPeriod:${d(h.StartPeriod)} ` +
    `StartInterval:${d(h.StartInterval)} Retries:${h.Retries ?? 0}}`;
}
