/**
 * The records an engine reads when it opens a store, checked before it uses them. A
 * record that is not what the engine wrote, or an image that names a blob the store does
 * not hold (or a config that no longer verifies), is set aside with `store.quarantine`
 * and so reported in `docker info`'s Warnings; everything else opens as before. This is
 * the engine's half of "no input leaves a store that will not open" (DESIGN.md, security
 * model); the store's half sets aside what it cannot read at all.
 */
import { DigestMismatchError, parseConfig } from "../oci/mod.ts";
import type { Store } from "../store/mod.ts";
import { isInvalidReference, normalizeReference } from "./reference.ts";

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const STATUSES = new Set(["created", "running", "paused", "restarting", "removing", "exited", "dead"]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
/** Keys in messages: a hostile one may be long. */
const shown = (key: string) => JSON.stringify(key.length > 80 ? `${key.slice(0, 77)}...` : key);

/** Check image, tag, layer, volume and container records; set aside the ones that cannot be used. */
export async function checkRecords(store: Store): Promise<void> {
  const blobs = new Set(await store.listBlobs());
  const images = new Set<string>();
  for (const [key, rec] of await store.listRecords<unknown>("image")) {
    const why = await imageProblem(store, key, rec, blobs);
    if (why) await store.quarantine("image", key, why);
    else images.add(key);
  }
  for (const [key, rec] of await store.listRecords<unknown>("tag")) {
    const why = tagProblem(key, rec, images);
    if (why) await store.quarantine("tag", key, why);
  }
  for (const [key, rec] of await store.listRecords<unknown>("layer")) {
    const why = !isObj(rec) || typeof rec["diffId"] !== "string" || typeof rec["size"] !== "number"
      ? `layer ${shown(key)} is not a layer record`
      : !blobs.has(rec["diffId"]) ? `layer ${shown(key)} names blob ${rec["diffId"]}, which is not in the store` : undefined;
    if (why) await store.quarantine("layer", key, why);
  }
  for (const [key, rec] of await store.listRecords<unknown>("volume")) {
    if (!isObj(rec) || rec["Name"] !== key) await store.quarantine("volume", key, `volume ${shown(key)} is not a volume record`);
  }
  for (const [key, rec] of await store.listRecords<unknown>("container")) {
    const why = containerProblem(key, rec);
    if (why) await store.quarantine("container", key, why);
  }
}

async function imageProblem(store: Store, key: string, rec: unknown, blobs: ReadonlySet<string>): Promise<string | undefined> {
  if (!isObj(rec) || rec["id"] !== key || !DIGEST_RE.test(key) || !strings(rec["diffIds"]) || !strings(rec["chainIds"])
    || !Array.isArray(rec["layerSizes"]) || rec["diffIds"].length !== rec["chainIds"].length || rec["diffIds"].length !== rec["layerSizes"].length) {
    return `image ${shown(key)} is not an image record`;
  }
  const missing = [key, ...rec["diffIds"]].find((d) => !blobs.has(d));
  if (missing) return `image ${key} names blob ${missing}, which is not in the store`;
  try {
    parseConfig((await store.getBlob(key))!, `config ${key}`);
  } catch (err) {
    if (err instanceof DigestMismatchError || err instanceof SyntaxError) return `image ${key}: its config cannot be used (${err.message})`;
    throw err;
  }
  return undefined;
}

function tagProblem(key: string, rec: unknown, images: ReadonlySet<string>): string | undefined {
  const id = isObj(rec) ? rec["id"] : undefined;
  if (typeof id !== "string") return `tag ${shown(key)} is not a tag record`;
  try {
    if (normalizeReference(key) !== key) return `tag ${shown(key)} is not a normalized reference`;
  } catch (err) {
    if (!isInvalidReference(err)) throw err;
    return `tag ${shown(key)} is not a valid reference (${err.message})`;
  }
  return images.has(id) ? undefined : `tag ${shown(key)} names image ${shown(id)}, which is not in the store`;
}

function containerProblem(key: string, rec: unknown): string | undefined {
  const ok = isObj(rec) && rec["Id"] === key && typeof rec["Name"] === "string" && typeof rec["Image"] === "string"
    && typeof rec["ImageID"] === "string" && strings(rec["Layers"]) && isObj(rec["Config"]) && isObj(rec["HostConfig"])
    && isObj(rec["State"]) && STATUSES.has(rec["State"]["Status"] as string);
  return ok ? undefined : `container ${shown(key)} is not a container record`;
}
