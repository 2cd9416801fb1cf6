/* stty: the terminal's settings, read-only. WASI has no termios: the terminal strata gives
 * a process has one fixed line discipline (canonical mode, docs/toolbox.md), and its size
 * comes from the strata.winsize import. So stty shows what the terminal does and accepts a
 * setting only when it is already so (`stty sane`, `stty echo`); any other one, such as
 * `-echo` or `raw`, is an invalid argument. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "toolbox.h"

/* What the terminal does, in stty's words; the lines of `stty -a` after the first. */
static const char *const CHARS[][2] = {
  {"intr", "^C"}, {"quit", "^\\"}, {"erase", "^?"}, {"kill", "^U"}, {"eof", "^D"}, {"werase", "^W"},
};
static const char *const MODES[] = {"icrnl", "opost onlcr", "isig icanon iexten echo echoe"};
/* Settings that name several of the above, all already true. */
static const char *const COMBINED[] = {"sane", "cooked", "-raw", "-cbreak", 0};

static int is_mode(const char *arg) {
  for (int i = 0; COMBINED[i]; i++) if (!strcmp(arg, COMBINED[i])) return 1;
  size_t n = strlen(arg);
  for (size_t i = 0; n && i < sizeof MODES / sizeof *MODES; i++)
    for (const char *p = MODES[i]; (p = strstr(p, arg)); p += n)
      if ((p == MODES[i] || p[-1] == ' ') && (p[n] == ' ' || !p[n])) return 1;
  return 0;
}

static const char *char_of(const char *name) {
  for (size_t i = 0; i < sizeof CHARS / sizeof *CHARS; i++) if (!strcmp(name, CHARS[i][0])) return CHARS[i][1];
  return 0;
}

static void describe(int rows, int cols) {
  size_t n = sizeof CHARS / sizeof *CHARS;
  fprintf(tb_out, "speed 38400 baud; rows %d; columns %d; line = 0;\n", rows, cols);
  for (size_t i = 0; i < n; i++) fprintf(tb_out, "%s = %s;%c", CHARS[i][0], CHARS[i][1], i + 1 < n ? ' ' : '\n');
  for (size_t i = 0; i < sizeof MODES / sizeof *MODES; i++) fprintf(tb_out, "%s\n", MODES[i]);
}

static int invalid(const char *arg) {
  tb_msg(1, "stty", "invalid argument '%s'", arg);
  return tb_badopt(1, "stty");
}

/* The settings from argv[from]: 0 when the terminal already has every one. With rows < 0
 * the sizes are not compared (the names are checked before the terminal is looked at, as
 * GNU stty does). */
static int check(int argc, char **argv, int from, int rows, int cols) {
  for (int i = from; i < argc; i++) {
    const char *arg = argv[i], *want = char_of(arg);
    int is_rows = !strcmp(arg, "rows"), is_cols = !strcmp(arg, "cols") || !strcmp(arg, "columns");
    if (!want && !is_rows && !is_cols) {
      if (strcmp(arg, "size") && strcmp(arg, "speed") && !is_mode(arg)) return invalid(arg);
      continue;
    }
    if (i + 1 >= argc) return tb_msg(1, "stty", "missing argument to '%s'", arg);
    const char *value = argv[++i];
    char *end;
    long v = strtol(value, &end, 10);
    int ok = want ? !strcmp(value, want) : !*end && end != value && (rows < 0 || v == (is_rows ? rows : cols));
    if (!ok) return invalid(value);
  }
  return 0;
}

static int has(int argc, char **argv, const char *word) {
  for (int i = 1; i < argc; i++) if (!strcmp(argv[i], word)) return 1;
  return 0;
}

APPLET(stty) {
  int i = 1, rows = 0, cols = 0;
  while (i < argc && (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))) i++;
  if (check(argc, argv, i, -1, -1)) return 1;
  if (!isatty(fileno(tb_in)) || tb_winsize(&rows, &cols) != 0)
    return tb_msg(1, "stty", "'standard input': Inappropriate ioctl for device");
  if (i >= argc) { describe(rows, cols); return 0; }
  if (check(argc, argv, i, rows, cols)) return 1;
  if (has(argc, argv, "size")) fprintf(tb_out, "%d %d\n", rows, cols);
  if (has(argc, argv, "speed")) fprintf(tb_out, "38400\n");
  return 0;
}
