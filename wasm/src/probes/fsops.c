/* fsops [DIR]: a fixed file-heavy workload: creates, writes, reads, stats and deletes 1,000 files. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/tmp";
  char path[512], buf[256];
  unsigned long sum = 0, bytes = 0;
  for (int i = 0; i < 1000; i++) {
    snprintf(path, sizeof path, "%s/f%04d", dir, i);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror(path); return 1; }
    int n = snprintf(buf, sizeof buf, "file %d of the fsops probe\n", i);
    write(fd, buf, n);
    close(fd);
  }
  for (int i = 0; i < 1000; i++) {
    snprintf(path, sizeof path, "%s/f%04d", dir, i);
    struct stat st;
    if (stat(path, &st) != 0) { perror(path); return 1; }
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    for (ssize_t j = 0; j < n; j++) sum = sum * 31 + (unsigned char)buf[j];
    bytes += n;
    unlink(path);
  }
  printf("fsops: 1000 files, %lu bytes, checksum %lu\n", bytes, sum);
  return 0;
}
