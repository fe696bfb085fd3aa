/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 3, the reference model's luma.
 */
#include "cps_reference_luma.h"
#include "cps_inline.h"

/* scratch: 4 luma rows of lw floats (the taps' corners 00, 01, 10, 11),
 * 2 column weights rows, 4 column offsets, then 3 × 4 rows of gathered
 * bytes */
size_t
cps_reference_downscale_scratch (int lw)
{
  return (size_t) lw * (6 * sizeof (float) + 4 * sizeof (int) + 12);
}

/* The reference luma of @n pixels given as three byte arrays: written so
 * that the compiler vectorizes it (8 lanes of int32, then float). */
CPS_HOT static void
luma_of_samples (const uint8_t * ys, const uint8_t * us, const uint8_t * vs,
    int n, float *out)
{
  for (int i = 0; i < n; i++) {
    int r, g, b;

    cps_sws_yuv_to_rgb (ys[i], us[i], vs[i], &r, &g, &b);
    out[i] = cps_rgb_luma (r, g, b);
  }
}

void
cps_reference_downscale (const CpsYuvPlanes * p, const CpsTap * ytaps,
    const CpsTap * xtaps, int lw, int lh, void *scratch, float *out)
{
  float *lum = scratch;         /* 4 × lw */
  float *w0 = lum + 4 * lw, *w1 = w0 + lw;
  int *col = (int *) (w1 + lw); /* x0, x1, chroma offset of x0, of x1 */
  uint8_t *gy = (uint8_t *) (col + 4 * lw), *gu = gy + 4 * lw;
  uint8_t *gv = gu + 4 * lw;

  for (int ox = 0; ox < lw; ox++) {
    const CpsTap *t = &xtaps[ox];

    w1[ox] = t->w1;
    w0[ox] = 1.0f - t->w1;
    col[ox] = t->i0;
    col[lw + ox] = t->i1;
    col[2 * lw + ox] = (t->i0 >> p->xshift) * p->cstep;
    col[3 * lw + ox] = (t->i1 >> p->xshift) * p->cstep;
  }
  for (int oy = 0; oy < lh; oy++) {
    const CpsTap *ty = &ytaps[oy];
    float wy1 = ty->w1, wy0 = 1.0f - ty->w1;
    float *o = out + (size_t) oy * lw;

    /* gather the Y, U, V samples of the four corners */
    for (int k = 0; k < 2; k++) {
      int row = k ? ty->i1 : ty->i0, crow = row >> p->yshift;
      const uint8_t *yr = p->y + (size_t) row * p->ystride;
      const uint8_t *ur = p->u + (size_t) crow * p->cstride;
      const uint8_t *vr = p->v + (size_t) crow * p->cstride;

      for (int c = 0; c < 2; c++) {
        const int *xs = col + c * lw, *cs = col + (2 + c) * lw;
        size_t at = (size_t) (2 * k + c) * lw;

        for (int ox = 0; ox < lw; ox++) {
          gy[at + ox] = yr[xs[ox]];
          gu[at + ox] = ur[cs[ox]];
          gv[at + ox] = vr[cs[ox]];
        }
      }
    }
    luma_of_samples (gy, gu, gv, 4 * lw, lum);
    /* each row's two columns, then the two rows */
    for (int ox = 0; ox < lw; ox++) {
      float t0 = w0[ox] * lum[ox] + w1[ox] * lum[lw + ox];
      float t1 = w0[ox] * lum[2 * lw + ox] + w1[ox] * lum[3 * lw + ox];

      o[ox] = wy0 * t0 + wy1 * t1;
    }
  }
}
