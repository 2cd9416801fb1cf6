/* Dot-file locks that let a read-only filesystem be read. This file is strata's, not
 * upstream's.
 *
 * WASI preview1 has no fcntl() locks, so on WASI SQLite's default VFS is "unix-dotfile":
 * a connection locks a database by creating the directory NAME.lock beside it (mkdir is
 * atomic) and unlocks it by removing that directory. Beside a database on a read-only
 * filesystem (a `:ro` bind, a read-only volume) the mkdir fails with EROFS, and every
 * read fails with "disk I/O error", where Linux's sqlite3 reads such a database at once.
 * Nothing can write that database through this filesystem, so the lock has nothing to
 * guard here: on EROFS the lock is taken without its directory.
 *
 * build.sh compiles sqlite3.c with -DSQLITE_EXTRA_INIT=strata_sqlite_init, the hook
 * sqlite3_initialize() calls last; it puts the two calls below into the unix VFS's table
 * of system calls (sqlite3_vfs.xSetSystemCall, the documented way to replace them). In
 * the unix VFS only the dot-file lock calls "mkdir" and "rmdir". */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sqlite3.h"

static int lock_mkdir(const char *path, mode_t mode) {
  int rc = mkdir(path, mode);
  return rc != 0 && errno == EROFS ? 0 : rc;
}

static int lock_rmdir(const char *path) {
  int rc = rmdir(path);
  return rc != 0 && errno == EROFS ? 0 : rc;
}

int strata_sqlite_init(const char *unused) {
  (void)unused;
  sqlite3_vfs *vfs = sqlite3_vfs_find("unix-dotfile");
  if (!vfs) return SQLITE_ERROR;
  int rc = vfs->xSetSystemCall(vfs, "mkdir", (sqlite3_syscall_ptr)lock_mkdir);
  return rc == SQLITE_OK ? vfs->xSetSystemCall(vfs, "rmdir", (sqlite3_syscall_ptr)lock_rmdir) : rc;
}
