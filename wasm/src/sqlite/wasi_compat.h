/* Declarations of wasi_compat.c's functions, which wasi-libc's headers leave out; the
 * build force-includes this header into shell.c (clang -include). */
#include <sys/types.h>
int chmod(const char *path, mode_t mode);
char *realpath(const char *restrict path, char *restrict resolved);
