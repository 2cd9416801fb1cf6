/* $((...)): integer arithmetic with + - * / % ( ), comparisons, ! && || and variable names
 * (a name that is unset or not a number counts as 0, as in POSIX shells). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "sh.h"

struct arith { const char *p; int err; };

static void ws(struct arith *a) { while (isspace((unsigned char)*a->p)) a->p++; }
static int eat(struct arith *a, const char *op) {
  ws(a);
  size_t n = strlen(op);
  if (strncmp(a->p, op, n)) return 0;
  if (n == 1 && (a->p[1] == '=' || (op[0] == '&' && a->p[1] == '&') || (op[0] == '|' && a->p[1] == '|')) && strchr("<>!=&|", op[0])) return 0;
  a->p += n;
  return 1;
}

static long long expr(struct arith *a);

static long long atom(struct arith *a) {
  ws(a);
  if (eat(a, "(")) { long long v = expr(a); if (!eat(a, ")")) a->err = 1; return v; }
  if (eat(a, "-")) return -atom(a);
  if (eat(a, "+")) return atom(a);
  if (eat(a, "!")) return !atom(a);
  if (isdigit((unsigned char)*a->p)) return strtoll(a->p, (char **)&a->p, 0);
  if (isalpha((unsigned char)*a->p) || *a->p == '_') {
    char name[128];
    size_t k = 0;
    while ((isalnum((unsigned char)*a->p) || *a->p == '_') && k < 127) name[k++] = *a->p++;
    name[k] = 0;
    const char *v = sh_getvar(name);
    return v ? strtoll(v, 0, 0) : 0;
  }
  a->err = 1;
  return 0;
}

static long long mul(struct arith *a) {
  long long v = atom(a);
  for (;;) {
    if (eat(a, "*")) v *= atom(a);
    else if (eat(a, "/") || eat(a, "%")) {
      char op = a->p[-1];
      long long d = atom(a);
      if (d == 0) { a->err = 1; return 0; }
      v = op == '/' ? v / d : v % d;
    } else return v;
  }
}

static long long add(struct arith *a) {
  long long v = mul(a);
  for (;;) {
    if (eat(a, "+")) v += mul(a);
    else if (eat(a, "-")) v -= mul(a);
    else return v;
  }
}

static long long cmp(struct arith *a) {
  long long v = add(a);
  for (;;) {
    if (eat(a, "<=")) v = v <= add(a);
    else if (eat(a, ">=")) v = v >= add(a);
    else if (eat(a, "<")) v = v < add(a);
    else if (eat(a, ">")) v = v > add(a);
    else if (eat(a, "==")) v = v == add(a);
    else if (eat(a, "!=")) v = v != add(a);
    else return v;
  }
}

static long long expr(struct arith *a) {
  long long v = cmp(a);
  for (;;) {
    if (eat(a, "&&")) { long long r = cmp(a); v = v && r; }
    else if (eat(a, "||")) { long long r = cmp(a); v = v || r; }
    else return v;
  }
}

long long sh_arith(const char *s, int *err) {
  struct arith a = {s, 0};
  long long v = expr(&a);
  ws(&a);
  if (*a.p) a.err = 1;
  *err = a.err;
  return a.err ? 0 : v;
}
