/* sed: commands s/RE/REPL/[gp], d, p, q, with an optional address (N, $, /RE/) or range
 * (A1,A2); several commands separated by ';' or newlines or given with several -e; -n; -E;
 * -i (in place). RE is a POSIX basic regex (extended with -E); REPL knows & and \1-\9. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include "toolbox.h"

struct addr { int kind; long line; regex_t re; }; /* kind: 0 none, 1 line, 2 last, 3 regex */
struct sed_cmd {
  struct addr a1, a2;
  int in_range;
  char op;
  regex_t re;
  char *repl;
  int global, print;
};

static char *delimited(const char **pp, char delim) {
  const char *p = *pp;
  char *out = malloc(strlen(p) + 1), *o = out;
  while (*p && *p != delim) {
    if (*p == '\\' && p[1] == delim) { *o++ = delim; p += 2; continue; }
    if (*p == '\\' && p[1] == 'n') { *o++ = '\n'; p += 2; continue; }
    if (*p == '\\' && p[1]) *o++ = *p++;
    *o++ = *p++;
  }
  *o = 0;
  if (*p != delim) { free(out); return 0; }
  *pp = p + 1;
  return out;
}

static int parse_addr(const char **pp, struct addr *a, int flags) {
  const char *p = *pp;
  if (*p >= '0' && *p <= '9') { a->kind = 1; a->line = strtol(p, (char **)&p, 10); }
  else if (*p == '$') { a->kind = 2; p++; }
  else if (*p == '/') {
    p++;
    char *re = delimited(&p, '/');
    if (!re || regcomp(&a->re, re, flags)) { free(re); return -1; }
    free(re);
    a->kind = 3;
  }
  *pp = p;
  return 0;
}

static int parse_script(const char *s, struct sed_cmd **cmds, int *n, int flags) {
  const char *p = s;
  while (*p) {
    while (*p == ';' || *p == '\n' || *p == ' ') p++;
    if (!*p) break;
    struct sed_cmd c = {0};
    if (parse_addr(&p, &c.a1, flags)) return tb_msg(1, "sed", "-e expression #1: unterminated address regex");
    if (*p == ',' && (p++, parse_addr(&p, &c.a2, flags))) return tb_msg(1, "sed", "-e expression #1: unterminated address regex");
    while (*p == ' ') p++;
    c.op = *p ? *p++ : 0;
    if (c.op == 's') {
      char delim = *p++;
      char *re = delimited(&p, delim), *repl = re ? delimited(&p, delim) : 0;
      if (!re || !repl) return tb_msg(1, "sed", "-e expression #1, char %d: unterminated `s' command", (int)(p - s));
      for (; *p && *p != ';' && *p != '\n' && *p != '}'; p++) {
        if (*p == 'g') c.global = 1;
        else if (*p == 'p') c.print = 1;
        else if (*p != ' ') return tb_msg(1, "sed", "-e expression #1, char %d: unknown option to `s'", (int)(p - s + 1));
      }
      if (regcomp(&c.re, re, flags)) return tb_msg(1, "sed", "-e expression #1: invalid regular expression '%s'", re);
      free(re);
      c.repl = repl;
    } else if (!c.op || !strchr("dpq=", c.op)) {
      return tb_msg(1, "sed", "-e expression #1, char %d: unknown command: `%c'", (int)(p - s), c.op);
    }
    *cmds = realloc(*cmds, sizeof(struct sed_cmd) * (*n + 1));
    (*cmds)[(*n)++] = c;
  }
  return 0;
}

static int addr_hit(struct addr *a, long line, int last, const char *text) {
  if (a->kind == 1) return line == a->line;
  if (a->kind == 2) return last;
  if (a->kind == 3) return regexec(&a->re, text, 0, 0, 0) == 0;
  return 1;
}

static int selected(struct sed_cmd *c, long line, int last, const char *text) {
  if (!c->a1.kind) return 1;
  if (!c->a2.kind) return addr_hit(&c->a1, line, last, text);
  if (c->in_range) {
    if (c->a2.kind == 1 ? line >= c->a2.line : addr_hit(&c->a2, line, last, text)) c->in_range = 0;
    return 1;
  }
  if (!addr_hit(&c->a1, line, last, text)) return 0;
  c->in_range = !(c->a2.kind == 1 && c->a2.line <= line);
  return 1;
}

struct sbuf { char *s; size_t n, cap; };

static void sb_put(struct sbuf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) b->s = realloc(b->s, b->cap = (b->n + n + 1) * 2);
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

/* Applies s/// to *text; returns whether it replaced something. */
static int substitute(struct sed_cmd *c, char **text) {
  regmatch_t m[10];
  const char *at = *text;
  struct sbuf b = {0};
  int did = 0, eflags = 0;
  while (regexec(&c->re, at, 10, m, eflags) == 0) {
    did = 1;
    sb_put(&b, at, m[0].rm_so);
    for (const char *r = c->repl; *r; r++) {
      int g = *r == '&' ? 0 : (*r == '\\' && r[1] >= '0' && r[1] <= '9') ? r[1] - '0' : -1;
      if (g < 0) { if (*r == '\\' && r[1]) r++; sb_put(&b, r, 1); continue; }
      if (*r == '\\') r++;
      if (m[g].rm_so >= 0) sb_put(&b, at + m[g].rm_so, m[g].rm_eo - m[g].rm_so);
    }
    if (m[0].rm_eo == m[0].rm_so) { /* an empty match: keep one character and move on */
      if (!at[m[0].rm_eo]) { at += m[0].rm_eo; break; }
      sb_put(&b, at + m[0].rm_eo, 1);
      at += 1;
    }
    at += m[0].rm_eo;
    eflags = REG_NOTBOL;
    if (!c->global) break;
  }
  if (!did) return 0;
  sb_put(&b, at, strlen(at));
  free(*text);
  *text = b.s;
  return 1;
}

/* Runs the script over one input; returns 1 when a q command ended it. */
static int sed_stream(char *data, size_t len, struct sed_cmd *cmds, int n, int quiet, FILE *out) {
  long line = 0;
  for (size_t i = 0; i < len;) {
    char *nl = memchr(data + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - data) : len;
    char *text = strndup(data + i, end - i);
    i = end + 1;
    int last = i >= len, deleted = 0, quit = 0;
    line++;
    for (int k = 0; k < n && !deleted && !quit; k++) {
      struct sed_cmd *c = &cmds[k];
      if (!selected(c, line, last, text)) continue;
      if (c->op == 'd') deleted = 1;
      else if (c->op == 'p') fprintf(out, "%s\n", text);
      else if (c->op == '=') fprintf(out, "%ld\n", line);
      else if (c->op == 'q') quit = 1;
      else if (substitute(c, &text) && c->print) fprintf(out, "%s\n", text);
    }
    if (!deleted && !quiet) fprintf(out, nl ? "%s\n" : "%s", text);
    free(text);
    if (quit) return 1;
  }
  return 0;
}

APPLET(sed) {
  int c, quiet = 0, inplace = 0, flags = 0, n = 0, scripts = 0;
  struct sed_cmd *cmds = 0;
  char *script = strdup("");
  while ((c = tb_getopt(argc, argv, "ne:iEr")) != -1) {
    if (c == 'n') quiet = 1;
    else if (c == 'i') inplace = 1;
    else if (c == 'E' || c == 'r') flags |= REG_EXTENDED;
    else if (c == 'e') {
      script = realloc(script, strlen(script) + strlen(optarg) + 2);
      strcat(strcat(script, "\n"), optarg);
      scripts++;
    } else return tb_badopt(1, "sed");
  }
  if (!scripts) {
    if (optind >= argc) { free(script); return tb_msg(1, "sed", "no script specified"); }
    free(script);
    script = strdup(argv[optind++]);
  }
  int rc = parse_script(script, &cmds, &n, flags);
  free(script);
  if (rc) return rc;
  for (int i = optind >= argc ? -1 : optind; i < argc; i++) {
    FILE *f = i < 0 ? tb_in : tb_open_in("sed", argv[i]);
    if (!f) { rc = 2; continue; }
    size_t len;
    char *data = tb_read_all(f, &len);
    tb_close_in(f);
    FILE *out = inplace && i >= 0 ? fopen(argv[i], "w") : tb_out;
    if (!out) { rc = tb_errno(4, "sed", "couldn't open %s", argv[i]); free(data); continue; }
    int quit = sed_stream(data, len, cmds, n, quiet, out);
    if (out != tb_out) fclose(out);
    free(data);
    if (quit || i < 0) break;
  }
  return rc;
}
