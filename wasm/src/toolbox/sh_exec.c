/* Running the tree in-process. Redirections swap tb_in/tb_out/tb_err; a pipeline runs its
 * stages one after another, each stage's output buffered in memory for the next (WASI has
 * no fork and no pipe); $(...) captures tb_out into memory. An interrupt (tb_intr, tty.c)
 * unwinds the whole tree with status 130: it is looked for before every simple command
 * and every loop iteration, so `while :; do :; done` ends too. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh.h"

struct shell *SH;
static int sh_captures;

int sh_valid_name(const char *s, size_t n) {
  if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (size_t i = 0; i < n; i++)
    if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))) return 0;
  return 1;
}

static struct var *find_var(const char *name) {
  for (int i = 0; i < SH->nvars; i++) if (!strcmp(SH->vars[i].name, name)) return &SH->vars[i];
  return 0;
}

const char *sh_getvar(const char *name) {
  struct var *v = find_var(name);
  return v ? v->value : getenv(name);
}

void sh_setvar(const char *name, const char *value) {
  if (getenv(name)) { setenv(name, value, 1); return; }
  struct var *v = find_var(name);
  if (!v) {
    SH->vars = realloc(SH->vars, sizeof(struct var) * (SH->nvars + 1));
    v = &SH->vars[SH->nvars++];
    v->name = strdup(name);
  } else {
    free(v->value);
  }
  v->value = strdup(value);
}

void sh_unsetvar(const char *name) {
  unsetenv(name);
  struct var *v = find_var(name);
  if (!v) return;
  free(v->name);
  free(v->value);
  *v = SH->vars[--SH->nvars];
}

struct node *sh_find_function(const char *name) {
  for (int i = 0; i < SH->nfuncs; i++) if (!strcmp(SH->funcs[i].name, name)) return SH->funcs[i].body;
  return 0;
}

struct streams { FILE *in, *out, *err, *opened[8]; int nopened; };

static FILE *open_target(const char *path, const char *mode) {
  FILE *f = fopen(path, mode);
  if (!f && !strcmp(path, "/dev/null")) f = tb_null_stream(mode);
  return f;
}

/* Applies redirections in order; 1 (after a message) when a file cannot be opened. */
static int redirect(struct redir *r, int n, struct streams *s) {
  *s = (struct streams){tb_in, tb_out, tb_err, {0}, 0};
  for (int i = 0; i < n; i++) {
    char *target = sh_expand_one(r[i].word, X_STRING);
    FILE *f = 0;
    if (r[i].op == R_DUPOUT || r[i].op == R_DUPIN) {
      f = !strcmp(target, "1") ? tb_out : !strcmp(target, "2") ? tb_err : !strcmp(target, "0") ? tb_in : 0;
      if (!f) { fprintf(tb_err, "sh: %s: bad file descriptor\n", target); free(target); return 1; }
    } else {
      f = open_target(target, r[i].op == R_IN ? "r" : r[i].op == R_APPEND ? "a" : "w");
      if (!f) {
        fprintf(tb_err, "sh: %s %s: %s\n", r[i].op == R_IN ? "can't open" : "can't create", target, strerror(errno));
        free(target);
        return 1;
      }
      if (s->nopened < 8) s->opened[s->nopened++] = f;
    }
    free(target);
    if (r[i].fd == 0) tb_in = f;
    else if (r[i].fd == 1) tb_out = f;
    else if (r[i].fd == 2) tb_err = f;
  }
  return 0;
}

static void unredirect(struct streams *s) {
  fflush(tb_out);
  fflush(tb_err);
  tb_in = s->in;
  tb_out = s->out;
  tb_err = s->err;
  for (int i = 0; i < s->nopened; i++) fclose(s->opened[i]);
}

static int starts_script(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char head[128] = {0};
  size_t n = fread(head, 1, sizeof head - 1, f);
  fclose(f);
  if (n >= 4 && !memcmp(head, "\0asm", 4)) return 0;
  if (head[0] != '#' || head[1] != '!') return 1; /* no #!: a shell script (ENOEXEC rule) */
  char *nl = strchr(head, '\n');
  if (nl) *nl = 0;
  char *interp = head + 2;
  while (*interp == ' ') interp++;
  char *end = interp + strcspn(interp, " \t");
  int env = !strncmp(interp, "/usr/bin/env", end - interp) && end - interp == 12;
  if (env) { interp = end + strspn(end, " \t"); end = interp + strcspn(interp, " \t"); }
  *end = 0;
  return !strcmp(tb_basename(interp), "sh");
}

static char *search_path(const char *name) {
  const char *path = sh_getvar("PATH");
  char *dirs = strdup(path ? path : "/usr/bin:/bin"), *save, *found = 0;
  for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(0, ":", &save)) {
    char *p = tb_join(*d ? d : ".", name);
    struct stat st;
    if (stat(p, &st) == 0 && !S_ISDIR(st.st_mode)) found = p;
    else free(p);
  }
  free(dirs);
  return found;
}

/* An applet by name; then a #!/bin/sh script (run in-process); else a child process. */
int sh_run_command(int argc, char **argv) {
  if (tb_intr) return TB_INTR_STATUS; /* xargs, env: nothing more runs after a ^C */
  applet_fn fn = strchr(argv[0], '/') ? 0 : find_applet(argv[0]);
  if (fn) return run_applet(fn, argc, argv);
  char *path = strchr(argv[0], '/') ? strdup(argv[0]) : search_path(argv[0]);
  int rc;
  if (path && starts_script(path)) {
    char **args = malloc(sizeof(char *) * (argc + 2));
    args[0] = "sh";
    args[1] = path;
    memcpy(args + 2, argv + 1, sizeof(char *) * argc);
    rc = run_applet(ap_sh, argc + 1, args);
    free(args);
  } else if (path && strchr(argv[0], '/') && find_applet(tb_basename(argv[0]))) {
    rc = run_applet(find_applet(tb_basename(argv[0])), argc, argv); /* /bin/ls -> toolbox */
  } else {
    rc = spawn_child(argc, argv);
  }
  free(path);
  return rc;
}

static int is_assignment(const char *w) {
  const char *eq = strchr(w, '=');
  return eq && sh_valid_name(w, eq - w);
}

static int simple_command(struct node *n) {
  char **argv = 0;
  int argc = 0, nassign = 0, rc = 0;
  int captures = sh_captures; /* a command without words has the status of its last $(...) */
  while (nassign < n->nwords && is_assignment(n->words[nassign])) nassign++;
  if (tb_interrupted()) return TB_INTR_STATUS;
  for (int i = nassign; i < n->nwords; i++) sh_expand(n->words[i], X_FIELDS, &argv, &argc);
  if (SH->exiting || tb_intr) { /* `exit` or ^C inside a $(...) */
    for (int i = 0; i < argc; i++) free(argv[i]);
    free(argv);
    return tb_intr ? TB_INTR_STATUS : SH->status;
  }
  struct streams s;
  if (redirect(n->redirs, n->nredirs, &s)) { unredirect(&s); return 1; }
  char **saved_env = argc && nassign ? tb_env_save() : 0;
  for (int i = 0; i < nassign; i++) {
    char *eq = strchr(n->words[i], '=');
    char *name = strndup(n->words[i], eq - n->words[i]), *value = sh_expand_one(eq + 1, X_STRING);
    if (argc) setenv(name, value, 1); /* VAR=x cmd: for this command only */
    else sh_setvar(name, value);
    free(name);
    free(value);
  }
  rc = argc || captures == sh_captures ? 0 : SH->status;
  if (argc) {
    struct node *fn = sh_find_function(argv[0]);
    int handled = 0;
    if (fn) rc = sh_call_function(fn, argc, argv);
    else rc = sh_builtin(argc, argv, &handled);
    if (!fn && !handled) rc = sh_run_command(argc, argv);
  }
  if (saved_env) tb_env_restore(saved_env);
  unredirect(&s);
  for (int i = 0; i < argc; i++) free(argv[i]);
  free(argv);
  return rc;
}

static int pipeline(struct node *n) {
  struct node *stages[64];
  int count = 0;
  for (struct node *p = n; p->kind == N_PIPE && count < 62; p = p->a) stages[count++] = p->b;
  struct node *first = n;
  while (first->kind == N_PIPE) first = first->a;
  stages[count++] = first;
  FILE *saved_in = tb_in, *saved_out = tb_out;
  char *data = 0;
  size_t size = 0;
  int rc = 0, was = tb_in_pipeline, exiting = SH->exiting;
  for (int i = count - 1; i >= 0; i--) {
    FILE *in = data ? (size ? fmemopen(data, size, "r") : tb_null_stream("r")) : 0;
    char *next = 0;
    size_t next_size = 0;
    FILE *out = i > 0 ? open_memstream(&next, &next_size) : 0;
    if (in) tb_in = in;
    if (out) tb_out = out;
    tb_in_pipeline = i > 0;
    rc = sh_exec(stages[i]);
    SH->exiting = exiting; /* every stage is a subshell: its exit ends only the stage */
    tb_in = saved_in;
    tb_out = saved_out;
    if (in) fclose(in);
    if (out) fclose(out);
    free(data);
    data = next;
    size = next_size;
  }
  free(data);
  tb_in_pipeline = was;
  return rc;
}

static int run_for(struct node *n) {
  char **items = 0;
  int count = 0, rc = 0;
  if (n->has_in) for (int i = 0; i < n->nwords; i++) sh_expand(n->words[i], X_FIELDS, &items, &count);
  else sh_expand("\"$@\"", X_FIELDS, &items, &count);
  SH->loops++;
  for (int i = 0; i < count && !SH->exiting && !SH->returning && !tb_interrupted(); i++) {
    sh_setvar(n->name, items[i]);
    rc = sh_exec(n->b);
    if (SH->breaking) { SH->breaking--; break; }
    if (SH->continuing) { if (--SH->continuing) break; }
  }
  SH->loops--;
  for (int i = 0; i < count; i++) free(items[i]);
  free(items);
  return rc;
}

static int run_while(struct node *n) {
  int rc = 0;
  SH->loops++;
  while (!SH->exiting && !SH->returning && !tb_interrupted()) {
    int c = sh_exec(n->a);
    if (SH->exiting || SH->breaking) { if (SH->breaking) SH->breaking--; break; }
    if ((c == 0) != (n->kind == N_WHILE)) break;
    rc = sh_exec(n->b);
    if (SH->breaking) { SH->breaking--; break; }
    if (SH->continuing) { if (--SH->continuing) break; }
  }
  SH->loops--;
  return rc;
}

static int run_case(struct node *n) {
  char *word = sh_expand_one(n->words[0], X_STRING);
  int rc = 0;
  for (int i = 0; i < n->nitems; i++) {
    int hit = 0;
    for (int k = 0; k < n->items[i].npats && !hit; k++) {
      char *pat = sh_expand_one(n->items[i].pats[k], X_PATTERN);
      hit = fnmatch(pat, word, 0) == 0;
      free(pat);
    }
    if (hit) { rc = sh_exec(n->items[i].body); break; }
  }
  free(word);
  return rc;
}

static int compound(struct node *n) {
  switch (n->kind) {
    case N_IF:
      if (sh_exec(n->a) == 0 && !SH->exiting) return sh_exec(n->b);
      return n->c && !SH->exiting ? sh_exec(n->c) : 0;
    case N_WHILE: case N_UNTIL: return run_while(n);
    case N_FOR: return run_for(n);
    case N_CASE: return run_case(n);
    case N_GROUP: return sh_exec(n->a);
    case N_SUBSHELL: {
      char cwd[4096], **env = tb_env_save();
      int ok = getcwd(cwd, sizeof cwd) != 0, exiting = SH->exiting;
      int rc = sh_exec(n->a);
      SH->exiting = exiting;
      if (ok) chdir(cwd);
      tb_env_restore(env);
      return rc;
    }
  }
  return 0;
}

int sh_exec(struct node *n) {
  if (!n || SH->exiting) return SH->status;
  if (tb_intr) return SH->status = TB_INTR_STATUS;
  int rc = 0;
  switch (n->kind) {
    case N_SEQ:
      if (!n->a) return 0;
      rc = sh_exec(n->a);
      if (n->b && !SH->exiting && !SH->breaking && !SH->continuing && !SH->returning) rc = sh_exec(n->b);
      return rc;
    case N_AND: case N_OR:
      rc = sh_exec(n->a);
      if (!SH->exiting && !SH->breaking && !SH->continuing && !SH->returning && (rc == 0) == (n->kind == N_AND)) rc = sh_exec(n->b);
      return rc;
    case N_NOT: rc = !sh_exec(n->a); break;
    case N_BG: rc = sh_exec(n->a); break;
    case N_PIPE: rc = pipeline(n); break;
    case N_CMD: rc = simple_command(n); break;
    case N_FUNC:
      SH->funcs = realloc(SH->funcs, sizeof(struct func) * (SH->nfuncs + 1));
      SH->funcs[SH->nfuncs++] = (struct func){n->name, n->a};
      rc = 0;
      break;
    default: {
      struct streams s;
      if (redirect(n->redirs, n->nredirs, &s)) { unredirect(&s); rc = 1; break; }
      rc = compound(n);
      unredirect(&s);
    }
  }
  if (tb_intr) rc = TB_INTR_STATUS; /* `! cmd` and `cmd || true` too */
  if (!SH->exiting) SH->status = rc;
  return SH->exiting ? SH->status : rc;
}

int sh_eval(const char *src) {
  struct node *n = sh_parse(src, 0);
  if (!n) return SH->status = 2;
  return sh_exec(n);
}

/* $(...): the output, without its trailing newlines; runs as a subshell would. */
char *sh_capture(const char *src) {
  char *data = 0, cwd[4096];
  size_t size = 0;
  FILE *saved = tb_out, *mem = open_memstream(&data, &size);
  int ok = getcwd(cwd, sizeof cwd) != 0, exiting = SH->exiting;
  tb_out = mem;
  sh_captures++;
  int rc = sh_eval(src);
  tb_out = saved;
  fclose(mem);
  SH->exiting = exiting;
  SH->status = rc;
  if (ok) chdir(cwd);
  while (size && data[size - 1] == '\n') data[--size] = 0;
  return data;
}
