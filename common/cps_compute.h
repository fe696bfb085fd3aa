/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The compute interface the elements talk to.  Elements negotiate, map
 * frames and carry metadata; everything numeric goes through a
 * CpsComputeOps table.  The CPU table lives in common/ (cps_compute_cpu);
 * a device implementation provides the same table over device pointers.
 */
#ifndef CPS_COMPUTE_H
#define CPS_COMPUTE_H

#include "cps_algo.h"
#include "cps_motion_camera.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An 8-bit planar or semi-planar YUV frame. */
typedef struct {
  const uint8_t *planes[3];
  int strides[3];
  int width, height;
  int chroma_x_shift, chroma_y_shift;   /* 1,1 for 4:2:0; 0,0 for 4:4:4 */
  int uv_interleaved;           /* NV12: planes[1] holds U,V pairs */
  int chroma_h_cosited, chroma_v_cosited;       /* chroma siting */
} CpsImage;

/* rgb = m · (y, u, v) + offset, clamped to [0, 255]. */
typedef struct {
  float m[3][3];
  float offset[3];
} CpsColorMatrix;

/* Frame geometry of one stream, fixed while caps do not change. */
typedef struct {
  int width, height;            /* source frame */
  int lowres_width, lowres_height;      /* motion maps */
  int radius;
  void *device;                 /* the implementation's device, NULL on CPU */
  CpsMotionModel model;         /* reference (0) or camera */
} CpsMotionGeometry;

typedef struct {
  int source_width, source_height;
  int lowres_width, lowres_height;
  int target_width, target_height;
  int patch_size;
  int capacity;                 /* frames per window */
  int chroma_x_shift, chroma_y_shift;
  int chroma_h_cosited, chroma_v_cosited;
  void *device;                 /* the implementation's device, NULL on CPU */
} CpsWindowGeometry;

/* The resize taps of a window's frames: luma rows and columns, and chroma
 * rows and columns placed by the chroma siting (each array holds the
 * target height or width).  Shared by every implementation. */
void cps_window_taps (const CpsWindowGeometry * g, CpsTap * ytaps,
    CpsTap * xtaps, CpsTap * cytaps, CpsTap * cxtaps);

typedef struct CpsMotionState CpsMotionState;
typedef struct CpsWindow CpsWindow;

typedef struct {
  const char *name;

  /* cpsmotion: low-res luma of each frame matched against the previous
   * one.  The first frame after new() or reset() yields zero maps.
   * motion_process returns 1 when it wrote maps: those of @frame with the
   * reference model; with the camera model, which also compares with the
   * next frame, those of the frame before @frame (0 for the first frame).
   * motion_drain writes the maps of a frame still held (the end of a
   * stream, before new caps) and returns 1, or returns 0 when none is. */
  CpsMotionState *(*motion_new) (const CpsMotionGeometry * geometry);
  int (*motion_process) (CpsMotionState * state, const CpsImage * frame,
      float *motion, float *residual);
  int (*motion_drain) (CpsMotionState * state, float *motion,
      float *residual);
  void (*motion_reset) (CpsMotionState * state);
  void (*motion_free) (CpsMotionState * state);

  /* cpsenergy (and cpstopk's default fusion).  @scratch holds n floats
   * of host memory; @device as in the geometries. */
  void (*energy_fuse) (void *device, const float *motion,
      const float *residual, size_t n,
      double percentile_fraction, float motion_weight, float residual_weight,
      float *scratch, float *energy);

  /* cpstopk: per frame, the resized RGB frame and the patch scores are
   * kept; the source frame is not referenced after window_add returns.
   * @energy of NULL gives zero scores (the first frame of a sequence).
   * window_scores returns host memory; window_extract writes the
   * implementation's memory (device memory for a device table). */
  CpsWindow *(*window_new) (const CpsWindowGeometry * geometry);
  void (*window_add) (CpsWindow * window, const CpsImage * frame,
      const CpsColorMatrix * matrix, const float *energy);
  int (*window_count) (const CpsWindow * window);
  const float *(*window_scores) (const CpsWindow * window);
  void (*window_extract) (const CpsWindow * window, const int64_t * indices,
      size_t n, CpsDtype dtype, void *out);
  void (*window_reset) (CpsWindow * window);
  void (*window_free) (CpsWindow * window);

  /* The camera model's estimate for the frame whose maps were written
   * last; NULL in a
   * table without the camera model (which then runs the reference model
   * whatever the geometry asks: callers check this first). */
  void (*motion_camera) (const CpsMotionState * state,
      CpsCameraMotion * camera);
} CpsComputeOps;

extern const CpsComputeOps cps_compute_cpu;

/* The CPU window's resized RGB frame t, planar float [3][th][tw]; for tests
 * and tools that inspect what patches were cut from. */
const float *cps_cpu_window_rgb (const CpsWindow * window, int t);

#ifdef __cplusplus
}
#endif
#endif /* CPS_COMPUTE_H */
