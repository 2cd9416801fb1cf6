/* Applets that read and write streams: cat, echo, printf, wc, head, tail, tee, seq, yes. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "toolbox.h"

static void copy_stream(FILE *in) {
  char chunk[16384];
  size_t n;
  while ((n = tb_read_some(in, chunk, sizeof chunk)) > 0) {
    fwrite(chunk, 1, n, tb_out);
    if (in == tb_in) fflush(tb_out); /* what came in is out before cat waits again */
  }
}

/* rc, or 1 after coreutils' "APPLET: write error: ..." when the output could not be
 * written (`echo x > /dev/full`: No space left on device). */
static int written(const char *applet, int rc) {
  if (fflush(tb_out) == 0 && !ferror(tb_out)) return rc;
  clearerr(tb_out);
  return tb_errno(1, applet, "write error");
}

APPLET(cat) {
  int c, rc = 0;
  while ((c = tb_getopt(argc, argv, "u")) != -1)
    if (c == '?') return tb_badopt(1, "cat");
  if (optind >= argc) { copy_stream(tb_in); return written("cat", 0); }
  for (int i = optind; i < argc; i++) {
    FILE *f = tb_open_in("cat", argv[i]);
    if (!f) { rc = 1; continue; }
    copy_stream(f);
    tb_close_in(f);
  }
  return written("cat", rc);
}

/* Writes s with backslash escapes (echo -e, printf %b and format). Returns 1 at \c. */
static int put_escaped(const char *s, FILE *out) {
  for (; *s; s++) {
    if (*s != '\\' || !s[1]) { fputc(*s, out); continue; }
    switch (*++s) {
      case 'n': fputc('\n', out); break;
      case 't': fputc('\t', out); break;
      case 'r': fputc('\r', out); break;
      case 'a': fputc('\a', out); break;
      case 'b': fputc('\b', out); break;
      case 'f': fputc('\f', out); break;
      case 'v': fputc('\v', out); break;
      case 'e': fputc(27, out); break;
      case '\\': fputc('\\', out); break;
      case 'c': return 1;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        int v = 0, k = 0;
        if (*s == '0') s++;
        while (k < 3 && *s >= '0' && *s <= '7') { v = v * 8 + (*s++ - '0'); k++; }
        s--;
        fputc(v, out);
        break;
      }
      default: fputc('\\', out); fputc(*s, out);
    }
  }
  return 0;
}

APPLET(echo) {
  int i = 1, nl = 1, esc = 0;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] && strspn(argv[i] + 1, "neE") == strlen(argv[i] + 1); i++)
    for (const char *p = argv[i] + 1; *p; p++) {
      if (*p == 'n') nl = 0;
      else if (*p == 'e') esc = 1;
      else esc = 0;
    }
  for (int first = i; i < argc; i++) {
    if (i > first) fputc(' ', tb_out);
    if (esc ? put_escaped(argv[i], tb_out) : (fputs(argv[i], tb_out), 0)) return written("echo", 0);
  }
  if (nl) fputc('\n', tb_out);
  return written("echo", 0);
}

static long long num_arg(const char *s, int *rc) {
  if (*s == '\'' || *s == '"') return (unsigned char)s[1];
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 0);
  if (*end || end == s) { tb_msg(0, "printf", "invalid number '%s'", s); *rc = 1; }
  return v;
}

/* One pass of the format; returns how many arguments it used. */
static int printf_once(const char *fmt, char **args, int nargs, int *rc, int *stop) {
  int used = 0;
  for (const char *p = fmt; *p; p++) {
    if (*p == '\\') {
      char esc[5] = {0};
      int k = 0;
      esc[k++] = *p++;
      while (*p && k < 4 && (k == 1 || (esc[1] >= '0' && esc[1] <= '7' && *p >= '0' && *p <= '7'))) esc[k++] = *p++;
      p--;
      if (put_escaped(esc, tb_out)) { *stop = 1; return used; }
      continue;
    }
    if (*p != '%') { fputc(*p, tb_out); continue; }
    if (p[1] == '%') { fputc('%', tb_out); p++; continue; }
    char spec[32] = "%";
    int k = 1;
    while (*++p && strchr("-+ #0123456789.", *p) && k < 28) spec[k++] = *p;
    const char *arg = used < nargs ? args[used] : 0;
    used++;
    switch (*p) {
      case 'd': case 'i': spec[k++] = 'l'; spec[k++] = 'l'; spec[k++] = 'd'; fprintf(tb_out, spec, arg ? num_arg(arg, rc) : 0LL); break;
      case 'u': case 'x': case 'X': case 'o': spec[k++] = 'l'; spec[k++] = 'l'; spec[k++] = *p; fprintf(tb_out, spec, arg ? num_arg(arg, rc) : 0LL); break;
      case 'c': if (arg && *arg) fputc(*arg, tb_out); break;
      case 'f': case 'g': case 'e': spec[k++] = *p; fprintf(tb_out, spec, arg ? strtod(arg, 0) : 0.0); break;
      case 'b': if (arg && put_escaped(arg, tb_out)) { *stop = 1; return used; } break;
      case 's': spec[k++] = 's'; fprintf(tb_out, spec, arg ? arg : ""); break;
      default: tb_msg(0, "printf", "%%%c: invalid directive", *p); *rc = 1; *stop = 1; return used;
    }
    if (!*p) break;
  }
  return used;
}

APPLET(printf) {
  if (argc < 2) return tb_msg(1, "printf", "missing operand");
  int rc = 0, stop = 0, at = 2;
  do {
    int used = printf_once(argv[1], argv + at, argc - at, &rc, &stop);
    if (used == 0) break;
    at += used;
  } while (at < argc && !stop);
  return written("printf", rc);
}

APPLET(wc) {
  int c, lines = 0, words = 0, bytes = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "lwcm")) != -1) {
    if (c == 'l') lines = 1;
    else if (c == 'w') words = 1;
    else if (c == 'c' || c == 'm') bytes = 1;
    else return tb_badopt(1, "wc");
  }
  if (!lines && !words && !bytes) lines = words = bytes = 1;
  int nfiles = argc - optind;
  long long tl = 0, tw = 0, tc = 0;
  for (int i = nfiles ? optind : -1; i < argc; i++) {
    FILE *f = i < 0 ? tb_in : tb_open_in("wc", argv[i]);
    if (!f) { rc = 1; continue; }
    long long l = 0, w = 0, n = 0;
    int ch, inword = 0;
    while ((ch = fgetc(f)) != EOF) {
      n++;
      if (ch == '\n') l++;
      if (isspace(ch)) inword = 0;
      else if (!inword) { inword = 1; w++; }
    }
    tb_close_in(f);
    tl += l; tw += w; tc += n;
    int single = lines + words + bytes == 1;
    const char *fmt = single ? "%lld" : "%7lld";
    int first = 1;
    if (lines) { fprintf(tb_out, fmt, l); first = 0; }
    if (words) { if (!first) fputc(' ', tb_out); fprintf(tb_out, fmt, w); first = 0; }
    if (bytes) { if (!first) fputc(' ', tb_out); fprintf(tb_out, fmt, n); }
    fprintf(tb_out, i < 0 ? "\n" : " %s\n", i < 0 ? "" : argv[i]);
    if (i < 0) break;
  }
  if (nfiles > 1) {
    if (lines) fprintf(tb_out, "%7lld ", tl);
    if (words) fprintf(tb_out, "%7lld ", tw);
    if (bytes) fprintf(tb_out, "%7lld ", tc);
    fprintf(tb_out, "total\n");
  }
  return rc;
}

/* head/tail accept the old `-5` spelling too: rewritten as `-n 5`. */
static long parse_count(const char *applet, const char *s, int *from_start, int *rc) {
  if (from_start) *from_start = *s == '+';
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || end == s) { *rc = tb_msg(1, applet, "invalid number of lines: '%s'", s); return 0; }
  return v < 0 ? -v : v;
}

/* head copies the first count lines (or bytes) and reads no further: `head -c 4 /dev/zero` ends. */
static void head_stream(FILE *f, long count, int bytes) {
  if (bytes) {
    char chunk[16384];
    size_t n;
    while (count > 0 && (n = fread(chunk, 1, (size_t)count < sizeof chunk ? (size_t)count : sizeof chunk, f)) > 0) {
      fwrite(chunk, 1, n, tb_out);
      count -= (long)n;
    }
    return;
  }
  int ch;
  while (count > 0 && (ch = getc(f)) != EOF) {
    putc(ch, tb_out);
    if (ch == '\n') count--;
  }
}

static int head_tail(int argc, char **argv, int tail) {
  const char *applet = tail ? "tail" : "head";
  long count = 10;
  int c, bytes = 0, rc = 0, from_start = 0;
  if (argc > 1 && argv[1][0] == '-' && isdigit((unsigned char)argv[1][1])) {
    count = parse_count(applet, argv[1] + 1, 0, &rc);
    argv[1] = argv[0]; /* getopt then starts after the old-style count */
    argv++;
    argc--;
  }
  while ((c = tb_getopt(argc, argv, "n:c:q")) != -1) {
    if (c == 'n' || c == 'c') { count = parse_count(applet, optarg, &from_start, &rc); bytes = c == 'c'; }
    else if (c == '?') return tb_badopt(1, applet);
  }
  if (rc) return rc;
  int nfiles = argc - optind;
  for (int i = nfiles ? optind : -1; i < argc; i++) {
    FILE *f = i < 0 ? tb_in : fopen(argv[i], "r");
    if (!f) { rc = tb_errno(1, applet, "cannot open '%s' for reading", argv[i]); continue; }
    if (nfiles > 1) fprintf(tb_out, "%s==> %s <==\n", i > optind ? "\n" : "", argv[i]);
    if (!tail) {
      head_stream(f, count, bytes);
      if (i >= 0) fclose(f);
      if (i < 0) break;
      continue;
    }
    size_t len;
    char *data = tb_read_all(f, &len);
    if (i >= 0) fclose(f);
    size_t start = 0, end = len;
    if (from_start) {
      if (bytes) start = count > 0 ? ((size_t)count - 1 < len ? (size_t)count - 1 : len) : 0;
      else { long seen = 1; for (start = 0; start < len && seen < count; start++) if (data[start] == '\n') seen++; }
    } else if (bytes) {
      start = (size_t)count < len ? len - count : 0;
    } else {
      long seen = 0;
      start = len;
      if (start > 0 && data[start - 1] == '\n') start--;
      while (start > 0 && !(data[start - 1] == '\n' && ++seen == count)) start--;
      if (count == 0) start = len;
    }
    fwrite(data + start, 1, end - start, tb_out);
    free(data);
    if (i < 0) break;
  }
  return rc;
}

APPLET(head) { return head_tail(argc, argv, 0); }
APPLET(tail) { return head_tail(argc, argv, 1); }

APPLET(tee) {
  int c, append = 0, rc = 0;
  while ((c = tb_getopt(argc, argv, "ai")) != -1) {
    if (c == 'a') append = 1;
    else if (c == '?') return tb_badopt(1, "tee");
  }
  int n = argc - optind;
  FILE **outs = calloc(n + 1, sizeof(FILE *));
  for (int i = 0; i < n; i++)
    if (!(outs[i] = fopen(argv[optind + i], append ? "a" : "w"))) rc = tb_errno(1, "tee", "%s", argv[optind + i]);
  char chunk[8192];
  size_t got;
  while ((got = tb_read_some(tb_in, chunk, sizeof chunk)) > 0) {
    fwrite(chunk, 1, got, tb_out);
    fflush(tb_out);
    for (int i = 0; i < n; i++) if (outs[i]) fwrite(chunk, 1, got, outs[i]);
  }
  for (int i = 0; i < n; i++) if (outs[i]) fclose(outs[i]);
  free(outs);
  return rc;
}

static int seq_num(const char *s, double *v, int *decimals) {
  char *end;
  *v = strtod(s, &end);
  if (*end || end == s) return tb_msg(1, "seq", "invalid floating point argument: '%s'", s);
  const char *dot = strchr(s, '.');
  int d = dot ? (int)strlen(dot + 1) : 0;
  if (d > *decimals) *decimals = d;
  return 0;
}

APPLET(seq) {
  const char *sep = "\n";
  int i = 1, decimals = 0;
  if (i + 1 < argc && !strcmp(argv[i], "-s")) { sep = argv[i + 1]; i += 2; }
  else if (i < argc && !strncmp(argv[i], "-s", 2) && argv[i][2]) { sep = argv[i] + 2; i++; }
  int n = argc - i;
  if (n < 1 || n > 3) return tb_msg(1, "seq", n < 1 ? "missing operand" : "extra operand '%s'", argv[argc - 1]);
  double first = 1, step = 1, last;
  if (n >= 2 && seq_num(argv[i], &first, &decimals)) return 1;
  if (n == 3 && seq_num(argv[i + 1], &step, &decimals)) return 1;
  if (seq_num(argv[argc - 1], &last, &decimals)) return 1;
  if (step == 0) return tb_msg(1, "seq", "invalid Zero increment value: '%s'", argv[i + 1]);
  int count = 0;
  for (double v = first; step > 0 ? v <= last + 1e-9 : v >= last - 1e-9; v = first + step * ++count) {
    if ((count & 1023) == 1023 && tb_interrupted()) break; /* into memory, seq makes no WASI call */
    fprintf(tb_out, "%s%.*f", count ? sep : "", decimals, v);
  }
  if (count) fputc('\n', tb_out);
  return 0;
}

APPLET(yes) {
  /* In a pipeline the next stage only starts when this one ends: stop after 64 KiB then. */
  long limit = tb_in_pipeline ? 65536 : -1, written = 0, lines = 0;
  while (limit < 0 || written < limit) {
    if ((++lines & 1023) == 0 && tb_interrupted()) return 1; /* into memory: no WASI call to fail */
    int n = 0;
    for (int i = 1; i < argc; i++) n += fprintf(tb_out, i > 1 ? " %s" : "%s", argv[i]);
    if (argc < 2) n += fputs("y", tb_out) >= 0;
    if (fputc('\n', tb_out) == EOF || ferror(tb_out)) return 1;
    written += n + 1;
  }
  return 0;
}
