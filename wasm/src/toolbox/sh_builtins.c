/* sh's builtins (cd exit export unset set shift return break continue read eval . source
 * : local readonly exec command), functions, and the sh applet itself:
 *   sh -c 'CMDS' [NAME [ARG...]] | sh SCRIPT [ARG...] | sh [-i] (reads commands from stdin,
 *   sh_input.c; interactive with -i or when stdin is a terminal). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh.h"

static int cd(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : sh_getvar("HOME");
  if (!dir || !*dir) dir = "/";
  if (!strcmp(dir, "-")) dir = sh_getvar("OLDPWD") ? sh_getvar("OLDPWD") : ".";
  char old[4096], cwd[4096];
  if (!getcwd(old, sizeof old)) strcpy(old, "/");
  if (chdir(dir) != 0) { fprintf(tb_err, "sh: cd: can't cd to %s: %s\n", dir, strerror(errno)); return 2; }
  if (getcwd(cwd, sizeof cwd)) { setenv("PWD", cwd, 1); setenv("OLDPWD", old, 1); }
  return 0;
}

static int export(int argc, char **argv, int exported) {
  extern char **environ;
  if (argc < 2 && exported) {
    for (char **e = environ; e && *e; e++) fprintf(tb_out, "export %s\n", *e);
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "-n")) continue;
    char *eq = strchr(argv[i], '=');
    char *name = eq ? strndup(argv[i], eq - argv[i]) : strdup(argv[i]);
    if (!sh_valid_name(name, strlen(name))) { fprintf(tb_err, "sh: export: %s: bad variable name\n", name); free(name); return 1; }
    const char *v = eq ? eq + 1 : sh_getvar(name);
    char *value = v ? strdup(v) : 0;
    if (exported) {
      if (value || eq) { sh_unsetvar(name); setenv(name, value ? value : "", 1); }
    } else if (value) {
      sh_setvar(name, value);
    }
    free(value);
    free(name);
  }
  return 0;
}

static int set_params(int argc, char **argv) {
  SH->params = realloc(0, sizeof(char *) * (argc + 1));
  SH->nparams = argc;
  for (int i = 0; i < argc; i++) SH->params[i] = strdup(argv[i]);
  SH->params[argc] = 0;
  return 0;
}

static int read_line(int argc, char **argv) {
  int raw = 0, first = 1, c;
  while (first < argc && argv[first][0] == '-') { if (strchr(argv[first], 'r')) raw = 1; first++; }
  size_t n = 0, cap = 128;
  char *line = malloc(cap);
  int got = 0;
  while ((c = fgetc(tb_in)) != EOF) { /* ^C (tty.c): EOF, and no variable is set */
    got = 1;
    if (c == '\n') break;
    if (c == '\\' && !raw) { c = fgetc(tb_in); if (c == '\n' || c == EOF) continue; }
    if (n + 2 > cap) line = realloc(line, cap *= 2);
    line[n++] = c;
  }
  line[n] = 0;
  if (tb_intr) { free(line); return TB_INTR_STATUS; }
  const char *ifs = sh_getvar("IFS");
  if (!ifs) ifs = " \t\n";
  char *p = line;
  for (int i = first; i < argc; i++) {
    while (*p && strchr(ifs, *p)) p++;
    char *end = i == argc - 1 ? p + strlen(p) : p + strcspn(p, ifs);
    if (i == argc - 1) while (end > p && strchr(ifs, end[-1])) end--;
    char save = *end;
    *end = 0;
    sh_setvar(argv[i], p);
    *end = save;
    p = end;
  }
  if (first >= argc) sh_setvar("REPLY", line);
  free(line);
  return got ? 0 : 1;
}

static int command_v(int argc, char **argv) {
  int rc = 0;
  for (int i = 2; i < argc; i++) {
    int h = 0;
    const char *kws = " cd exit export unset set shift return break continue read eval . source : local readonly exec command ";
    char key[256];
    snprintf(key, sizeof key, " %s ", argv[i]);
    if (sh_find_function(argv[i]) || find_applet(argv[i]) || strstr(kws, key)) { fprintf(tb_out, "%s\n", argv[i]); continue; }
    const char *path = sh_getvar("PATH");
    char *dirs = strdup(path ? path : ""), *save;
    for (char *d = strtok_r(dirs, ":", &save); d && !h; d = strtok_r(0, ":", &save)) {
      char *p = tb_join(d, argv[i]);
      if (access(p, F_OK) == 0) { fprintf(tb_out, "%s\n", p); h = 1; }
      free(p);
    }
    free(dirs);
    if (!h) rc = 1;
  }
  return rc;
}

static int source(int argc, char **argv) {
  if (argc < 2) { fprintf(tb_err, "sh: .: filename argument required\n"); return 2; }
  FILE *f = fopen(argv[1], "r");
  if (!f) { fprintf(tb_err, "sh: .: can't open '%s': %s\n", argv[1], strerror(errno)); return 2; }
  char *text = tb_read_all(f, 0);
  fclose(f);
  int rc = sh_eval(text);
  free(text);
  return rc;
}

static int loop_control(int argc, char **argv, int *counter) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  if (n < 1) n = 1;
  if (SH->loops == 0) return 0;
  *counter = n > SH->loops ? SH->loops : n;
  (void)argv;
  return 0;
}

int sh_builtin(int argc, char **argv, int *handled) {
  const char *c = argv[0];
  *handled = 1;
  if (!strcmp(c, "cd")) return cd(argc, argv);
  if (!strcmp(c, ":")) return 0;
  if (!strcmp(c, "exit")) {
    SH->status = argc > 1 ? atoi(argv[1]) & 255 : SH->status;
    SH->exiting = 1;
    return SH->status;
  }
  if (!strcmp(c, "export")) return export(argc, argv, 1);
  if (!strcmp(c, "local") || !strcmp(c, "readonly")) return export(argc, argv, 0);
  if (!strcmp(c, "unset")) { for (int i = 1; i < argc; i++) if (strcmp(argv[i], "-v") && strcmp(argv[i], "-f")) sh_unsetvar(argv[i]); return 0; }
  if (!strcmp(c, "set")) {
    int i = 1;
    while (i < argc && (argv[i][0] == '-' || argv[i][0] == '+') && strcmp(argv[i], "--")) i++; /* -e -x...: accepted, ignored */
    if (i < argc && !strcmp(argv[i], "--")) i++;
    if (i < argc || (argc > 1 && !strcmp(argv[argc - 1], "--"))) {
      char *zero = SH->params[0];
      argv[i - 1] = zero;
      return set_params(argc - i + 1, argv + i - 1);
    }
    return 0;
  }
  if (!strcmp(c, "shift")) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    if (n > SH->nparams - 1) { fprintf(tb_err, "sh: shift: can't shift that many\n"); return 1; }
    memmove(SH->params + 1, SH->params + 1 + n, sizeof(char *) * (SH->nparams - n));
    SH->nparams -= n;
    return 0;
  }
  if (!strcmp(c, "return")) { SH->returning = 1; return SH->status = argc > 1 ? atoi(argv[1]) & 255 : SH->status; }
  if (!strcmp(c, "break")) return loop_control(argc, argv, &SH->breaking);
  if (!strcmp(c, "continue")) return loop_control(argc, argv, &SH->continuing);
  if (!strcmp(c, "read")) return read_line(argc, argv);
  if (!strcmp(c, "eval")) {
    size_t len = 1;
    for (int i = 1; i < argc; i++) len += strlen(argv[i]) + 1;
    char *src = calloc(1, len);
    for (int i = 1; i < argc; i++) { if (i > 1) strcat(src, " "); strcat(src, argv[i]); }
    int rc = sh_eval(src);
    free(src);
    return rc;
  }
  if (!strcmp(c, ".") || !strcmp(c, "source")) return source(argc, argv);
  if (!strcmp(c, "command") && argc > 1 && !strcmp(argv[1], "-v")) return command_v(argc, argv);
  if ((!strcmp(c, "command") || !strcmp(c, "exec")) && argc > 1) {
    int rc = sh_run_command(argc - 1, argv + 1);
    if (!strcmp(c, "exec")) { SH->exiting = 1; SH->status = rc; }
    return rc;
  }
  *handled = 0;
  return 0;
}

int sh_call_function(struct node *body, int argc, char **argv) {
  char **params = SH->params;
  int nparams = SH->nparams;
  char *zero = params[0];
  argv[0] = zero;
  set_params(argc, argv);
  SH->funcs_depth++;
  int rc = sh_exec(body);
  SH->funcs_depth--;
  if (SH->returning) { SH->returning = 0; rc = SH->status; }
  SH->params = params;
  SH->nparams = nparams;
  return rc;
}

static int run_text(char *text) {
  if (text[0] == '#' && text[1] == '!') text += strcspn(text, "\n"); /* #!/bin/sh line */
  struct node *tree = sh_parse(text, 0);
  if (!tree) return 2;
  return sh_exec(tree);
}

APPLET(sh) {
  struct shell self = {0}, *outer = SH;
  char cwd[4096], **env = outer ? tb_env_save() : 0; /* a nested sh must not change its caller */
  int had_cwd = outer && getcwd(cwd, sizeof cwd), rc, i = 1, interactive = 0;
  SH = &self;
  if (!outer) { /* as dash does: PWD names the working directory the shell started in */
    char here[4096];
    const char *pwd = getenv("PWD");
    if (getcwd(here, sizeof here) && (!pwd || strcmp(pwd, here))) setenv("PWD", here, 1);
  }
  for (; i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "-c") && strcmp(argv[i], "--"); i++)
    if (argv[i][1] != '-' && strchr(argv[i], 'i')) interactive = 1; /* -e -x -s: ignored */
  if (i < argc && !strcmp(argv[i], "--")) i++;
  if (i < argc && !strcmp(argv[i], "-c")) {
    if (i + 1 >= argc) { SH = outer; if (env) tb_env_restore(env); return tb_msg(2, "sh", "-c requires an argument"); }
    if (i + 2 < argc) set_params(argc - i - 2, argv + i + 2); /* sh -c CMDS NAME ARG... */
    else set_params(1, argv);
    rc = run_text(argv[i + 1]);
  } else if (i < argc) {
    FILE *f = fopen(argv[i], "r");
    if (!f) {
      rc = tb_errno(127, "sh", "can't open '%s'", argv[i]);
    } else {
      char *text = tb_read_all(f, 0);
      fclose(f);
      set_params(argc - i, argv + i);
      rc = run_text(text);
      free(text);
    }
  } else {
    set_params(1, argv);
    rc = sh_run_stream(tb_in, interactive || (fileno(tb_in) >= 0 && isatty(fileno(tb_in))));
  }
  if (self.exiting) rc = self.status;
  fflush(tb_out);
  SH = outer;
  if (had_cwd) chdir(cwd);
  if (env) tb_env_restore(env);
  return rc;
}
