/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_algo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


static int
clampi (int v, int lo, int hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

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

int
cps_default_radius (int lowres_width, int lowres_height)
{
  int m = lowres_width < lowres_height ? lowres_width : lowres_height;

  return clampi (m / 2, 1, CPS_MAX_AUTO_RADIUS);
}

CPS_HOT void
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
cps_downscale_plane (const uint8_t * plane, int stride, int width,
    const CpsTap * ytaps, const CpsTap * xtaps, int lw, int lh,
    float *row_scratch, float *out)
{
  for (int oy = 0; oy < lh; oy++) {
    cps_lerp_rows (plane + (size_t) ytaps[oy].i0 * stride,
        plane + (size_t) ytaps[oy].i1 * stride, ytaps[oy].w1, width,
        row_scratch);
    cps_gather_row (row_scratch, 1, xtaps, lw, out + (size_t) oy * lw);
  }
}

/* Out-of-frame candidates read this value from the border of the padded
 * previous frame: their error (~1e30) never beats, nor ties with, the
 * always-valid (0,0) candidate (error <= 255), which is exactly skipping
 * them as docs/algorithm.md step 4 says. */
#define CPS_BORDER 1e30f
#define CPS_BLOCK 16

/* Eight floats; GCC and Clang lower the arithmetic to AVX2 in the avx2
 * clone and to pairs of SSE registers otherwise. */
typedef float v8f __attribute__ ((vector_size (32)));
typedef int v8i __attribute__ ((vector_size (32)));

static CPS_ALWAYS_INLINE v8f
load8 (const float *p)
{
  v8f v;

  memcpy (&v, p, sizeof (v));
  return v;
}

static CPS_ALWAYS_INLINE v8f
select8 (v8i mask, v8f a, v8f b)
{
  return (v8f) ((mask & (v8i) a) | (~mask & (v8i) b));
}

/* One best-match update of 8 pixels against candidate @p. */
static CPS_ALWAYS_INLINE void
match8 (v8f c, const float *p, v8f mag, v8f * best, v8f * mot)
{
  v8f e = (v8f) ((v8i) (c - load8 (p)) & 0x7fffffff);  /* |c - p| */
  v8i better = e < *best;

  *best = select8 (better, e, *best);
  *mot = select8 (better, mag, *mot);
}

/* 16 pixels from column @x of row @y: the best error and its displacement
 * stay in registers over every candidate.  Scan order dy, then dx, from
 * -r; the strict "<" keeps the first displacement reaching the minimum
 * (the reference's tie rule). */
static CPS_ALWAYS_INLINE void
match_block16 (const float *prev_padded, int ps, const float *crow, int x,
    int y, int r, const float *mags, float *res, float *mot)
{
  v8f c0 = load8 (crow + x), c1 = load8 (crow + x + 8);
  v8f b0 = c0 * 0.0f + INFINITY, b1 = b0, m0 = c0 * 0.0f, m1 = m0;
  int d = 0;

  for (int dy = -r; dy <= r; dy++) {
    const float *prow = prev_padded + (size_t) (y - dy + r) * ps + x + r;

    for (int dx = -r; dx <= r; dx++, d++) {
      v8f mag = m0 * 0.0f + mags[d];

      match8 (c0, prow - dx, mag, &b0, &m0);
      match8 (c1, prow - dx + 8, mag, &b1, &m1);
    }
  }
  memcpy (res + x, &b0, sizeof (b0));
  memcpy (res + x + 8, &b1, sizeof (b1));
  memcpy (mot + x, &m0, sizeof (m0));
  memcpy (mot + x + 8, &m1, sizeof (m1));
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
      match_block16 (prev_padded, ps, crow, x, y, r, mags, res, mot);
    /* a last, overlapping block: every pixel's result is independent */
    if (x < w)
      match_block16 (prev_padded, ps, crow, w - CPS_BLOCK, y, r, mags, res,
          mot);
  }
}

/* ---- exact integer form for half-pixel taps ----------------------------
 * With every bilinear weight 0 or 0.5 (factor 4 on sides divisible by 4,
 * the common case), four times a low-res value is an integer <= 1020, and
 * every float difference of the float form is exact.  The same matching in
 * int16 therefore gives bit-identical residuals and the same first-best
 * displacement, with 16 lanes per AVX2 operation instead of 8. */

typedef short v16s __attribute__ ((vector_size (32)));

#define CPS_BORDER_Q2 0x7fff    /* error >= 31747 > 1020: never a best */

int
cps_taps_are_halves (const CpsTap * taps, int n)
{
  for (int i = 0; i < n; i++)
    if (taps[i].w1 != 0.0f && taps[i].w1 != 0.5f)
      return 0;
  return 1;
}

CPS_HOT void
cps_downscale_plane_q2 (const uint8_t * plane, int stride, int width,
    const CpsTap * ytaps, const CpsTap * xtaps, int lw, int lh,
    uint16_t * row_scratch, int16_t * out)
{
  for (int oy = 0; oy < lh; oy++) {
    const uint8_t *r0 = plane + (size_t) ytaps[oy].i0 * stride;
    const uint8_t *r1 = plane + (size_t) ytaps[oy].i1 * stride;
    /* integer weights 2·(1 − w), 2·w in {0, 1, 2} */
    uint16_t a = (uint16_t) (2.0f * (1.0f - ytaps[oy].w1));
    uint16_t b = (uint16_t) (2.0f * ytaps[oy].w1);
    int16_t *o = out + (size_t) oy * lw;

    for (int x = 0; x < width; x++)
      row_scratch[x] = a * r0[x] + b * r1[x];
    for (int ox = 0; ox < lw; ox++) {
      const CpsTap *t = &xtaps[ox];

      /* weight 0: 2·v[i0]; weight ½: v[i0] + v[i1] */
      o[ox] = (int16_t) (t->w1 == 0.0f ? 2 * row_scratch[t->i0] :
          row_scratch[t->i0] + row_scratch[t->i1]);
    }
  }
}

static CPS_ALWAYS_INLINE v16s
load16s (const int16_t * p)
{
  v16s v;

  memcpy (&v, p, sizeof (v));
  return v;
}

static CPS_ALWAYS_INLINE void
match_block16_q2 (const int16_t * prev_padded, int ps, const int16_t * crow,
    int x, int y, int r, const float *mags, float *res, float *mot)
{
  v16s c = load16s (crow + x), best = c * 0 + CPS_BORDER_Q2, idx = c * 0;
  short d = 0;

  /* same scan order and strict "<" as the float form */
  for (int dy = -r; dy <= r; dy++) {
    const int16_t *prow = prev_padded + (size_t) (y - dy + r) * ps + x + r;

    for (int dx = -r; dx <= r; dx++, d++) {
      v16s diff = c - load16s (prow - dx);
      v16s sign = diff >> 15;
      v16s e = (diff ^ sign) - sign;
      v16s better = e < best;

      best = (better & e) | (~better & best);
      idx = (better & (c * 0 + d)) | (~better & idx);
    }
  }
  for (int j = 0; j < 16; j++) {
    res[x + j] = 0.25f * best[j];
    mot[x + j] = mags[idx[j]];
  }
}

CPS_HOT void
cps_motion_residual_q2_padded (const int16_t * prev_padded, int ps,
    const int16_t * cur, int w, int h, int r, float *motion, float *residual)
{
  float mags[(2 * CPS_MAX_RADIUS + 1) * (2 * CPS_MAX_RADIUS + 1)];

  cps_match_magnitudes (r, mags);
  for (int y = 0; y < h; y++) {
    const int16_t *crow = cur + (size_t) y * w;
    float *res = residual + (size_t) y * w, *mot = motion + (size_t) y * w;
    int x = 0;

    for (; x + CPS_BLOCK <= w; x += CPS_BLOCK)
      match_block16_q2 (prev_padded, ps, crow, x, y, r, mags, res, mot);
    if (x < w)                  /* w >= 32 always: low-res sides are >= 32 */
      match_block16_q2 (prev_padded, ps, crow, w - CPS_BLOCK, y, r, mags,
          res, mot);
  }
}

void
cps_pad_frame_q2 (const int16_t * frame, int w, int h, int r,
    int16_t * padded)
{
  int ps = w + 2 * r;

  for (int i = 0; i < ps * (h + 2 * r); i++)
    padded[i] = CPS_BORDER_Q2;
  for (int y = 0; y < h; y++)
    memcpy (padded + (size_t) (y + r) * ps + r, frame + (size_t) y * w,
        sizeof (int16_t) * w);
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

/* Quickselect (Hoare partition, median-of-three pivot): the k-th smallest
 * element of a, which is reordered. */
static float
select_kth (float *a, ptrdiff_t n, ptrdiff_t k)
{
  ptrdiff_t lo = 0, hi = n - 1;

  while (hi > lo) {
    ptrdiff_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
    float x = a[lo], y = a[mid], z = a[hi], pivot;

    pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z :
            y));
    while (i <= j) {
      while (a[i] < pivot)
        i++;
      while (a[j] > pivot)
        j--;
      if (i <= j) {
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return a[k];
  }
  return a[k];
}

#define SAMPLE 1024
#define SAMPLE_MARGIN 48

/* Exact k-th smallest (Floyd–Rivest style): a strided sample of 1024
 * values brackets rank k; one branch-free pass counts the values below the
 * bracket and gathers those inside it; only those are selected.  When the
 * bracket misses k (rare), a full quickselect answers.  Runs of equal
 * values, common in motion maps, collapse the bracket to one value and end
 * the search at once. */
float
cps_percentile (const float *values, size_t n, double fraction,
    float *scratch)
{
  size_t k = (size_t) rint (fraction * (double) (n - 1)), below = 0, m = 0;
  float sample[SAMPLE], tmp[SAMPLE], lo, hi;
  ptrdiff_t ks, a, b;

  if (n <= 4 * SAMPLE) {
    memcpy (scratch, values, n * sizeof (float));
    return select_kth (scratch, (ptrdiff_t) n, (ptrdiff_t) k);
  }
  for (size_t j = 0; j < SAMPLE; j++)
    sample[j] = values[j * (n / SAMPLE)];
  ks = (ptrdiff_t) ((double) k * SAMPLE / n);
  a = ks - SAMPLE_MARGIN > 0 ? ks - SAMPLE_MARGIN : 0;
  b = ks + SAMPLE_MARGIN < SAMPLE - 1 ? ks + SAMPLE_MARGIN : SAMPLE - 1;
  memcpy (tmp, sample, sizeof (tmp));
  lo = select_kth (tmp, SAMPLE, a);
  memcpy (tmp, sample, sizeof (tmp));
  hi = select_kth (tmp, SAMPLE, b);

  for (size_t i = 0; i < n; i++) {
    float v = values[i];

    below += v < lo;
    scratch[m] = v;
    m += (v >= lo) & (v <= hi);
  }
  if (k >= below && k < below + m)
    return lo == hi ? lo : select_kth (scratch, (ptrdiff_t) m,
        (ptrdiff_t) (k - below));
  memcpy (scratch, values, n * sizeof (float));
  return select_kth (scratch, (ptrdiff_t) n, (ptrdiff_t) k);
}

float
cps_normaliser (const float *values, size_t n, double fraction,
    float *scratch)
{
  float p = cps_percentile (values, n, fraction, scratch);

  return p > CPS_PERCENTILE_FLOOR ? p : CPS_PERCENTILE_FLOOR;
}

static inline float
fuse_one (float m, float r, float pm, float pr, float wm, float wr)
{
  float e;

  m = m / pm;
  r = r / pr;
  m = m < 1.0f ? m : 1.0f;
  r = r < 1.0f ? r : 1.0f;
  e = wm * m + wr * r;
  return e < 1.0f ? e : 1.0f;
}

static CPS_ALWAYS_INLINE v8f
min8 (v8f a, v8f b)
{
  return select8 (a < b, a, b);
}

CPS_HOT void
cps_energy_fuse (const float *motion, const float *residual, size_t n,
    double percentile_fraction, float motion_weight, float residual_weight,
    float *scratch, float *energy)
{
  float pm = cps_normaliser (motion, n, percentile_fraction, scratch);
  float pr = cps_normaliser (residual, n, percentile_fraction, scratch);
  v8f one, vpm, vpr, vwm, vwr;
  size_t i = 0;

  /* the same operations as fuse_one, eight lanes at a time */
  one = (v8f) { 0 } + 1.0f;
  vpm = one * pm;
  vpr = one * pr;
  vwm = one * motion_weight;
  vwr = one * residual_weight;
  for (; i + 8 <= n; i += 8) {
    v8f m = min8 (load8 (motion + i) / vpm, one);
    v8f r = min8 (load8 (residual + i) / vpr, one);
    v8f e = min8 (vwm * m + vwr * r, one);

    memcpy (energy + i, &e, sizeof (e));
  }
  for (; i < n; i++)
    energy[i] = fuse_one (motion[i], residual[i], pm, pr, motion_weight,
        residual_weight);
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

/* Per-patch weights over one low-res axis: low-res → source (taps1) →
 * target (taps2) → sum over the patch's P target samples. */
static void
plan_axis (CpsPatchWeights * out, int grid, int patch, int lowres, int source,
    int target)
{
  CpsTap *t1 = malloc (sizeof (CpsTap) * source);
  CpsTap *t2 = malloc (sizeof (CpsTap) * target);
  double *dense = malloc (sizeof (double) * lowres);

  cps_bilinear_taps (lowres, source, t1);
  cps_bilinear_taps (source, target, t2);
  for (int g = 0; g < grid; g++) {
    int lo = lowres, hi = -1;

    memset (dense, 0, sizeof (double) * lowres);
    for (int t = g * patch; t < (g + 1) * patch; t++) {
      int src[2] = { t2[t].i0, t2[t].i1 };
      double ws[2] = { 1.0 - t2[t].w1, t2[t].w1 };

      for (int s = 0; s < 2; s++) {
        const CpsTap *a = &t1[src[s]];
        int li[2] = { a->i0, a->i1 };
        double lw[2] = { 1.0 - a->w1, a->w1 };

        for (int l = 0; l < 2; l++) {
          dense[li[l]] += ws[s] * lw[l];
          lo = li[l] < lo ? li[l] : lo;
          hi = li[l] > hi ? li[l] : hi;
        }
      }
    }
    out[g].first = lo;
    out[g].count = hi - lo + 1;
    out[g].w = malloc (sizeof (double) * out[g].count);
    memcpy (out[g].w, dense + lo, sizeof (double) * out[g].count);
  }
  free (dense);
  free (t2);
  free (t1);
}

CpsScorePlan *
cps_score_plan_new (int lowres_width, int lowres_height, int source_width,
    int source_height, int target_width, int target_height, int patch_size)
{
  CpsScorePlan *p = calloc (1, sizeof (CpsScorePlan));

  p->lowres_width = lowres_width;
  p->lowres_height = lowres_height;
  p->grid_width = target_width / patch_size;
  p->grid_height = target_height / patch_size;
  p->rows = calloc (p->grid_height, sizeof (CpsPatchWeights));
  p->cols = calloc (p->grid_width, sizeof (CpsPatchWeights));
  p->tmp = malloc (sizeof (double) * lowres_height * p->grid_width);
  plan_axis (p->rows, p->grid_height, patch_size, lowres_height,
      source_height, target_height);
  plan_axis (p->cols, p->grid_width, patch_size, lowres_width, source_width,
      target_width);
  return p;
}

void
cps_score_plan_free (CpsScorePlan * plan)
{
  if (!plan)
    return;
  for (int i = 0; i < plan->grid_height; i++)
    free (plan->rows[i].w);
  for (int i = 0; i < plan->grid_width; i++)
    free (plan->cols[i].w);
  free (plan->rows);
  free (plan->cols);
  free (plan->tmp);
  free (plan);
}

void
cps_score_plan_apply (CpsScorePlan * plan, const float *energy, float *scores)
{
  int lw = plan->lowres_width, gw = plan->grid_width;

  for (int i = 0; i < plan->lowres_height; i++) {
    const float *row = energy + (size_t) i * lw;

    for (int pw = 0; pw < gw; pw++) {
      const CpsPatchWeights *c = &plan->cols[pw];
      double acc = 0.0;

      for (int j = 0; j < c->count; j++)
        acc += c->w[j] * row[c->first + j];
      plan->tmp[(size_t) i * gw + pw] = acc;
    }
  }
  for (int ph = 0; ph < plan->grid_height; ph++) {
    const CpsPatchWeights *r = &plan->rows[ph];

    for (int pw = 0; pw < gw; pw++) {
      double acc = 0.0;

      for (int i = 0; i < r->count; i++)
        acc += r->w[i] * plan->tmp[(size_t) (r->first + i) * gw + pw];
      scores[ph * gw + pw] = (float) acc;
    }
  }
}

void
cps_resolve_is_i (uint8_t * is_i, int n_frames)
{
  for (int t = 0; t < n_frames; t++)
    if (is_i[t])
      return;
  if (n_frames > 0)
    is_i[0] = 1;
}

void
cps_select_params_init (CpsSelectParams * params)
{
  params->unit = CPS_UNIT_PATCH;
  params->static_fallback = 0;
  params->static_abs_thresh = 2.0;
  params->static_rel_thresh = 0.15;
  params->static_uniform_frames = 4;
}

int
cps_scores_are_static (const float *scores, size_t n, double unit_pixels,
    double abs_thresh, double rel_thresh, float *scratch)
{
  float *means = malloc (sizeof (float) * n);
  double p95, p50, thr;

  for (size_t i = 0; i < n; i++)
    means[i] = (float) (scores[i] / unit_pixels);
  p95 = cps_percentile (means, n, 0.95, scratch);
  p50 = cps_percentile (means, n, 0.50, scratch);
  free (means);

  thr = abs_thresh > 1.0 ? abs_thresh / 255.0 : abs_thresh;
  thr = thr < 0.0 ? 0.0 : (thr > 1.0 ? 1.0 : thr);
  if (p95 < thr)
    return 1;
  return p95 < 2.0 * thr && (p95 - p50) / (p95 > 1e-6 ? p95 : 1e-6) <
      rel_thresh;
}

typedef struct {
  float key;
  int64_t idx;
} Ranked;

/* Higher key first; ties go to the lower linear index (docs/algorithm.md
 * step 8). */
static int
ranked_cmp (const void *pa, const void *pb)
{
  const Ranked *a = pa, *b = pb;

  if (a->key != b->key)
    return a->key > b->key ? -1 : 1;
  return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* Marks the @want best units among those whose frame's I flag equals
 * @want_i (or all units when @want_i < 0). */
static void
take_top (const float *keys, const uint8_t * unit_is_i, size_t n, int want_i,
    size_t want, uint8_t * chosen)
{
  Ranked *r = malloc (sizeof (Ranked) * (n ? n : 1));
  size_t m = 0;

  for (size_t i = 0; i < n; i++)
    if (want_i < 0 || unit_is_i[i] == want_i)
      r[m++] = (Ranked) {
      keys[i], (int64_t) i};
  qsort (r, m, sizeof (Ranked), ranked_cmp);
  for (size_t i = 0; i < want && i < m; i++)
    chosen[r[i].idx] = 1;
  free (r);
}

/* docs/algorithm.md step 9: adds a bonus to every unit of evenly spaced P
 * frames. */
static void
add_static_bonus (float *keys, const uint8_t * is_i, int n_frames,
    size_t per_frame, int uniform_frames)
{
  int *p_frames = malloc (sizeof (int) * n_frames);
  int m = 0, f;
  float lo = INFINITY, hi = -INFINITY, bonus;

  for (int t = 0; t < n_frames; t++) {
    if (is_i[t])
      continue;
    p_frames[m++] = t;
    for (size_t u = 0; u < per_frame; u++) {
      float s = keys[t * per_frame + u];
      lo = s < lo ? s : lo;
      hi = s > hi ? s : hi;
    }
  }
  if (m > 0) {
    bonus = hi - lo + 1.0f;
    f = clampi (uniform_frames, 1, m);
    for (int j = 0; j < f; j++) {
      int t = p_frames[(long) j * m / f];

      for (size_t u = 0; u < per_frame; u++)
        keys[t * per_frame + u] += bonus;
    }
  }
  free (p_frames);
}

long
cps_select (const float *scores, const uint8_t * is_i, int n_frames, int hb,
    int wb, int patch_size, long k, const CpsSelectParams * params,
    int64_t * out)
{
  int block = params->unit == CPS_UNIT_BLOCK2X2;
  int upp = block ? 4 : 1;      /* patches per unit */
  int uh = block ? hb / 2 : hb, uw = block ? wb / 2 : wb;
  size_t per_frame = (size_t) uh * uw, n = per_frame * n_frames, n_i = 0;
  size_t ku, count = 0;
  float *keys, *scratch;
  uint8_t *unit_is_i, *chosen;

  if (block && (hb % 2 || wb % 2 || k % 4))
    return -1;
  ku = (size_t) k / upp < n ? (size_t) k / upp : n;

  keys = malloc (sizeof (float) * (n ? n : 1));
  scratch = malloc (sizeof (float) * (n ? n : 1));
  unit_is_i = malloc (n ? n : 1);
  chosen = calloc (n ? n : 1, 1);

  for (int t = 0; t < n_frames; t++) {
    for (int y = 0; y < uh; y++) {
      for (int x = 0; x < uw; x++) {
        size_t u = t * per_frame + (size_t) y * uw + x;
        const float *s = scores + (size_t) t * hb * wb;

        if (block)
          keys[u] = s[(2 * y) * wb + 2 * x] + s[(2 * y) * wb + 2 * x + 1]
              + s[(2 * y + 1) * wb + 2 * x] + s[(2 * y + 1) * wb + 2 * x + 1];
        else
          keys[u] = s[y * wb + x];
        unit_is_i[u] = is_i[t] != 0;
        n_i += unit_is_i[u];
      }
    }
  }

  if (n_i == 0) {
    take_top (keys, unit_is_i, n, -1, ku, chosen);
  } else if (n_i >= ku) {
    take_top (keys, unit_is_i, n, 1, ku, chosen);
  } else {
    for (size_t u = 0; u < n; u++)
      chosen[u] = unit_is_i[u];
    if (params->static_fallback &&
        cps_scores_are_static (keys, n, (double) upp * patch_size * patch_size,
            params->static_abs_thresh, params->static_rel_thresh, scratch))
      add_static_bonus (keys, is_i, n_frames, per_frame,
          params->static_uniform_frames);
    take_top (keys, unit_is_i, n, 0, ku - n_i, chosen);
  }

  for (size_t u = 0; u < n; u++) {
    size_t t, y, x;

    if (!chosen[u])
      continue;
    if (!block) {
      out[count++] = (int64_t) u;
      continue;
    }
    t = u / per_frame;
    y = 2 * ((u % per_frame) / uw);
    x = 2 * ((u % per_frame) % uw);
    /* top-left, top-right, bottom-left, bottom-right */
    for (int dy = 0; dy < 2; dy++)
      for (int dx = 0; dx < 2; dx++)
        out[count++] = (int64_t) (t * hb * wb + (y + dy) * wb + x + dx);
  }

  free (chosen);
  free (unit_is_i);
  free (scratch);
  free (keys);
  return (long) count;
}

size_t
cps_dtype_size (CpsDtype dtype)
{
  switch (dtype) {
    case CPS_DTYPE_FP32:
      return 4;
    case CPS_DTYPE_U8:
      return 1;
    default:
      return 2;
  }
}

const char *
cps_dtype_name (CpsDtype dtype)
{
  static const char *names[] = { "bf16", "fp16", "fp32", "u8" };

  return (unsigned) dtype < 4 ? names[dtype] : NULL;
}

static uint32_t
float_bits (float f)
{
  uint32_t x;

  memcpy (&x, &f, 4);
  return x;
}

static float
bits_float (uint32_t x)
{
  float f;

  memcpy (&f, &x, 4);
  return f;
}

uint16_t
cps_float_to_bf16 (float f)
{
  uint32_t x = float_bits (f);

  if ((x & 0x7fffffffu) > 0x7f800000u)
    return 0x7fc0;              /* NaN */
  x += 0x7fffu + ((x >> 16) & 1u);      /* round to nearest even */
  return (uint16_t) (x >> 16);
}

float
cps_bf16_to_float (uint16_t h)
{
  return bits_float ((uint32_t) h << 16);
}

uint16_t
cps_float_to_fp16 (float f)
{
  uint32_t x = float_bits (f);
  uint16_t sign = (uint16_t) ((x >> 16) & 0x8000u);

  x &= 0x7fffffffu;
  if (x >= 0x7f800000u)
    return sign | (x > 0x7f800000u ? 0x7e00 : 0x7c00);
  if (x >= 0x477ff000u)         /* rounds to 65520 or more: overflow */
    return sign | 0x7c00;
  if (x < 0x38800000u)          /* below 2^-14: subnormal, unit 2^-24 */
    return sign | (uint16_t) rintf (bits_float (x) * 16777216.0f);
  x = x - 0x38000000u + 0x0fffu + ((x >> 13) & 1u);
  return sign | (uint16_t) (x >> 13);
}

float
cps_fp16_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;

  if (e == 0)
    return (sign ? -1.0f : 1.0f) * (float) m / 16777216.0f;
  if (e == 31)
    return bits_float (sign | 0x7f800000u | (m << 13));
  return bits_float (sign | ((e + 112) << 23) | (m << 13));
}

void
cps_convert_floats (const float *in, size_t n, CpsDtype dtype, void *out)
{
  switch (dtype) {
    case CPS_DTYPE_BF16:
      for (size_t i = 0; i < n; i++)
        ((uint16_t *) out)[i] = cps_float_to_bf16 (in[i]);
      break;
    case CPS_DTYPE_FP16:
      for (size_t i = 0; i < n; i++)
        ((uint16_t *) out)[i] = cps_float_to_fp16 (in[i]);
      break;
    case CPS_DTYPE_FP32:
      memcpy (out, in, n * sizeof (float));
      break;
    case CPS_DTYPE_U8:
      for (size_t i = 0; i < n; i++) {
        float v = rintf (in[i]);
        ((uint8_t *) out)[i] = (uint8_t) (v < 0.0f ? 0.0f : (v > 255.0f ?
                255.0f : v));
      }
      break;
  }
}

/* ---- frame ids ------------------------------------------------------ */

void
cps_frame_counter_reset (CpsFrameCounter * c)
{
  c->next_id = 0;
  c->base_pts = -1;
  c->last_pts = -1;
  c->last_id = 0;
  c->resync = 0;
  c->agreeing = 0;
  c->min_step = 0;
}

void
cps_frame_counter_flush (CpsFrameCounter * c)
{
  c->last_pts = -1;
  c->resync = 1;
}

/* @span ns in frames, rounded half to even like the rest of common/. */
static uint64_t
frames_in (int64_t span, int64_t frame_duration)
{
  return (uint64_t) rint ((double) span / (double) frame_duration);
}

uint64_t
cps_frame_counter_next (CpsFrameCounter * c, int64_t pts,
    int64_t frame_duration)
{
  uint64_t id = c->next_id;
  int64_t delta = pts >= 0 && c->last_pts >= 0 ? pts - c->last_pts : 0;
  int timed;

  /* Without a claimed rate, the smallest step seen stands for it: frames
   * lost only ever lengthen steps. */
  if (delta > 0 && (c->min_step == 0 || delta < c->min_step))
    c->min_step = delta;
  if (frame_duration <= 0)
    frame_duration = c->min_step;
  timed = pts >= 0 && frame_duration > 0;

  if (pts >= 0 && c->base_pts < 0 && c->next_id == 0)
    c->base_pts = pts;
  /* The rate is trusted only while the stream's own steps agree with it:
   * one frame, or a whole number of frames (lost ones), within a quarter
   * frame.  Any other step (a variable rate, a rate the caps claim but the
   * timestamps contradict) withdraws the trust. */
  if (timed && delta > 0) {
    uint64_t n = frames_in (delta, frame_duration);
    int whole = n >= 1 &&
        4 * llabs (delta - (int64_t) n * frame_duration) <= frame_duration;

    if (!whole)
      c->agreeing = 0;
    else if (n == 1 && c->agreeing < 1000)
      c->agreeing++;
    else if (n > 1 && c->agreeing >= 2)
      id = c->last_id + n;
  }
  if (timed && c->agreeing >= 2 && c->resync && c->base_pts >= 0 &&
      pts >= c->base_pts)
    id = frames_in (pts - c->base_pts, frame_duration);
  c->resync = 0;
  c->last_pts = pts;
  c->last_id = id;
  c->next_id = id + 1;
  return id;
}
