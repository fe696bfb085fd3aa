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
  guint max_width;
  gboolean caption, outline;

  /* patch streaming thread */
  GstVideoInfo out_info;
  gboolean have_out_caps;
  guint8 *last_seen;            /* canvas mode: newest selected content */
  gsize last_seen_size;

  /* video streaming thread: the frames' caps, the part of them drawn and
   * its scaler to RGB */
  GstVideoInfo video_info, scaled_info;
  GstVideoRectangle region;
  GstVideoConverter *convert;

  /* shared by both streaming threads, under lock */
  GMutex lock;
  GCond cond;                   /* a frame, EOS or flush on either pad */
  GstPad *videopad;             /* the "video" request pad, or NULL */
  GQueue frames;                /* stored frames, ascending frame_id */
  gboolean have_seen_id;
  guint64 seen_id;              /* newest frame_id on the video pad */
  gboolean have_done_id;
  guint64 done_id;              /* newest frame_id of a drawn window */
  gboolean flushing, video_flushing;
  gboolean drawing;             /* the patch pad draws a window */
  gboolean sink_eos, video_eos, eos_sent;
};

GST_ELEMENT_REGISTER_DECLARE (cpsviz);

G_END_DECLS
#endif
