/** FsError: a filesystem error as a value with an errno name, mapped once to a WASI errno in src/wasi. */
export type Errno =
  | "ENOENT" | "EEXIST" | "ENOTDIR" | "EISDIR" | "ENOTEMPTY" | "ELOOP" | "ENAMETOOLONG" | "EINVAL"
  | "EXDEV" | "EACCES" | "EPERM" | "EBADF" | "EROFS" | "EBUSY" | "EFBIG" | "ENOSPC" | "EMLINK" | "ENXIO";

export class FsError extends Error {
  override name = "FsError";
  /**
   * An FsError is an answer (ENOENT, EEXIST, …), thrown on hot paths such as a PATH
   * search, and its stack is never read: V8 would take one at construction, which cost
   * more than the lookup, so none is taken (Error.stackTraceLimit is V8's; elsewhere an
   * ignored property). MemVfs's WasiErrors are stackless for the same reason.
   */
  constructor(readonly code: Errno, readonly path: string, readonly op: string) {
    const E = Error as { stackTraceLimit?: number };
    const limit = E.stackTraceLimit;
    E.stackTraceLimit = 0;
    super(`${op} "${path}": ${code}`);
    E.stackTraceLimit = limit;
  }
}

/** Throw an FsError (an expression, for `x ?? fail(…)`). */
export function fail(code: Errno, path: string, op: string): never {
  throw new FsError(code, path, op);
}
