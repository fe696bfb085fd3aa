/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 4, the reference's motion model: per-pixel block
 * matching of each low-resolution frame against the previous one.
 */
#ifndef CPS_MOTION_REFERENCE_H
#define CPS_MOTION_REFERENCE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CPS_MAX_AUTO_RADIUS 4
#define CPS_MAX_RADIUS 16

/* docs/algorithm.md step 4: r = clamp(min(hs, ws) / 2, 1, 4). */
int cps_default_radius (int lowres_width, int lowres_height);

/* √(dx² + dy²) of every candidate displacement within ±@r, in the scan
 * order of the matchers (dy, then dx, from −r): (2r + 1)² floats. */
void cps_match_magnitudes (int r, float *mags);

/* docs/algorithm.md step 4: per-pixel block matching of @cur against
 * @prev, both w × h, displacements in [-r, r]².  Writes the displacement
 * magnitude of the first best match (scan order dy, then dx, from -r) to
 * @motion and the smallest absolute difference to @residual. */
void cps_motion_residual (const float *prev, const float *cur, int w, int h,
    int r, float *motion, float *residual);

/* The same with @prev already padded: (w + 2r) × (h + 2r) floats of row
 * stride @ps, the frame at (r, r), the border written by cps_pad_frame.
 * No allocation: the form for per-frame use. */
void cps_motion_residual_padded (const float *prev_padded, int ps,
    const float *cur, int w, int h, int r, float *motion, float *residual);
void cps_pad_frame (const float *frame, int w, int h, int r, float *padded);

#ifdef __cplusplus
}
#endif
#endif /* CPS_MOTION_REFERENCE_H */
