/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 3, the reference model's luma: the luma of the
 * 8-bit RGB frame that libswscale's default YUV → RGB24 conversion gives
 * (BT.601, limited range), resized bilinearly to low resolution, computed
 * only at the source pixels the resize reads.
 */
#ifndef CPS_REFERENCE_LUMA_H
#define CPS_REFERENCE_LUMA_H

#include "cps_resize.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libswscale's integer YUV → RGB of one 8-bit pixel, as its unscaled
 * 4:2:0 / 4:2:2 converter computes it on x86 (SSSE3; the form the
 * reference's frames were made with): samples scaled by 8, offsets
 * removed, each term a 16-bit fixed-point product keeping the high 16
 * bits (floor), the sums clamped to [0, 255].  The coefficients are
 * libswscale's BT.601 table with limited range: 1.164 (9539 / 8192 · 8 /
 * 8), 1.596 (13075), −0.391 (−3209), −0.813 (−6660), 2.017 (16525), each
 * in units of 2^-13. */
#define CPS_SWS_Y 9539
#define CPS_SWS_VR 13075
#define CPS_SWS_UG (-3209)
#define CPS_SWS_VG (-6660)
#define CPS_SWS_UB 16525

static inline int
cps_sws_clamp8 (int v)
{
  return v < 0 ? 0 : (v > 255 ? 255 : v);
}

static inline void
cps_sws_yuv_to_rgb (int y, int u, int v, int *r, int *g, int *b)
{
  int yy = ((y * 8 - 128) * CPS_SWS_Y) >> 16;
  int uu = u * 8 - 1024, vv = v * 8 - 1024;

  *r = cps_sws_clamp8 (yy + ((vv * CPS_SWS_VR) >> 16));
  *g = cps_sws_clamp8 (yy + ((uu * CPS_SWS_UG) >> 16) +
      ((vv * CPS_SWS_VG) >> 16));
  *b = cps_sws_clamp8 (yy + ((uu * CPS_SWS_UB) >> 16));
}

/* 0.299 R + 0.587 G + 0.114 B in float, each product and each sum
 * rounded to float, left to right. */
static inline float
cps_rgb_luma (int r, int g, int b)
{
  float l = 0.299f * (float) r;

  l = l + 0.587f * (float) g;
  return l + 0.114f * (float) b;
}

static inline float
cps_reference_luma_pixel (int y, int u, int v)
{
  int r, g, b;

  cps_sws_yuv_to_rgb (y, u, v, &r, &g, &b);
  return cps_rgb_luma (r, g, b);
}

/* The planes of an 8-bit YUV frame as the reference luma reads them.
 * Chroma sample (cx, cy) of U is u[cy · cstride + cx · cstep] (cstep 1
 * for planar, 2 for NV12's interleaved U, V with v = u + 1); a luma pixel
 * (x, y) takes chroma (x >> xshift, y >> yshift), the nearest-sample
 * upsampling of libswscale's unscaled converter. */
typedef struct {
  const uint8_t *y, *u, *v;
  int ystride, cstride, cstep;
  int xshift, yshift;
} CpsYuvPlanes;

/* Bytes of scratch that cps_reference_downscale needs for @lw columns. */
size_t cps_reference_downscale_scratch (int lw);

/* The low-resolution luma map (lw × lh floats): per output pixel, the
 * reference luma of the 2 × 2 source pixels its taps read, combined as
 * out = (1 − wy) · ((1 − wx) · L00 + wx · L01) + wy · ((1 − wx) · L10 +
 * wx · L11) (each row's columns first, then the rows).  At an exact 4×
 * this is the mean of the pixels at rows 4i+1, 4i+2 and columns 4j+1,
 * 4j+2.  @scratch holds cps_reference_downscale_scratch (lw) bytes,
 * aligned for floats. */
void cps_reference_downscale (const CpsYuvPlanes * planes,
    const CpsTap * ytaps, const CpsTap * xtaps, int lw, int lh,
    void *scratch, float *out);

#ifdef __cplusplus
}
#endif
#endif /* CPS_REFERENCE_LUMA_H */
