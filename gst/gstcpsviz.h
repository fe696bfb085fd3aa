/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_CPS_VIZ_H__
#define __GST_CPS_VIZ_H__

#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_CPS_VIZ (gst_cps_viz_get_type ())
G_DECLARE_FINAL_TYPE (GstCpsViz, gst_cps_viz, GST, CPS_VIZ, GstElement)

typedef enum {
  GST_CPS_VIZ_UNSELECTED_BLACK = 0,
  GST_CPS_VIZ_UNSELECTED_DIMMED = 1,
} GstCpsVizUnselected;

struct _GstCpsViz {
  GstElement parent;
  GstPad *sinkpad, *srcpad;

  /* properties, under the object lock */
  GstCpsVizUnselected unselected;
  gdouble dim_level;

  /* streaming state */
  GstVideoInfo out_info;
  gboolean have_out_caps;
  guint8 *last_seen;            /* newest selected content, undimmed */
};

GST_ELEMENT_REGISTER_DECLARE (cpsviz);

G_END_DECLS
#endif
