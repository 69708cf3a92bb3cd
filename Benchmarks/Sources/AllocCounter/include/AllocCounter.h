#ifndef ALLOC_COUNTER_H
#define ALLOC_COUNTER_H
/// Number of heap allocation calls (malloc, calloc, realloc, posix_memalign,
/// aligned_alloc, memalign, valloc, pvalloc) made by the whole process since the
/// last reset. The executable defines these functions, so the dynamic linker binds
/// every library's calls (libswiftCore, libdispatch, libgsl, OpenBLAS) to them;
/// each counts one relaxed atomic increment and forwards to glibc's __libc_* entry.
unsigned long long alloc_counter_value(void);
void alloc_counter_reset(void);
#endif
