/* Applet dispatch: by basename(argv[0]) (`/bin/ls` is a symlink to /bin/toolbox and keeps
 * argv[0] = "/bin/ls") or by `toolbox APPLET ...`; and the strata.spawn import for
 * commands that are not applets (docs/wasi-host.md). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "toolbox.h"

FILE *tb_in, *tb_out, *tb_err;
int tb_in_pipeline;
extern char **environ;

static const struct applet APPLETS[] = {
  {"[", ap_test}, {"basename", ap_basename}, {"cat", ap_cat}, {"chmod", ap_chmod}, {"cp", ap_cp},
  {"cut", ap_cut}, {"date", ap_date}, {"df", ap_df}, {"dirname", ap_dirname}, {"du", ap_du},
  {"echo", ap_echo}, {"env", ap_env}, {"false", ap_false}, {"find", ap_find}, {"grep", ap_grep},
  {"head", ap_head}, {"hostname", ap_hostname}, {"id", ap_id}, {"ln", ap_ln}, {"ls", ap_ls},
  {"mkdir", ap_mkdir}, {"mv", ap_mv}, {"printf", ap_printf}, {"pwd", ap_pwd}, {"readlink", ap_readlink},
  {"realpath", ap_realpath}, {"rm", ap_rm}, {"rmdir", ap_rmdir}, {"sed", ap_sed}, {"seq", ap_seq},
  {"sh", ap_sh}, {"sha256sum", ap_sha256sum}, {"sleep", ap_sleep}, {"sort", ap_sort}, {"stat", ap_stat},
  {"stty", ap_stty}, {"tail", ap_tail}, {"tee", ap_tee}, {"test", ap_test}, {"touch", ap_touch}, {"tr", ap_tr},
  {"true", ap_true}, {"uname", ap_uname}, {"uniq", ap_uniq}, {"wc", ap_wc}, {"which", ap_which},
  {"whoami", ap_whoami}, {"xargs", ap_xargs}, {"yes", ap_yes}, {0, 0},
};

const struct applet *applet_list(void) { return APPLETS; }

applet_fn find_applet(const char *name) {
  for (const struct applet *a = APPLETS; a->name; a++)
    if (strcmp(a->name, name) == 0) return a->fn;
  return 0;
}

/* An applet that saw an interrupt ends with 130, whatever it returned (tty.c). */
int run_applet(applet_fn fn, int argc, char **argv) {
  if (tb_intr) return TB_INTR_STATUS;
  optreset = 1; /* musl's getopt keeps a position inside clustered flags: reset it too */
  optind = 1;
  opterr = 0;
  int rc = fn(argc, argv);
  fflush(tb_out);
  fflush(tb_err);
  return tb_intr ? TB_INTR_STATUS : rc & 255;
}

/* The runtime's child-process import (docs/wasi-host.md). wasm-ld 14 never imports a weak
 * undefined function (it resolves it to null), so the import is a plain one: a runtime
 * without strata must supply a stub returning 127 (tests/wasm/_run.ts does). */
__attribute__((import_module("strata"), import_name("spawn")))
int32_t strata_spawn(const char *argv_buf, uint32_t argv_len, const char *env_buf, uint32_t env_len,
                     const char *cwd, uint32_t cwd_len, const int32_t fds[3]);

static char *pack(char **list, int n, size_t *len) {
  size_t at = 0;
  for (int i = 0; i < n; i++) at += strlen(list[i]) + 1;
  char *buf = malloc(at + 1), *p = buf;
  for (int i = 0; i < n; i++) p = stpcpy(p, list[i]) + 1;
  *len = at;
  return buf;
}

/* A child needs real fds: memory streams (pipeline buffers, $(...), /dev/null where the image
 * has none) go through temp files, unlinked at once. *failed is set (after a message, as a
 * redirection that cannot be opened gives) when the temp file cannot be made. */
static FILE *bridge(FILE *f, int input, int *failed) {
  if (*failed || fileno(f) >= 0) return 0;
  const char *dir = getenv("TMPDIR");
  char path[512];
  snprintf(path, sizeof path, "%s/.toolbox-spawn-%u", dir && *dir ? dir : "/tmp", arc4random());
  FILE *t = fopen(path, "w+");
  if (!t) {
    fprintf(tb_err, "sh: can't create %s: %s\n", path, strerror(errno));
    *failed = 1;
    return 0;
  }
  unlink(path);
  if (input) {
    size_t n;
    char *data = tb_read_all(f, &n);
    fwrite(data, 1, n, t);
    free(data);
    rewind(t);
  }
  fflush(t);
  return t;
}

static void unbridge(FILE *t, FILE *to) {
  if (!t) return;
  rewind(t);
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, t)) > 0) fwrite(chunk, 1, n, to);
  fclose(t);
}

int spawn_child(int argc, char **argv) {
  fflush(tb_out);
  fflush(tb_err);
  int failed = 0;
  FILE *bi = bridge(tb_in, 1, &failed), *bo = bridge(tb_out, 0, &failed), *be = bridge(tb_err, 0, &failed);
  if (failed) {
    if (bi) fclose(bi);
    if (bo) fclose(bo);
    if (be) fclose(be);
    fflush(tb_err);
    return 1;
  }
  int envc = 0;
  while (environ && environ[envc]) envc++;
  size_t alen, elen;
  char *abuf = pack(argv, argc, &alen), *ebuf = pack(environ, envc, &elen), cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
  int32_t fds[3] = {fileno(bi ? bi : tb_in), fileno(bo ? bo : tb_out), fileno(be ? be : tb_err)};
  int rc = strata_spawn(abuf, alen, ebuf, elen, cwd, strlen(cwd), fds);
  free(abuf);
  free(ebuf);
  if (bi) fclose(bi);
  unbridge(bo, tb_out);
  unbridge(be, tb_err);
  if (rc == 127) return tb_msg(127, "sh", "%s: not found", argv[0]);
  if (rc < 0) return tb_msg(126, "sh", "%s: %s", argv[0], strerror(-rc)); /* wasi-libc's errno numbers are WASI's */
  /* The host ended the child for a ^C (130): an interactive shell takes it as its own
   * interrupt, as dash does for a job killed by SIGINT. XXX: a child that chose exit 130
   * looks the same. */
  if (rc == TB_INTR_STATUS && tb_catching()) tb_intr = 1;
  return rc & 255;
}

static int usage(void) {
  fprintf(stderr, "Usage: toolbox APPLET [ARG]...\n   or: APPLET [ARG]... (through a link named APPLET)\nApplets:");
  for (const struct applet *a = APPLETS; a->name; a++) fprintf(stderr, " %s", a->name);
  fprintf(stderr, "\n");
  return 1;
}

int main(int argc, char **argv) {
  tb_in = stdin;
  tb_out = stdout;
  tb_err = stderr;
  const char *name = argc > 0 ? tb_basename(argv[0]) : "toolbox";
  if (strcmp(name, "toolbox") == 0) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0) return usage();
    argc--;
    argv++;
    name = argv[0];
  }
  applet_fn fn = find_applet(name);
  if (!fn) {
    fprintf(stderr, "%s: applet not found\n", name);
    return 127;
  }
  int rc = run_applet(fn, argc, argv);
  fflush(stdout);
  return rc;
}
