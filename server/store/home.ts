/**
 * Where a store lives (STRATA_HOME, else the XDG data directory), the name of the file
 * in it that holds a running server's address, and the error that says another engine
 * owns it. Apart from disk_store.ts so that the CLI can find a home and its server
 * without loading the store's code.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** The file in a home that holds the address of the API server owning that store while it runs. */
export const SERVER_URL_FILE = "server.url";

export function defaultHome(): string {
  return process.env["STRATA_HOME"] || join(process.env["XDG_DATA_HOME"] || join(homedir(), ".local", "share"), "strata");
}

/** The home is owned by another live process. */
export class StoreLockedError extends Error {
  constructor(readonly home: string, readonly pid: number) {
    super(`Cannot open ${home}: it is in use by another strata engine (pid ${pid}); stop it or use another STRATA_HOME`);
  }
}
