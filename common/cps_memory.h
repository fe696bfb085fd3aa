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

/* malloc() for a buffer of megabytes kept for a stream's life, zeroed;
 * release it with free().  Where the kernel offers transparent huge pages
 * on request, the buffer asks for them: its first touch then costs a few
 * 2 MiB faults instead of one fault per 4 KiB page (on the VM this project
 * is measured on, 35–50 ms for 10 MiB against about 1 ms, once per stream,
 * which on a 640×360 clip of a few seconds is a fifth of its decoding
 * time).  NULL when memory is short. */
void *cps_alloc_large (size_t size);

#ifdef __cplusplus
}
#endif
#endif
