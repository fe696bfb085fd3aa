/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera model's per-pixel stage (docs/algorithm.md, "The camera
 * motion model", steps 3 to 5): the held frame's full-resolution luma
 * compared with its neighbours once the camera's motion is compensated,
 * the frame's noise level, and the low-resolution maps.  These functions
 * are the contract the CUDA kernels mirror.  Plain C.
 */
#ifndef CPS_CAMERA_MAPS_H
#define CPS_CAMERA_MAPS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a neighbouring frame lines up with the held one, in full-resolution
 * pixels: held(x) ≈ side(x − v(x)), v as in CpsCameraMotion about the
 * frame centre ((width − 1) / 2, (height − 1) / 2). */
typedef struct {
  float dx, dy, scale, rotation;
  int tolerant;                 /* forgive half a pixel: the camera moves */
} CpsCameraWarp;

/* The source pixels [*a, *b) of low-resolution cell @i of @n along a side
 * of @len pixels (@n ≤ @len): the cells of the box downscale
 * (cps_camera_downscale) and of the cell maps. */
static inline void
cps_camera_cell (int i, int n, int len, int *a, int *b)
{
  *a = (int) ((long) i * len / n);
  *b = (int) ((long) (i + 1) * len / n);
  *b = *b > *a ? *b : *a + 1;
}

/* A difference of 255 marks a pixel that was not measured: a neighbour
 * has no pixel there (the strip a pan brings in or takes out). */
#define CPS_CAMERA_UNMEASURED 255

/* @diff (@width × @height): per pixel of @held, its difference, in half
 * luma levels and at most 254, to the first of the @n_sides neighbouring
 * planes (1 or 2, each @width × @height, packed) warped by whole pixels
 * (v(x) rounded to the nearest), CPS_CAMERA_UNMEASURED where that plane
 * has no pixel; where that difference is at least
 * CPS_CAMERA_SECOND_SIDE_FROM and the second plane has a pixel, the
 * smaller of the two differences.  (Every threshold is at least that
 * value, so a smaller difference is noise either way: the second side is
 * only computed where it can matter.)  With warp.tolerant the difference
 * is the distance to the range spanned by the neighbour's pixel and its
 * midpoints with its four neighbours (Birchfield–Tomasi), else the plain
 * difference.  @hist counts the measured differences of every fourth
 * pixel of every fourth row (256 bins; bin 255 unused).  @scratch holds
 * @width bytes. */
#define CPS_CAMERA_SECOND_SIDE_FROM 12
void cps_camera_differences (const uint8_t * held,
    const uint8_t * const *sides, const CpsCameraWarp * warps, int n_sides,
    int width, int height, uint8_t * scratch, uint8_t * diff,
    uint32_t * hist);

/* The noise threshold, in half luma levels, from the histogram of the
 * differences: 3 × their median, clamped to [12, 40] (6 to 20 levels). */
int cps_camera_noise_level (const uint32_t * hist);

/* The low-resolution maps (@lw × @lh, cells as cps_camera_downscale's)
 * from the differences and the threshold @tau (half levels): in each cell,
 * motion = the fraction of its pixels above tau and residual = the mean of
 * min(d, tau) / tau, both 0 where under a quarter of its pixels are above
 * tau (the noise's tail, not a mover).  @columns holds
 * cps_camera_cell_scratch (@width, @lw) uint32. */
size_t cps_camera_cell_scratch (int width, int lw);
void cps_camera_cell_maps (const uint8_t * diff, int width, int height,
    int lw, int lh, int tau, uint32_t * columns, float *motion,
    float *residual);

/* cps_camera_differences, cps_camera_noise_level and cps_camera_cell_maps
 * in one pass, without the difference map (the same maps; returns the
 * threshold): the rows the histogram samples first, kept in @sampled
 * (cps_camera_sampled_rows (@height) rows of @width), then each cell's
 * rows as they are compared.  @scratch holds 2 @width bytes, @columns
 * cps_camera_cell_scratch (@width, @lw) uint32.  The CPU's per-pixel
 * stage. */
size_t cps_camera_sampled_rows (int height);
int cps_camera_difference_maps (const uint8_t * held,
    const uint8_t * const *sides, const CpsCameraWarp * warps, int n_sides,
    int width, int height, int lw, int lh, uint8_t * scratch,
    uint8_t * sampled, uint32_t * hist, uint32_t * columns, float *motion,
    float *residual);

/* A 21 × 21 grey closing of both maps (a 21 × 21 maximum filter, then a
 * minimum filter, each window cut to the map; the same as five 5 × 5
 * dilations then five erosions), unless nothing or more than 15% of the
 * cells are marked: it joins an object's marked edges over its flat
 * interior.  @tmp holds cps_camera_close_scratch (lw, lh) floats. */
size_t cps_camera_close_scratch (int lw, int lh);

/* Whether the closing applies to maps of @n cells of which @marked are
 * non-zero in either map; and the number of 5 × 5 passes it equals, for a
 * device implementation that filters by passes. */
int cps_camera_closing_applies (size_t marked, size_t n);
#define CPS_CAMERA_CLOSING_PASSES 5
void cps_camera_close_maps (float *motion, float *residual, int lw, int lh,
    float *tmp);

#ifdef __cplusplus
}
#endif
#endif /* CPS_CAMERA_MAPS_H */
