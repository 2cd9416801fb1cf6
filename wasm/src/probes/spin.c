/*
 * spin [FILE…]: opens each FILE for reading (and says "open" once they are), then loops
 * forever without a system call; only a kill ends it.
 */
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (open(argv[i], O_RDONLY) < 0) return 1;
  if (argc > 1) write(1, "open\n", 5);
  volatile unsigned long n = 0;
  for (;;) n++;
}
