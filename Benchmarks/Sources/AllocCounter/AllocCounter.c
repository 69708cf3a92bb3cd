// A counting malloc interposer for the benchmark's allocations_per_matrix.
// Defined in the executable, these symbols take precedence over glibc's for every
// shared library (ELF symbol interposition); they forward to glibc's exported
// __libc_malloc family, so there is no dlsym bootstrap problem. free() is not
// wrapped: the memory still comes from glibc's allocator.
#define _GNU_SOURCE
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "AllocCounter.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static unsigned long long counter = 0;

static inline void bump(void) { __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED); }

unsigned long long alloc_counter_value(void) { return __atomic_load_n(&counter, __ATOMIC_RELAXED); }
void alloc_counter_reset(void) { __atomic_store_n(&counter, 0, __ATOMIC_RELAXED); }

void *malloc(size_t size) { bump(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { bump(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { bump(); return __libc_realloc(p, size); }
void *memalign(size_t align, size_t size) { bump(); return __libc_memalign(align, size); }
void *aligned_alloc(size_t align, size_t size) { bump(); return __libc_memalign(align, size); }
int posix_memalign(void **out, size_t align, size_t size) {
  bump();
  if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
  void *p = __libc_memalign(align, size);
  if (p == NULL && size != 0) return ENOMEM;
  *out = p;
  return 0;
}
void *valloc(size_t size) { bump(); return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size); }
void *pvalloc(size_t size) {
  bump();
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return __libc_memalign(page, (size + page - 1) & ~(page - 1));
}

