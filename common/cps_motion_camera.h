/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera-aware motion model (docs/algorithm.md, "The camera motion
 * model"): per frame pair, the camera's global motion is estimated on the
 * low-resolution luma, the previous frame is warped by it, and only what
 * differs from the warped frame by more than the frame's own noise level
 * gives motion and residual.  Plain C, no GStreamer types.
 */
#ifndef CPS_MOTION_CAMERA_H
#define CPS_MOTION_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The motion models of cpsmotion's motion-model property. */
typedef enum {
  CPS_MOTION_MODEL_REFERENCE = 0,
  CPS_MOTION_MODEL_CAMERA = 1,
} CpsMotionModel;

/* What the camera did between the previous processed frame and this one. */
typedef enum {
  CPS_CAMERA_STATIC = 0,        /* no global motion (or no previous frame) */
  CPS_CAMERA_PAN = 1,           /* a translation explains the background */
  CPS_CAMERA_ZOOM = 2,          /* a translation plus scale / rotation does */
  CPS_CAMERA_COMPLEX = 3,       /* neither does (large movers, parallax) */
} CpsCameraClass;

const char *cps_camera_class_name (CpsCameraClass cls);

/* The camera's motion as a similarity about the frame centre c: a pixel x
 * of the current frame shows what the previous frame showed at
 * x − v(x), v(x) = (dx, dy) + (scale − 1)·(x − c) + rotation·perp(x − c),
 * perp(x, y) = (−y, x).  (dx, dy) is in low-resolution pixels; content
 * moving right has dx > 0, the camera panning right gives dx < 0. */
typedef struct {
  float dx, dy;
  float scale;                  /* 1 without zoom */
  float rotation;               /* radians, small-angle */
  CpsCameraClass cls;
  float noise;                  /* the threshold tau used, luma levels */
  float support;                /* fraction of textured blocks explained */
} CpsCameraMotion;

typedef struct CpsCameraModel CpsCameraModel;

/* @radius: the local search radius of the per-pixel motion (the
 * reference's r); the global search range is wider (CPS_CAMERA_RANGE). */
#define CPS_CAMERA_RANGE 7
CpsCameraModel *cps_camera_model_new (int width, int height, int radius);
void cps_camera_model_free (CpsCameraModel * model);

/* Forgets every frame: the next one starts a new sequence. */
void cps_camera_model_reset (CpsCameraModel * model);

/* The model compares each frame with the previous AND the next one, so
 * it answers one frame late.  process() takes the low-resolution luma
 * (@width × @height floats, 0–255) of a new frame and holds it; when it
 * was already holding one, it writes that frame's motion (length of the
 * local displacement left after compensation, low-res pixels) and
 * residual (compensated difference above the noise threshold, luma
 * levels) maps, and its camera motion into @camera if not NULL, and
 * returns 1; otherwise it returns 0.  drain() writes the maps of the held
 * frame compared with the previous one only (the end of a stream) and
 * returns 1, or returns 0 when no frame is held.  A frame with neither
 * neighbour (a stream of one frame) gets zero maps and a static camera. */
int cps_camera_model_process (CpsCameraModel * model, const float *luma,
    float *motion, float *residual, CpsCameraMotion * camera);
int cps_camera_model_drain (CpsCameraModel * model, float *motion,
    float *residual, CpsCameraMotion * camera);

/* The camera model's low-resolution luma: each of @lw × @lh output pixels
 * is the mean of the source pixels of its cell (rows ⌊j·h/lh⌋ to
 * ⌊(j+1)·h/lh⌋ − 1, columns likewise).  A box mean, unlike the 2-tap
 * bilinear resize of the reference model, does not alias fine texture, so
 * a sub-pixel camera shift leaves little residual.  @column_sums holds
 * @width uint32. */
void cps_camera_downscale (const uint8_t * plane, int stride, int width,
    int height, int lw, int lh, uint32_t * column_sums, float *out);

/* The camera motion of the frame whose maps were written last. */
const CpsCameraMotion *cps_camera_model_last (const CpsCameraModel * model);

#ifdef __cplusplus
}
#endif
#endif /* CPS_MOTION_CAMERA_H */
