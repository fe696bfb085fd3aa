/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 5 (normalisation and fusion).
 */
#include "cps_energy.h"
#include "cps_inline.h"

#include <math.h>
#include <string.h>

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
  float p;

  if (fraction < 0.0)
    return 1.0f;
  p = cps_percentile (values, n, fraction, scratch);
  return p > CPS_PERCENTILE_FLOOR ? p : CPS_PERCENTILE_FLOOR;
}

double
cps_energy_fraction_for_model (CpsMotionModel model,
    double percentile_fraction)
{
  return model == CPS_MOTION_MODEL_CAMERA ? -1.0 : percentile_fraction;
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
