/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md steps 8–10: the selection of a window's patches with
 * I-frame priority, the static fallback and 2×2 blocks.
 */
#ifndef CPS_SELECT_H
#define CPS_SELECT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  CPS_UNIT_PATCH = 0,
  CPS_UNIT_BLOCK2X2 = 1,
} CpsUnit;

typedef struct {
  CpsUnit unit;
  int static_fallback;
  double static_abs_thresh;
  double static_rel_thresh;
  int static_uniform_frames;
} CpsSelectParams;

void cps_select_params_init (CpsSelectParams * params);

/* Whether the static fallback fires for these per-unit scores
 * (docs/algorithm.md step 9); @unit_pixels is P² (patch) or 4·P² (2×2
 * block). */
int cps_scores_are_static (const float *scores, size_t n, double unit_pixels,
    double abs_thresh, double rel_thresh, float *scratch);

/* docs/algorithm.md steps 8–10.  @scores holds n_frames × hb × wb patch
 * scores, @is_i one resolved flag per frame.  Writes the selected patch linear
 * indices in output order to @out (room for min(k, n) entries) and returns
 * how many.  Returns -1 if the 2×2 unit is asked for with odd hb/wb or k not
 * divisible by 4. */
long cps_select (const float *scores, const uint8_t * is_i, int n_frames,
    int hb, int wb, int patch_size, long k, const CpsSelectParams * params,
    int64_t * out);

#ifdef __cplusplus
}
#endif
#endif /* CPS_SELECT_H */
