/* Applets that change the tree: mkdir, rm, rmdir, touch, cp, mv, ln, chmod; and the link
 * readers readlink and realpath. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "toolbox.h"

static int mkdir_parents(const char *path) {
  char *p = strdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0755) != 0 && errno != EEXIST) { free(p); return -1; }
    *s = '/';
  }
  int rc = mkdir(p, 0755);
  if (rc != 0 && errno == EEXIST && tb_is_dir(p)) rc = 0;
  free(p);
  return rc;
}

APPLET(mkdir) {
  int c, parents = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "pm:")) != -1) {
    if (c == 'p') parents = 1;
    else if (c == '?') return tb_badopt(1, "mkdir");
  }
  if (optind >= argc) return tb_msg(1, "mkdir", "missing operand");
  for (int i = optind; i < argc; i++)
    if ((parents ? mkdir_parents(argv[i]) : mkdir(argv[i], 0755)) != 0)
      rc = tb_errno(1, "mkdir", "cannot create directory '%s'", argv[i]);
  return rc;
}

APPLET(rm) {
  int c, recursive = 0, force = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "rRfi")) != -1) {
    if (c == 'r' || c == 'R') recursive = 1;
    else if (c == 'f') force = 1;
    else if (c == '?') return tb_badopt(1, "rm");
  }
  if (optind >= argc && !force) return tb_msg(1, "rm", "missing operand");
  for (int i = optind; i < argc; i++) {
    struct stat st;
    if (lstat(argv[i], &st) != 0) {
      if (!(force && errno == ENOENT)) rc = tb_errno(1, "rm", "cannot remove '%s'", argv[i]);
    } else if (S_ISDIR(st.st_mode) && !recursive) {
      rc = tb_msg(1, "rm", "cannot remove '%s': Is a directory", argv[i]);
    } else {
      rc |= tb_remove_tree("rm", argv[i], force);
    }
  }
  return rc;
}

APPLET(rmdir) {
  int c, parents = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "p")) != -1) {
    if (c == 'p') parents = 1;
    else return tb_badopt(1, "rmdir");
  }
  if (optind >= argc) return tb_msg(1, "rmdir", "missing operand");
  for (int i = optind; i < argc; i++) {
    char *p = strdup(argv[i]);
    for (;;) {
      if (rmdir(p) != 0) { rc = tb_errno(1, "rmdir", "failed to remove '%s'", p); break; }
      char *slash = strrchr(p, '/');
      if (!parents || !slash || slash == p) break;
      *slash = 0;
    }
    free(p);
  }
  return rc;
}

APPLET(touch) {
  int c, nocreate = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "cam")) != -1) {
    if (c == 'c') nocreate = 1;
    else if (c == '?') return tb_badopt(1, "touch");
  }
  if (optind >= argc) return tb_msg(1, "touch", "missing file operand");
  for (int i = optind; i < argc; i++) {
    if (utimensat(AT_FDCWD, argv[i], 0, 0) == 0) continue;
    if (errno != ENOENT || nocreate) {
      if (!nocreate) rc = tb_errno(1, "touch", "cannot touch '%s'", argv[i]);
      continue;
    }
    int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
    if (fd < 0) rc = tb_errno(1, "touch", "cannot touch '%s'", argv[i]);
    else close(fd);
  }
  return rc;
}

/* The destination of SRC for `cp SRC... DST` and `mv SRC... DST`. */
static char *target_of(const char *src, const char *dst, int many) {
  if (many || tb_is_dir(dst)) return tb_join(dst, tb_basename(src));
  return strdup(dst);
}

APPLET(cp) {
  int c, recursive = 0, preserve = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "rRpaf")) != -1) {
    if (c == 'r' || c == 'R') recursive = 1;
    else if (c == 'p') preserve = 1;
    else if (c == 'a') recursive = preserve = 1;
    else if (c == '?') return tb_badopt(1, "cp");
  }
  int n = argc - optind;
  if (n < 1) return tb_msg(1, "cp", "missing file operand");
  if (n < 2) return tb_msg(1, "cp", "missing destination file operand after '%s'", argv[optind]);
  const char *dst = argv[argc - 1];
  if (n > 2 && !tb_is_dir(dst)) return tb_msg(1, "cp", "target '%s' is not a directory", dst);
  for (int i = optind; i < argc - 1; i++) {
    char *t = target_of(argv[i], dst, 0);
    rc |= tb_copy("cp", argv[i], t, recursive, preserve);
    free(t);
  }
  return rc;
}

APPLET(mv) {
  int c, rc = 0;
  while ((c = tb_getopt(argc, argv, "fin")) != -1)
    if (c == '?') return tb_badopt(1, "mv");
  int n = argc - optind;
  if (n < 1) return tb_msg(1, "mv", "missing file operand");
  if (n < 2) return tb_msg(1, "mv", "missing destination file operand after '%s'", argv[optind]);
  const char *dst = argv[argc - 1];
  if (n > 2 && !tb_is_dir(dst)) return tb_msg(1, "mv", "target '%s' is not a directory", dst);
  for (int i = optind; i < argc - 1; i++) {
    struct stat st;
    if (lstat(argv[i], &st) != 0) { rc = tb_errno(1, "mv", "cannot stat '%s'", argv[i]); continue; }
    char *t = target_of(argv[i], dst, 0);
    if (rename(argv[i], t) != 0) {
      if (errno == EXDEV && tb_copy("mv", argv[i], t, 1, 1) == 0) rc |= tb_remove_tree("mv", argv[i], 0);
      else rc = tb_errno(1, "mv", "cannot move '%s' to '%s'", argv[i], t);
    }
    free(t);
  }
  return rc;
}

APPLET(ln) {
  int c, sym = 0, force = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "sfn")) != -1) {
    if (c == 's') sym = 1;
    else if (c == 'f') force = 1;
    else if (c == '?') return tb_badopt(1, "ln");
  }
  int n = argc - optind;
  if (n < 1) return tb_msg(1, "ln", "missing file operand");
  const char *dst = n == 1 ? "." : argv[argc - 1];
  int last = n == 1 ? argc : argc - 1;
  for (int i = optind; i < last; i++) {
    char *t = target_of(argv[i], dst, n > 2);
    if (force) unlink(t);
    if ((sym ? symlink(argv[i], t) : link(argv[i], t)) != 0)
      rc = tb_errno(1, "ln", sym ? "failed to create symbolic link '%s'" : "failed to create hard link '%s'", t);
    free(t);
  }
  return rc;
}

/* Canonical absolute path: symlinks resolved (within the root), `.` and `..` removed.
 * `missing_last` allows a last component that does not exist (readlink -f). */
static char *resolve(const char *path, int missing_last, int depth) {
  char cwd[4096] = "/", *out = malloc(8192);
  if (path[0] != '/' && !getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
  strcpy(out, path[0] == '/' ? "" : strcmp(cwd, "/") ? cwd : "");
  char *rest = strdup(path), *save, *tok;
  for (tok = strtok_r(rest, "/", &save); tok; tok = strtok_r(0, "/", &save)) {
    if (!strcmp(tok, ".")) continue;
    if (!strcmp(tok, "..")) { char *s = strrchr(out, '/'); if (s) *s = 0; continue; }
    size_t len = strlen(out);
    strcat(strcat(out, "/"), tok);
    struct stat st;
    if (lstat(out, &st) != 0) {
      if (missing_last && !strtok_r(0, "/", &save) && errno == ENOENT) break;
      free(rest); free(out); return 0;
    }
    if (!S_ISLNK(st.st_mode)) continue;
    if (depth > 40) { errno = ELOOP; free(rest); free(out); return 0; }
    char target[4096], *joined;
    ssize_t n = readlink(out, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    out[len] = 0;
    if (target[0] == '/') joined = strdup(target);
    else { joined = malloc(len + strlen(target) + 2); sprintf(joined, "%s/%s", out, target); }
    char *tail = save && *save ? save : "";
    char *next = malloc(strlen(joined) + strlen(tail) + 2);
    sprintf(next, "%s/%s", joined, tail);
    char *r = resolve(next, missing_last, depth + 1);
    free(joined); free(next); free(rest); free(out);
    return r;
  }
  free(rest);
  if (!*out) strcpy(out, "/");
  return out;
}

APPLET(readlink) {
  int c, canon = 0, nonl = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "fen")) != -1) {
    if (c == 'f' || c == 'e') canon = c;
    else if (c == 'n') nonl = 1;
    else return tb_badopt(1, "readlink");
  }
  if (optind >= argc) return tb_msg(1, "readlink", "missing operand");
  for (int i = optind; i < argc; i++) {
    if (canon) {
      char *r = resolve(argv[i], canon == 'f', 0);
      if (!r) { rc = 1; continue; }
      fprintf(tb_out, nonl ? "%s" : "%s\n", r);
      free(r);
      continue;
    }
    char target[4096];
    ssize_t n = readlink(argv[i], target, sizeof target - 1);
    if (n < 0) { rc = 1; continue; }
    target[n] = 0;
    fprintf(tb_out, nonl ? "%s" : "%s\n", target);
  }
  return rc;
}

APPLET(realpath) {
  int rc = 0;
  if (argc < 2) return tb_msg(1, "realpath", "missing operand");
  for (int i = 1; i < argc; i++) {
    char *r = resolve(argv[i], 0, 0);
    if (!r) { rc = tb_errno(1, "realpath", "%s", argv[i]); continue; }
    fprintf(tb_out, "%s\n", r);
    free(r);
  }
  return rc;
}

/* WASI preview1 has no way to change permission bits: chmod checks its operands and the
 * mode, and reports the files it cannot reach, but the modes stay as they were. */
APPLET(chmod) {
  int first = 1, rc = 0;
  while (first < argc && argv[first][0] == '-' && strchr("Rfv", argv[first][1]) && argv[first][1]) first++;
  if (argc - first < 1) return tb_msg(1, "chmod", "missing operand");
  if (argc - first < 2) return tb_msg(1, "chmod", "missing operand after '%s'", argv[first]);
  const char *mode = argv[first];
  if (strspn(mode, "01234567") != strlen(mode) && strspn(mode, "ugoa+-=rwxXst,") != strlen(mode))
    return tb_msg(1, "chmod", "invalid mode: '%s'", mode);
  for (int i = first + 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) rc = tb_errno(1, "chmod", "cannot access '%s'", argv[i]);
  }
  return rc;
}
