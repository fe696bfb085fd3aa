/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera's motion between two frames, for the camera motion model
 * (docs/algorithm.md, "The camera motion model", step 2).  Plain C, no
 * GStreamer types.
 */
#ifndef CPS_CAMERA_ESTIMATE_H
#define CPS_CAMERA_ESTIMATE_H

#ifdef __cplusplus
extern "C" {
#endif

/* What the camera did between the previous frame and this one. */
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
  float noise;                  /* the noise threshold used, luma levels */
  float support;                /* fraction of textured blocks explained */
} CpsCameraMotion;

/* No motion: static, scale 1. */
void cps_camera_still (CpsCameraMotion * camera);

/* The search range of the block vectors, low-resolution pixels. */
#define CPS_CAMERA_RANGE 7

typedef struct CpsCameraEstimator CpsCameraEstimator;

/* For low-resolution frames of @width × @height floats (0–255). */
CpsCameraEstimator *cps_camera_estimator_new (int width, int height);
void cps_camera_estimator_free (CpsCameraEstimator * estimator);

/* The camera's motion from @ref to @cur (@cur(x) ≈ @ref(x − v(x))); the
 * noise field is left at 0. */
void cps_camera_estimate (CpsCameraEstimator * estimator, const float *cur,
    const float *ref, CpsCameraMotion * camera);

#ifdef __cplusplus
}
#endif
#endif /* CPS_CAMERA_ESTIMATE_H */
