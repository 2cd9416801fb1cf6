/* spin: loops forever without a system call; only a kill ends it. */
int main(void) { volatile unsigned long n = 0; for (;;) n++; }
