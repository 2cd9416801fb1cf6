/* toolbox: one multi-call WASI binary (busybox-style) with a small sh and core applets.
 * Applets write to `tb_out`/`tb_err` and read `tb_in`, so the shell can redirect them
 * in-process (WASI has no fork, dup or dup2), and they return their exit status instead
 * of calling exit(). */
#ifndef TOOLBOX_H
#define TOOLBOX_H
#include <stdio.h>

extern FILE *tb_in, *tb_out, *tb_err;
typedef int (*applet_fn)(int argc, char **argv);

struct applet { const char *name; applet_fn fn; };
extern const struct applet APPLETS[];
applet_fn find_applet(const char *name);
int run_argv(int argc, char **argv);     /* an applet, or a child through strata.spawn */
int sh_main(int argc, char **argv);
int tb_errorf(const char *applet, const char *what); /* "applet: what: strerror(errno)", returns 1 */

int ap_echo(int, char **); int ap_cat(int, char **); int ap_ls(int, char **); int ap_mkdir(int, char **);
int ap_rm(int, char **); int ap_touch(int, char **); int ap_pwd(int, char **); int ap_true(int, char **);
int ap_false(int, char **); int ap_env(int, char **); int ap_sleep(int, char **); int ap_wc(int, char **);
int ap_uname(int, char **); int ap_hostname(int, char **); int ap_mv(int, char **); int ap_cp(int, char **);
int ap_ln(int, char **); int ap_readlink(int, char **); int ap_head(int, char **); int ap_seq(int, char **);
int ap_rmdir(int, char **); int ap_basename(int, char **); int ap_dirname(int, char **); int ap_test(int, char **);
int ap_date(int, char **); int ap_id(int, char **); int ap_whoami(int, char **); int ap_printf(int, char **);
#endif
