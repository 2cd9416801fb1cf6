/** Errors of the tar reader: what went wrong, in which archive, at which entry and byte offset. */

/** A malformed archive; `offset` is the byte offset of the header (or field) at fault. */
export class TarSyntaxError extends SyntaxError {
  override name = "TarSyntaxError";
  constructor(
    readonly archive: string,
    readonly offset: number,
    readonly detail: string,
    readonly entry?: string,
  ) {
    super(`Cannot read ${archive}: ${detail}${entry === undefined ? "" : ` in entry "${entry}"`} at offset ${offset}`);
  }
}

/** A size or count beyond what the reader accepts (gzip bomb, absurd size field). */
export class TarRangeError extends RangeError {
  override name = "TarRangeError";
  constructor(
    readonly archive: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`Cannot read ${archive}: ${detail} at offset ${offset}`);
  }
}

/**
 * A gzip stream refused as it inflates, at `limit` bytes of output (a gzip bomb stops
 * there). `offset` is how many compressed bytes the inflater had taken in; `inflated`
 * how many bytes it had handed out, the refused piece included.
 */
export class InflateLimitError extends TarRangeError {
  override name = "InflateLimitError";
  constructor(archive: string, readonly limit: number, offset: number, readonly inflated: number) {
    super(archive, offset, `it inflates past the limit of ${limit} bytes`);
    this.message = `Cannot read ${archive}: it inflates past the limit of ${limit} bytes (at compressed offset ${offset})`;
  }
}

/** A layer in a compression we do not read (zstd, bzip2, xz). */
export class UnsupportedMediaTypeError extends Error {
  override name = "UnsupportedMediaTypeError";
  constructor(readonly archive: string, readonly mediaType: string) {
    super(`Cannot read ${archive}: unsupported media type ${mediaType} (only tar and tar+gzip are supported)`);
  }
}
