/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Drawing selected patches back onto a frame canvas (cpsviz).
 */
#ifndef CPS_VIZ_H
#define CPS_VIZ_H

#include <stddef.h>
#include <stdint.h>
#include "cps_algo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One patch value as an 8-bit sample: rounded to nearest, clamped. */
uint8_t cps_viz_sample (const void *data, size_t i, CpsDtype dtype);

/* Copies a channels-first 3 × @p × @p patch of @dtype into a packed RGB
 * canvas (@stride bytes per row) with its top-left corner at (@x, @y). */
void cps_viz_paint_patch (const void *patch, CpsDtype dtype, int p,
    uint8_t * canvas, size_t stride, int x, int y);

/* @dst = @src scaled by @level (0–1), @n bytes. */
void cps_viz_dim (const uint8_t * src, uint8_t * dst, size_t n, float level);

#ifdef __cplusplus
}
#endif
#endif /* CPS_VIZ_H */
