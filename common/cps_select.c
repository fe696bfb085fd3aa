/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md steps 8 (selection with I-frame priority), 9 (static
 * fallback) and 10 (2×2 blocks).
 */
#include "cps_select.h"
#include "cps_energy.h"
#include "cps_inline.h"

#include <math.h>
#include <stdlib.h>

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
 * step 8).  A strict total order: no two units share an index. */
static CPS_ALWAYS_INLINE int
ranked_before (const Ranked * a, const Ranked * b)
{
  return a->key > b->key || (a->key == b->key && a->idx < b->idx);
}

static int
ranked_cmp (const void *pa, const void *pb)
{
  const Ranked *a = pa, *b = pb;

  return ranked_before (a, b) ? -1 : ranked_before (b, a);
}

static void
swap_ranked (Ranked * a, Ranked * b)
{
  Ranked t = *a;

  *a = *b;
  *b = t;
}

/* Reorders r[0, m) so that its first @want entries are the @want first in
 * ranked_before's order, in no particular order: quickselect, O(m) on
 * average where sorting all of a window's units was O(m log m) and the
 * largest cost of a window's selection.  A range that does not shrink fast
 * enough is sorted. */
static void
partition_top (Ranked * r, size_t m, size_t want)
{
  size_t lo = 0, hi = m;        /* the boundary @want lies in [lo, hi) */
  int budget = 64;

  while (hi - lo > 16 && want > lo && want < hi) {
    size_t mid = lo + (hi - lo) / 2, store = lo;

    if (budget-- == 0)
      break;
    /* median of three as the pivot, moved to the end */
    if (ranked_before (&r[hi - 1], &r[lo]))
      swap_ranked (&r[hi - 1], &r[lo]);
    if (ranked_before (&r[mid], &r[lo]))
      swap_ranked (&r[mid], &r[lo]);
    if (ranked_before (&r[hi - 1], &r[mid]))
      swap_ranked (&r[hi - 1], &r[mid]);
    swap_ranked (&r[mid], &r[hi - 1]);
    for (size_t i = lo; i + 1 < hi; i++)
      if (ranked_before (&r[i], &r[hi - 1]))
        swap_ranked (&r[i], &r[store++]);
    swap_ranked (&r[store], &r[hi - 1]);
    /* r[lo, store) come before the pivot at r[store], r(store, hi) after */
    if (want <= store)
      hi = store;
    else
      lo = store + 1;
  }
  if (want > lo && want < hi)
    qsort (r + lo, hi - lo, sizeof (Ranked), ranked_cmp);
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
  if (want < m)
    partition_top (r, m, want);
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
