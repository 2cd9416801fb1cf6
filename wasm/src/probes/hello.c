/* hello: the smallest probe: one line on stdout, exit 0. */
#include <stdio.h>
int main(void) { puts("Hello from WebAssembly!"); return 0; }
