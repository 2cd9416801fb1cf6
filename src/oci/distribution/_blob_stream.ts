/**
 * A blob as a stream whose bytes are checked as they pass: their count against the
 * descriptor's size (more is refused at once, less is an error at the end) and their
 * sha256 against its digest (an error in place of the end, so a reader never sees a
 * wrong blob end cleanly). A connection that drops midway is opened again from where
 * it stopped with `Range: bytes=N-`; a registry that answers 206 sends the rest, one
 * that answers 200 sends it all again and the part already passed is skipped (a
 * restart that costs the bytes again, but never a second copy downstream).
 */
import { DigestMismatchError, type Sha256Hasher, type Sha256Impl, sha256 } from "../digest.ts";
import { RegistryError, responseError } from "./errors.ts";
import { describeFailure, type Transport } from "./_transport.ts";

export interface BlobReadOptions {
  /** An incremental SHA-256; without one the blob's pieces are kept and hashed at the end (WebCrypto has none). */
  sha256Hasher?: () => Sha256Hasher;
  sha256?: Sha256Impl;
  /** Bytes received so far, after each piece. */
  onBytes?: (received: number) => void;
}

/** Collects pieces when the platform has no incremental hasher. */
class WholeHasher implements Sha256Hasher {
  readonly #pieces: Uint8Array[] = [];
  constructor(readonly impl: Sha256Impl) {}
  update(bytes: Uint8Array): void {
    this.#pieces.push(bytes.slice());
  }
  digest(): string {
    throw new Error("WholeHasher is asynchronous: use digestAsync");
  }
  async digestAsync(): Promise<string> {
    const n = this.#pieces.reduce((s, p) => s + p.length, 0);
    const all = new Uint8Array(n);
    let at = 0;
    for (const p of this.#pieces.splice(0)) all.set(p, (at += p.length) - p.length);
    return await this.impl(all);
  }
}

/** The verified bytes of blob `digest` (of `size` bytes) in `repo`. Errors (from the stream): RegistryError, DigestMismatchError. */
export function blobStream(t: Transport, repo: string, desc: { digest: string; size: number }, opts: BlobReadOptions & { action: string; retries?: number }): ReadableStream<Uint8Array> {
  const hasher = opts.sha256Hasher?.() ?? new WholeHasher(opts.sha256 ?? sha256);
  const what = `blob ${desc.digest} of ${repo}`;
  let received = 0, skip = 0, drops = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const open = async () => {
    const headers: Record<string, string> = received > 0 ? { Range: `bytes=${received}-` } : {};
    const res = await t.send({ method: "GET", url: `/v2/${repo}/blobs/${desc.digest}`, scope: `repository:${repo}:pull`, headers, action: opts.action });
    if (res.status === 206 && received > 0) {
      const start = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "")?.[1];
      if (Number(start) !== received) {
        await res.body?.cancel();
        throw new RegistryError(`${opts.action}: asked for ${what} from byte ${received}, the registry sent a range from ${start ?? "an unknown byte"}`, 206);
      }
      skip = 0;
    } else if (res.status === 200) skip = received; // a restart: the part already passed comes again
    else throw await responseError(res, `${opts.action}: GET ${what}`);
    if (!res.body) throw new RegistryError(`${opts.action}: ${what} came with no body`, res.status);
    reader = res.body.getReader();
  };
  const fail = async (c: ReadableStreamDefaultController<Uint8Array>, err: unknown) => {
    await reader?.cancel().catch((e: unknown) => void e); // the error below is what matters
    c.error(err);
  };
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      for (;;) {
        if (!reader) await open();
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader!.read();
        } catch (err) {
          if (drops++ >= (opts.retries ?? 3)) return await fail(c, new RegistryError(`${opts.action}: ${what} broke off at byte ${received} of ${desc.size}: ${describeFailure(err)}`, 0, [], { cause: err }));
          reader = undefined;
          await t.backoff(drops);
          continue;
        }
        if (r.done) {
          if (received < desc.size) {
            // A body that ends early is a cut connection as far as the client can tell.
            if (drops++ < (opts.retries ?? 3)) {
              reader = undefined;
              await t.backoff(drops);
              continue;
            }
            return c.error(new RegistryError(`${opts.action}: ${what} is ${received} bytes, its descriptor says ${desc.size}`, 200));
          }
          const actual = hasher instanceof WholeHasher ? await hasher.digestAsync() : hasher.digest();
          if (actual !== desc.digest) return c.error(new DigestMismatchError(what, desc.digest, actual));
          return c.close();
        }
        let piece = r.value;
        if (skip > 0) {
          const cut = Math.min(skip, piece.length);
          skip -= cut;
          piece = piece.subarray(cut);
          if (!piece.length) continue;
        }
        if (received + piece.length > desc.size) return await fail(c, new RegistryError(`${opts.action}: ${what} is longer than the ${desc.size} bytes its descriptor says`, 200));
        hasher.update(piece);
        received += piece.length;
        opts.onBytes?.(received);
        c.enqueue(piece);
        return;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
