// LD_PRELOAD shim for bench/alloc_sizes.sh: counts memalign/aligned_alloc calls by requested size and writes
// the sizes seen more than MIN_COUNT times to $ALLOC_SIZES_OUT when the process exits. asio allocates coroutine
// frames and handlers through aligned_new (memalign in glibc), so a steady per-request count at one size is a
// frame that its recycling cache did not keep (larger than ~1 KiB, or more frames live than cache slots).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

enum { MAX_SIZE = 8192, MIN_COUNT = 1000 };
static unsigned long counts[MAX_SIZE];

static void* (*real_memalign)(size_t, size_t);

void* memalign(size_t align, size_t size) {
  if (!real_memalign) real_memalign = (void* (*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
  if (size < MAX_SIZE) __atomic_fetch_add(&counts[size], 1, __ATOMIC_RELAXED);
  return real_memalign(align, size);
}

void* aligned_alloc(size_t align, size_t size) { return memalign(align, size); }

__attribute__((destructor)) static void write_histogram(void) {
  const char* path = getenv("ALLOC_SIZES_OUT");
  FILE* out = path ? fopen(path, "w") : NULL;
  if (!out) return;
  for (int size = 0; size < MAX_SIZE; size++) {
    if (counts[size] > MIN_COUNT) fprintf(out, "%d %lu\n", size, counts[size]);
  }
  fclose(out);
}
