/** The disk store for Node and Deno (STRATA_HOME), and the node:crypto digest it uses (and runtimeHost hands the engine). */
export { BatchRestoreError, defaultHome, DiskStore, type DiskStoreOptions, SERVER_URL_FILE, StoreLockedError } from "./disk_store.ts";
export { nodeSha256, nodeSha256Hasher } from "./node_digest.ts";
