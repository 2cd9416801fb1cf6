/** STOPSIGNAL's check (moby/sys/signal ParseSignal on Linux): a number other than 0, or a name with or without SIG. */
import { LineError } from "./errors.ts";

const LINUX_SIGNALS = [
  "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT",
  "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ",
  "RTMIN", ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`), ...Array.from({ length: 14 }, (_, i) => `RTMAX-${14 - i}`), "RTMAX",
];
const NAMES = new Set(LINUX_SIGNALS);

/** Errors: LineError "Invalid signal: x". */
export function checkSignal(raw: string): void {
  if (/^[+-]?\d+$/.test(raw)) {
    if (Number(raw) === 0) throw new LineError(`Invalid signal: ${raw}`);
    return;
  }
  if (!NAMES.has(raw.toUpperCase().replace(/^SIG/, ""))) throw new LineError(`Invalid signal: ${raw}`);
}
