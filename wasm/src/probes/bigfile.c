/*
 * bigfile PATH MIB [check]: writes MIB mebibytes to PATH in 1 MiB writes (each page
 * carries its index, so a misplaced or lost one shows), closes it, and prints its size;
 * with "check" it reads it back instead and prints "ok" or where it differs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1 << 20)
static unsigned char buf[MIB], got[MIB];

/* Every 4 KiB page starts with its number in the file; the rest of a MiB is one byte that depends on the MiB. */
static void fill(long i) {
  memset(buf, 'a' + i % 26, MIB);
  for (int j = 0; j < MIB; j += 4096) snprintf((char *)buf + j, 17, "%015ld\n", i * (MIB / 4096) + j / 4096);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bigfile PATH MIB [check]\n");
    return 2;
  }
  long n = atol(argv[2]);
  int check = argc > 3 && strcmp(argv[3], "check") == 0;
  int fd = open(argv[1], check ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  for (long i = 0; i < n; i++) {
    fill(i);
    if (check) {
      ssize_t r = 0, k;
      while (r < MIB && (k = read(fd, got + r, MIB - r)) > 0) r += k;
      if (r != MIB || memcmp(buf, got, MIB) != 0) {
        printf("differs in MiB %ld\n", i);
        return 1;
      }
    } else if (write(fd, buf, MIB) != MIB) {
      perror("write");
      return 1;
    }
  }
  off_t size = lseek(fd, 0, SEEK_END);
  close(fd);
  if (check) printf("ok %ld MiB\n", n);
  else printf("wrote %lld bytes\n", (long long)size);
  return 0;
}
