/* Text and system applets: echo, printf, pwd, true, false, env, sleep, uname, hostname, seq,
 * basename, dirname, test/[, date, id, whoami. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "toolbox.h"

extern char **environ;

int ap_echo(int argc, char **argv) {
  int i = 1, newline = 1;
  if (i < argc && strcmp(argv[i], "-n") == 0) { newline = 0; i++; }
  for (; i < argc; i++) fprintf(tb_out, "%s%s", argv[i], i + 1 < argc ? " " : "");
  if (newline) fputc('\n', tb_out);
  return 0;
}

int ap_printf(int argc, char **argv) {
  if (argc < 2) { fprintf(tb_err, "printf: missing operand\n"); return 1; }
  int arg = 2;
  for (const char *p = argv[1]; *p; p++) {
    if (*p == '\\' && p[1]) {
      p++;
      fputc(*p == 'n' ? '\n' : *p == 't' ? '\t' : *p, tb_out);
    } else if (*p == '%' && p[1]) {
      p++;
      const char *a = arg < argc ? argv[arg++] : "";
      if (*p == 's') fputs(a, tb_out); else if (*p == 'd') fprintf(tb_out, "%ld", strtol(a, 0, 10)); else if (*p == '%') fputc('%', tb_out);
    } else fputc(*p, tb_out);
  }
  return 0;
}

int ap_pwd(int argc, char **argv) {
  (void)argc; (void)argv;
  char buf[4096];
  if (!getcwd(buf, sizeof buf)) return tb_errorf("pwd", ".");
  fprintf(tb_out, "%s\n", buf);
  return 0;
}

int ap_true(int argc, char **argv) { (void)argc; (void)argv; return 0; }
int ap_false(int argc, char **argv) { (void)argc; (void)argv; return 1; }

int ap_env(int argc, char **argv) {
  if (argc > 1) return run_argv(argc - 1, argv + 1);
  for (char **e = environ; e && *e; e++) fprintf(tb_out, "%s\n", *e);
  return 0;
}

int ap_sleep(int argc, char **argv) {
  if (argc < 2) { fprintf(tb_err, "sleep: missing operand\n"); return 1; }
  double s = strtod(argv[1], 0);
  struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
  nanosleep(&ts, 0);
  return 0;
}

int ap_uname(int argc, char **argv) {
  int all = argc > 1 && strcmp(argv[1], "-a") == 0;
  fprintf(tb_out, all ? "WASI strata 1.0 wasm32 WASI\n" : "WASI\n");
  return 0;
}

static int read_first_line(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  if (!fgets(buf, (int)len, f)) buf[0] = 0;
  fclose(f);
  buf[strcspn(buf, "\n")] = 0;
  return 0;
}

int ap_hostname(int argc, char **argv) {
  (void)argc; (void)argv;
  char buf[256];
  const char *env = getenv("HOSTNAME");
  if (env && *env) fprintf(tb_out, "%s\n", env);
  else if (read_first_line("/etc/hostname", buf, sizeof buf) == 0) fprintf(tb_out, "%s\n", buf);
  else fprintf(tb_out, "localhost\n");
  return 0;
}

int ap_seq(int argc, char **argv) {
  long first = 1, last;
  if (argc == 2) last = strtol(argv[1], 0, 10);
  else if (argc == 3) { first = strtol(argv[1], 0, 10); last = strtol(argv[2], 0, 10); }
  else { fprintf(tb_err, "seq: missing operand\n"); return 1; }
  for (long i = first; i <= last; i++) fprintf(tb_out, "%ld\n", i);
  return 0;
}

int ap_basename(int argc, char **argv) {
  if (argc < 2) return 1;
  char *s = argv[1];
  size_t n = strlen(s);
  while (n > 1 && s[n - 1] == '/') s[--n] = 0;
  char *b = strrchr(s, '/');
  fprintf(tb_out, "%s\n", b && b[1] ? b + 1 : s);
  return 0;
}

int ap_dirname(int argc, char **argv) {
  if (argc < 2) return 1;
  char *s = argv[1], *b = strrchr(s, '/');
  if (!b) fprintf(tb_out, ".\n");
  else if (b == s) fprintf(tb_out, "/\n");
  else { *b = 0; fprintf(tb_out, "%s\n", s); }
  return 0;
}

static int test_expr(int argc, char **argv) {
  struct stat st;
  if (argc == 0) return 1;
  if (argc == 1) return argv[0][0] ? 0 : 1;
  if (argc == 2 && strcmp(argv[0], "!") == 0) return !test_expr(1, argv + 1);
  if (argc == 2) {
    const char *op = argv[0], *a = argv[1];
    if (!strcmp(op, "-z")) return a[0] ? 1 : 0;
    if (!strcmp(op, "-n")) return a[0] ? 0 : 1;
    if (!strcmp(op, "-e")) return stat(a, &st) ? 1 : 0;
    if (!strcmp(op, "-f")) return stat(a, &st) || !S_ISREG(st.st_mode);
    if (!strcmp(op, "-d")) return stat(a, &st) || !S_ISDIR(st.st_mode);
    if (!strcmp(op, "-L") || !strcmp(op, "-h")) return lstat(a, &st) || !S_ISLNK(st.st_mode);
    if (!strcmp(op, "-s")) return stat(a, &st) || st.st_size == 0;
    return 2;
  }
  if (argc == 3) {
    const char *a = argv[0], *op = argv[1], *b = argv[2];
    long x = strtol(a, 0, 10), y = strtol(b, 0, 10);
    if (!strcmp(op, "=") || !strcmp(op, "==")) return strcmp(a, b) != 0;
    if (!strcmp(op, "!=")) return strcmp(a, b) == 0;
    if (!strcmp(op, "-eq")) return !(x == y);
    if (!strcmp(op, "-ne")) return !(x != y);
    if (!strcmp(op, "-lt")) return !(x < y);
    if (!strcmp(op, "-le")) return !(x <= y);
    if (!strcmp(op, "-gt")) return !(x > y);
    if (!strcmp(op, "-ge")) return !(x >= y);
  }
  return 2;
}

int ap_test(int argc, char **argv) {
  if (strcmp(argv[0], "[") == 0) {
    if (strcmp(argv[argc - 1], "]") != 0) { fprintf(tb_err, "[: missing ']'\n"); return 2; }
    argc--;
  }
  return test_expr(argc - 1, argv + 1);
}

int ap_date(int argc, char **argv) {
  (void)argc; (void)argv;
  char buf[64];
  time_t t = time(0);
  strftime(buf, sizeof buf, "%a %b %e %H:%M:%S UTC %Y", gmtime(&t));
  fprintf(tb_out, "%s\n", buf);
  return 0;
}

int ap_id(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(tb_out, "uid=0(root) gid=0(root) groups=0(root)\n");
  return 0;
}

int ap_whoami(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(tb_out, "root\n");
  return 0;
}
