/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera-aware motion model (docs/algorithm.md, "The camera motion
 * model"): the camera's motion between frames is estimated on their
 * low-resolution luma, each frame is compared at full resolution with its
 * previous and next frames compensated by it, and only what differs from
 * both by more than the frame's own noise level gives motion and residual.
 * Plain C, no GStreamer types.
 */
#ifndef CPS_MOTION_CAMERA_H
#define CPS_MOTION_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#include "cps_camera_estimate.h"
#include "cps_camera_maps.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The motion models of cpsmotion's motion-model property. */
typedef enum {
  CPS_MOTION_MODEL_REFERENCE = 0,
  CPS_MOTION_MODEL_CAMERA = 1,
} CpsMotionModel;

typedef struct CpsCameraModel CpsCameraModel;

/* The per-pixel stage of the model, over frames kept in three slots (0–2)
 * in the implementation's memory.  store() copies a frame's full-resolution
 * luma plane into a slot; maps() writes the low-resolution maps of the
 * frame in slot @held compared with the @n_sides (0–2) frames in @slots,
 * warped by @warps, as cps_camera_maps.h defines them (zero maps when
 * @n_sides is 0), and returns the noise threshold used, in luma levels.
 * The CPU one is the default; a device implementation passes its own. */
typedef struct {
  void (*store) (void *impl, int slot, const uint8_t * plane, int stride);
  float (*maps) (void *impl, int held, const int *slots,
      const CpsCameraWarp * warps, int n_sides, float *motion,
      float *residual);
} CpsCameraPixels;

/* Frames of @full_width × @full_height, maps of @width × @height. */
CpsCameraModel *cps_camera_model_new (int full_width, int full_height,
    int width, int height);
CpsCameraModel *cps_camera_model_new_with_pixels (int full_width,
    int full_height, int width, int height, const CpsCameraPixels * pixels,
    void *impl);
void cps_camera_model_free (CpsCameraModel * model);

/* Forgets every frame: the next one starts a new sequence. */
void cps_camera_model_reset (CpsCameraModel * model);

/* The model compares each frame with the previous AND the next one, so it
 * answers one frame late.  process() takes a new frame: its low-resolution
 * luma (@width × @height floats, 0–255, host memory, for the camera's
 * motion) and its full-resolution luma @plane (the per-pixel stage's
 * memory), and holds it; when it was already holding one, it writes that
 * frame's maps and, if @camera is not NULL, its camera motion, and returns
 * 1; otherwise it returns 0.  drain() writes the maps of the held frame
 * compared with the previous one only (the end of a stream) and returns 1,
 * or returns 0 when no frame is held.  A frame with neither neighbour (a
 * stream of one frame) gets zero maps and a static camera.
 *
 * The maps, both in [0, 1]: motion is the fraction of a cell's pixels that
 * differ from both neighbours by more than the frame's noise threshold,
 * residual the mean of min(difference, threshold) / threshold over it
 * (cps_camera_maps.h). */
int cps_camera_model_process (CpsCameraModel * model, const float *luma,
    const uint8_t * plane, int stride, float *motion, float *residual,
    CpsCameraMotion * camera);
/* process() from the plane alone: the model computes the low-resolution
 * luma itself (cps_camera_downscale), reading the plane once where the
 * per-pixel stage is the CPU one. */
int cps_camera_model_process_plane (CpsCameraModel * model,
    const uint8_t * plane, int stride, float *motion, float *residual,
    CpsCameraMotion * camera);
int cps_camera_model_drain (CpsCameraModel * model, float *motion,
    float *residual, CpsCameraMotion * camera);

/* The camera model's low-resolution luma: each of @lw × @lh output pixels
 * is the mean of the source pixels of its cell (rows ⌊j·h/lh⌋ to
 * ⌊(j+1)·h/lh⌋ − 1, columns likewise).  A box mean, unlike the 2-tap
 * bilinear resize of the reference model, does not alias fine texture, so
 * a sub-pixel camera shift leaves little residual.  @column_sums holds
 * cps_camera_cell_scratch (@width, @lw) uint32 (cps_camera_maps.h). */
void cps_camera_downscale (const uint8_t * plane, int stride, int width,
    int height, int lw, int lh, uint32_t * column_sums, float *out);

/* The camera motion of the frame whose maps were written last. */
const CpsCameraMotion *cps_camera_model_last (const CpsCameraModel * model);

#ifdef __cplusplus
}
#endif
#endif /* CPS_MOTION_CAMERA_H */
