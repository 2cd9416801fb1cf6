/** The disk store for Node and Deno (STRATA_HOME), where a home is (home.ts: light, for the CLI), and the node:crypto digest it uses (and runtimeHost hands the engine). */
export { BatchRestoreError, DiskStore, type DiskStoreOptions } from "./disk_store.ts";
export { defaultHome, SERVER_URL_FILE, StoreLockedError } from "./home.ts";
export { nodeSha256, nodeSha256Hasher } from "./node_digest.ts";
