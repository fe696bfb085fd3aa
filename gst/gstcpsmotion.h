/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_CPS_MOTION_H__
#define __GST_CPS_MOTION_H__

#include <gst/video/gstvideofilter.h>
#include "cps_compute.h"
#include "cpscudaelement.h"

G_BEGIN_DECLS

#define GST_TYPE_CPS_MOTION (gst_cps_motion_get_type ())
G_DECLARE_FINAL_TYPE (GstCpsMotion, gst_cps_motion, GST, CPS_MOTION,
    GstVideoFilter)

/**
 * GstCpsSampling:
 * @GST_CPS_SAMPLING_ALL: process every frame
 * @GST_CPS_SAMPLING_UNIFORM: sampling-frames frames spread uniformly over a
 *   stream of known duration (the reference's semantics)
 * @GST_CPS_SAMPLING_RATE: at most sampling-rate frames per second of
 *   stream time (live sources)
 */
typedef enum {
  GST_CPS_SAMPLING_ALL,
  GST_CPS_SAMPLING_UNIFORM,
  GST_CPS_SAMPLING_RATE,
  GST_CPS_SAMPLING_FPS,
} GstCpsSampling;

GType gst_cps_sampling_get_type (void);

/**
 * GstCpsMotionModel:
 * @GST_CPS_MOTION_MODEL_REFERENCE: the reference's per-pixel block
 *   matching proxy (docs/algorithm.md step 4)
 * @GST_CPS_MOTION_MODEL_CAMERA: the camera's own motion is estimated and
 *   compensated first; flat, identical or merely noisy content gives no
 *   motion (docs/algorithm.md, "The camera motion model")
 *
 * Since: 0.2
 */
typedef enum {
  GST_CPS_MOTION_MODEL_REFERENCE = CPS_MOTION_MODEL_REFERENCE,
  GST_CPS_MOTION_MODEL_CAMERA = CPS_MOTION_MODEL_CAMERA,
} GstCpsMotionModel;

GType gst_cps_motion_model_get_type (void);

struct _GstCpsMotion {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gint downscale;
  gint search_radius;
  GstCpsSampling sampling;
  guint sampling_frames;
  gdouble sampling_rate;
  gdouble fps;
  guint min_frames, max_frames, frame_factor;
  gchar *start, *end;           /* time range, NULL: unbounded */
  GstCpsMotionModel motion_model;

  /* streaming state */
  CpsCudaElement cuda;          /* cuda.device_id: property */
  gboolean on_gpu;              /* CUDA memory negotiated */
  const CpsComputeOps *ops;
  CpsMotionState *state;
  CpsMotionGeometry geometry;
  GstVideoRectangle region;     /* the display window of the frames */
  gchar *settings;              /* GRefString for the metas */
  GstBufferPool *map_pool;
  GstCpsSampling active_sampling;
  GstCpsMotionModel active_model;       /* motion_model when caps were set */
  CpsFrameCounter frames;       /* frame_id of each frame */
  gboolean uniform_started;
  guint64 uniform_total;        /* N of uniform sampling */
  guint uniform_frames;         /* T of uniform sampling */
  guint uniform_next;           /* index of the next target */
  guint64 *targets;             /* uniform, fps: the sampled ids, ascending */
  guint64 n_targets;
  CpsSampleParams sample_params;
  gdouble range_start, range_end;       /* range_end < 0: unbounded */
  gboolean range_start_frames, range_end_frames;   /* bounds in frames */
  gint64 range_base_pts;        /* PTS of the first frame, -1 until seen */
  GstClockTime rate_interval;
  GstClockTime rate_next;
  /* a model that also compares with the next frame holds each frame until
   * that one arrives */
  GstBuffer *held;              /* waiting for the next frame */
  guint64 held_frame_id;
  GstBuffer *ready;             /* its maps are attached: to be pushed */

  /* key-unit probes on upstream decoders */
  GSList *probes;
  GstBin *watched_bin;
  gulong deep_added_id;
};

GST_ELEMENT_REGISTER_DECLARE (cpsmotion);

G_END_DECLS
#endif
