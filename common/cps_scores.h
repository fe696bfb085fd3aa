/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 7: patch scores straight from the low-resolution
 * energy map.
 */
#ifndef CPS_SCORES_H
#define CPS_SCORES_H

#ifdef __cplusplus
extern "C" {
#endif

/* Composite weights taking a low-resolution map straight to per-patch
 * sums: low-res → source size → target size (two bilinear resizes) → sum
 * over P×P.  Because every step is linear, a patch score is
 * Σ_i Σ_j rows[ph][i] · E[i][j] · cols[pw][j].  Each weight vector is
 * non-zero on one contiguous range, which is all that is stored. */
typedef struct {
  int first, count;             /* non-zero range of the low-res axis */
  double *w;                    /* count weights */
} CpsPatchWeights;

typedef struct {
  int lowres_width, lowres_height;
  int grid_width, grid_height;
  CpsPatchWeights *rows;        /* grid_height */
  CpsPatchWeights *cols;        /* grid_width */
  double *tmp;                  /* lowres_height × grid_width */
} CpsScorePlan;

CpsScorePlan *cps_score_plan_new (int lowres_width, int lowres_height,
    int source_width, int source_height, int target_width, int target_height,
    int patch_size);
void cps_score_plan_free (CpsScorePlan * plan);

/* Writes grid_height × grid_width patch scores of a low-res energy map. */
void cps_score_plan_apply (CpsScorePlan * plan, const float *energy,
    float *scores);

#ifdef __cplusplus
}
#endif
#endif /* CPS_SCORES_H */
