/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Large, long-lived buffers (the window store, the camera model's frames).
 */
#ifndef CPS_MEMORY_H
#define CPS_MEMORY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* calloc() for a buffer of megabytes kept for a stream's life (release it
 * with free()), with its pages mapped at once where the kernel can
 * (Linux 5.14 and later): one call instead of one page fault per 4 KiB
 * on first touch.  On the VM this project is measured on, a fault costs
 * about 14 us, so a window store of 16 frames at 308×168 RGB floats (10 MB)
 * took about 35 ms to touch, against about 20 ms populated; once per
 * stream, but on a 640×360 clip of a few seconds that is a tenth of its
 * decoding time.  (Transparent huge pages touched it in about 1 ms, but
 * on that VM they raised the median live latency of a window from about
 * 1.3 ms to 2-3 ms.)  NULL when memory is short. */
void *cps_alloc_large (size_t size);

#ifdef __cplusplus
}
#endif
#endif
