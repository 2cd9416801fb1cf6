/* Applets that look at the tree: ls, stat, du, df, find.
 * WASI preview1 carries no owners and no permission bits, so modes are shown as the
 * usual defaults for each file type and every file belongs to root. ls prints columns
 * as GNU ls does when its output is a terminal (or -C), else one name per line. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "toolbox.h"

static void mode_string(const struct stat *st, char out[11]) {
  const char *bits = S_ISDIR(st->st_mode) ? "drwxr-xr-x" : S_ISLNK(st->st_mode) ? "lrwxrwxrwx"
                     : S_ISCHR(st->st_mode) ? "crw-rw-rw-" : S_ISFIFO(st->st_mode) ? "prw-r--r--"
                     : S_ISSOCK(st->st_mode) ? "srwxr-xr-x" : "-rw-r--r--";
  strcpy(out, bits);
  if (S_ISREG(st->st_mode) && (st->st_mode & 0111)) out[3] = out[6] = out[9] = 'x';
}

static const char *type_name(const struct stat *st) {
  if (S_ISDIR(st->st_mode)) return "directory";
  if (S_ISLNK(st->st_mode)) return "symbolic link";
  if (S_ISCHR(st->st_mode)) return "character special file";
  if (S_ISBLK(st->st_mode)) return "block special file";
  if (S_ISFIFO(st->st_mode)) return "fifo";
  if (S_ISSOCK(st->st_mode)) return "socket";
  return st->st_size == 0 ? "regular empty file" : "regular file";
}

enum { LS_LINES, LS_LONG, LS_COLUMNS };
struct ls_opts { int all, format, recursive, dirself, width; };

static void ls_long(const char *path, const char *name, const struct stat *st) {
  char mode[11], when[32];
  mode_string(st, mode);
  time_t t = st->st_mtim.tv_sec;
  strftime(when, sizeof when, "%b %e %H:%M", gmtime(&t));
  fprintf(tb_out, "%s %4lu root     root     %8lld %s %s", mode, (unsigned long)st->st_nlink,
          (long long)st->st_size, when, name);
  if (S_ISLNK(st->st_mode)) {
    char target[4096];
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    fprintf(tb_out, " -> %s", target);
  }
  fputc('\n', tb_out);
}

/* Names (and where to stat them, for -l) in the chosen format. */
static void ls_names(const char *dir, char **names, int n, struct ls_opts *o) {
  if (o->format == LS_COLUMNS) { tb_columns(names, n, o->width); return; }
  for (int i = 0; i < n; i++) {
    if (o->format == LS_LINES) { fprintf(tb_out, "%s\n", names[i]); continue; }
    struct stat st;
    char *p = dir ? tb_join(dir, names[i]) : names[i];
    if (lstat(p, &st) == 0) ls_long(p, names[i], &st);
    if (dir) free(p);
  }
}

static int ls_dir(const char *path, struct ls_opts *o, int header) {
  char **names;
  int n = tb_list_dir(path, &names), rc = 0;
  if (n < 0) return tb_errno(2, "ls", "cannot open directory '%s'", path);
  if (header) fprintf(tb_out, "%s:\n", path);
  if (o->format == LS_LONG) {
    long long blocks = 0;
    for (int i = 0; i < n; i++) {
      struct stat st;
      char *p = tb_join(path, names[i]);
      if ((o->all || names[i][0] != '.') && lstat(p, &st) == 0) blocks += (st.st_size + 1023) / 1024;
      free(p);
    }
    fprintf(tb_out, "total %lld\n", blocks);
  }
  char **shown = malloc(sizeof(char *) * (n + 1));
  int nshown = 0;
  for (int i = 0; i < n; i++) if (o->all || names[i][0] != '.') shown[nshown++] = names[i];
  ls_names(path, shown, nshown, o);
  free(shown);
  for (int i = 0; o->recursive && i < n; i++) {
    if (!strcmp(names[i], ".") || !strcmp(names[i], "..") || (!o->all && names[i][0] == '.')) continue;
    char *p = tb_join(path, names[i]);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      fputc('\n', tb_out);
      rc |= ls_dir(p, o, 1);
    }
    free(p);
  }
  tb_free_list(names, n);
  return rc;
}

/* The line width for columns: the terminal's, else $COLUMNS, else 80 (GNU ls). */
static int line_width(void) {
  int rows, cols;
  if (isatty(fileno(tb_out)) && tb_winsize(&rows, &cols) == 0 && cols > 0) return cols;
  const char *env = getenv("COLUMNS");
  return env && atoi(env) > 0 ? atoi(env) : 80;
}

APPLET(ls) {
  struct ls_opts o = {0, isatty(fileno(tb_out)) ? LS_COLUMNS : LS_LINES, 0, 0, 0};
  int c, rc = 0;
  while ((c = tb_getopt(argc, argv, "laA1CRdhw:")) != -1) {
    if (c == 'l') o.format = LS_LONG;
    else if (c == '1') o.format = LS_LINES;
    else if (c == 'C') o.format = LS_COLUMNS;
    else if (c == 'w') o.width = atoi(optarg);
    else if (c == 'a' || c == 'A') o.all = 1;
    else if (c == 'R') o.recursive = 1;
    else if (c == 'd') o.dirself = 1;
    else if (c == '?') return tb_badopt(2, "ls");
  }
  if (o.width <= 0) o.width = line_width();
  char *dot[] = {"."};
  char **ops = optind < argc ? argv + optind : dot, **files = malloc(sizeof(char *) * (argc + 1));
  int n = optind < argc ? argc - optind : 1, nfiles = 0, longf = o.format == LS_LONG;
  for (int i = 0; i < n; i++) { /* files first, then directories (like coreutils) */
    struct stat st, lst;
    if (lstat(ops[i], &lst) != 0) { rc = tb_errno(2, "ls", "cannot access '%s'", ops[i]); continue; }
    int isdir = stat(ops[i], &st) == 0 && S_ISDIR(st.st_mode) && !(S_ISLNK(lst.st_mode) && longf);
    if (!isdir || o.dirself) files[nfiles++] = ops[i];
  }
  ls_names(0, files, nfiles, &o);
  free(files);
  int shown = nfiles > 0;
  for (int i = 0; i < n; i++) {
    struct stat st, lst;
    if (lstat(ops[i], &lst) != 0 || stat(ops[i], &st) != 0 || !S_ISDIR(st.st_mode) || o.dirself) continue;
    if (S_ISLNK(lst.st_mode) && longf) continue;
    if (shown++) fputc('\n', tb_out);
    rc |= ls_dir(ops[i], &o, n > 1 || o.recursive);
  }
  return rc;
}

static void stat_format(const char *fmt, const char *path, const struct stat *st) {
  for (const char *p = fmt; *p; p++) {
    if (*p == '\\' && p[1] == 'n') { fputc('\n', tb_out); p++; continue; }
    if (*p != '%' || !p[1]) { fputc(*p, tb_out); continue; }
    char mode[11];
    switch (*++p) {
      case 'n': fputs(path, tb_out); break;
      case 's': fprintf(tb_out, "%lld", (long long)st->st_size); break;
      case 'F': fputs(type_name(st), tb_out); break;
      case 'h': fprintf(tb_out, "%lu", (unsigned long)st->st_nlink); break;
      case 'i': fprintf(tb_out, "%llu", (unsigned long long)st->st_ino); break;
      case 'Y': fprintf(tb_out, "%lld", (long long)st->st_mtim.tv_sec); break;
      case 'X': fprintf(tb_out, "%lld", (long long)st->st_atim.tv_sec); break;
      case 'A': mode_string(st, mode); fputs(mode, tb_out); break;
      case 'U': fputs("root", tb_out); break;
      case 'u': fputc('0', tb_out); break;
      case '%': fputc('%', tb_out); break;
      default: fputc('%', tb_out); fputc(*p, tb_out);
    }
  }
  fputc('\n', tb_out);
}

APPLET(stat) {
  int c, deref = 0, rc = 0;
  const char *fmt = 0;
  while ((c = tb_getopt(argc, argv, "Lc:")) != -1) {
    if (c == 'L') deref = 1;
    else if (c == 'c') fmt = optarg;
    else return tb_badopt(1, "stat");
  }
  if (optind >= argc) return tb_msg(1, "stat", "missing operand");
  for (int i = optind; i < argc; i++) {
    struct stat st;
    if ((deref ? stat(argv[i], &st) : lstat(argv[i], &st)) != 0) { rc = tb_errno(1, "stat", "cannot stat '%s'", argv[i]); continue; }
    if (fmt) { stat_format(fmt, argv[i], &st); continue; }
    char mode[11], when[64];
    mode_string(&st, mode);
    time_t t = st.st_mtim.tv_sec;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S +0000", gmtime(&t));
    fprintf(tb_out, "  File: %s\n  Size: %-10lld\tBlocks: %-10lld IO Block: 4096   %s\n", argv[i],
            (long long)st.st_size, (long long)(st.st_size + 511) / 512, type_name(&st));
    fprintf(tb_out, "Device: %llxh\tInode: %-11llu Links: %lu\n", (unsigned long long)st.st_dev,
            (unsigned long long)st.st_ino, (unsigned long)st.st_nlink);
    fprintf(tb_out, "Access: (%04o/%s)  Uid: (    0/    root)   Gid: (    0/    root)\nModify: %s\n",
            S_ISDIR(st.st_mode) ? 0755 : S_ISLNK(st.st_mode) ? 0777 : 0644, mode, when);
  }
  return rc;
}

/* Apparent sizes in KiB (WASI has no block counts). */
static long long du_walk(const char *path, int depth, int summary, int human, int *rc);

static void du_print(long long kib, const char *path, int human) {
  if (!human) { fprintf(tb_out, "%lld\t%s\n", kib, path); return; }
  const char *units = "KMGT";
  double v = kib;
  int u = 0;
  while (v >= 1024 && u < 3) { v /= 1024; u++; }
  if (v < 10) fprintf(tb_out, "%.1f%c\t%s\n", v, units[u], path);
  else fprintf(tb_out, "%.0f%c\t%s\n", v + 0.4999, units[u], path);
}

static long long du_walk(const char *path, int depth, int summary, int human, int *rc) {
  struct stat st;
  if (lstat(path, &st) != 0) { *rc = tb_errno(1, "du", "cannot access '%s'", path); return 0; }
  long long total = (st.st_size + 1023) / 1024;
  if (!S_ISDIR(st.st_mode)) { if (depth == 0) du_print(total, path, human); return total; }
  total = 4;
  char **names;
  int n = tb_list_dir(path, &names);
  for (int i = 0; i < n; i++) {
    if (!strcmp(names[i], ".") || !strcmp(names[i], "..")) continue;
    char *p = tb_join(path, names[i]);
    struct stat cs;
    if (lstat(p, &cs) == 0) total += S_ISDIR(cs.st_mode) ? du_walk(p, depth + 1, summary, human, rc) : (cs.st_size + 1023) / 1024;
    free(p);
  }
  if (n >= 0) tb_free_list(names, n);
  if (!summary || depth == 0) du_print(total, path, human);
  return total;
}

APPLET(du) {
  int c, summary = 0, human = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "shak")) != -1) {
    if (c == 's') summary = 1;
    else if (c == 'h') human = 1;
    else if (c == '?') return tb_badopt(1, "du");
  }
  if (optind >= argc) du_walk(".", 0, summary, human, &rc);
  for (int i = optind; i < argc; i++) du_walk(argv[i], 0, summary, human, &rc);
  return rc;
}

/* WASI has no statvfs: df reports what the tree under the mount point uses, and no capacity. */
APPLET(df) {
  int c, human = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "hkPT")) != -1) {
    if (c == 'h') human = 1;
    else if (c == '?') return tb_badopt(1, "df");
  }
  for (int i = optind; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) return tb_errno(1, "df", "%s", argv[i]);
  }
  FILE *saved = tb_out, *null = tb_null_stream("w");
  tb_out = null;
  long long used = du_walk("/", 0, 1, 0, &rc);
  tb_out = saved;
  fclose(null);
  fprintf(tb_out, "Filesystem     %s      Used Available Use%% Mounted on\n", human ? "Size" : "1K-blocks");
  if (human) fprintf(tb_out, "rootfs            -  %7.1fM         -    - /\n", used / 1024.0);
  else fprintf(tb_out, "rootfs                 -  %8lld         -    - /\n", used);
  return 0;
}

struct find_opts { const char *name; char type; int maxdepth, mindepth; };

static int find_walk(const char *path, int depth, struct find_opts *o) {
  struct stat st;
  if (lstat(path, &st) != 0) return tb_errno(1, "find", "'%s'", path);
  int ok = depth >= o->mindepth;
  if (ok && o->name && fnmatch(o->name, tb_basename(path), 0) != 0) ok = 0;
  if (ok && o->type) {
    char t = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : S_ISREG(st.st_mode) ? 'f' : '?';
    ok = t == o->type;
  }
  if (ok) fprintf(tb_out, "%s\n", path);
  if (!S_ISDIR(st.st_mode) || (o->maxdepth >= 0 && depth >= o->maxdepth)) return 0;
  char **names;
  int n = tb_list_dir(path, &names), rc = 0;
  if (n < 0) return tb_errno(1, "find", "'%s'", path);
  for (int i = 0; i < n; i++) {
    if (!strcmp(names[i], ".") || !strcmp(names[i], "..")) continue;
    char *p = tb_join(path, names[i]);
    rc |= find_walk(p, depth + 1, o);
    free(p);
  }
  tb_free_list(names, n);
  return rc;
}

APPLET(find) {
  struct find_opts o = {0, 0, -1, 0};
  int i = 1, rc = 0, first;
  while (i < argc && argv[i][0] != '-') i++;
  first = i;
  for (; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : 0;
    if (!strcmp(a, "-print")) continue;
    if (!v) return tb_msg(1, "find", "missing argument to `%s'", a);
    if (!strcmp(a, "-name")) o.name = v;
    else if (!strcmp(a, "-type")) o.type = v[0];
    else if (!strcmp(a, "-maxdepth")) o.maxdepth = atoi(v);
    else if (!strcmp(a, "-mindepth")) o.mindepth = atoi(v);
    else return tb_msg(1, "find", "unknown predicate `%s'", a);
    i++;
  }
  if (first == 1) return find_walk(".", 0, &o);
  for (int j = 1; j < first; j++) rc |= find_walk(argv[j], 0, &o);
  return rc;
}
