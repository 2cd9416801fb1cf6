/*
 * escape RW RO OUTSIDE: tries, as a hostile program would, to reach host files outside
 * the bind mounts it was given. RW is a read-write bind, RO a read-only one, OUTSIDE the
 * host path of a directory outside both (holding a file `secret`). The test that runs it
 * prepares, on the host: RW/hostdir -> OUTSIDE, RO/hostdir -> OUTSIDE,
 * RO/dangling -> OUTSIDE/pwned-ro, and RO/file.
 *
 * Each attack prints "refused NAME (errno text)" or "ESCAPED NAME"; the exit status is
 * the number of escapes. The test checks the host as well: nothing under OUTSIDE may
 * change, whatever this program says.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* path_open as the runtime exports it, so a path can carry a NUL or a ".." unchanged. */
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t out)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")));

static int escapes = 0;
static char a[1024], b[1024];

/* `ok` is the attack's own success: a success is an escape. */
static void verdict(const char *name, int ok) {
  if (ok) {
    printf("ESCAPED %s\n", name);
    escapes++;
  } else {
    printf("refused %s (%s)\n", name, strerror(errno));
  }
}

static int write_through(const char *path, int flags) {
  int fd = open(path, flags, 0644);
  if (fd < 0) return 0;
  ssize_t n = write(fd, "ESCAPED\n", 8);
  close(fd);
  return n == 8 || (flags & O_ACCMODE) == O_RDONLY;
}

static int raw_open(const char *path, size_t len) {
  int32_t fd = -1;
  int32_t err = raw_path_open(3, 1, (int32_t)(intptr_t)path, (int32_t)len, 0, ~0LL, ~0LL, 0, (int32_t)(intptr_t)&fd);
  errno = err;
  if (err == 0) close(fd);
  return err == 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: escape RW RO OUTSIDE\n");
    return 2;
  }
  const char *rw = argv[1], *ro = argv[2], *out = argv[3];
  struct timespec old[2] = {{0, 0}, {0, 0}};

  /* A dangling link out of the bind, written through (absolute, then relative). */
  snprintf(a, sizeof a, "%s/pwned-abs", out), snprintf(b, sizeof b, "%s/evil-abs", rw);
  symlink(a, b);
  verdict("create through a dangling absolute link", write_through(b, O_WRONLY | O_CREAT | O_TRUNC));
  snprintf(a, sizeof a, "../../../../../../../../../..%s/pwned-rel", out), snprintf(b, sizeof b, "%s/evil-rel", rw);
  symlink(a, b);
  verdict("create through a dangling relative link", write_through(b, O_WRONLY | O_CREAT | O_TRUNC));
  snprintf(b, sizeof b, "%s/evil-abs", rw);
  verdict("exclusive create through a dangling link", write_through(b, O_WRONLY | O_CREAT | O_EXCL));

  /* A link to a host directory: into it, through it, onto it. */
  snprintf(a, sizeof a, "%s/hostdir/pwned-in", rw);
  verdict("create inside a linked host directory", write_through(a, O_WRONLY | O_CREAT));
  snprintf(a, sizeof a, "%s/hostdir/pwned-dir", rw);
  verdict("mkdir inside a linked host directory", mkdir(a, 0755) == 0);
  snprintf(a, sizeof a, "%s/hostdir/secret", rw);
  verdict("read a host file through a linked directory", write_through(a, O_RDONLY));
  struct stat st;
  verdict("stat a host file through a linked directory", stat(a, &st) == 0);
  snprintf(b, sizeof b, "%s/stolen", rw);
  verdict("hard link a host file into the bind", link(a, b) == 0);
  snprintf(a, sizeof a, "%s/hostdir", rw);
  verdict("list a linked host directory", opendir(a) != NULL);
  int dfd = open(a, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  verdict("open a linked host directory with O_NOFOLLOW", dfd >= 0);
  if (dfd >= 0) verdict("futimens on that directory", futimens(dfd, old) == 0), close(dfd);
  verdict("utimes through a linked host directory", utimensat(AT_FDCWD, a, old, 0) == 0);
  snprintf(a, sizeof a, "%s/victim", rw), snprintf(b, sizeof b, "%s/hostdir/moved", rw);
  write_through(a, O_WRONLY | O_CREAT);
  verdict("rename into a linked host directory", rename(a, b) == 0);

  /* Across mounts: link and rename between the union and a bind are EXDEV. */
  snprintf(b, sizeof b, "%s/hostname-link", rw);
  verdict("hard link from the rootfs into a bind", link("/etc/hostname", b) == 0);
  verdict("rename from a bind into the rootfs", rename(a, "/tmp/moved") == 0);

  /* A loop of links ends (ELOOP), it does not hang. */
  snprintf(a, sizeof a, "%s/loop1", rw), snprintf(b, sizeof b, "%s/loop2", rw);
  symlink("loop2", a), symlink("loop1", b);
  verdict("open a loop of links", write_through(a, O_RDONLY));

  /* The read-only bind holds for data and metadata. */
  snprintf(a, sizeof a, "%s/dangling", ro);
  verdict("O_RDONLY|O_CREAT through a dangling link in a read-only bind", write_through(a, O_RDONLY | O_CREAT));
  snprintf(a, sizeof a, "%s/hostdir/pwned-ro2", ro);
  verdict("create through a linked host directory in a read-only bind", write_through(a, O_WRONLY | O_CREAT));
  snprintf(a, sizeof a, "%s/file", ro);
  int fd = open(a, O_RDONLY);
  if (fd >= 0) verdict("futimens on a read-only bind's file", futimens(fd, old) == 0), close(fd);
  else verdict("open a read-only bind's file for reading (must work)", 1);
  verdict("utimes on a read-only bind's file", utimensat(AT_FDCWD, a, old, 0) == 0);
  verdict("write a read-only bind's file", write_through(a, O_WRONLY));
  verdict("truncate a read-only bind's file", truncate(a, 0) == 0);
  snprintf(b, sizeof b, "%s/new", ro);
  verdict("create in a read-only bind", write_through(b, O_WRONLY | O_CREAT));

  /* Raw path_open: ".." above the preopen, an absolute path, a NUL in the name. */
  verdict("raw path_open of ../etc/passwd", raw_open("../etc/passwd", 13));
  verdict("raw path_open of /etc/passwd", raw_open("/etc/passwd", 11));
  verdict("raw path_open with a NUL", raw_open("etc/hostname\0/../../x", 21));

  printf("%d escapes\n", escapes);
  return escapes;
}
