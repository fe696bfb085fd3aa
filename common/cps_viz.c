/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_viz.h"

#include <math.h>

static uint8_t
clamp_u8 (float v)
{
  v = rintf (v);
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t) v;
}

uint8_t
cps_viz_sample (const void *data, size_t i, CpsDtype dtype)
{
  switch (dtype) {
    case CPS_DTYPE_BF16:
      return clamp_u8 (cps_bf16_to_float (((const uint16_t *) data)[i]));
    case CPS_DTYPE_FP16:
      return clamp_u8 (cps_fp16_to_float (((const uint16_t *) data)[i]));
    case CPS_DTYPE_FP32:
      return clamp_u8 (((const float *) data)[i]);
    case CPS_DTYPE_U8:
    default:
      return ((const uint8_t *) data)[i];
  }
}

void
cps_viz_paint_patch (const void *patch, CpsDtype dtype, int p,
    uint8_t * canvas, size_t stride, int x, int y)
{
  size_t plane = (size_t) p * p;

  for (int c = 0; c < 3; c++)
    for (int row = 0; row < p; row++) {
      uint8_t *dst = canvas + (size_t) (y + row) * stride + (size_t) x * 3 + c;

      for (int col = 0; col < p; col++)
        dst[col * 3] = cps_viz_sample (patch, c * plane + (size_t) row * p +
            col, dtype);
    }
}

void
cps_viz_dim (const uint8_t * src, uint8_t * dst, size_t n, float level)
{
  for (size_t i = 0; i < n; i++)
    dst[i] = (uint8_t) (src[i] * level + 0.5f);
}
