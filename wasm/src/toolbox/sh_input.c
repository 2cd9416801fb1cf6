/* sh reading commands from a stream (`sh`, `sh -s`, `sh -i`): each command runs as soon as
 * it is complete. Interactive (a terminal on the input, or -i), it behaves as dash does:
 *  - it prompts on stderr with PS1 (`# `: every process is root, applets_sys.c) and, for
 *    the lines that continue a command, PS2 (`> `); both are expanded as dash does;
 *  - ^C (tty.c) at the prompt drops what was typed; ^C while a command runs ends that
 *    command and the rest of the line; either way a newline, a new prompt, and $? = 130;
 *  - end of input (^D on an empty line) at PS1 prints a newline and exits with the last
 *    status; at PS2 it is a syntax error (status 2) and the shell goes on;
 *  - before each PS1 it puts the terminal's size in COLUMNS and LINES, exported, as bash
 *    does with checkwinsize (dash does not): so a program it runs reads the size of the
 *    window as it is now, also after a resize. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh.h"

/* A prompt variable as a double-quoted word, so that sh_expand gives its parameters,
 * $(...) and $((...)) and keeps everything else. */
static char *quoted(const char *v) {
  char *raw = malloc(2 * strlen(v) + 3), *p = raw;
  *p++ = '"';
  for (const char *s = v; *s; s++) {
    if (*s == '\\' && s[1] && strchr("$`\\", s[1])) { *p++ = *s++; *p++ = *s; continue; }
    if (*s == '"' || *s == '\\') *p++ = '\\';
    *p++ = *s;
  }
  *p++ = '"';
  *p = 0;
  return raw;
}

static void prompt(const char *name) {
  const char *v = sh_getvar(name);
  char *raw = quoted(v ? v : ""), *text;
  int status = SH->status; /* a $(...) in PS1 must not change $? */
  text = sh_expand_one(raw, X_STRING);
  SH->status = status;
  fflush(tb_out);
  fputs(text, tb_err);
  fflush(tb_err);
  free(raw);
  free(text);
}

/* After ^C: nothing of it may stay behind (tb_intr, a pending one, stdio error flags). */
static void interrupted(FILE *in) {
  tb_interrupt_done();
  clearerr(in);
  clearerr(tb_out);
  clearerr(tb_err);
  SH->status = TB_INTR_STATUS;
  fputc('\n', tb_err);
  fflush(tb_err);
}

/* COLUMNS and LINES from the terminal's window, when it has a size (tty.c). */
static void window_size(void) {
  int rows, cols;
  char v[16];
  if (tb_winsize(&rows, &cols) != 0 || rows <= 0 || cols <= 0) return;
  snprintf(v, sizeof v, "%d", cols);
  setenv("COLUMNS", v, 1);
  snprintf(v, sizeof v, "%d", rows);
  setenv("LINES", v, 1);
}

static void set_default(const char *name, const char *value) {
  if (!sh_getvar(name)) sh_setvar(name, value);
}

/* Reads, parses and runs commands until the end of input or `exit`; the last status. */
int sh_run_stream(FILE *in, int interactive) {
  char *buf = 0, *line = 0;
  size_t len = 0, cap = 0;
  if (interactive) {
    tb_catch_interrupts();
    set_default("PS1", "# ");
    set_default("PS2", "> ");
  }
  while (!SH->exiting) {
    if (interactive) {
      clearerr(in); /* a ^D that ended `cat` is not the shell's end of input */
      if (!len) window_size();
      prompt(len ? "PS2" : "PS1");
    }
    ssize_t n = getline(&line, &cap, in);
    if (n < 0 && tb_intr && interactive) { interrupted(in); len = 0; continue; }
    if (n < 0) {
      if (!interactive || !len) break;
      fprintf(tb_err, "sh: syntax error: unexpected end of file\n");
      SH->status = 2;
      len = 0;
      continue;
    }
    buf = realloc(buf, len + n + 1);
    memcpy(buf + len, line, n + 1);
    len += n;
    int incomplete = 0;
    struct node *tree = sh_parse(buf, &incomplete);
    if (!tree && incomplete) continue;
    if (tree) sh_exec(tree);
    else SH->status = 2;
    len = 0;
    if (tb_intr && !interactive) break; /* a nested sh unwinds to the one that prompts */
    if (tb_intr) interrupted(in);
  }
  if (len && !SH->exiting) { fprintf(tb_err, "sh: syntax error: unexpected end of file\n"); SH->status = 2; }
  if (interactive && !SH->exiting) fputc('\n', tb_err); /* the prompt's line, ended as dash does */
  free(buf);
  free(line);
  return SH->status;
}
