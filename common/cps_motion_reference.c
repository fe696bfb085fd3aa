/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 4 (motion and residual), the reference's model.
 */
#include "cps_motion_reference.h"
#include "cps_inline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
cps_default_radius (int lowres_width, int lowres_height)
{
  int m = lowres_width < lowres_height ? lowres_width : lowres_height;

  return clampi (m / 2, 1, CPS_MAX_AUTO_RADIUS);
}

/* Out-of-frame candidates read this value from the border of the padded
 * previous frame: their error (~1e30) never beats, nor ties with, the
 * always-valid (0,0) candidate (error <= 255), which is exactly skipping
 * them as docs/algorithm.md step 4 says. */
#define CPS_BORDER 1e30f
#define CPS_BLOCK 24

/* One best-match update of 8 pixels against candidate @p. */
static CPS_ALWAYS_INLINE void
match8 (v8f c, const float *p, v8f mag, v8f * best, v8f * mot)
{
  v8f e = (v8f) ((v8i) (c - load8 (p)) & 0x7fffffff);  /* |c - p| */
  v8i better = e < *best;

  *best = select8 (better, e, *best);
  *mot = select8 (better, mag, *mot);
}

/* 24 pixels from column @x of row @y: the best error and its displacement
 * stay in registers over every candidate (three vectors: measured at
 * 1080p, 0.67 ms a frame against 0.92 with two and 1.0 with four, which
 * spill).  Scan order dy, then dx, from -r; the strict "<" keeps the first
 * displacement reaching the minimum (the reference's tie rule). */
static CPS_ALWAYS_INLINE void
match_block (const float *prev_padded, int ps, const float *crow, int x,
    int y, int r, const float *mags, float *res, float *mot)
{
  v8f c0 = load8 (crow + x), c1 = load8 (crow + x + 8);
  v8f c2 = load8 (crow + x + 16);
  v8f b0 = c0 * 0.0f + INFINITY, b1 = b0, b2 = b0;
  v8f m0 = c0 * 0.0f, m1 = m0, m2 = m0;
  int d = 0;

  for (int dy = -r; dy <= r; dy++) {
    const float *prow = prev_padded + (size_t) (y - dy + r) * ps + x + r;

    for (int dx = -r; dx <= r; dx++, d++) {
      float s = mags[d];
      v8f mag = { s, s, s, s, s, s, s, s };     /* one broadcast */

      match8 (c0, prow - dx, mag, &b0, &m0);
      match8 (c1, prow - dx + 8, mag, &b1, &m1);
      match8 (c2, prow - dx + 16, mag, &b2, &m2);
    }
  }
  memcpy (res + x, &b0, sizeof (b0));
  memcpy (res + x + 8, &b1, sizeof (b1));
  memcpy (res + x + 16, &b2, sizeof (b2));
  memcpy (mot + x, &m0, sizeof (m0));
  memcpy (mot + x + 8, &m1, sizeof (m1));
  memcpy (mot + x + 16, &m2, sizeof (m2));
}

void
cps_match_magnitudes (int r, float *mags)
{
  int d = 0;

  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++)
      mags[d++] = sqrtf ((float) (dx * dx + dy * dy));
}

/* The plain form, for rows narrower than a block. */
static void
match_pixel (const float *prev_padded, int ps, const float *crow, int x,
    int y, int r, const float *mags, float *res, float *mot)
{
  float best = INFINITY, m = 0.0f;
  int d = 0;

  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++, d++) {
      float e = fabsf (crow[x] - prev_padded[(size_t) (y - dy + r) * ps +
              x - dx + r]);
      if (e < best) {
        best = e;
        m = mags[d];
      }
    }
  res[x] = best;
  mot[x] = m;
}

/* Rows with an avx2 and a default clone: 24-pixel blocks of v8f. */
CPS_HOT static void
residual_rows8 (const float *prev_padded, int ps, const float *cur, int w,
    int h, int r, const float *mags, float *motion, float *residual)
{
  for (int y = 0; y < h; y++) {
    const float *crow = cur + (size_t) y * w;
    float *res = residual + (size_t) y * w, *mot = motion + (size_t) y * w;
    int x = 0;

    if (w < CPS_BLOCK) {
      for (; x < w; x++)
        match_pixel (prev_padded, ps, crow, x, y, r, mags, res, mot);
      continue;
    }
    for (; x + CPS_BLOCK <= w; x += CPS_BLOCK)
      match_block (prev_padded, ps, crow, x, y, r, mags, res, mot);
    /* a last, overlapping block: every pixel's result is independent */
    if (x < w)
      match_block (prev_padded, ps, crow, w - CPS_BLOCK, y, r, mags, res,
          mot);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CPS_MATCH16 1
#define CPS_VECS16 4
#define CPS_BLOCK16 (16 * CPS_VECS16)
#define CPS_AVX512 __attribute__((target ("avx512f")))

/* The same with AVX-512, where the CPU has it (a target attribute, not a
 * third clone: the clones share one source, and v8f blocks this wide
 * spill in AVX2).  Per pixel the same result: min(e, best) is
 * e < best ? e : best, and the mask of that comparison moves the
 * magnitude.  With min, each best depends on the previous one through a
 * min alone, not a compare and a blend: four vectors of 16 pixels keep the
 * units busy (measured on a 480x270 map: 690 us a frame with the AVX2
 * form, 530 with a compare and blend on three vectors, 370 with this). */
static CPS_AVX512 inline __attribute__((always_inline)) void
match16 (__m512 c, const float *p, __m512 mag, __m512 * best, __m512 * mot)
{
  __m512 e = _mm512_abs_ps (_mm512_sub_ps (c, _mm512_loadu_ps (p)));

  *mot = _mm512_mask_mov_ps (*mot, _mm512_cmp_ps_mask (e, *best,
          _CMP_LT_OQ), mag);
  *best = _mm512_min_ps (e, *best);
}

static CPS_AVX512 void
residual_rows16 (const float *prev_padded, int ps, const float *cur, int w,
    int h, int r, const float *mags, float *motion, float *residual)
{
  for (int y = 0; y < h; y++) {
    const float *crow = cur + (size_t) y * w;
    float *res = residual + (size_t) y * w, *mot = motion + (size_t) y * w;

    for (int x0 = 0; x0 < w; x0 += CPS_BLOCK16) {
      /* the last block overlaps the one before: results are per pixel */
      int x = x0 + CPS_BLOCK16 <= w ? x0 : w - CPS_BLOCK16, d = 0;
      __m512 c[CPS_VECS16], b[CPS_VECS16], m[CPS_VECS16];

      for (int v = 0; v < CPS_VECS16; v++) {
        c[v] = _mm512_loadu_ps (crow + x + 16 * v);
        b[v] = _mm512_set1_ps (INFINITY);
        m[v] = _mm512_setzero_ps ();
      }
      for (int dy = -r; dy <= r; dy++) {
        const float *prow = prev_padded + (size_t) (y - dy + r) * ps + x + r;

        for (int dx = -r; dx <= r; dx++, d++) {
          __m512 mag = _mm512_set1_ps (mags[d]);

          for (int v = 0; v < CPS_VECS16; v++)
            match16 (c[v], prow - dx + 16 * v, mag, &b[v], &m[v]);
        }
      }
      for (int v = 0; v < CPS_VECS16; v++) {
        _mm512_storeu_ps (res + x + 16 * v, b[v]);
        _mm512_storeu_ps (mot + x + 16 * v, m[v]);
      }
    }
  }
}
#endif

void
cps_motion_residual_padded (const float *prev_padded, int ps,
    const float *cur, int w, int h, int r, float *motion, float *residual)
{
  float mags[(2 * CPS_MAX_RADIUS + 1) * (2 * CPS_MAX_RADIUS + 1)];

  cps_match_magnitudes (r, mags);
#ifdef CPS_MATCH16
  if (w >= CPS_BLOCK16 && __builtin_cpu_supports ("avx512f")) {
    residual_rows16 (prev_padded, ps, cur, w, h, r, mags, motion, residual);
    return;
  }
#endif
  residual_rows8 (prev_padded, ps, cur, w, h, r, mags, motion, residual);
}

void
cps_pad_frame (const float *frame, int w, int h, int r, float *padded)
{
  int ps = w + 2 * r;

  for (int i = 0; i < ps * (h + 2 * r); i++)
    padded[i] = CPS_BORDER;
  for (int y = 0; y < h; y++)
    memcpy (padded + (size_t) (y + r) * ps + r, frame + (size_t) y * w,
        sizeof (float) * w);
}

void
cps_motion_residual (const float *prev, const float *cur, int w, int h,
    int r, float *motion, float *residual)
{
  float *padded = malloc (sizeof (float) * (w + 2 * r) * (h + 2 * r));

  cps_pad_frame (prev, w, h, r, padded);
  cps_motion_residual_padded (padded, w + 2 * r, cur, w, h, r, motion,
      residual);
  free (padded);
}
