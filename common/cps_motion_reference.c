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

CPS_HOT void
cps_motion_residual_padded (const float *prev_padded, int ps,
    const float *cur, int w, int h, int r, float *motion, float *residual)
{
  float mags[(2 * CPS_MAX_RADIUS + 1) * (2 * CPS_MAX_RADIUS + 1)];

  cps_match_magnitudes (r, mags);
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
