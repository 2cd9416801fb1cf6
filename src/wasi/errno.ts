/**
 * The one place a filesystem error becomes a WASI errno (WASI preview1 `errno`). Every
 * WASI call that touches the filesystem catches and passes the error here; an error
 * that is not an FsError, or an errno name WASI lacks, is a bug and is rethrown.
 */
import { wasi } from "@bjorn3/browser_wasi_shim";

/** errno name (POSIX spelling, as FsError.code) → WASI errno number. */
const BY_NAME: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (const [key, value] of Object.entries(wasi)) {
    if (key.startsWith("ERRNO_") && typeof value === "number") map.set(`E${key.slice(6)}`, value);
  }
  map.set("EACCES", wasi.ERRNO_ACCES); // POSIX spells it EACCES, WASI ACCES
  map.set("EWOULDBLOCK", wasi.ERRNO_AGAIN);
  map.set("EOPNOTSUPP", wasi.ERRNO_NOTSUP);
  map.set("ENOTCAPABLE", wasi.ERRNO_NOTCAPABLE);
  return map;
})();

/** True for an error carrying an errno name (src/fs FsError, and the WASI layer's own). */
function hasErrnoCode(err: unknown): err is Error & { code: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === "string" &&
    /^E[A-Z0-9]+$/.test((err as unknown as { code: string }).code);
}

/** The WASI errno number for an errno name such as "ENOENT". Throws for a name WASI lacks. */
export function errnoOf(code: string): number {
  const errno = BY_NAME.get(code);
  if (errno === undefined) throw new RangeError(`Cannot map errno name "${code}" to a WASI errno`);
  return errno;
}

/** The WASI errno for a thrown filesystem error; rethrows anything else (a bug, never hidden as EIO). */
export function toErrno(err: unknown): number {
  if (hasErrnoCode(err)) return errnoOf(err.code);
  throw err;
}

/** An error the WASI layer raises itself, with an errno name, handled by `toErrno` like an FsError. */
export class WasiError extends Error {
  constructor(readonly code: string, message = code) {
    super(message);
    this.name = "WasiError";
  }
}
