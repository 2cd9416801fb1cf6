/** Docker's human strings: durations ("About a minute"), container Status, and times. */

/** Go's zero time, which Docker prints for "never". */
const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * docker/go-units HumanDuration, as `docker ps` prints Status ("Up 5 minutes") and
 * CREATED ("2 hours ago"): seconds and minutes truncate, hours round to the nearest,
 * days, weeks and months are whole parts of the rounded hours, years of the exact ones.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** The Status column of `docker ps`. */
export function statusString(state: string, exitCode: number, startedAt: number, finishedAt: number, now = Date.now()): string {
  if (state === "running") return `Up ${humanDuration(now - startedAt)}`;
  if (state === "restarting") return `Restarting (${exitCode}) ${humanDuration(now - finishedAt)} ago`;
  if (state === "paused") return `Up ${humanDuration(now - startedAt)} (Paused)`;
  if (state === "exited") return `Exited (${exitCode}) ${humanDuration(now - finishedAt)} ago`;
  if (state === "removing") return "Removal In Progress";
  return "Created";
}

/** RFC 3339 with nanoseconds, as Docker prints times; ZERO_TIME for 0. */
export function isoTime(ms: number): string {
  if (!ms) return ZERO_TIME;
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** A random 64-hex id, like Docker's container and exec ids. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
