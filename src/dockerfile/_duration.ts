/** Go's time.ParseDuration ("1m30s", "1.5h", "300ms"), which HEALTHCHECK's options use; nanoseconds as a number. */
import { LineError } from "./errors.ts";

const UNITS: Record<string, number> = { ns: 1, us: 1e3, "\u00b5s": 1e3, "\u03bcs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const MAX_NS = 2 ** 63 - 1;

/** Parse a Go duration. Errors: Error with Go's message (`time: invalid duration "x"`, `time: missing unit in duration "5"`). */
export function parseGoDuration(orig: string): number {
  const invalid = () => new LineError(`time: invalid duration ${JSON.stringify(orig)}`);
  let s = orig;
  let neg = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw invalid();
  let total = 0;
  while (s) {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    const [whole, int = "", frac] = m;
    if (!int && !frac) throw invalid();
    s = s.slice(whole.length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (!unit) throw new LineError(`time: missing unit in duration ${JSON.stringify(orig)}`);
    s = s.slice(unit.length);
    const scale = UNITS[unit];
    if (scale === undefined) throw new LineError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(orig)}`);
    total += Number(int || "0") * scale + Math.trunc(Number(`0.${frac ?? ""}`) * scale);
    if (total > MAX_NS) throw invalid();
  }
  return neg ? -total : total;
}
