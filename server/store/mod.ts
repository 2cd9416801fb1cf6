/** The disk store for Node and Deno (STRATA_HOME). */
export { defaultHome, DiskStore, StoreLockedError } from "./disk_store.ts";
