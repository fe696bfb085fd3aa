/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md steps 3 and 6: the bilinear resize of the luma to low
 * resolution, and the target size of the frames.
 */
#ifndef CPS_RESIZE_H
#define CPS_RESIZE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CPS_DEFAULT_DOWNSCALE 4
#define CPS_MIN_LOWRES_SIDE 32

/* One output sample of a 1-D bilinear resize with half-pixel centres and
 * no antialiasing: out = (1 - w1) * in[i0] + w1 * in[i1]. */
typedef struct {
  int i0, i1;
  float w1;
} CpsTap;

void cps_bilinear_taps (int in_len, int out_len, CpsTap * taps);

/* The tap at source coordinate @c (clamped to [0, len − 1]); the rule
 * cps_bilinear_taps applies at (o + 0.5) · in/out − 0.5. */
CpsTap cps_tap_at (double c, int len);

/* docs/algorithm.md step 3: the low-resolution size, side / factor
 * clamped to [32, side]. */
void cps_lowres_size (int width, int height, int factor,
    int *lowres_width, int *lowres_height);

/* The two halves of a separable bilinear resize: @out = (1 − w1)·r0 +
 * w1·r1 over @n bytes (cps_lerp_rows), then the @n taps of a float row
 * whose pixels are @step elements apart (cps_row_resample), planned once
 * per row layout.  Rows given to cps_row_resample must be readable for
 * CPS_ROW_RESAMPLE_SLACK floats past their last sample (their values do
 * not matter). */
#define CPS_ROW_RESAMPLE_SLACK 32
typedef struct CpsRowResample CpsRowResample;

void cps_lerp_rows (const uint8_t * r0, const uint8_t * r1, float w1, int n,
    float *out);
CpsRowResample *cps_row_resample_new (const CpsTap * taps, int n, int step);
void cps_row_resample (const CpsRowResample * r, const float *row,
    float *out);
void cps_row_resample_free (CpsRowResample * r);

/* docs/algorithm.md step 6 (smart resize).  @min_pixels / @max_pixels of
 * 0 mean input_size². */
void cps_smart_resize (int width, int height, int patch_size,
    long input_size, long min_pixels, long max_pixels,
    int *target_width, int *target_height);

#ifdef __cplusplus
}
#endif
#endif /* CPS_RESIZE_H */
