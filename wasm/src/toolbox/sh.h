/* sh internals: the lexer and parser build a tree (sh_parse.c), words are expanded at run
 * time (sh_expand.c, sh_arith.c), and the tree is run in-process (sh_exec.c, sh_builtins.c). */
#ifndef SH_H
#define SH_H
#include "toolbox.h"

enum { T_EOF, T_NL, T_WORD, T_OP, T_REDIR };
enum { R_IN, R_OUT, R_APPEND, R_DUPOUT, R_DUPIN };
enum { N_CMD, N_PIPE, N_AND, N_OR, N_SEQ, N_BG, N_NOT, N_IF, N_WHILE, N_UNTIL, N_FOR, N_CASE, N_FUNC, N_GROUP, N_SUBSHELL };

struct redir { int fd, op; char *word; };
struct case_item { char **pats; int npats; struct node *body; };
struct node {
  int kind;
  struct node *a, *b, *c;   /* SEQ/AND/OR/PIPE: a b; IF: cond a, then b, else c; loops: cond a, body b */
  char **words;             /* CMD: raw words (assignments first); FOR: items; CASE: words[0] */
  int nwords, has_in;
  char *name;               /* FOR variable, FUNC name */
  struct redir *redirs;
  int nredirs;
  struct case_item *items;
  int nitems;
};

/* Parses a whole script. NULL with *incomplete = 1 when it ends inside a construct (more
 * input may complete it), or with a message on tb_err for a syntax error. An empty script
 * gives an N_SEQ with no children. */
struct node *sh_parse(const char *src, int *incomplete);

struct var { char *name, *value; };
struct func { char *name; struct node *body; };
struct shell {
  char **params;  /* params[0] is $0 */
  int nparams;
  struct var *vars; /* unexported variables; exported ones live in environ */
  int nvars;
  struct func *funcs;
  int nfuncs;
  int status, exiting, breaking, continuing, returning, loops, funcs_depth;
};
extern struct shell *SH;

const char *sh_getvar(const char *name);
void sh_setvar(const char *name, const char *value);
void sh_unsetvar(const char *name);
int sh_valid_name(const char *s, size_t n);

/* expansion modes */
enum { X_FIELDS, X_STRING, X_PATTERN };
/* Expands one raw word: X_FIELDS splits fields and globs (appending to *out), the other
 * modes give exactly one string (X_PATTERN keeps quoted glob characters escaped). */
int sh_expand(const char *raw, int mode, char ***out, int *n);
char *sh_expand_one(const char *raw, int mode);
long long sh_arith(const char *expr, int *err);
/* Runs a script text in the current shell; captures tb_out into a string when asked. */
int sh_eval(const char *src);
char *sh_capture(const char *src);

int sh_exec(struct node *n);
/* Runs the commands read from in (sh_input.c); interactive: prompts, ^C, as dash. */
int sh_run_stream(FILE *in, int interactive);
int sh_builtin(int argc, char **argv, int *handled);
int sh_call_function(struct node *body, int argc, char **argv);
struct node *sh_find_function(const char *name);
#endif
