/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 7 (patch scores).
 */
#include "cps_scores.h"
#include "cps_resize.h"

#include <stdlib.h>
#include <string.h>

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
