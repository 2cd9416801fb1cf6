/** FsError: a filesystem error as a value with an errno name, mapped once to a WASI errno in src/wasi. */
export type Errno =
  | "ENOENT" | "EEXIST" | "ENOTDIR" | "EISDIR" | "ENOTEMPTY" | "ELOOP" | "ENAMETOOLONG" | "EINVAL"
  | "EXDEV" | "EACCES" | "EPERM" | "EBADF" | "EROFS" | "EBUSY" | "EFBIG" | "ENOSPC" | "EMLINK";

export class FsError extends Error {
  override name = "FsError";
  constructor(readonly code: Errno, readonly path: string, readonly op: string) {
    super(`${op} "${path}": ${code}`);
  }
}

/** Throw an FsError (an expression, for `x ?? fail(…)`). */
export function fail(code: Errno, path: string, op: string): never {
  throw new FsError(code, path, op);
}
