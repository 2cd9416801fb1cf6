/** Docker's human strings: durations ("About a minute"), container Status, and times. */

/** Go's zero time, which Docker prints for "never". */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** docker/go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** The Status column of `docker ps`. */
export function statusString(state: string, exitCode: number, startedAt: number, finishedAt: number, now = Date.now()): string {
  if (state === "running") return `Up ${humanDuration(now - startedAt)}`;
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
