/* File applets: cat, ls, mkdir, rm, rmdir, touch, mv, cp, ln, readlink, head, wc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "toolbox.h"

static int copy_stream(FILE *in, FILE *out) {
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  return ferror(in) ? 1 : 0;
}

int ap_cat(int argc, char **argv) {
  int rc = 0;
  if (argc < 2) return copy_stream(tb_in, tb_out);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-") == 0) { copy_stream(tb_in, tb_out); continue; }
    FILE *f = fopen(argv[i], "rb");
    if (!f) { rc = tb_errorf("cat", argv[i]); continue; }
    copy_stream(f, tb_out);
    fclose(f);
  }
  return rc;
}

static void mode_string(mode_t m, char *s) {
  s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' : '-';
  const char *rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; i++) s[i + 1] = (m & (1 << (8 - i))) ? rwx[i] : '-';
  s[10] = 0;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void ls_one(const char *path, const char *name, int lng) {
  if (!lng) { fprintf(tb_out, "%s\n", name); return; }
  struct stat st;
  if (lstat(path, &st) != 0) { tb_errorf("ls", path); return; }
  char mode[11], when[32];
  mode_string(st.st_mode, mode);
  time_t t = st.st_mtime;
  strftime(when, sizeof when, "%b %e %H:%M", gmtime(&t));
  fprintf(tb_out, "%s %2lu %-4d %-4d %8lld %s %s", mode, (unsigned long)st.st_nlink, (int)st.st_uid, (int)st.st_gid, (long long)st.st_size, when, name);
  if (S_ISLNK(st.st_mode)) {
    char target[1024];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n >= 0) { target[n] = 0; fprintf(tb_out, " -> %s", target); }
  }
  fprintf(tb_out, "\n");
}

int ap_ls(int argc, char **argv) {
  int all = 0, lng = 0, dirself = 0, rc = 0, c;
  while ((c = getopt(argc, argv, "al1d")) != -1) {
    if (c == 'a') all = 1; else if (c == 'l') lng = 1; else if (c == 'd') dirself = 1; else if (c != '1') return 2;
  }
  int n = argc - optind;
  char *dot[] = {"."};
  char **paths = n ? argv + optind : dot;
  if (!n) n = 1;
  for (int i = 0; i < n; i++) {
    struct stat st;
    if (lstat(paths[i], &st) != 0) {
      fprintf(tb_err, "ls: cannot access '%s': %s\n", paths[i], strerror(errno));
      rc = 2;
      continue;
    }
    if (!S_ISDIR(st.st_mode) || dirself) { ls_one(paths[i], paths[i], lng); continue; }
    DIR *d = opendir(paths[i]);
    if (!d) { rc = tb_errorf("ls", paths[i]) + 1; continue; }
    char **names = 0;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (!all && e->d_name[0] == '.') continue;
      names = realloc(names, sizeof(char *) * (count + 1));
      names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof(char *), cmp_names);
    if (n > 1) fprintf(tb_out, "%s%s:\n", i ? "\n" : "", paths[i]);
    for (size_t j = 0; j < count; j++) {
      char full[4096];
      snprintf(full, sizeof full, "%s/%s", paths[i], names[j]);
      ls_one(full, names[j], lng);
      free(names[j]);
    }
    free(names);
  }
  return rc;
}

static int mkdir_p(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(path, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int ap_mkdir(int argc, char **argv) {
  int parents = 0, rc = 0, c;
  while ((c = getopt(argc, argv, "p")) != -1) if (c == 'p') parents = 1; else return 1;
  for (int i = optind; i < argc; i++) {
    if (parents ? mkdir_p(argv[i]) : mkdir(argv[i], 0755)) {
      fprintf(tb_err, "mkdir: cannot create directory '%s': %s\n", argv[i], strerror(errno));
      rc = 1;
    }
  }
  return rc;
}

static int rm_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return -1;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char full[4096];
      snprintf(full, sizeof full, "%s/%s", path, e->d_name);
      if (rm_tree(full) != 0) { closedir(d); return -1; }
    }
    closedir(d);
    return rmdir(path);
  }
  return unlink(path);
}

int ap_rm(int argc, char **argv) {
  int rec = 0, force = 0, rc = 0, c;
  while ((c = getopt(argc, argv, "rRf")) != -1) if (c == 'f') force = 1; else if (c == 'r' || c == 'R') rec = 1; else return 1;
  for (int i = optind; i < argc; i++) {
    struct stat st;
    if (lstat(argv[i], &st) != 0) {
      if (!force) { fprintf(tb_err, "rm: cannot remove '%s': %s\n", argv[i], strerror(errno)); rc = 1; }
      continue;
    }
    if (S_ISDIR(st.st_mode) && !rec) { fprintf(tb_err, "rm: cannot remove '%s': Is a directory\n", argv[i]); rc = 1; continue; }
    if ((rec ? rm_tree(argv[i]) : unlink(argv[i])) != 0) { fprintf(tb_err, "rm: cannot remove '%s': %s\n", argv[i], strerror(errno)); rc = 1; }
  }
  return rc;
}

int ap_rmdir(int argc, char **argv) {
  int rc = 0;
  for (int i = 1; i < argc; i++) if (rmdir(argv[i]) != 0) { fprintf(tb_err, "rmdir: failed to remove '%s': %s\n", argv[i], strerror(errno)); rc = 1; }
  return rc;
}

int ap_touch(int argc, char **argv) {
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
    if (fd < 0) { fprintf(tb_err, "touch: cannot touch '%s': %s\n", argv[i], strerror(errno)); rc = 1; continue; }
    futimens(fd, 0);
    close(fd);
  }
  return rc;
}

int ap_mv(int argc, char **argv) {
  if (argc != 3) { fprintf(tb_err, "mv: missing file operand\n"); return 1; }
  if (rename(argv[1], argv[2]) != 0) { fprintf(tb_err, "mv: cannot move '%s' to '%s': %s\n", argv[1], argv[2], strerror(errno)); return 1; }
  return 0;
}

int ap_cp(int argc, char **argv) {
  if (argc != 3) { fprintf(tb_err, "cp: missing file operand\n"); return 1; }
  FILE *in = fopen(argv[1], "rb");
  if (!in) { fprintf(tb_err, "cp: cannot stat '%s': %s\n", argv[1], strerror(errno)); return 1; }
  FILE *out = fopen(argv[2], "wb");
  if (!out) { fclose(in); fprintf(tb_err, "cp: cannot create regular file '%s': %s\n", argv[2], strerror(errno)); return 1; }
  copy_stream(in, out);
  fclose(in);
  fclose(out);
  return 0;
}

int ap_ln(int argc, char **argv) {
  int sym = 0, force = 0, c;
  while ((c = getopt(argc, argv, "sf")) != -1) if (c == 's') sym = 1; else if (c == 'f') force = 1; else return 1;
  if (argc - optind != 2) { fprintf(tb_err, "ln: missing file operand\n"); return 1; }
  const char *target = argv[optind], *name = argv[optind + 1];
  if (force) unlink(name);
  if ((sym ? symlink(target, name) : link(target, name)) != 0) {
    fprintf(tb_err, "ln: failed to create %slink '%s': %s\n", sym ? "symbolic " : "hard ", name, strerror(errno));
    return 1;
  }
  return 0;
}

int ap_readlink(int argc, char **argv) {
  if (argc < 2) return 1;
  char buf[4096];
  ssize_t n = readlink(argv[argc - 1], buf, sizeof buf - 1);
  if (n < 0) return 1;
  buf[n] = 0;
  fprintf(tb_out, "%s\n", buf);
  return 0;
}

int ap_head(int argc, char **argv) {
  int lines = 10, c;
  while ((c = getopt(argc, argv, "n:")) != -1) if (c == 'n') lines = atoi(optarg); else return 1;
  FILE *f = optind < argc ? fopen(argv[optind], "rb") : tb_in;
  if (!f) return tb_errorf("head", argv[optind]);
  int ch, seen = 0;
  while (seen < lines && (ch = fgetc(f)) != EOF) { fputc(ch, tb_out); if (ch == '\n') seen++; }
  if (f != tb_in) fclose(f);
  return 0;
}

int ap_wc(int argc, char **argv) {
  int only = 0, c;
  while ((c = getopt(argc, argv, "lwc")) != -1) only = c;
  FILE *f = optind < argc ? fopen(argv[optind], "rb") : tb_in;
  if (!f) return tb_errorf("wc", argv[optind]);
  long l = 0, w = 0, b = 0;
  int ch, in = 0;
  while ((ch = fgetc(f)) != EOF) {
    b++;
    if (ch == '\n') l++;
    if (ch == ' ' || ch == '\n' || ch == '\t') in = 0; else if (!in) { in = 1; w++; }
  }
  const char *name = optind < argc ? argv[optind] : 0;
  if (only == 'l') fprintf(tb_out, "%ld", l); else if (only == 'w') fprintf(tb_out, "%ld", w); else if (only == 'c') fprintf(tb_out, "%ld", b);
  else fprintf(tb_out, "%7ld %7ld %7ld", l, w, b);
  fprintf(tb_out, name ? " %s\n" : "\n", name);
  if (f != tb_in) fclose(f);
  return 0;
}
