/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_CPS_TOPK_H__
#define __GST_CPS_TOPK_H__

#include <gst/video/video.h>
#include "cps_compute.h"
#include "cpsmeta.h"
#include "cpscudaelement.h"

G_BEGIN_DECLS

#define GST_TYPE_CPS_TOPK (gst_cps_topk_get_type ())
G_DECLARE_FINAL_TYPE (GstCpsTopK, gst_cps_topk, GST, CPS_TOPK, GstElement)

/* Everything a window is computed with, fixed when its first frame
 * arrives so property changes never mix inside a window. */
typedef struct {
  guint sequence_length;
  guint k;
  guint input_size;
  guint min_pixels, max_pixels;
  guint patch_size;
  CpsPatchDtype dtype;
  CpsSelectParams select;
} GstCpsTopKConfig;

struct _GstCpsTopK {
  GstElement parent;
  GstPad *sinkpad, *srcpad;

  /* properties, under the object lock */
  GstCpsTopKConfig props;

  /* streaming state */
  GstVideoInfo info;
  gboolean have_info;
  CpsColorMatrix matrix;
  CpsCudaElement cuda;          /* cuda.device_id: property */
  gboolean on_gpu;              /* CUDA memory negotiated */
  gfloat *device_energy;        /* default fusion's map on the device */
  GstBuffer *device_energy_buffer;
  GstCpsTopKConfig cfg;         /* of the window being filled */
  const CpsComputeOps *ops;
  CpsWindow *window;
  CpsWindowGeometry geometry;
  gint64 *frame_ids;
  GstClockTime *frame_pts, *frame_end;
  guint8 *frame_is_i;
  gfloat *frame_camera;         /* T × 4: CpsMotionMeta's camera fields */
  guint8 *frame_camera_class;
  guint motion_model;           /* of the window's frames */
  gfloat *energy, *energy_scratch;      /* default fusion */
  gsize energy_size;
  GstVideoRectangle region;     /* of the window's frames (motion meta) */
  gchar *motion_settings;       /* GRefStrings from the window's metas */
  gchar *energy_settings;       /* NULL: cpstopk's default fusion */
  GstClockTime duration;        /* the source's, when the window began */
  guint64 window_index;
  GstClockTime window_span;     /* first to last PTS of the last full
                                 * window: the latency a window adds */
  GstCaps *src_caps;
  GstBufferPool *out_pool;      /* patch buffers of the current geometry */
  gsize out_size;
};

GST_ELEMENT_REGISTER_DECLARE (cpstopk);

G_END_DECLS
#endif
