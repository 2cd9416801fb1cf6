/* Word expansion: quotes and escapes, parameters ($name ${name} ${name:-w} ${name:=w}
 * ${name:+w} ${#name} ${name#p} ${name%p}, $? $# $@ $* $0-$9 $$), $(...) and `...`,
 * $((...)), then field splitting on IFS whitespace and pathname globbing (X_FIELDS). */
#include <fnmatch.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh.h"

/* Each character carries how it arrived: literal, quoted, or from an unquoted expansion
 * (only those split). BREAK separates the fields of "$@". */
enum { C_LIT, C_QUOTED, C_EXPANDED, C_BREAK };
struct xbuf { char *s; unsigned char *q; size_t n, cap; int quoted_seen; };

static void xput(struct xbuf *b, const char *s, size_t n, int q) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->s = realloc(b->s, b->cap);
    b->q = realloc(b->q, b->cap);
  }
  memcpy(b->s + b->n, s, n);
  memset(b->q + b->n, q, n);
  b->n += n;
  b->s[b->n] = 0;
}

static void expand_into(struct xbuf *b, const char *w, int quoted);

/* The end of a ( ) or { } group starting at p (quotes inside respected). */
static const char *group_end(const char *p) {
  char open = *p, close = open == '(' ? ')' : '}';
  int depth = 0;
  for (; *p; p++) {
    if (*p == '\\' && p[1]) { p++; continue; }
    if (*p == '\'' || (*p == '"' && open == '(')) { const char *q = strchr(p + 1, *p); if (!q) return p + strlen(p); p = q; continue; }
    if (*p == open) depth++;
    else if (*p == close && --depth == 0) return p + 1;
  }
  return p;
}

static char *param_value(const char *name, char *num) {
  if (!strcmp(name, "?")) { sprintf(num, "%d", SH->status); return num; }
  if (!strcmp(name, "#")) { sprintf(num, "%d", SH->nparams - 1); return num; }
  if (!strcmp(name, "$")) return "1";
  if (!strcmp(name, "!")) return "";
  if (!strcmp(name, "-")) return "";
  if (name[0] >= '0' && name[0] <= '9') {
    int i = atoi(name);
    return i < SH->nparams ? SH->params[i] : 0;
  }
  return (char *)sh_getvar(name);
}

/* ${name#pat} ${name##pat} ${name%pat} ${name%%pat} */
static char *trim(const char *v, const char *op, const char *pat) {
  size_t n = strlen(v);
  char *s = strdup(v);
  int longest = op[1] == op[0], prefix = op[0] == '#';
  for (size_t k = 0; k <= n; k++) {
    size_t len = longest ? n - k : k;
    char save;
    if (prefix) {
      save = s[len]; s[len] = 0;
      int hit = fnmatch(pat, s, 0) == 0;
      s[len] = save;
      if (hit) { memmove(s, s + len, n - len + 1); return s; }
    } else if (fnmatch(pat, v + n - len, 0) == 0) {
      s[n - len] = 0;
      return s;
    }
  }
  return s;
}

static void braced(struct xbuf *b, const char *inner, int quoted) {
  char num[32], name[256];
  int len_of = inner[0] == '#' && inner[1];
  const char *p = inner + len_of;
  size_t k = 0;
  if (*p && strchr("?#$!@*-0123456789", *p)) name[k++] = *p++;
  else while (k < 255 && (p[0] == '_' || (p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') || (k && p[0] >= '0' && p[0] <= '9'))) name[k++] = *p++;
  name[k] = 0;
  const char *v = (!strcmp(name, "@") || !strcmp(name, "*")) ? 0 : param_value(name, num);
  char *joined = 0;
  if (!strcmp(name, "@") || !strcmp(name, "*")) {
    size_t total = 1;
    for (int i = 1; i < SH->nparams; i++) total += strlen(SH->params[i]) + 1;
    joined = calloc(1, total);
    for (int i = 1; i < SH->nparams; i++) { if (i > 1) strcat(joined, " "); strcat(joined, SH->params[i]); }
    v = joined;
  }
  if (len_of) { sprintf(num, "%zu", v ? strlen(v) : 0); xput(b, num, strlen(num), C_EXPANDED); free(joined); return; }
  int colon = *p == ':';
  const char *op = p + colon;
  int unset = !v || (colon && !*v);
  if (*op == '-' || *op == '=' || *op == '+' || *op == '?') {
    char *word = sh_expand_one(op + 1, X_STRING);
    if (*op == '-' && unset) v = word;
    else if (*op == '=' && unset) { sh_setvar(name, word); v = sh_getvar(name); }
    else if (*op == '+') v = unset ? "" : word;
    else if (*op == '?' && unset) { fprintf(tb_err, "sh: %s: %s\n", name, *word ? word : "parameter not set"); SH->exiting = 1; SH->status = 1; }
    if (v) xput(b, v, strlen(v), quoted ? C_QUOTED : C_EXPANDED);
    free(word);
  } else if (*p == '#' || *p == '%') {
    const char *pat = p + (p[1] == p[0] ? 2 : 1);
    char *pattern = sh_expand_one(pat, X_PATTERN), *t = trim(v ? v : "", p, pattern);
    xput(b, t, strlen(t), quoted ? C_QUOTED : C_EXPANDED);
    free(t);
    free(pattern);
  } else if (v) {
    xput(b, v, strlen(v), quoted ? C_QUOTED : C_EXPANDED);
  }
  free(joined);
}

static void put_params(struct xbuf *b, int quoted, int at) {
  for (int i = 1; i < SH->nparams; i++) {
    if (i > 1) xput(b, " ", 1, quoted && at ? C_BREAK : quoted ? C_QUOTED : C_EXPANDED);
    xput(b, SH->params[i], strlen(SH->params[i]), quoted ? C_QUOTED : C_EXPANDED);
  }
}

/* $... at *pp (pointing at '$'); advances *pp. */
static void dollar(struct xbuf *b, const char **pp, int quoted) {
  const char *p = *pp + 1;
  char num[32], name[256];
  if (*p == '(' || *p == '{') {
    int arith = p[0] == '(' && p[1] == '(';
    const char *start = p + 1 + arith, *e = group_end(p);
    size_t len = e - start - 1 - arith;
    char *inner = strndup(start, len);
    if (*p == '{') braced(b, inner, quoted);
    else if (arith) {
      char *x = sh_expand_one(inner, X_STRING);
      int err = 0;
      long long v = sh_arith(x, &err);
      if (err) { fprintf(tb_err, "sh: arithmetic syntax error: %s\n", x); SH->status = 2; }
      sprintf(num, "%lld", v);
      xput(b, num, strlen(num), quoted ? C_QUOTED : C_EXPANDED);
      free(x);
    } else {
      char *out = sh_capture(inner);
      xput(b, out, strlen(out), quoted ? C_QUOTED : C_EXPANDED);
      free(out);
    }
    free(inner);
    *pp = e;
    return;
  }
  if (*p == '@' || *p == '*') { put_params(b, quoted, *p == '@'); *pp = p + 1; return; }
  size_t k = 0;
  if (*p && strchr("?#$!-0123456789", *p)) name[k++] = *p++;
  else while (k < 255 && (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (k && *p >= '0' && *p <= '9'))) name[k++] = *p++;
  name[k] = 0;
  if (!k) { xput(b, "$", 1, quoted ? C_QUOTED : C_LIT); *pp = p; return; }
  const char *v = param_value(name, num);
  if (v) xput(b, v, strlen(v), quoted ? C_QUOTED : C_EXPANDED);
  *pp = p;
}

static void backquote(struct xbuf *b, const char **pp, int quoted) {
  const char *p = *pp + 1;
  char *cmd = malloc(strlen(p) + 1), *o = cmd;
  for (; *p && *p != '`'; p++) {
    if (*p == '\\' && (p[1] == '`' || p[1] == '\\' || p[1] == '$')) p++;
    *o++ = *p;
  }
  *o = 0;
  char *out = sh_capture(cmd);
  xput(b, out, strlen(out), quoted ? C_QUOTED : C_EXPANDED);
  free(out);
  free(cmd);
  *pp = *p ? p + 1 : p;
}

static void expand_into(struct xbuf *b, const char *w, int quoted) {
  for (const char *p = w; *p;) {
    if (*p == '\\' && p[1]) {
      if (!quoted || strchr("$`\"\\\n", p[1])) { if (p[1] != '\n') xput(b, p + 1, 1, C_QUOTED); p += 2; }
      else { xput(b, p, 2, C_QUOTED); p += 2; }
    } else if (*p == '\'' && !quoted) {
      const char *e = strchr(p + 1, '\'');
      if (!e) e = p + strlen(p);
      xput(b, p + 1, e - p - 1, C_QUOTED);
      b->quoted_seen = 1;
      p = *e ? e + 1 : e;
    } else if (*p == '"' && !quoted) {
      const char *s = p + 1, *e = s;
      while (*e && *e != '"') {
        if (*e == '\\' && e[1]) e += 2;
        else if (*e == '$' && (e[1] == '(' || e[1] == '{')) e = group_end(e + 1);
        else if (*e == '`') { const char *k = strchr(e + 1, '`'); e = k ? k + 1 : e + strlen(e); }
        else e++;
      }
      char *inner = strndup(s, e - s);
      b->quoted_seen = 1;
      expand_into(b, inner, 1);
      free(inner);
      p = *e ? e + 1 : e;
    } else if (*p == '$') {
      dollar(b, &p, quoted);
    } else if (*p == '`') {
      backquote(b, &p, quoted);
    } else {
      xput(b, p, 1, quoted ? C_QUOTED : C_LIT);
      p++;
    }
  }
}

static void add_field(char ***out, int *n, const char *s) {
  *out = realloc(*out, sizeof(char *) * (*n + 2));
  (*out)[(*n)++] = strdup(s);
  (*out)[*n] = 0;
}

static int is_glob(char c) { return c == '*' || c == '?' || c == '['; }

/* A field with unquoted glob characters is replaced by the sorted matching paths. */
static void glob_field(const char *s, const unsigned char *q, size_t n, char ***out, int *count) {
  int any = 0;
  char *pat = malloc(n * 2 + 1), *o = pat;
  for (size_t i = 0; i < n; i++) {
    if (q[i] == C_QUOTED && (is_glob(s[i]) || s[i] == '\\' || s[i] == ']')) *o++ = '\\';
    else if (q[i] != C_QUOTED && is_glob(s[i])) any = 1;
    *o++ = s[i];
  }
  *o = 0;
  glob_t g;
  if (any && glob(pat, 0, 0, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; i++) add_field(out, count, g.gl_pathv[i]);
    globfree(&g);
  } else {
    char *lit = strndup(s, n);
    add_field(out, count, lit);
    free(lit);
  }
  free(pat);
}

int sh_expand(const char *raw, int mode, char ***out, int *n) {
  if (!strcmp(raw, "\"$@\"") && SH->nparams <= 1) return 0; /* "$@" with no parameters: no field */
  struct xbuf b = {0};
  xput(&b, "", 0, 0);
  expand_into(&b, raw, 0);
  if (mode != X_FIELDS) {
    add_field(out, n, b.s);
    free(b.s);
    free(b.q);
    return 0;
  }
  const char *ifs = sh_getvar("IFS");
  if (!ifs) ifs = " \t\n";
  size_t start = 0;
  int has = b.quoted_seen;
  for (size_t i = 0; i <= b.n; i++) {
    int sep = i < b.n && ((b.q[i] == C_EXPANDED && strchr(ifs, b.s[i])) || b.q[i] == C_BREAK);
    if (i < b.n && !sep) { has = 1; continue; }
    if (i > start || (has && (i == b.n || b.q[i] == C_BREAK))) glob_field(b.s + start, b.q + start, i - start, out, n);
    has = i < b.n && b.q[i] == C_BREAK;
    start = i + 1;
  }
  free(b.s);
  free(b.q);
  return 0;
}

char *sh_expand_one(const char *raw, int mode) {
  struct xbuf b = {0};
  xput(&b, "", 0, 0);
  expand_into(&b, raw, 0);
  if (mode == X_PATTERN) { /* quoted characters match themselves */
    char *pat = malloc(b.n * 2 + 1), *o = pat;
    for (size_t i = 0; i < b.n; i++) {
      if (b.q[i] == C_QUOTED && strchr("*?[]\\", b.s[i])) *o++ = '\\';
      *o++ = b.s[i];
    }
    *o = 0;
    free(b.s);
    free(b.q);
    return pat;
  }
  free(b.q);
  return b.s;
}
