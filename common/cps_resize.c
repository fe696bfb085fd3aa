/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md steps 3 (luma at low resolution) and 6 (target size).
 */
#include "cps_resize.h"
#include "cps_inline.h"

#include <math.h>
#include <stddef.h>

CpsTap
cps_tap_at (double c, int len)
{
  CpsTap t;
  int i0;

  if (c < 0.0)
    c = 0.0;
  i0 = (int) c;
  if (i0 > len - 1)
    i0 = len - 1;
  t.i0 = i0;
  t.i1 = i0 < len - 1 ? i0 + 1 : i0;
  t.w1 = (float) (c - i0);
  return t;
}

void
cps_bilinear_taps (int in_len, int out_len, CpsTap * taps)
{
  double scale = (double) in_len / (double) out_len;

  for (int o = 0; o < out_len; o++)
    taps[o] = cps_tap_at ((o + 0.5) * scale - 0.5, in_len);
}

void
cps_lowres_size (int width, int height, int factor, int *lowres_width,
    int *lowres_height)
{
  /* clamp(side / factor, 32, side) as min(max(v, 32), side): a side under
   * 32 stays as it is. */
  int w = width / factor, h = height / factor;

  w = w > CPS_MIN_LOWRES_SIDE ? w : CPS_MIN_LOWRES_SIDE;
  h = h > CPS_MIN_LOWRES_SIDE ? h : CPS_MIN_LOWRES_SIDE;
  *lowres_width = w < width ? w : width;
  *lowres_height = h < height ? h : height;
}

CPS_HOT512 void
cps_lerp_rows (const uint8_t * r0, const uint8_t * r1, float w1, int n,
    float *out)
{
  float w0 = 1.0f - w1;

  for (int x = 0; x < n; x++)
    out[x] = w0 * r0[x] + w1 * r1[x];
}

void
cps_gather_row (const float *row, int step, const CpsTap * xtaps, int n,
    float *out)
{
  for (int x = 0; x < n; x++) {
    const CpsTap *t = &xtaps[x];

    out[x] = (1.0f - t->w1) * row[t->i0 * step] + t->w1 * row[t->i1 * step];
  }
}

void
cps_smart_resize (int width, int height, int patch_size, long input_size,
    long min_pixels, long max_pixels, int *target_width, int *target_height)
{
  double a = 2.0 * patch_size;
  double minp = min_pixels > 0 ? min_pixels : (double) input_size * input_size;
  double maxp = max_pixels > 0 ? max_pixels : (double) input_size * input_size;
  double hw = (double) width * height, scale = 1.0, th, tw;

  if (hw > maxp)
    scale = sqrt (maxp / hw);
  else if (hw < minp)
    scale = sqrt (minp / hw);
  th = rint (height * scale / a) * a;
  tw = rint (width * scale / a) * a;
  *target_height = (int) (th > a ? th : a);
  *target_width = (int) (tw > a ? tw : a);
}
