/* Shared helpers: coreutils-shaped messages, getopt on tb_err, whole-file reads, copy and
 * recursive removal (used by cp, mv and rm). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "toolbox.h"

int tb_errno(int rc, const char *applet, const char *fmt, ...) {
  int e = errno;
  va_list ap;
  va_start(ap, fmt);
  fprintf(tb_err, "%s: ", applet);
  vfprintf(tb_err, fmt, ap);
  fprintf(tb_err, ": %s\n", strerror(e));
  va_end(ap);
  return rc;
}

int tb_msg(int rc, const char *applet, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(tb_err, "%s: ", applet);
  vfprintf(tb_err, fmt, ap);
  fputc('\n', tb_err);
  va_end(ap);
  return rc;
}

int tb_badopt(int rc, const char *applet) {
  fprintf(tb_err, "Try '%s --help' for more information.\n", applet);
  return rc;
}

int tb_getopt(int argc, char **argv, const char *opts) {
  int c = getopt(argc, argv, opts);
  if (c == '?' || c == ':') {
    const char *name = tb_basename(argv[0]);
    const char *p = strchr(opts, optopt);
    if (p && optopt != ':' && p[1] == ':') tb_msg(0, name, "option requires an argument -- '%c'", optopt);
    else tb_msg(0, name, "invalid option -- '%c'", optopt);
    return '?';
  }
  return c;
}

const char *tb_basename(const char *path) {
  const char *s = strrchr(path, '/');
  return s && s[1] ? s + 1 : path;
}

char *tb_join(const char *dir, const char *name) {
  size_t n = strlen(dir);
  char *out = malloc(n + strlen(name) + 2);
  strcpy(out, dir);
  if (n == 0 || dir[n - 1] != '/') strcat(out, "/");
  strcat(out, name);
  return out;
}

int tb_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

FILE *tb_open_in(const char *applet, const char *path) {
  if (strcmp(path, "-") == 0) return tb_in;
  FILE *f = fopen(path, "r");
  if (!f) {
    tb_errno(0, applet, "%s", path);
    return 0;
  }
  if (tb_is_dir(path)) {
    fclose(f);
    errno = EISDIR;
    tb_errno(0, applet, "%s", path);
    return 0;
  }
  return f;
}

void tb_close_in(FILE *f) {
  if (f && f != tb_in) fclose(f);
}

char *tb_read_all(FILE *f, size_t *len) {
  size_t cap = 4096, n = 0, got;
  char *buf = malloc(cap + 1);
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, (cap *= 2) + 1);
  }
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

size_t tb_read_some(FILE *f, char *buf, size_t size) {
  size_t ahead = __freadahead(f);
  if (ahead || fileno(f) < 0) return fread(buf, 1, ahead && ahead < size ? ahead : size, f);
  ssize_t n = read(fileno(f), buf, size);
  return n > 0 ? (size_t)n : 0;
}

static ssize_t null_read(void *c, char *b, size_t n) { (void)c; (void)b; (void)n; return 0; }
static ssize_t null_write(void *c, const char *b, size_t n) { (void)c; (void)b; return n; }

/* /dev/null for runtimes whose rootfs has no /dev (node:wasi over a plain directory). */
FILE *tb_null_stream(const char *mode) {
  cookie_io_functions_t io = {null_read, null_write, 0, 0};
  return fopencookie(0, mode, io);
}

static int copy_file(const char *applet, const char *src, const char *dst) {
  FILE *in = fopen(src, "r");
  if (!in) return tb_errno(1, applet, "cannot open '%s' for reading", src);
  FILE *out = fopen(dst, "w");
  if (!out) {
    fclose(in);
    return tb_errno(1, applet, "cannot create regular file '%s'", dst);
  }
  char chunk[16384];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) fwrite(chunk, 1, n, out);
  fclose(in);
  return fclose(out) == 0 ? 0 : tb_errno(1, applet, "error writing '%s'", dst);
}

static void copy_times(const char *dst, const struct stat *st) {
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
}

int tb_copy(const char *applet, const char *src, const char *dst, int recursive, int preserve) {
  struct stat st;
  if (lstat(src, &st) != 0) return tb_errno(1, applet, "cannot stat '%s'", src);
  int rc = 0;
  if (S_ISLNK(st.st_mode) && recursive) {
    char target[4096];
    ssize_t n = readlink(src, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    if (symlink(target, dst) != 0) return tb_errno(1, applet, "cannot create symbolic link '%s'", dst);
  } else if (S_ISDIR(st.st_mode) || (S_ISLNK(st.st_mode) && tb_is_dir(src))) {
    if (!recursive) return tb_msg(1, applet, "-r not specified; omitting directory '%s'", src);
    if (mkdir(dst, 0755) != 0 && errno != EEXIST) return tb_errno(1, applet, "cannot create directory '%s'", dst);
    char **names;
    int n = tb_list_dir(src, &names);
    if (n < 0) return tb_errno(1, applet, "cannot access '%s'", src);
    for (int i = 0; i < n; i++) {
      if (!strcmp(names[i], ".") || !strcmp(names[i], "..")) continue;
      char *s = tb_join(src, names[i]), *t = tb_join(dst, names[i]);
      rc |= tb_copy(applet, s, t, recursive, preserve);
      free(s);
      free(t);
    }
    tb_free_list(names, n);
  } else {
    rc = copy_file(applet, src, dst);
  }
  if (preserve && rc == 0) copy_times(dst, &st);
  return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A tree walk (find, du, ls -R, cp -r, rm -r, grep -r) makes no read or write that a ^C
 * could fail: it stops here, with EINTR. */
int tb_list_dir(const char *path, char ***names) {
  if (tb_interrupted()) { errno = EINTR; return -1; }
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0, cap = 16;
  char **list = malloc(sizeof(char *) * cap);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (n == cap) list = realloc(list, sizeof(char *) * (cap *= 2));
    list[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(list, n, sizeof(char *), cmp_str);
  *names = list;
  return n;
}

void tb_free_list(char **names, int n) {
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
}

int tb_remove_tree(const char *applet, const char *path, int force) {
  struct stat st;
  if (lstat(path, &st) != 0) return force && errno == ENOENT ? 0 : tb_errno(1, applet, "cannot remove '%s'", path);
  if (!S_ISDIR(st.st_mode)) return unlink(path) == 0 ? 0 : tb_errno(1, applet, "cannot remove '%s'", path);
  char **names;
  int n = tb_list_dir(path, &names), rc = 0;
  if (n < 0) return tb_errno(1, applet, "cannot remove '%s'", path);
  for (int i = 0; i < n; i++) {
    if (strcmp(names[i], ".") && strcmp(names[i], "..")) {
      char *p = tb_join(path, names[i]);
      rc |= tb_remove_tree(applet, p, force);
      free(p);
    }
  }
  tb_free_list(names, n);
  if (rmdir(path) != 0) return tb_errno(1, applet, "cannot remove '%s'", path);
  return rc;
}

extern char **environ;

char **tb_env_save(void) {
  int n = 0;
  while (environ && environ[n]) n++;
  char **copy = malloc(sizeof(char *) * (n + 1));
  for (int i = 0; i < n; i++) copy[i] = strdup(environ[i]);
  copy[n] = 0;
  return copy;
}

void tb_env_restore(char **saved) {
  clearenv();
  for (char **e = saved; *e; e++) {
    char *eq = strchr(*e, '=');
    if (eq) {
      *eq = 0;
      setenv(*e, eq + 1, 1);
    }
    free(*e);
  }
  free(saved);
}
