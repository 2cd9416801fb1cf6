/* The two POSIX functions the SQLite shell (shell.c) calls that wasi-libc leaves out. This
 * file is strata's, not upstream's; everything else in this folder is SQLite's own.
 *
 * chmod: WASI preview1 has no way to change permission bits. As the toolbox's chmod
 * applet does, it checks that the file exists and succeeds, and the mode stays as it was
 * (the shell's writefile(NAME, DATA, MODE) and `.archive -x` call it).
 *
 * realpath: wasi-libc hides it ("WASI has no absolute paths"), but a strata container's
 * root is the preopened "/", so paths are absolute there. Resolves "." and "..", and
 * symlinks (at most 40 hops, like Linux), component by component; every component must
 * exist (the shell's realpath() SQL function and `.archive` call it). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SYMLINK_HOPS 40

int chmod(const char *path, mode_t mode) {
  struct stat st;
  (void)mode;
  return stat(path, &st);
}

/* Appends the components of `rest` to the absolute path `out` (length *len), following
 * symlinks; returns 0 or an errno. */
static int resolve_into(char *out, size_t *len, const char *rest, int *hops) {
  while (*rest) {
    while (*rest == '/') rest++;
    size_t n = strcspn(rest, "/");
    if (n == 0) break;
    if (n == 1 && rest[0] == '.') { rest += n; continue; }
    if (n == 2 && rest[0] == '.' && rest[1] == '.') {
      while (*len > 1 && out[*len - 1] != '/') (*len)--;
      if (*len > 1) (*len)--;
      out[*len] = 0;
      rest += n;
      continue;
    }
    size_t keep = *len;
    if (keep + (keep > 1) + n >= PATH_MAX) return ENAMETOOLONG;
    if (keep > 1) out[(*len)++] = '/';
    memcpy(out + *len, rest, n);
    *len += n;
    out[*len] = 0;
    rest += n;
    struct stat st;
    if (lstat(out, &st) != 0) return errno;
    if (S_ISLNK(st.st_mode)) {
      if (++*hops > MAX_SYMLINK_HOPS) return ELOOP;
      char target[PATH_MAX];
      ssize_t t = readlink(out, target, sizeof target - 1);
      if (t < 0) return errno;
      target[t] = 0;
      *len = target[0] == '/' ? 1 : keep;
      out[*len] = 0;
      int e = resolve_into(out, len, target, hops);
      if (e) return e;
    } else if (*rest && !S_ISDIR(st.st_mode)) {
      return ENOTDIR;
    }
  }
  return 0;
}

char *realpath(const char *restrict path, char *restrict resolved) {
  if (!path) { errno = EINVAL; return NULL; }
  if (!*path) { errno = ENOENT; return NULL; }
  char out[PATH_MAX] = "/";
  size_t len = 1;
  int hops = 0;
  if (path[0] != '/') {
    if (!getcwd(out, sizeof out)) return NULL;
    len = strlen(out);
  }
  int e = resolve_into(out, &len, path, &hops);
  if (e) { errno = e; return NULL; }
  if (!resolved && !(resolved = malloc(len + 1))) return NULL;
  memcpy(resolved, out, len + 1);
  return resolved;
}
