/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_memory.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define PAGE ((uintptr_t) 4096)

void *
cps_alloc_large (size_t size)
{
  void *p = calloc (1, size ? size : 1);

#ifdef MADV_POPULATE_WRITE
  if (p) {
    /* the whole pages inside the buffer; advice only: a kernel older than
     * 5.14 refuses it and the pages then fault in one by one */
    uintptr_t start = ((uintptr_t) p + PAGE - 1) & ~(PAGE - 1);
    uintptr_t end = ((uintptr_t) p + size) & ~(PAGE - 1);

    if (end > start)
      madvise ((void *) start, end - start, MADV_POPULATE_WRITE);
  }
#endif
  return p;
}
