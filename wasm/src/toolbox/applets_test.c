/* test and [: file tests, -t FD (a terminal), string and integer comparisons, !, -a, -o and parentheses.
 * Exit 0 true, 1 false, 2 on a syntax error (as coreutils). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "toolbox.h"

struct tparse { char **av; int ac, pos, err; };

static const char *peek(struct tparse *t) { return t->pos < t->ac ? t->av[t->pos] : 0; }

static int is_int(const char *s, long long *v) {
  char *end;
  if (!*s) return 0;
  *v = strtoll(s, &end, 10);
  return *end == 0;
}

static int unary(const char *op, const char *arg) {
  struct stat st;
  if (!strcmp(op, "-n")) return *arg != 0;
  if (!strcmp(op, "-z")) return *arg == 0;
  if (!strcmp(op, "-L") || !strcmp(op, "-h")) return lstat(arg, &st) == 0 && S_ISLNK(st.st_mode);
  if (!strcmp(op, "-t")) { long long fd; return is_int(arg, &fd) && fd >= 0 && fd < 1 << 30 && isatty((int)fd); }
  if (stat(arg, &st) != 0) return 0;
  switch (op[1]) {
    case 'e': return 1;
    case 'f': return S_ISREG(st.st_mode);
    case 'd': return S_ISDIR(st.st_mode);
    case 's': return st.st_size > 0;
    case 'r': return access(arg, R_OK) == 0;
    case 'w': return access(arg, W_OK) == 0;
    case 'x': return access(arg, X_OK) == 0 || S_ISDIR(st.st_mode);
    case 'p': return S_ISFIFO(st.st_mode);
    case 'c': return S_ISCHR(st.st_mode);
    case 'b': return S_ISBLK(st.st_mode);
    case 'S': return S_ISSOCK(st.st_mode);
  }
  return 0;
}

static int is_unary(const char *s) { return s && s[0] == '-' && s[1] && !s[2] && strchr("nzLhefdsrwxpcbSt", s[1]); }

static int binary(struct tparse *t, const char *a, const char *op, const char *b) {
  if (!strcmp(op, "=") || !strcmp(op, "==")) return strcmp(a, b) == 0;
  if (!strcmp(op, "!=")) return strcmp(a, b) != 0;
  if (!strcmp(op, "<")) return strcmp(a, b) < 0;
  if (!strcmp(op, ">")) return strcmp(a, b) > 0;
  long long x, y;
  if (!is_int(a, &x) || !is_int(b, &y)) {
    tb_msg(0, "test", "%s: integer expression expected", is_int(a, &x) ? b : a);
    t->err = 1;
    return 0;
  }
  if (!strcmp(op, "-eq")) return x == y;
  if (!strcmp(op, "-ne")) return x != y;
  if (!strcmp(op, "-lt")) return x < y;
  if (!strcmp(op, "-le")) return x <= y;
  if (!strcmp(op, "-gt")) return x > y;
  return x >= y;
}

static int is_binary(const char *s) {
  static const char *ops[] = {"=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", 0};
  for (int i = 0; s && ops[i]; i++) if (!strcmp(s, ops[i])) return 1;
  return 0;
}

static int expr_or(struct tparse *t);

static int primary(struct tparse *t) {
  const char *a = peek(t);
  if (!a) { t->err = 1; return 0; }
  if (!strcmp(a, "!")) { t->pos++; return !primary(t); }
  if (!strcmp(a, "(") && t->pos + 1 < t->ac) {
    t->pos++;
    int v = expr_or(t);
    if (!peek(t) || strcmp(peek(t), ")")) { tb_msg(0, "test", "missing ')'"); t->err = 1; }
    t->pos++;
    return v;
  }
  if (t->pos + 2 < t->ac && is_binary(t->av[t->pos + 1])) {
    t->pos += 3;
    return binary(t, a, t->av[t->pos - 2], t->av[t->pos - 1]);
  }
  if (is_unary(a) && t->pos + 1 < t->ac) { t->pos += 2; return unary(a, t->av[t->pos - 1]); }
  t->pos++;
  return *a != 0;
}

static int expr_and(struct tparse *t) {
  int v = primary(t);
  while (peek(t) && !strcmp(peek(t), "-a")) { t->pos++; v = primary(t) && v; }
  return v;
}

static int expr_or(struct tparse *t) {
  int v = expr_and(t);
  while (peek(t) && !strcmp(peek(t), "-o")) { t->pos++; v = expr_and(t) || v; }
  return v;
}

APPLET(test) {
  if (!strcmp(tb_basename(argv[0]), "[")) {
    if (argc < 2 || strcmp(argv[argc - 1], "]")) return tb_msg(2, "[", "missing ']'");
    argc--;
  }
  struct tparse t = {argv + 1, argc - 1, 0, 0};
  if (t.ac == 0) return 1;
  int v = expr_or(&t);
  if (!t.err && t.pos < t.ac) { tb_msg(0, "test", "%s: unexpected operator", t.av[t.pos]); t.err = 1; }
  return t.err ? 2 : !v;
}
