/* toolbox: one multi-call WASI binary (busybox-style): sh and the core applets.
 *
 * WASI preview1 has no fork, dup2 or setjmp, so every applet runs in-process:
 *  - applets read `tb_in` and write `tb_out`/`tb_err` (FILE *), which the shell swaps
 *    for redirections, pipeline buffers and $(...) captures;
 *  - applets return their exit status and never call exit(), so a failing applet never
 *    ends the shell that runs it;
 *  - run_applet() resets getopt's state before each call; applets keep no other
 *    global state between calls. */
#ifndef TOOLBOX_H
#define TOOLBOX_H
#include <stdio.h>
#include <sys/stat.h>
#include <getopt.h>

extern FILE *tb_in, *tb_out, *tb_err;
typedef int (*applet_fn)(int argc, char **argv);
struct applet { const char *name; applet_fn fn; };

applet_fn find_applet(const char *name);
const struct applet *applet_list(void);
/* Runs an applet with fresh getopt state; the applet's exit status. */
int run_applet(applet_fn fn, int argc, char **argv);
/* Runs argv[0] as a child through the strata.spawn import; 127 "not found" when absent. */
int spawn_child(int argc, char **argv);

/* messages in the coreutils shape; each returns `rc` so callers can `return tb_fail(...)` */
int tb_errno(int rc, const char *applet, const char *fmt, ...);   /* "applet: <fmt>: strerror(errno)" */
int tb_msg(int rc, const char *applet, const char *fmt, ...);     /* "applet: <fmt>" */
int tb_badopt(int rc, const char *applet);                         /* invalid option -- 'x' */
/* getopt with error messages on tb_err; returns -1 at the end, '?' on a bad option */
int tb_getopt(int argc, char **argv, const char *opts);

/* files */
FILE *tb_open_in(const char *applet, const char *path);   /* "-" is tb_in; NULL after a message */
void tb_close_in(FILE *f);
char *tb_read_all(FILE *f, size_t *len);
/* What f has now, up to size: its buffer, else one read() (a terminal gives a line, so
 * `cat` echoes each line as it is typed; fread would wait for size bytes); 0 at the end. */
size_t tb_read_some(FILE *f, char *buf, size_t size);
char *tb_join(const char *dir, const char *name);
const char *tb_basename(const char *path);
int tb_is_dir(const char *path);
FILE *tb_null_stream(const char *mode);
/* Copies a file, directory tree (recursive) or symlink from src to dst. */
int tb_copy(const char *applet, const char *src, const char *dst, int recursive, int preserve);
/* Sorted names of a directory (with . and .. when the runtime lists them); -1 on error. */
int tb_list_dir(const char *path, char ***names);
void tb_free_list(char **names, int n);
int tb_remove_tree(const char *applet, const char *path, int force);
/* Prints names on tb_out in as many columns as fit a line of `line` columns (GNU ls -C). */
void tb_columns(char **names, int n, int line);

/* A copy of the environment, and putting it back (frees the copy). */
char **tb_env_save(void);
void tb_env_restore(char **saved);
/* Runs argv as sh would: applet, #!/bin/sh script, or a child through strata.spawn. */
int sh_run_command(int argc, char **argv);

/* The terminal (tty.c). An interrupt (^C) caught by an interactive sh sets tb_intr: from
 * then on fd_read, fd_write and poll_oneoff fail with EINTR, so the applet running ends
 * soon, and the shell makes its status 130 and unwinds to the prompt. */
#define TB_INTR_STATUS 130
extern int tb_intr;
void tb_catch_interrupts(void);   /* strata.catch_interrupts(1), once */
int tb_catching(void);
/* 1 when an interrupt has come: tb_intr, or a pending one (strata.take_interrupt). When
 * nothing catches interrupts, a pending one ends the program with 130 (131 for ^\). */
int tb_interrupted(void);
/* The shell has handled the interrupt: clears tb_intr, a pending one and the stdio errors. */
void tb_interrupt_done(void);
/* The terminal's size (strata.winsize); -1 without a terminal, 0 x 0 when unknown. */
int tb_winsize(int *rows, int *cols);

/* sha256 */
void sha256_hex(FILE *f, char out[65]);

#define APPLET(name) int ap_##name(int argc, char **argv)
APPLET(sh); APPLET(cat); APPLET(echo); APPLET(printf); APPLET(ls); APPLET(mkdir); APPLET(rm);
APPLET(rmdir); APPLET(touch); APPLET(cp); APPLET(mv); APPLET(ln); APPLET(readlink); APPLET(realpath);
APPLET(stat); APPLET(wc); APPLET(head); APPLET(tail); APPLET(grep); APPLET(sed); APPLET(sort);
APPLET(uniq); APPLET(cut); APPLET(tr); APPLET(tee); APPLET(env); APPLET(pwd); APPLET(true);
APPLET(false); APPLET(test); APPLET(sleep); APPLET(seq); APPLET(basename); APPLET(dirname);
APPLET(find); APPLET(chmod); APPLET(du); APPLET(df); APPLET(date); APPLET(uname); APPLET(hostname);
APPLET(id); APPLET(whoami); APPLET(yes); APPLET(sha256sum); APPLET(xargs); APPLET(which); APPLET(stty);

/* Set by sh while a pipeline stage that is not the last one runs: `yes` stops then
 * after a bounded amount of output, as stages run one after another. */
extern int tb_in_pipeline;
#endif
