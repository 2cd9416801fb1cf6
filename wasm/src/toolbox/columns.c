/* Names in columns, as GNU ls -C lays them out (ls.c: calculate_columns and
 * print_many_per_line): the most columns that fit the line, filled down, padded with tabs
 * and spaces (tab size 8). */
#include <stdlib.h>
#include "toolbox.h"

/* Display width: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s) {
  size_t w = 0;
  for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
  return w;
}

/* The widths of `cols` columns filled down (GNU ls: a column is its longest name + 2,
 * the last one without the 2, and at least 3); their sum. */
static size_t column_widths(const size_t *w, int n, int cols, size_t *colw) {
  int rows = (n + cols - 1) / cols;
  size_t sum = 3 * (size_t)cols;
  for (int c = 0; c < cols; c++) colw[c] = 3;
  for (int i = 0; i < n; i++) {
    int c = i / rows;
    size_t need = w[i] + (c == cols - 1 ? 0 : 2);
    if (need > colw[c]) { sum += need - colw[c]; colw[c] = need; }
  }
  return sum;
}

/* Pads from column `from` to `to` with tabs and spaces, as GNU ls does (tab size 8). */
static void indent(size_t from, size_t to) {
  while (from < to) {
    if (to / 8 > (from + 1) / 8) { fputc('\t', tb_out); from += 8 - from % 8; }
    else { fputc(' ', tb_out); from++; }
  }
}

void tb_columns(char **names, int n, int line) {
  if (n == 0) return;
  size_t *w = malloc(sizeof(size_t) * n), *colw = malloc(sizeof(size_t) * n);
  for (int i = 0; i < n; i++) w[i] = text_width(names[i]);
  int cols = line / 3 < n ? line / 3 : n;
  while (cols > 1 && column_widths(w, n, cols, colw) >= (size_t)line) cols--;
  if (cols < 1) cols = 1;
  column_widths(w, n, cols, colw);
  int rows = (n + cols - 1) / cols;
  for (int r = 0; r < rows; r++) {
    size_t pos = 0;
    for (int i = r, c = 0;; c++) {
      fputs(names[i], tb_out);
      size_t at = pos + w[i];
      if ((i += rows) >= n) break;
      indent(at, pos + colw[c]);
      pos += colw[c];
    }
    fputc('\n', tb_out);
  }
  free(w);
  free(colw);
}
