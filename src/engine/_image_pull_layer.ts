/**
 * One layer of a pull: its blob streamed from the registry through the blob's sha256 and
 * size check, the gunzip (the platform's inflater) and the diffId hash at once, so the
 * compressed bytes are dropped as they inflate and the layer is held once, uncompressed;
 * then indexed and checked as a loaded layer is. Progress per layer in moby's words.
 */
import { checkLayerEntries, DigestMismatchError, DOCKER_LAYER, DOCKER_LAYER_GZIP, OCI_LAYER, OCI_LAYER_GZIP, type RegistryClient, sha256 } from "../oci/mod.ts";
import { gunzip, indexTar, readAll, UnsupportedMediaTypeError } from "../tar/mod.ts";
import type { BlobWriter } from "../store/mod.ts";
import { invalid } from "./errors.ts";
import type { ProgressMessage, PullContext } from "./_image_pull.ts";
import type { RemoteReference } from "./reference.ts";

/** Progress is reported at most every this many bytes of a layer (Docker's bar moves about as often). */
const PROGRESS_STEP = 512 * 1024;

/**
 * Download one layer blob: verified, inflated and hashed as it arrives, then indexed
 * and checked as a loaded layer is. Returns the uncompressed tar.
 */
export async function downloadLayer(client: RegistryClient, ctx: PullContext, r: RemoteReference, desc: { digest: string; size: number; mediaType: string }, diffId: string, p: { name: string; id: string; say: (m: ProgressMessage) => void; writer?: BlobWriter }): Promise<Uint8Array> {
  const what = `layer ${desc.digest} of ${p.name}`;
  const gz = desc.mediaType === OCI_LAYER_GZIP || desc.mediaType === DOCKER_LAYER_GZIP;
  if (!gz && desc.mediaType !== OCI_LAYER && desc.mediaType !== DOCKER_LAYER) {
    if (/nondistributable|foreign/.test(desc.mediaType)) throw invalid(`Cannot pull ${p.name}: ${what} is a foreign layer (${desc.mediaType}), which strata does not download`);
    throw new UnsupportedMediaTypeError(what, desc.mediaType);
  }
  let shown = 0;
  const onBytes = (n: number) => {
    if (n - shown < PROGRESS_STEP && n < desc.size) return;
    shown = n;
    p.say({ status: "Downloading", progressDetail: { current: n, total: desc.size }, id: p.id });
  };
  const blob = client.blob(r.path, desc, { action: `Cannot pull ${p.name}`, sha256Hasher: ctx.platform.sha256Hasher, sha256: ctx.platform.sha256, onBytes });
  const source = watch(blob);
  const diff = gz ? ctx.platform.sha256Hasher?.() : undefined;
  const writer = p.writer;
  // Each piece of the layer is hashed for its diffId and handed to the store's writer (gunzip's pieces are not reused).
  const onData = diff || writer ? (piece: Uint8Array) => (diff?.update(piece), writer?.write(piece)) : undefined;
  let tar: Uint8Array;
  try {
    tar = gz
      ? await gunzip(source.stream, { name: what, maxBytes: ctx.maxLayerBytes, account: ctx.account, inflater: ctx.platform.inflater, collectHint: ctx.platform.collectHint, sizeHint: desc.size * 4, onData })
      : await readAll(source.stream, { name: what, maxBytes: desc.size, sizeHint: desc.size });
  } catch (err) {
    // A limit (the layer cap, the load budget) ends the download at once; otherwise the
    // blob's own error (a wrong digest, a cut connection) is what went wrong, not the
    // gzip error its bytes caused, so the rest of the blob is read to see it.
    if (err instanceof RangeError) {
      await source.cancel();
      throw err;
    }
    throw (await source.failure()) ?? err;
  }
  if (!gz) {
    ctx.account?.reserve(tar.length);
    writer?.write(tar);
  }
  p.say({ status: "Verifying Checksum", progressDetail: {}, id: p.id });
  p.say({ status: "Download complete", progressDetail: {}, id: p.id });
  p.say({ status: "Extracting", progressDetail: { current: desc.size, total: desc.size }, id: p.id });
  const actual = !gz ? desc.digest : diff ? diff.digest() : await (ctx.platform.sha256 ?? sha256)(tar);
  if (actual !== diffId) throw new DigestMismatchError(`${what} (uncompressed, against the config's diff_ids)`, diffId, actual);
  checkLayerEntries(indexTar(tar, { name: what }), what);
  return tar;
}

/**
 * A stream passed on to gunzip that remembers its source's error; `failure()` then reads
 * what gunzip left of the blob, so a blob that is wrong is reported as a wrong blob even
 * when its bad bytes broke the inflation first.
 */
function watch(blob: ReadableStream<Uint8Array>): { stream: ReadableStream<Uint8Array>; failure(): Promise<unknown>; cancel(): Promise<void> } {
  const reader = blob.getReader();
  let error: unknown, ended = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        error = err;
        return c.error(err);
      }
      // gunzip reads one chunk ahead: after it has cancelled, that chunk has nowhere to go.
      if (r.done) (ended = true), c.close();
      else c.enqueue(r.value);
    },
    // gunzip cancels what it stops reading; the rest is read by failure() below.
  }, { highWaterMark: 0 });
  return {
    stream,
    async cancel() {
      await reader.cancel().catch((e: unknown) => void e); // the limit's error is the one reported
    },
    async failure() {
      if (error !== undefined || ended) return error;
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read());
      } catch (err) {
        return err;
      }
      return undefined;
    },
  };
}
