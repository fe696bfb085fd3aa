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

/* One output row at an exact 4x horizontally with 2x chroma subsampling:
 * the taps read columns 4j+1 and 4j+2 with weight ½ each, whose chroma
 * samples are 2j and 2j+1, every index a constant stride apart, which the
 * compiler vectorizes without the gathers of the general form (half its
 * time at 1080p).  Same operations, in the same order, as the general
 * form. */
static CPS_ALWAYS_INLINE void
row_4x (const uint8_t * y0, const uint8_t * u0, const uint8_t * v0,
    const uint8_t * y1, const uint8_t * u1, const uint8_t * v1, int cstep,
    float wy0, float wy1, int lw, float *o)
{
  for (int j = 0; j < lw; j++) {
    int c0 = 2 * j * cstep, c1 = (2 * j + 1) * cstep;
    float l00 = cps_reference_luma_pixel (y0[4 * j + 1], u0[c0], v0[c0]);
    float l01 = cps_reference_luma_pixel (y0[4 * j + 2], u0[c1], v0[c1]);
    float l10 = cps_reference_luma_pixel (y1[4 * j + 1], u1[c0], v1[c0]);
    float l11 = cps_reference_luma_pixel (y1[4 * j + 2], u1[c1], v1[c1]);
    float t0 = 0.5f * l00 + 0.5f * l01;
    float t1 = 0.5f * l10 + 0.5f * l11;

    o[j] = wy0 * t0 + wy1 * t1;
  }
}

CPS_HOT512 static void
rows_4x (const CpsYuvPlanes * p, const CpsTap * ytaps, int lw, int lh,
    float *out)
{
  for (int oy = 0; oy < lh; oy++) {
    const CpsTap *ty = &ytaps[oy];
    size_t c0 = (size_t) (ty->i0 >> p->yshift) * p->cstride;
    size_t c1 = (size_t) (ty->i1 >> p->yshift) * p->cstride;
    const uint8_t *y0 = p->y + (size_t) ty->i0 * p->ystride;
    const uint8_t *y1 = p->y + (size_t) ty->i1 * p->ystride;

    /* constant chroma steps, one loop each */
    if (p->cstep == 1)
      row_4x (y0, p->u + c0, p->v + c0, y1, p->u + c1, p->v + c1, 1,
          1.0f - ty->w1, ty->w1, lw, out + (size_t) oy * lw);
    else
      row_4x (y0, p->u + c0, p->v + c0, y1, p->u + c1, p->v + c1, 2,
          1.0f - ty->w1, ty->w1, lw, out + (size_t) oy * lw);
  }
}

static int
taps_are_4x (const CpsTap * xtaps, int lw)
{
  for (int j = 0; j < lw; j++)
    if (xtaps[j].i0 != 4 * j + 1 || xtaps[j].i1 != 4 * j + 2 ||
        xtaps[j].w1 != 0.5f)
      return 0;
  return 1;
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

  if (p->xshift == 1 && (p->cstep == 1 || p->cstep == 2) &&
      taps_are_4x (xtaps, lw)) {
    rows_4x (p, ytaps, lw, lh, out);
    return;
  }
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
