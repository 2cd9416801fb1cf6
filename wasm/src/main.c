/* Applet dispatch by argv[0] (a symlink /bin/ls -> toolbox keeps argv[0] = "ls") or by
 * `toolbox APPLET ...`; commands that are not applets go through strata.spawn. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "toolbox.h"

FILE *tb_in, *tb_out, *tb_err;
extern char **environ;

const struct applet APPLETS[] = {
  {"sh", sh_main}, {"echo", ap_echo}, {"cat", ap_cat}, {"ls", ap_ls}, {"mkdir", ap_mkdir}, {"rm", ap_rm},
  {"touch", ap_touch}, {"pwd", ap_pwd}, {"true", ap_true}, {"false", ap_false}, {"env", ap_env},
  {"sleep", ap_sleep}, {"wc", ap_wc}, {"uname", ap_uname}, {"hostname", ap_hostname}, {"mv", ap_mv},
  {"cp", ap_cp}, {"ln", ap_ln}, {"readlink", ap_readlink}, {"head", ap_head}, {"seq", ap_seq},
  {"rmdir", ap_rmdir}, {"basename", ap_basename}, {"dirname", ap_dirname}, {"test", ap_test}, {"[", ap_test},
  {"date", ap_date}, {"id", ap_id}, {"whoami", ap_whoami}, {"printf", ap_printf}, {0, 0},
};

applet_fn find_applet(const char *name) {
  for (const struct applet *a = APPLETS; a->name; a++) if (strcmp(a->name, name) == 0) return a->fn;
  return 0;
}

int tb_errorf(const char *applet, const char *what) {
  fprintf(tb_err, "%s: %s: %s\n", applet, what, strerror(errno));
  return 1;
}

__attribute__((import_module("strata"), import_name("spawn"), weak))
int32_t strata_spawn(const char *argv_buf, uint32_t argv_len, const char *env_buf, uint32_t env_len,
                     const char *cwd, uint32_t cwd_len, const int32_t fds[3]);

static size_t pack(char **list, int n, char *buf) {
  size_t at = 0;
  for (int i = 0; i < n; i++) {
    size_t len = strlen(list[i]) + 1;
    if (buf) memcpy(buf + at, list[i], len);
    at += len;
  }
  return at;
}

int run_argv(int argc, char **argv) {
  applet_fn fn = find_applet(argv[0]);
  const char *base = strrchr(argv[0], '/');
  if (!fn && base && find_applet(base + 1) && strstr(argv[0], "bin/")) fn = find_applet(base + 1);
  if (fn) {
    optind = 1;
    return fn(argc, argv);
  }
  if (!strata_spawn) {
    fprintf(tb_err, "sh: %s: not found\n", argv[0]);
    return 127;
  }
  fflush(tb_out);
  fflush(tb_err);
  int envc = 0;
  while (environ && environ[envc]) envc++;
  size_t alen = pack(argv, argc, 0), elen = pack(environ, envc, 0);
  char *abuf = malloc(alen + 1), *ebuf = malloc(elen + 1), cwd[1024];
  pack(argv, argc, abuf);
  pack(environ, envc, ebuf);
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
  int32_t fds[3] = {fileno(tb_in), fileno(tb_out), fileno(tb_err)};
  int rc = strata_spawn(abuf, alen, ebuf, elen, cwd, strlen(cwd), fds);
  free(abuf);
  free(ebuf);
  if (rc == 127) fprintf(tb_err, "sh: %s: not found\n", argv[0]);
  return rc < 0 ? 126 : rc;
}

int main(int argc, char **argv) {
  tb_in = stdin;
  tb_out = stdout;
  tb_err = stderr;
  const char *pwd = getenv("PWD");
  if (pwd && *pwd) chdir(pwd);
  const char *base = argc > 0 ? strrchr(argv[0], '/') : 0;
  const char *name = base ? base + 1 : (argc > 0 ? argv[0] : "toolbox");
  int rc;
  if (strcmp(name, "toolbox") == 0) {
    if (argc < 2) {
      fprintf(stderr, "Usage: toolbox APPLET [ARG]...\nApplets:");
      for (const struct applet *a = APPLETS; a->name; a++) fprintf(stderr, " %s", a->name);
      fprintf(stderr, "\n");
      return 1;
    }
    applet_fn fn = find_applet(argv[1]);
    if (!fn) {
      fprintf(stderr, "toolbox: applet not found: %s\n", argv[1]);
      return 127;
    }
    rc = fn(argc - 1, argv + 1);
  } else {
    applet_fn fn = find_applet(name);
    if (!fn) {
      fprintf(stderr, "toolbox: applet not found: %s\n", name);
      return 127;
    }
    rc = fn(argc, argv);
  }
  fflush(stdout);
  return rc;
}
