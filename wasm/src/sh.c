/* sh: a small POSIX-style shell. It interprets while it parses (a skip flag walks the
 * branches not taken): lists with ; && ||, pipelines (stage by stage through temporary
 * files, as WASI has no fork or pipe), redirections > >> < 2> 2>&1, if/elif/else, for,
 * while, variables ($V ${V} $? $# $@ $0-$9), quoting and escapes, $(...), and the
 * builtins cd, exit, export, unset and ':'. Variables live in the environment. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "toolbox.h"

enum { T_WORD, T_OP, T_EOF };
struct tok { int type; char *s; };
static struct tok *toks;
static int ntok, pos, last_status, exiting;
static char **params;
static int nparams;
static int pipe_seq;

static int is_op_char(char c) { return c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '\n'; }

static void push(int type, const char *s, size_t n) {
  toks = realloc(toks, sizeof(struct tok) * (ntok + 1));
  toks[ntok].type = type;
  toks[ntok].s = strndup(s, n);
  ntok++;
}

/* Split into words (quotes kept for expansion) and operators. */
static int tokenize(const char *p) {
  while (*p) {
    if (*p == ' ' || *p == '\t') { p++; continue; }
    if (*p == '#') { while (*p && *p != '\n') p++; continue; }
    if (*p == '2' && p[1] == '>' && p[2] == '&' && p[3] == '1') { push(T_OP, "2>&1", 4); p += 4; continue; }
    if (*p == '1' && p[1] == '>' && p[2] == '&' && p[3] == '2') { push(T_OP, ">&2", 3); p += 4; continue; }
    if (*p == '>' && p[1] == '&' && p[2] == '2') { push(T_OP, ">&2", 3); p += 3; continue; }
    if (*p == '1' && p[1] == '>') { p++; continue; }
    if (*p == '2' && p[1] == '>') { push(T_OP, "2>", 2); p += 2; continue; }
    if (is_op_char(*p)) {
      size_t n = (p[1] == *p && (*p == '&' || *p == '|' || *p == '>')) ? 2 : 1;
      push(T_OP, p, n);
      p += n;
      continue;
    }
    const char *start = p;
    int depth = 0;
    while (*p && (depth || !(*p == ' ' || *p == '\t' || is_op_char(*p)))) {
      if (*p == '\\' && p[1]) p += 2;
      else if (*p == '\'') { p++; while (*p && *p != '\'') p++; if (*p) p++; }
      else if (*p == '"') { p++; while (*p && *p != '"') { if (*p == '\\' && p[1]) p++; p++; } if (*p) p++; }
      else if (*p == '$' && p[1] == '(') { depth++; p += 2; }
      else if (*p == ')' && depth) { depth--; p++; }
      else p++;
    }
    push(T_WORD, start, p - start);
  }
  push(T_EOF, "", 0);
  return 0;
}

struct buf { char *s; size_t n, cap; };
static void put(struct buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) { b->cap = (b->n + n + 1) * 2; b->s = realloc(b->s, b->cap); }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

static int run_script(const char *text);

static char *capture(const char *script) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/.sh-sub-%d-%d", (int)(arc4random() & 0x7fffffff), ++pipe_seq);
  FILE *f = fopen(path, "w+");
  if (!f) return strdup("");
  FILE *saved = tb_out;
  tb_out = f;
  int saved_status = last_status;
  run_script(script);
  (void)saved_status;
  tb_out = saved;
  fflush(f);
  rewind(f);
  struct buf b = {0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) put(&b, chunk, n);
  fclose(f);
  unlink(path);
  if (!b.s) return strdup("");
  while (b.n && b.s[b.n - 1] == '\n') b.s[--b.n] = 0;
  return b.s;
}

static void expand_var(struct buf *b, const char **pp) {
  const char *p = *pp + 1;
  char name[256];
  size_t n = 0;
  char num[16];
  if (*p == '(') {
    int depth = 1;
    const char *start = ++p;
    while (*p && depth) { if (*p == '(') depth++; else if (*p == ')') depth--; if (depth) p++; }
    char *inner = strndup(start, p - start);
    char *out = capture(inner);
    put(b, out, strlen(out));
    free(inner);
    free(out);
    *pp = *p ? p + 1 : p;
    return;
  }
  if (*p == '?') { snprintf(num, sizeof num, "%d", last_status); put(b, num, strlen(num)); *pp = p + 1; return; }
  if (*p == '#') { snprintf(num, sizeof num, "%d", nparams > 0 ? nparams - 1 : 0); put(b, num, strlen(num)); *pp = p + 1; return; }
  if (*p == '@' || *p == '*') {
    for (int i = 1; i < nparams; i++) { if (i > 1) put(b, " ", 1); put(b, params[i], strlen(params[i])); }
    *pp = p + 1;
    return;
  }
  if (*p >= '0' && *p <= '9') {
    int i = *p - '0';
    if (i < nparams) put(b, params[i], strlen(params[i]));
    *pp = p + 1;
    return;
  }
  int braced = *p == '{';
  if (braced) p++;
  while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_') { if (n < sizeof name - 1) name[n++] = *p; p++; }
  name[n] = 0;
  if (braced && *p == '}') p++;
  if (!n) { put(b, "$", 1); *pp = *pp + 1; return; }
  const char *v = getenv(name);
  if (v) put(b, v, strlen(v));
  *pp = p;
}

/* Expand quotes, escapes and $ in one word. */
static char *expand(const char *w) {
  struct buf b = {0};
  put(&b, "", 0);
  for (const char *p = w; *p;) {
    if (*p == '\\' && p[1]) { put(&b, p + 1, 1); p += 2; }
    else if (*p == '\'') { const char *e = strchr(p + 1, '\''); if (!e) e = p + strlen(p); put(&b, p + 1, e - p - 1); p = *e ? e + 1 : e; }
    else if (*p == '"') {
      p++;
      while (*p && *p != '"') {
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$')) { put(&b, p + 1, 1); p += 2; }
        else if (*p == '$') expand_var(&b, &p);
        else put(&b, p++, 1);
      }
      if (*p) p++;
    } else if (*p == '$') expand_var(&b, &p);
    else put(&b, p++, 1);
  }
  return b.s;
}

static int is(const char *s) { return toks[pos].type != T_EOF && strcmp(toks[pos].s, s) == 0; }
static int at_word(const char *kw) { return toks[pos].type == T_WORD && strcmp(toks[pos].s, kw) == 0; }
static void skip_newlines(void) { while (toks[pos].type == T_OP && (is(";") || is("\n"))) pos++; }
static int is_terminator(void) {
  static const char *kws[] = {"then", "else", "elif", "fi", "do", "done", 0};
  if (toks[pos].type == T_EOF) return 1;
  for (int i = 0; kws[i]; i++) if (at_word(kws[i])) return 1;
  return 0;
}

static int parse_list(int exec);

static int builtin(int argc, char **argv, int *handled) {
  *handled = 1;
  if (!strcmp(argv[0], "cd")) {
    const char *dir = argc > 1 ? argv[1] : getenv("HOME") ? getenv("HOME") : "/";
    if (chdir(dir) != 0) { fprintf(tb_err, "sh: cd: %s: %s\n", dir, strerror(errno)); return 1; }
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) setenv("PWD", cwd, 1);
    return 0;
  }
  if (!strcmp(argv[0], "exit")) { exiting = 1; return argc > 1 ? atoi(argv[1]) & 255 : last_status; }
  if (!strcmp(argv[0], "export")) {
    for (int i = 1; i < argc; i++) { char *eq = strchr(argv[i], '='); if (eq) { *eq = 0; setenv(argv[i], eq + 1, 1); } }
    return 0;
  }
  if (!strcmp(argv[0], "unset")) { for (int i = 1; i < argc; i++) unsetenv(argv[i]); return 0; }
  if (!strcmp(argv[0], ":")) return 0;
  *handled = 0;
  return 0;
}

/* A simple command: assignments, words and redirections. */
static int simple_command(int exec) {
  char **argv = 0;
  int argc = 0, rc = 0;
  FILE *in = tb_in, *out = tb_out, *err = tb_err, *opened[3] = {0, 0, 0};
  char **assigns = 0;
  int nassign = 0;
  while (toks[pos].type == T_WORD || is(">") || is(">>") || is("<") || is("2>") || is("2>&1") || is(">&2")) {
    if (toks[pos].type == T_OP) {
      const char *op = toks[pos++].s;
      if (!strcmp(op, "2>&1")) { err = out; continue; }
      if (!strcmp(op, ">&2")) { out = err; continue; }
      if (toks[pos].type != T_WORD) { fprintf(tb_err, "sh: syntax error near %s\n", op); return 2; }
      char *target = expand(toks[pos++].s);
      if (exec) {
        const char *mode = !strcmp(op, "<") ? "r" : !strcmp(op, ">>") ? "a" : "w";
        FILE *f = fopen(target, mode);
        if (!f) { fprintf(tb_err, "sh: %s: %s\n", target, strerror(errno)); free(target); rc = 1; exec = 0; continue; }
        int slot = !strcmp(op, "<") ? 0 : !strcmp(op, "2>") ? 2 : 1;
        if (opened[slot]) fclose(opened[slot]);
        opened[slot] = f;
        if (slot == 0) in = f; else if (slot == 1) out = f; else err = f;
      }
      free(target);
      continue;
    }
    const char *w = toks[pos].s;
    if (is_terminator() && argc == 0 && nassign == 0) break;
    pos++;
    const char *eq = strchr(w, '=');
    if (argc == 0 && eq && eq != w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == (size_t)(eq - w)) {
      assigns = realloc(assigns, sizeof(char *) * (nassign + 1));
      assigns[nassign++] = expand(w);
      continue;
    }
    argv = realloc(argv, sizeof(char *) * (argc + 2));
    argv[argc++] = expand(w);
    argv[argc] = 0;
  }
  if (exec) {
    for (int i = 0; i < nassign; i++) { char *e = strchr(assigns[i], '='); *e = 0; setenv(assigns[i], e + 1, 1); *e = '='; }
    if (argc > 0) {
      FILE *si = tb_in, *so = tb_out, *se = tb_err;
      tb_in = in; tb_out = out; tb_err = err;
      int handled;
      rc = builtin(argc, argv, &handled);
      if (!handled) rc = run_argv(argc, argv);
      fflush(tb_out);
      fflush(tb_err);
      tb_in = si; tb_out = so; tb_err = se;
    }
  }
  for (int i = 0; i < 3; i++) if (opened[i]) fclose(opened[i]);
  for (int i = 0; i < argc; i++) free(argv[i]);
  for (int i = 0; i < nassign; i++) free(assigns[i]);
  free(argv);
  free(assigns);
  return rc;
}

static int command(int exec) {
  if (at_word("if")) {
    pos++;
    int rc = 0, done = 0;
    int cond = parse_list(exec);
    if (at_word("then")) pos++;
    int take = exec && cond == 0;
    rc = parse_list(take);
    if (take) done = 1;
    while (at_word("elif")) {
      pos++;
      int c = parse_list(exec && !done);
      if (at_word("then")) pos++;
      int t = exec && !done && c == 0;
      int r = parse_list(t);
      if (t) { rc = r; done = 1; }
    }
    if (at_word("else")) { pos++; int r = parse_list(exec && !done); if (exec && !done) { rc = r; done = 1; } }
    if (at_word("fi")) pos++;
    return exec && !done ? 0 : rc;
  }
  if (at_word("while")) {
    pos++;
    int start = pos, rc = 0;
    for (;;) {
      pos = start;
      int c = parse_list(exec);
      if (at_word("do")) pos++;
      int body = pos;
      int go = exec && c == 0 && !exiting;
      int r = parse_list(go);
      if (go) rc = r;
      if (at_word("done")) pos++;
      if (!go) { (void)body; break; }
    }
    return rc;
  }
  if (at_word("for")) {
    pos++;
    char *var = strdup(toks[pos++].s);
    char **items = 0;
    int n = 0;
    if (at_word("in")) {
      pos++;
      while (toks[pos].type == T_WORD) {
        char *e = expand(toks[pos++].s);
        for (char *save, *w = strtok_r(e, " \t\n", &save); w; w = strtok_r(0, " \t\n", &save)) { items = realloc(items, sizeof(char *) * (n + 1)); items[n++] = strdup(w); }
        free(e);
      }
    }
    skip_newlines();
    if (at_word("do")) pos++;
    int body = pos, rc = 0;
    if (!exec || n == 0) parse_list(0);
    for (int i = 0; exec && i < n && !exiting; i++) { pos = body; setenv(var, items[i], 1); rc = parse_list(1); }
    if (at_word("done")) pos++;
    for (int i = 0; i < n; i++) free(items[i]);
    free(items);
    free(var);
    return rc;
  }
  return simple_command(exec);
}

/* command ('|' command)*: each stage's output goes to a temporary file, the next reads it. */
static int pipeline(int exec) {
  FILE *saved_in = tb_in, *saved_out = tb_out, *prev = 0;
  char prev_path[64] = "";
  int rc;
  for (;;) {
    int has_next = 0;
    /* Look ahead: does a '|' follow this command? Run it into a temp file then. */
    int start = pos;
    command(0);
    has_next = is("|");
    pos = start;
    FILE *next = 0;
    char path[64] = "";
    if (has_next && exec) {
      snprintf(path, sizeof path, "/tmp/.sh-pipe-%d-%d", (int)(arc4random() & 0x7fffffff), ++pipe_seq);
      next = fopen(path, "w+");
      if (next) tb_out = next;
    }
    if (prev) tb_in = prev;
    rc = command(exec);
    tb_out = saved_out;
    tb_in = saved_in;
    if (prev) { fclose(prev); unlink(prev_path); prev = 0; }
    if (!has_next) break;
    pos++;
    if (next) { fflush(next); rewind(next); prev = next; strcpy(prev_path, path); }
  }
  return rc;
}

static int and_or(int exec) {
  int rc = pipeline(exec);
  if (exec) last_status = rc;
  while (is("&&") || is("||")) {
    int and = is("&&");
    pos++;
    skip_newlines();
    int run = exec && !exiting && (and ? rc == 0 : rc != 0);
    int r = pipeline(run);
    if (run) { rc = r; last_status = rc; }
  }
  return rc;
}

static int parse_list(int exec) {
  int rc = 0;
  skip_newlines();
  while (!is_terminator()) {
    int start = pos;
    int r = and_or(exec && !exiting);
    if (exec && !exiting) rc = r; else if (exec && exiting) rc = r;
    if (pos == start) { fprintf(tb_err, "sh: syntax error near unexpected token `%s'\n", toks[pos].s); pos++; last_status = 2; return 2; }
    if (is("&")) pos++;
    skip_newlines();
  }
  return exiting ? last_status : rc;
}

static int run_script(const char *text) {
  struct tok *saved = toks;
  int saved_n = ntok, saved_pos = pos;
  toks = 0; ntok = 0; pos = 0;
  tokenize(text);
  int rc = parse_list(1);
  if (toks[pos].type != T_EOF) { fprintf(tb_err, "sh: syntax error near unexpected token `%s'\n", toks[pos].s); rc = 2; }
  for (int i = 0; i < ntok; i++) free(toks[i].s);
  free(toks);
  toks = saved; ntok = saved_n; pos = saved_pos;
  return rc;
}

static char *read_all(FILE *f) {
  struct buf b = {0};
  char chunk[4096];
  size_t n;
  put(&b, "", 0);
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) put(&b, chunk, n);
  return b.s;
}

int sh_main(int argc, char **argv) {
  char *script = 0;
  params = argv;
  nparams = argc;
  if (argc > 2 && !strcmp(argv[1], "-c")) {
    script = strdup(argv[2]);
    params = argv + 2;
    nparams = argc - 2;
    if (nparams >= 2) { params = argv + 3; nparams = argc - 3; }
  } else if (argc > 1) {
    FILE *f = fopen(argv[1], "r");
    if (!f) { fprintf(tb_err, "sh: can't open '%s': %s\n", argv[1], strerror(errno)); return 127; }
    script = read_all(f);
    fclose(f);
    params = argv + 1;
    nparams = argc - 1;
  } else script = read_all(tb_in);
  if (script[0] == '#' && script[1] == '!') { char *nl = strchr(script, '\n'); if (nl) memset(script, ' ', nl - script); }
  int rc = run_script(script);
  free(script);
  return exiting ? last_status : rc;
}
