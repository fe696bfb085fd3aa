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
#include <stdlib.h>

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

/* Blocks of 8 outputs whose 16 source samples lie within 32 floats of
 * the block's first one: two loads and one two-source permute fetch them
 * all.  That holds while the scale is under about 3.7 (step 1): the
 * chroma of a 1080p frame and every plane of a 640×360 one at the default
 * 224² target, not 1080p luma, which stays on the scalar loop. */
#define BLOCK 8
#define SPAN 32

struct CpsRowResample {
  int n;
  int32_t *i0, *i1;             /* source positions: tap × step */
  float *w0, *w1;               /* 1 − w1, w1 */
  int32_t *base;                /* per block: its smallest position */
  int32_t *lanes;               /* per block: 8 i0 then 8 i1, from base */
  int permute;                  /* every block fits and the CPU has AVX-512 */
};

static int
plan_blocks (CpsRowResample * r)
{
  int blocks = r->n / BLOCK;

  for (int b = 0; b < blocks; b++) {
    const int32_t *i0 = r->i0 + BLOCK * b, *i1 = r->i1 + BLOCK * b;
    int32_t lo = i0[0], hi = i1[0];

    for (int k = 0; k < BLOCK; k++) {
      lo = i0[k] < lo ? i0[k] : lo;
      hi = i1[k] > hi ? i1[k] : hi;
    }
    if (hi - lo >= SPAN)
      return 0;
    r->base[b] = lo;
    for (int k = 0; k < BLOCK; k++) {
      r->lanes[2 * BLOCK * b + k] = i0[k] - lo;
      r->lanes[2 * BLOCK * b + BLOCK + k] = i1[k] - lo;
    }
  }
  return 1;
}

CpsRowResample *
cps_row_resample_new (const CpsTap * taps, int n, int step)
{
  CpsRowResample *r = calloc (1, sizeof (CpsRowResample));
  int blocks = n / BLOCK;

  r->n = n;
  r->i0 = malloc (sizeof (int32_t) * n);
  r->i1 = malloc (sizeof (int32_t) * n);
  r->w0 = malloc (sizeof (float) * n);
  r->w1 = malloc (sizeof (float) * n);
  r->base = malloc (sizeof (int32_t) * (blocks + 1));
  r->lanes = malloc (sizeof (int32_t) * 2 * BLOCK * (blocks + 1));
  for (int x = 0; x < n; x++) {
    r->i0[x] = taps[x].i0 * step;
    r->i1[x] = taps[x].i1 * step;
    r->w0[x] = 1.0f - taps[x].w1;
    r->w1[x] = taps[x].w1;
  }
#if defined(__x86_64__) && defined(__GNUC__)
  r->permute = __builtin_cpu_supports ("avx512f") && plan_blocks (r);
#endif
  return r;
}

void
cps_row_resample_free (CpsRowResample * r)
{
  if (!r)
    return;
  free (r->i0);
  free (r->i1);
  free (r->w0);
  free (r->w1);
  free (r->base);
  free (r->lanes);
  free (r);
}

static void
resample_scalar (const CpsRowResample * r, const float *row, int from,
    float *out)
{
  for (int x = from; x < r->n; x++)
    out[x] = r->w0[x] * row[r->i0[x]] + r->w1[x] * row[r->i1[x]];
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The same products and sum as resample_scalar, 8 outputs at a time.
 * tests/bench/motion-model-cost.c on 60 luma frames of a 640×360 clip:
 * the window store took 0.23 ms a frame with the scalar loop, 0.14 with
 * this; 0.37 and 0.34 on 1080p frames, where only chroma fits. */
static __attribute__((target ("avx512f"))) void
resample_permute (const CpsRowResample * r, const float *row, float *out)
{
  int blocks = r->n / BLOCK;

  for (int b = 0; b < blocks; b++) {
    const float *s = row + r->base[b];
    __m512 both = _mm512_permutex2var_ps (_mm512_loadu_ps (s),
        _mm512_loadu_si512 (r->lanes + 2 * BLOCK * b),
        _mm512_loadu_ps (s + 16));
    __m256 a = _mm512_castps512_ps256 (both);
    __m256 c = _mm256_castpd_ps (_mm512_extractf64x4_pd (_mm512_castps_pd
            (both), 1));
    int x = BLOCK * b;

    _mm256_storeu_ps (out + x,
        _mm256_add_ps (_mm256_mul_ps (_mm256_loadu_ps (r->w0 + x), a),
            _mm256_mul_ps (_mm256_loadu_ps (r->w1 + x), c)));
  }
  resample_scalar (r, row, BLOCK * blocks, out);
}
#endif

void
cps_row_resample (const CpsRowResample * r, const float *row, float *out)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (r->permute) {
    resample_permute (r, row, out);
    return;
  }
#endif
  resample_scalar (r, row, 0, out);
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
