/* alloc N: grows linear memory by N MiB steps until refused; prints each step, exits 1 when refused. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  long step = argc > 1 ? atol(argv[1]) : 1;
  if (step < 1) step = 1;
  long pages = step * 16, total = 0;
  for (;;) {
    if (__builtin_wasm_memory_grow(0, pages) == (unsigned long)-1) {
      printf("refused after %ld MiB\n", total);
      return 1;
    }
    total += step;
    printf("grew to %ld MiB\n", total);
    fflush(stdout);
  }
}
