/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_CPS_ENERGY_H__
#define __GST_CPS_ENERGY_H__

#include <gst/video/gstvideofilter.h>
#include "cps_compute.h"

#include "cpscudaelement.h"

G_BEGIN_DECLS

#define GST_TYPE_CPS_ENERGY (gst_cps_energy_get_type ())
G_DECLARE_FINAL_TYPE (GstCpsEnergy, gst_cps_energy, GST, CPS_ENERGY,
    GstVideoFilter)

#define CPS_DEFAULT_PERCENTILE 95.0
#define CPS_DEFAULT_MOTION_WEIGHT 0.5
#define CPS_DEFAULT_RESIDUAL_WEIGHT 0.5

struct _GstCpsEnergy {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gdouble percentile;
  gdouble motion_weight;
  gdouble residual_weight;

  /* streaming state */
  CpsCudaElement cuda;          /* cuda.device_id: property */
  gboolean on_gpu;              /* CUDA memory negotiated */
  const CpsComputeOps *ops;
  GstBufferPool *pool;
  gsize map_size;
  gfloat *scratch;
  gchar *settings;              /* GRefString of the values last used */
  gdouble settings_values[3];
};

GST_ELEMENT_REGISTER_DECLARE (cpsenergy);

G_END_DECLS
#endif
