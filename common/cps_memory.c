/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_memory.h"

#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t) 2 << 20)

void *
cps_alloc_large (size_t size)
{
  void *p = NULL;

#ifdef MADV_HUGEPAGE
  if (size >= HUGE_PAGE / 2) {
    /* whole huge pages: the kernel backs only aligned 2 MiB ranges (a
     * 1080p luma plane, 1.98 MiB, takes one) */
    size_t whole = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);

    if (posix_memalign (&p, HUGE_PAGE, whole) != 0)
      return NULL;
    /* advice only: where it is refused the buffer works with small pages */
    madvise (p, whole, MADV_HUGEPAGE);
    return memset (p, 0, size);
  }
#endif
  p = malloc (size ? size : 1);
  return p ? memset (p, 0, size) : NULL;
}
