/*
 * tmpsort RECORDS OUT: the file patterns of a database's external sort (SQLite's
 * CREATE INDEX on a large table, VACUUM), which a journal that names files by path
 * cannot replay:
 *   - it spills sorted runs to a temporary file it unlinks at once and keeps using
 *     through its descriptor (written, then read back while merging);
 *   - it writes the merged result to OUT.part, renames that to OUT while the file is
 *     still open, and writes the trailer after the rename;
 *   - it makes a scratch file, hard-links it as OUT.link, unlinks the first name, and
 *     writes through the descriptor: the bytes must show under the link.
 * RECORDS records of 64 bytes, keyed by a fixed pseudo-random sequence, so every run
 * gives the same OUT. Prints "sorted N records, checksum X" (X over OUT's records).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC 64
#define RUN 4096 /* records sorted in memory per run */

static unsigned long long seed = 0x9e3779b97f4a7c15ull;
static unsigned long long next_key(void) {
  seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
  return seed;
}

static int cmp(const void *a, const void *b) { return memcmp(a, b, 16); }

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void must_pwrite(int fd, const void *buf, size_t n, off_t at) {
  if (pwrite(fd, buf, n, at) != (ssize_t)n) die("pwrite");
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: tmpsort RECORDS OUT\n");
    return 2;
  }
  long n = atol(argv[1]);
  const char *out = argv[2];
  char part[512], link_name[512], scratch[512];
  snprintf(part, sizeof part, "%s.part", out);
  snprintf(link_name, sizeof link_name, "%s.link", out);
  snprintf(scratch, sizeof scratch, "%s.scratch", out);

  /* The spill file: created, unlinked at once, used through its descriptor only. */
  int spill = open("/tmp/tmpsort-spill", O_RDWR | O_CREAT | O_EXCL, 0600);
  if (spill < 0) die("/tmp/tmpsort-spill");
  if (unlink("/tmp/tmpsort-spill") != 0) die("unlink spill");
  unsigned char *run = malloc((size_t)RUN * REC);
  long runs = 0;
  for (long done = 0; done < n; runs++) {
    long k = n - done < RUN ? n - done : RUN;
    for (long i = 0; i < k; i++) {
      unsigned char *r = run + i * REC;
      unsigned long long key = next_key();
      memset(r, 0, REC);
      for (int b = 0; b < 8; b++) r[b] = (unsigned char)(key >> (56 - 8 * b));
      snprintf((char *)r + 16, REC - 16, "record %ld", done + i);
    }
    qsort(run, (size_t)k, REC, cmp);
    must_pwrite(spill, run, (size_t)k * REC, (off_t)done * REC);
    done += k;
  }

  /* Merge the runs, reading the unlinked spill file back, into OUT.part. */
  int o = open(part, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (o < 0) die(part);
  long *pos = calloc((size_t)runs, sizeof(long)), *end = calloc((size_t)runs, sizeof(long));
  unsigned char *head = malloc((size_t)runs * REC);
  for (long r = 0; r < runs; r++) {
    pos[r] = r * RUN;
    end[r] = (r + 1) * RUN < n ? (r + 1) * RUN : n;
    if (pread(spill, head + r * REC, REC, (off_t)pos[r] * REC) != REC) die("pread spill");
  }
  unsigned long long sum = 0;
  for (long i = 0; i < n; i++) {
    long best = -1;
    for (long r = 0; r < runs; r++) {
      if (pos[r] < end[r] && (best < 0 || cmp(head + r * REC, head + best * REC) < 0)) best = r;
    }
    unsigned char *rec = head + best * REC;
    for (int b = 0; b < REC; b++) sum = sum * 31 + rec[b];
    must_pwrite(o, rec, REC, (off_t)i * REC);
    if (++pos[best] < end[best] && pread(spill, rec, REC, (off_t)pos[best] * REC) != REC) die("pread spill");
  }
  close(spill);

  /* Rename while open, then the trailer after the rename. */
  if (rename(part, out) != 0) die("rename");
  char trailer[64];
  int tn = snprintf(trailer, sizeof trailer, "end %ld %016llx\n", n, sum);
  must_pwrite(o, trailer, (size_t)tn, (off_t)n * REC);
  close(o);

  /* A file that lives on under a hard link only, written through its descriptor. */
  int s = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (s < 0) die(scratch);
  if (link(scratch, link_name) != 0) die("link");
  if (unlink(scratch) != 0) die("unlink scratch");
  must_pwrite(s, trailer, (size_t)tn, 0);
  close(s);

  printf("sorted %ld records, checksum %016llx\n", n, sum);
  return 0;
}
