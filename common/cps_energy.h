/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 5: percentile normalisation of the motion and
 * residual maps, and their fusion into energy.
 */
#ifndef CPS_ENERGY_H
#define CPS_ENERGY_H

#include <stddef.h>

#include "cps_motion_camera.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CPS_PERCENTILE_FLOOR 1e-6f

/* The element of 0-based rank rint(fraction * (n - 1)) of @values in
 * ascending order (n >= 1).  @scratch holds n floats; @values is not
 * modified. */
float cps_percentile (const float *values, size_t n, double fraction,
    float *scratch);

/* What docs/algorithm.md step 5 divides a map by: its percentile,
 * floored at 1e-6; 1 for a negative @fraction (maps that are already in
 * [0, 1], as the camera model's are).  @scratch holds n floats. */
float cps_normaliser (const float *values, size_t n, double fraction,
    float *scratch);

/* docs/algorithm.md step 5: divides each map by its percentile (floored
 * at 1e-6; not at all for a negative @percentile_fraction), clamps to [0, 1]
 * and writes
 * clamp(wm * motion + wr * residual, 0, 1).  @scratch holds n floats. */
void cps_energy_fuse (const float *motion, const float *residual, size_t n,
    double percentile_fraction, float motion_weight, float residual_weight,
    float *scratch, float *energy);

/* The percentile fraction the energy stage uses for maps of @model: the
 * camera model's maps are already relative to the frame's noise and in
 * [0, 1], and are fused as they are (−1). */
double cps_energy_fraction_for_model (CpsMotionModel model,
    double percentile_fraction);

#ifdef __cplusplus
}
#endif
#endif /* CPS_ENERGY_H */
