/* sh lexer and recursive-descent parser for the POSIX grammar subset: lists (; & newline),
 * && ||, pipelines (with !), redirections, if/elif/else, while/until, for, case, { },
 * ( ), and function definitions NAME() BODY. Words keep their quotes for sh_expand. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "sh.h"

struct token { int kind, fd, op; char *text; };
static struct { const char *src; size_t pos; struct token tok; int err, incomplete; } P;

static int is_meta(char c) { return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')'; }

static void fail(const char *what) {
  if (P.err) return;
  P.err = 1;
  if (P.tok.kind == T_EOF && !what) { P.incomplete = 1; return; }
  fprintf(tb_err, "sh: syntax error: %s\n", what ? what : "unexpected");
}

/* Skips a quoted or nested construct starting at s[i]; returns the index after it, or -1. */
static long skip_nested(const char *s, long i) {
  char open = s[i];
  if (open == '\'') { const char *e = strchr(s + i + 1, '\''); return e ? e - s + 1 : -1; }
  if (open == '`') {
    for (i++; s[i] && s[i] != '`'; i++) if (s[i] == '\\' && s[i + 1]) i++;
    return s[i] ? i + 1 : -1;
  }
  if (open == '"') {
    for (i++; s[i] && s[i] != '"'; i++) {
      if (s[i] == '\\' && s[i + 1]) i++;
      else if ((s[i] == '$' && (s[i + 1] == '(' || s[i + 1] == '{')) || s[i] == '`') {
        long j = skip_nested(s, s[i] == '`' ? i : i + 1);
        if (j < 0) return -1;
        i = j - 1;
      }
    }
    return s[i] ? i + 1 : -1;
  }
  char close = open == '(' ? ')' : '}';
  int depth = 1;
  for (i++; s[i] && depth; i++) {
    if (s[i] == '\\' && s[i + 1]) { i++; continue; }
    if (s[i] == '\'' || s[i] == '"' || s[i] == '`') {
      long j = skip_nested(s, i);
      if (j < 0) return -1;
      i = j - 1;
    } else if (s[i] == open) depth++;
    else if (s[i] == close) depth--;
  }
  return depth ? -1 : i;
}

static void next(void) {
  const char *s = P.src;
  size_t i = P.pos;
  free(P.tok.text);
  P.tok = (struct token){T_EOF, -1, 0, 0};
  for (;;) {
    while (s[i] == ' ' || s[i] == '\t') i++;
    if (s[i] == '\\' && s[i + 1] == '\n') { i += 2; continue; }
    if (s[i] == '#') { while (s[i] && s[i] != '\n') i++; }
    break;
  }
  if (!s[i]) { P.pos = i; return; }
  if (s[i] == '\n') { P.tok.kind = T_NL; P.pos = i + 1; return; }
  size_t d = i;
  while (isdigit((unsigned char)s[d])) d++;
  if ((s[d] == '<' || s[d] == '>') && (d == i || d - i < 3)) {
    P.tok.kind = T_REDIR;
    P.tok.fd = d > i ? atoi(s + i) : s[d] == '<' ? 0 : 1;
    int out = s[d] == '>';
    if (out && s[d + 1] == '>') { P.tok.op = R_APPEND; d += 2; }
    else if (s[d + 1] == '&') { P.tok.op = out ? R_DUPOUT : R_DUPIN; d += 2; }
    else if (out && s[d + 1] == '|') { P.tok.op = R_OUT; d += 2; }
    else { P.tok.op = out ? R_OUT : R_IN; d++; }
    P.pos = d;
    return;
  }
  if (is_meta(s[i])) {
    static const char *ops[] = {";;", "&&", "||", ";", "&", "|", "(", ")", 0};
    for (int k = 0; ops[k]; k++) {
      size_t n = strlen(ops[k]);
      if (!strncmp(s + i, ops[k], n)) { P.tok.kind = T_OP; P.tok.text = strdup(ops[k]); P.pos = i + n; return; }
    }
  }
  char *w = malloc(strlen(s + i) + 1);
  size_t n = 0;
  while (s[i] && !is_meta(s[i])) {
    long j = i + 1;
    if (s[i] == '\\' && s[i + 1] == '\n') { i += 2; continue; }
    if (s[i] == '\\' && s[i + 1]) j = i + 2;
    else if (s[i] == '\'' || s[i] == '"' || s[i] == '`') j = skip_nested(s, i);
    else if (s[i] == '$' && (s[i + 1] == '(' || s[i + 1] == '{')) j = skip_nested(s, i + 1);
    if (j < 0) { P.tok.kind = T_EOF; P.err = P.incomplete = 1; free(w); P.pos = strlen(s); return; }
    memcpy(w + n, s + i, j - i);
    n += j - i;
    i = j;
  }
  w[n] = 0;
  P.tok.kind = T_WORD;
  P.tok.text = w;
  P.pos = i;
}

static int is_op(const char *op) { return P.tok.kind == T_OP && !strcmp(P.tok.text, op); }
static int is_kw(const char *kw) { return P.tok.kind == T_WORD && !strcmp(P.tok.text, kw); }
static void skip_nl(void) { while (P.tok.kind == T_NL) next(); }

static void expect(const char *kw) {
  if (P.err) return;
  if (is_kw(kw) || is_op(kw)) { next(); return; }
  if (P.tok.kind == T_EOF) { fail(0); return; }
  char msg[128];
  snprintf(msg, sizeof msg, "unexpected \"%s\" (expecting \"%s\")", P.tok.kind == T_NL ? "newline" : P.tok.text, kw);
  fail(msg);
}

static struct node *mk(int kind, struct node *a, struct node *b) {
  struct node *n = calloc(1, sizeof *n);
  n->kind = kind;
  n->a = a;
  n->b = b;
  return n;
}

static int at_list_end(void) {
  static const char *kws[] = {"then", "else", "elif", "fi", "do", "done", "esac", "}", 0};
  if (P.tok.kind == T_EOF || is_op(")") || is_op(";;")) return 1;
  for (int i = 0; kws[i]; i++) if (is_kw(kws[i])) return 1;
  return 0;
}

static struct node *list(void);
static struct node *command(void);

static void add_redir(struct node *n) {
  struct redir r = {P.tok.fd, P.tok.op, 0};
  next();
  if (P.tok.kind != T_WORD) { fail(P.tok.kind == T_EOF ? "unexpected end of file" : "unexpected redirection target"); return; }
  r.word = strdup(P.tok.text);
  n->redirs = realloc(n->redirs, sizeof(struct redir) * (n->nredirs + 1));
  n->redirs[n->nredirs++] = r;
  next();
}

static void add_word(char ***words, int *n, const char *w) {
  *words = realloc(*words, sizeof(char *) * (*n + 2));
  (*words)[(*n)++] = strdup(w);
  (*words)[*n] = 0;
}

static struct node *simple(void) {
  struct node *n = mk(N_CMD, 0, 0);
  while (!P.err && (P.tok.kind == T_WORD || P.tok.kind == T_REDIR)) {
    if (P.tok.kind == T_REDIR) { add_redir(n); continue; }
    add_word(&n->words, &n->nwords, P.tok.text);
    next();
    if (n->nwords == 1 && is_op("(")) { /* NAME() BODY */
      next();
      expect(")");
      skip_nl();
      struct node *f = mk(N_FUNC, command(), 0);
      f->name = n->words[0];
      return f;
    }
  }
  if (!P.err && n->nwords == 0 && n->nredirs == 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "unexpected \"%s\"", P.tok.kind == T_EOF ? "end of file" : P.tok.kind == T_NL ? "newline" : P.tok.text);
    if (P.tok.kind == T_EOF) fail(0); else fail(msg);
  }
  return n;
}

static struct node *if_clause(void) {
  next();
  struct node *n = mk(N_IF, list(), 0);
  expect("then");
  n->b = list();
  if (is_kw("elif")) { n->c = if_clause(); return n; }
  if (is_kw("else")) { next(); n->c = list(); }
  expect("fi");
  return n;
}

static struct node *for_clause(void) {
  next();
  struct node *n = mk(N_FOR, 0, 0);
  if (P.tok.kind != T_WORD) { fail("expected a variable name after for"); return n; }
  n->name = strdup(P.tok.text);
  next();
  skip_nl();
  if (is_kw("in")) {
    n->has_in = 1;
    for (next(); P.tok.kind == T_WORD; next()) add_word(&n->words, &n->nwords, P.tok.text);
  }
  if (is_op(";")) next();
  skip_nl();
  expect("do");
  n->b = list();
  expect("done");
  return n;
}

static struct node *case_clause(void) {
  next();
  struct node *n = mk(N_CASE, 0, 0);
  if (P.tok.kind != T_WORD) { fail("expected a word after case"); return n; }
  add_word(&n->words, &n->nwords, P.tok.text);
  next();
  skip_nl();
  expect("in");
  skip_nl();
  while (!P.err && !is_kw("esac")) {
    struct case_item it = {0};
    if (is_op("(")) next();
    for (;;) {
      if (P.tok.kind != T_WORD) { fail(P.tok.kind == T_EOF ? 0 : "expected a pattern in case"); return n; }
      add_word(&it.pats, &it.npats, P.tok.text);
      next();
      if (!is_op("|")) break;
      next();
    }
    expect(")");
    it.body = list();
    n->items = realloc(n->items, sizeof(struct case_item) * (n->nitems + 1));
    n->items[n->nitems++] = it;
    if (is_op(";;")) next();
    else if (!is_kw("esac")) { fail(P.tok.kind == T_EOF ? 0 : "expected ;; or esac"); return n; }
    skip_nl();
  }
  expect("esac");
  return n;
}

static struct node *command(void) {
  struct node *n;
  if (is_kw("if")) n = if_clause();
  else if (is_kw("while") || is_kw("until")) {
    int kind = is_kw("while") ? N_WHILE : N_UNTIL;
    next();
    n = mk(kind, list(), 0);
    expect("do");
    n->b = list();
    expect("done");
  } else if (is_kw("for")) n = for_clause();
  else if (is_kw("case")) n = case_clause();
  else if (is_kw("{")) { next(); n = mk(N_GROUP, list(), 0); expect("}"); }
  else if (is_op("(")) { next(); n = mk(N_SUBSHELL, list(), 0); expect(")"); }
  else return simple();
  while (!P.err && P.tok.kind == T_REDIR) add_redir(n);
  return n;
}

static struct node *pipeline(void) {
  int neg = 0;
  if (is_kw("!")) { neg = 1; next(); }
  struct node *n = command();
  while (!P.err && is_op("|")) {
    next();
    skip_nl();
    n = mk(N_PIPE, n, command());
  }
  return neg ? mk(N_NOT, n, 0) : n;
}

static struct node *and_or(void) {
  struct node *n = pipeline();
  while (!P.err && (is_op("&&") || is_op("||"))) {
    int kind = is_op("&&") ? N_AND : N_OR;
    next();
    skip_nl();
    n = mk(kind, n, pipeline());
  }
  return n;
}

static struct node *list(void) {
  struct node *head = mk(N_SEQ, 0, 0), *tail = head;
  skip_nl();
  while (!P.err && !at_list_end()) {
    struct node *item = and_or();
    if (is_op("&")) item = mk(N_BG, item, 0); /* no background jobs in WASI: run it now */
    if (is_op(";") || is_op("&")) next();
    else if (P.tok.kind == T_NL) next();
    else if (!at_list_end() && !P.err) {
      char msg[128];
      snprintf(msg, sizeof msg, "unexpected \"%s\"", P.tok.text ? P.tok.text : "redirection");
      fail(msg);
    }
    if (tail->a) tail = tail->b = mk(N_SEQ, 0, 0);
    tail->a = item;
    skip_nl();
  }
  return head;
}

struct node *sh_parse(const char *src, int *incomplete) {
  memset(&P, 0, sizeof P);
  P.src = src;
  next();
  struct node *n = list();
  if (!P.err && P.tok.kind != T_EOF) {
    char msg[128];
    snprintf(msg, sizeof msg, "unexpected \"%s\"", P.tok.text ? P.tok.text : "newline");
    fail(msg);
  }
  free(P.tok.text);
  P.tok.text = 0;
  if (incomplete) *incomplete = P.incomplete;
  if (P.err && P.incomplete && !incomplete) fprintf(tb_err, "sh: syntax error: unexpected end of file\n");
  return P.err ? 0 : n;
}
