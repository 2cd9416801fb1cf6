/* Line filters: grep (basic regex), sort, uniq, cut, tr. sed lives in applets_sed.c. */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include "toolbox.h"

/* Splits a buffer into lines (without their newlines); the buffer is modified. */
static char **split_lines(char *data, size_t len, int *count) {
  int n = 0, cap = 64;
  char **lines = malloc(sizeof(char *) * cap);
  for (size_t i = 0; i < len;) {
    if (n == cap) lines = realloc(lines, sizeof(char *) * (cap *= 2));
    lines[n++] = data + i;
    char *nl = memchr(data + i, '\n', len - i);
    if (!nl) break;
    *nl = 0;
    i = nl - data + 1;
  }
  *count = n;
  return lines;
}

struct grep_opts { regex_t re; int invert, number, count, quiet, list, names; };

static int grep_stream(FILE *f, const char *name, struct grep_opts *o) {
  size_t len;
  char *data = tb_read_all(f, &len);
  int n, matches = 0;
  char **lines = split_lines(data, len, &n);
  for (int i = 0; i < n; i++) {
    int hit = regexec(&o->re, lines[i], 0, 0, 0) == 0;
    if (hit == o->invert) continue;
    matches++;
    if (o->quiet || o->count || o->list) continue;
    if (o->names) fprintf(tb_out, "%s:", name);
    if (o->number) fprintf(tb_out, "%d:", i + 1);
    fprintf(tb_out, "%s\n", lines[i]);
  }
  if (o->count) fprintf(tb_out, o->names ? "%s:%d\n" : "%.0s%d\n", name, matches);
  if (o->list && matches) fprintf(tb_out, "%s\n", name);
  free(lines);
  free(data);
  return matches;
}

static int grep_path(const char *path, struct grep_opts *o, int recursive, int *err) {
  if (recursive && tb_is_dir(path)) {
    char **names;
    int n = tb_list_dir(path, &names), found = 0;
    for (int i = 0; i < n; i++) {
      if (!strcmp(names[i], ".") || !strcmp(names[i], "..")) continue;
      char *p = tb_join(path, names[i]);
      found += grep_path(p, o, recursive, err);
      free(p);
    }
    if (n >= 0) tb_free_list(names, n);
    return found;
  }
  FILE *f = tb_open_in("grep", path);
  if (!f) { *err = 1; return 0; }
  int found = grep_stream(f, path, o);
  tb_close_in(f);
  return found;
}

APPLET(grep) {
  struct grep_opts o = {0};
  int c, flags = REG_NOSUB, recursive = 0, err = 0, found = 0, nofile = 0;
  while ((c = tb_getopt(argc, argv, "vincrRqlEFhH")) != -1) {
    if (c == 'v') o.invert = 1;
    else if (c == 'i') flags |= REG_ICASE;
    else if (c == 'n') o.number = 1;
    else if (c == 'c') o.count = 1;
    else if (c == 'r' || c == 'R') recursive = 1;
    else if (c == 'q') o.quiet = 1;
    else if (c == 'l') o.list = 1;
    else if (c == 'E') flags |= REG_EXTENDED;
    else if (c == 'h') nofile = 1;
    else if (c == '?') return tb_badopt(2, "grep");
  }
  if (optind >= argc) return tb_msg(2, "grep", "Usage: grep [OPTION]... PATTERNS [FILE]...");
  int rc = regcomp(&o.re, argv[optind++], flags);
  if (rc) {
    char msg[128];
    regerror(rc, &o.re, msg, sizeof msg);
    return tb_msg(2, "grep", "%s", msg);
  }
  int nfiles = argc - optind;
  o.names = !nofile && (nfiles > 1 || recursive);
  if (nfiles == 0) found = recursive ? grep_path(".", &o, 1, &err) : grep_stream(tb_in, "(standard input)", &o);
  for (int i = optind; i < argc; i++) found += grep_path(argv[i], &o, recursive, &err);
  regfree(&o.re);
  if (err && !(o.quiet && found)) return 2;
  return found ? 0 : 1;
}

static int sort_numeric, sort_reverse; /* set by ap_sort for the comparator, every call */

static int sort_cmp(const void *a, const void *b) {
  const char *x = *(char *const *)a, *y = *(char *const *)b;
  int r;
  if (sort_numeric) {
    double dx = strtod(x, 0), dy = strtod(y, 0);
    r = dx < dy ? -1 : dx > dy ? 1 : strcmp(x, y);
  } else {
    r = strcmp(x, y);
  }
  return sort_reverse ? -r : r;
}

APPLET(sort) {
  int c, unique = 0, rc = 0;
  sort_numeric = sort_reverse = 0;
  while ((c = tb_getopt(argc, argv, "rnuf")) != -1) {
    if (c == 'r') sort_reverse = 1;
    else if (c == 'n') sort_numeric = 1;
    else if (c == 'u') unique = 1;
    else if (c == '?') return tb_badopt(2, "sort");
  }
  char *all = 0;
  size_t total = 0;
  for (int i = optind >= argc ? -1 : optind; i < argc; i++) {
    FILE *f = i < 0 ? tb_in : fopen(argv[i], "r");
    if (!f) { rc = tb_errno(2, "sort", "cannot read: %s", argv[i]); continue; }
    size_t len;
    char *data = tb_read_all(f, &len);
    if (i >= 0) fclose(f);
    all = realloc(all, total + len + 2);
    memcpy(all + total, data, len);
    total += len;
    if (len && data[len - 1] != '\n') all[total++] = '\n';
    free(data);
    if (i < 0) break;
  }
  if (rc) { free(all); return rc; }
  int n;
  char **lines = split_lines(all ? all : "", total, &n);
  qsort(lines, n, sizeof(char *), sort_cmp);
  for (int i = 0; i < n; i++) {
    if (unique && i > 0 && sort_cmp(&lines[i - 1], &lines[i]) == 0) continue;
    fprintf(tb_out, "%s\n", lines[i]);
  }
  free(lines);
  free(all);
  return 0;
}

APPLET(uniq) {
  int c, count = 0, dups = 0, uniques = 0;
  while ((c = tb_getopt(argc, argv, "cdu")) != -1) {
    if (c == 'c') count = 1;
    else if (c == 'd') dups = 1;
    else if (c == 'u') uniques = 1;
    else return tb_badopt(1, "uniq");
  }
  FILE *f = optind < argc ? tb_open_in("uniq", argv[optind]) : tb_in;
  if (!f) return 1;
  size_t len;
  char *data = tb_read_all(f, &len);
  tb_close_in(f);
  int n;
  char **lines = split_lines(data, len, &n);
  for (int i = 0; i < n;) {
    int j = i + 1;
    while (j < n && strcmp(lines[i], lines[j]) == 0) j++;
    int k = j - i;
    if (!(dups && k < 2) && !(uniques && k > 1)) {
      if (count) fprintf(tb_out, "%7d %s\n", k, lines[i]);
      else fprintf(tb_out, "%s\n", lines[i]);
    }
    i = j;
  }
  free(lines);
  free(data);
  return 0;
}

/* A cut list ("1,3-5,7-") as a bitmap of the first 1024 positions plus an open tail. */
static int parse_list(const char *s, unsigned char *sel, int *open_from) {
  *open_from = 0;
  while (*s) {
    char *end;
    long a = *s == '-' ? 1 : strtol(s, &end, 10), b;
    if (*s != '-') s = end;
    if (a < 1) return -1;
    if (*s == '-') {
      s++;
      if (!*s || *s == ',') { if (!*open_from || a < *open_from) *open_from = a; b = 0; }
      else { b = strtol(s, &end, 10); s = end; }
    } else {
      b = a;
    }
    for (long i = a; i <= b && i < 1024; i++) sel[i] = 1;
    if (*s == ',') s++;
    else if (*s) return -1;
  }
  return 0;
}

APPLET(cut) {
  int c, mode = 0, open_from;
  char delim = '\t';
  const char *list = 0;
  unsigned char sel[1024] = {0};
  while ((c = tb_getopt(argc, argv, "d:f:c:b:s")) != -1) {
    if (c == 'd') delim = optarg[0];
    else if (c == 'f' || c == 'c' || c == 'b') { mode = c == 'b' ? 'c' : c; list = optarg; }
    else if (c == '?') return tb_badopt(1, "cut");
  }
  if (!mode) return tb_msg(1, "cut", "you must specify a list of bytes, characters, or fields");
  if (parse_list(list, sel, &open_from) != 0) return tb_msg(1, "cut", "invalid field value '%s'", list);
  int rc = 0;
  for (int i = optind >= argc ? -1 : optind; i < argc; i++) {
    FILE *f = i < 0 ? tb_in : tb_open_in("cut", argv[i]);
    if (!f) { rc = 1; continue; }
    size_t len;
    char *data = tb_read_all(f, &len);
    tb_close_in(f);
    int n;
    char **lines = split_lines(data, len, &n);
    for (int l = 0; l < n; l++) {
      char *s = lines[l];
      if (mode == 'f' && !strchr(s, delim)) { fprintf(tb_out, "%s\n", s); continue; }
      int field = 1, first = 1;
      for (char *p = s;; p++) {
        if (mode == 'c') {
          if (!*p) break;
          long pos = p - s + 1;
          if ((pos < 1024 && sel[pos]) || (open_from && pos >= open_from)) fputc(*p, tb_out);
          continue;
        }
        char *end = strchr(p, delim);
        size_t flen = end ? (size_t)(end - p) : strlen(p);
        if ((field < 1024 && sel[field]) || (open_from && field >= open_from)) {
          if (!first) fputc(delim, tb_out);
          fwrite(p, 1, flen, tb_out);
          first = 0;
        }
        if (!end) break;
        p = end;
        field++;
      }
      fputc('\n', tb_out);
    }
    free(lines);
    free(data);
    if (i < 0) break;
  }
  return rc;
}

/* Expands a tr set: ranges a-z, escapes \n \t \\, classes [:lower:] [:upper:] [:digit:] [:space:]. */
static int tr_set(const char *s, unsigned char *out) {
  int n = 0;
  while (*s && n < 1024) {
    if (!strncmp(s, "[:lower:]", 9)) { for (int c = 'a'; c <= 'z'; c++) out[n++] = c; s += 9; continue; }
    if (!strncmp(s, "[:upper:]", 9)) { for (int c = 'A'; c <= 'Z'; c++) out[n++] = c; s += 9; continue; }
    if (!strncmp(s, "[:digit:]", 9)) { for (int c = '0'; c <= '9'; c++) out[n++] = c; s += 9; continue; }
    if (!strncmp(s, "[:space:]", 9)) { const char *sp = " \t\n\r\v\f"; while (*sp) out[n++] = *sp++; s += 9; continue; }
    unsigned char c = *s++;
    if (c == '\\' && *s) {
      c = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s;
      s++;
    }
    if (*s == '-' && s[1]) {
      unsigned char hi = s[1];
      s += 2;
      for (int x = c; x <= hi && n < 1024; x++) out[n++] = x;
      continue;
    }
    out[n++] = c;
  }
  return n;
}

APPLET(tr) {
  int c, del = 0, squeeze = 0;
  while ((c = tb_getopt(argc, argv, "ds")) != -1) {
    if (c == 'd') del = 1;
    else if (c == 's') squeeze = 1;
    else return tb_badopt(1, "tr");
  }
  int need = (del || (squeeze && argc - optind == 1)) ? 1 : 2;
  if (argc - optind < need) return tb_msg(1, "tr", argc - optind ? "missing operand after '%s'" : "missing operand", argv[argc - 1]);
  unsigned char s1[1024], s2[1024], map[256], in_set1[256] = {0}, in_last[256] = {0};
  int n1 = tr_set(argv[optind], s1), n2 = need == 2 && !del ? tr_set(argv[optind + 1], s2) : 0;
  for (int i = 0; i < 256; i++) map[i] = i;
  for (int i = 0; i < n1; i++) {
    in_set1[s1[i]] = 1;
    if (n2) map[s1[i]] = s2[i < n2 ? i : n2 - 1];
  }
  if (squeeze) for (int i = 0; i < (n2 ? n2 : n1); i++) in_last[n2 ? s2[i] : s1[i]] = 1;
  int ch, prev = -1;
  while ((ch = fgetc(tb_in)) != EOF) {
    if (del && in_set1[ch]) continue;
    int out = map[ch];
    if (squeeze && out == prev && in_last[out]) continue;
    fputc(out, tb_out);
    prev = out;
  }
  return 0;
}
