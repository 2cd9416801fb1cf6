/* Applets about the process and the system: env, pwd, true, false, sleep, basename,
 * dirname, date, uname, hostname, id, whoami, which, xargs, sha256sum.
 * WASI has no users: every process is root (uid 0), as in a container image. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "toolbox.h"

extern char **environ;

/* env changes the environment of what it runs only: the caller's (a shell running it
 * in-process) is restored afterwards. */
APPLET(env) {
  int i = 1, rc = 0;
  char **saved = tb_env_save();
  if (i < argc && (!strcmp(argv[i], "-i") || !strcmp(argv[i], "-"))) { clearenv(); i++; }
  for (; i < argc && strchr(argv[i], '=') && argv[i][0] != '='; i++) putenv(argv[i]);
  if (i >= argc) {
    for (char **e = environ; e && *e; e++) fprintf(tb_out, "%s\n", *e);
  } else {
    rc = sh_run_command(argc - i, argv + i);
  }
  tb_env_restore(saved);
  return rc;
}

APPLET(pwd) {
  char cwd[4096];
  (void)argc; (void)argv;
  if (!getcwd(cwd, sizeof cwd)) return tb_errno(1, "pwd", "getcwd");
  fprintf(tb_out, "%s\n", cwd);
  return 0;
}

APPLET(true) { (void)argc; (void)argv; return 0; }
APPLET(false) { (void)argc; (void)argv; return 1; }

APPLET(sleep) {
  if (argc < 2) return tb_msg(1, "sleep", "missing operand");
  double total = 0;
  for (int i = 1; i < argc; i++) {
    char *end;
    double v = strtod(argv[i], &end);
    if (end == argv[i] || v < 0) return tb_msg(1, "sleep", "invalid time interval '%s'", argv[i]);
    if (*end == 'm') v *= 60, end++;
    else if (*end == 'h') v *= 3600, end++;
    else if (*end == 's') end++;
    if (*end) return tb_msg(1, "sleep", "invalid time interval '%s'", argv[i]);
    total += v;
  }
  struct timespec ts = {(time_t)total, (long)((total - (time_t)total) * 1e9)};
  nanosleep(&ts, 0); /* EINTR only for a ^C an interactive sh catches: run_applet says 130 */
  return 0;
}

APPLET(basename) {
  if (argc < 2) return tb_msg(1, "basename", "missing operand");
  char *s = strdup(argv[1]);
  size_t n = strlen(s);
  while (n > 1 && s[n - 1] == '/') s[--n] = 0;
  char *b = strrchr(s, '/');
  b = b && b[1] ? b + 1 : s;
  if (argc > 2) {
    size_t bl = strlen(b), sl = strlen(argv[2]);
    if (sl < bl && !strcmp(b + bl - sl, argv[2])) b[bl - sl] = 0;
  }
  fprintf(tb_out, "%s\n", b);
  free(s);
  return 0;
}

APPLET(dirname) {
  if (argc < 2) return tb_msg(1, "dirname", "missing operand");
  char *s = strdup(argv[1]);
  size_t n = strlen(s);
  while (n > 1 && s[n - 1] == '/') s[--n] = 0;
  char *slash = strrchr(s, '/');
  if (!slash) strcpy(s, ".");
  else {
    while (slash > s && slash[-1] == '/') slash--;
    if (slash == s) s[1] = 0; else *slash = 0;
  }
  fprintf(tb_out, "%s\n", s);
  free(s);
  return 0;
}

/* The clock is UTC (WASI has no time zones). */
APPLET(date) {
  const char *fmt = "%a %b %e %H:%M:%S UTC %Y";
  time_t now = time(0);
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '+') fmt = argv[i] + 1;
    else if (!strcmp(argv[i], "-u") || !strcmp(argv[i], "-R")) { if (argv[i][1] == 'R') fmt = "%a, %d %b %Y %H:%M:%S +0000"; }
    else if (!strcmp(argv[i], "-d") && i + 1 < argc && argv[i + 1][0] == '@') now = strtoll(argv[++i] + 1, 0, 10);
    else return tb_msg(1, "date", "invalid date '%s'", argv[i]);
  }
  char buf[512];
  size_t n = strftime(buf, sizeof buf, fmt, gmtime(&now));
  buf[n] = 0;
  fprintf(tb_out, "%s\n", buf);
  return 0;
}

static const char *host_name(char *buf, size_t size) {
  const char *env = getenv("HOSTNAME");
  if (env && *env) return env;
  FILE *f = fopen("/etc/hostname", "r");
  if (f && fgets(buf, size, f)) {
    fclose(f);
    buf[strcspn(buf, "\r\n")] = 0;
    if (*buf) return buf;
  } else if (f) fclose(f);
  return "localhost";
}

APPLET(hostname) {
  char buf[256];
  (void)argc; (void)argv;
  fprintf(tb_out, "%s\n", host_name(buf, sizeof buf));
  return 0;
}

APPLET(uname) {
  int c, s = 0, n = 0, r = 0, v = 0, m = 0, o = 0;
  char buf[256];
  while ((c = tb_getopt(argc, argv, "asnrvmo")) != -1) {
    if (c == 'a') s = n = r = v = m = o = 1;
    else if (c == 's') s = 1;
    else if (c == 'n') n = 1;
    else if (c == 'r') r = 1;
    else if (c == 'v') v = 1;
    else if (c == 'm') m = 1;
    else if (c == 'o') o = 1;
    else return tb_badopt(1, "uname");
  }
  if (!(s | n | r | v | m | o)) s = 1;
  const char *parts[6] = {s ? "WASI" : 0, n ? host_name(buf, sizeof buf) : 0, r ? "preview1" : 0,
                          v ? "strata-toolbox" : 0, m ? "wasm32" : 0, o ? "WASI" : 0};
  for (int i = 0, first = 1; i < 6; i++) if (parts[i]) { fprintf(tb_out, first ? "%s" : " %s", parts[i]); first = 0; }
  fputc('\n', tb_out);
  return 0;
}

APPLET(id) {
  int c, user = 0, group = 0, name = 0;
  while ((c = tb_getopt(argc, argv, "ugnG")) != -1) {
    if (c == 'u') user = 1;
    else if (c == 'g' || c == 'G') group = 1;
    else if (c == 'n') name = 1;
    else return tb_badopt(1, "id");
  }
  if (user || group) fprintf(tb_out, name ? "root\n" : "0\n");
  else fprintf(tb_out, "uid=0(root) gid=0(root) groups=0(root)\n");
  return 0;
}

APPLET(whoami) { (void)argc; (void)argv; fprintf(tb_out, "root\n"); return 0; }

APPLET(which) {
  int rc = 0, all = argc > 1 && !strcmp(argv[1], "-a");
  const char *path = getenv("PATH");
  if (!path) path = "/usr/bin:/bin";
  for (int i = 1 + all; i < argc; i++) {
    int found = 0;
    char *dirs = strdup(path), *save;
    for (char *d = strtok_r(dirs, ":", &save); d && (!found || all); d = strtok_r(0, ":", &save)) {
      char *p = tb_join(d, argv[i]);
      struct stat st;
      if (strchr(argv[i], '/') ? stat(argv[i], &st) == 0 : stat(p, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(tb_out, "%s\n", strchr(argv[i], '/') ? argv[i] : p);
        found = 1;
      }
      free(p);
    }
    free(dirs);
    if (!found) rc = 1;
  }
  return rc;
}

APPLET(xargs) {
  int c, per = 0;
  while ((c = tb_getopt(argc, argv, "n:")) != -1) {
    if (c == 'n') per = atoi(optarg);
    else return tb_badopt(1, "xargs");
  }
  size_t len;
  char *data = tb_read_all(tb_in, &len);
  int nitems = 0, base = argc - optind > 0 ? argc - optind : 1;
  char **items = malloc(sizeof(char *) * (len / 2 + 2)), *save;
  for (char *w = strtok_r(data, " \t\n", &save); w; w = strtok_r(0, " \t\n", &save)) items[nitems++] = w;
  char **cmd = malloc(sizeof(char *) * (base + nitems + 1));
  int rc = 0;
  if (argc - optind > 0) memcpy(cmd, argv + optind, sizeof(char *) * base);
  else cmd[0] = "echo";
  for (int at = 0; at < nitems || (at == 0 && nitems == 0);) {
    int take = per > 0 && per < nitems - at ? per : nitems - at;
    memcpy(cmd + base, items + at, sizeof(char *) * take);
    cmd[base + take] = 0;
    int r = sh_run_command(base + take, cmd);
    if (r == 127 || r == 126) { rc = r; break; }
    if (r) rc = 123;
    at += take;
    if (take == 0) break;
  }
  free(cmd);
  free(items);
  free(data);
  return rc;
}

APPLET(sha256sum) {
  int rc = 0;
  char hex[65];
  if (argc < 2) { sha256_hex(tb_in, hex); fprintf(tb_out, "%s  -\n", hex); return 0; }
  for (int i = 1; i < argc; i++) {
    FILE *f = tb_open_in("sha256sum", argv[i]);
    if (!f) { rc = 1; continue; }
    sha256_hex(f, hex);
    tb_close_in(f);
    fprintf(tb_out, "%s  %s\n", hex, argv[i]);
  }
  return rc;
}
