/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_CPS_PATCH_SINK_H__
#define __GST_CPS_PATCH_SINK_H__

#include <gst/app/gstappsink.h>

G_BEGIN_DECLS

#define GST_TYPE_CPS_PATCH_SINK (gst_cps_patch_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstCpsPatchSink, gst_cps_patch_sink, GST,
    CPS_PATCH_SINK, GstAppSink)

struct _GstCpsPatchSink {
  GstAppSink parent;

  gchar *location;              /* file pattern, under the object lock */
  gboolean queue_set;           /* max-buffers or drop set explicitly */

  /* streaming state */
  gchar *source_uri;            /* of the stream, NULL when unknown */
  gboolean source_queried;
  guint64 files_written;
};

GST_ELEMENT_REGISTER_DECLARE (cpspatchsink);

G_END_DECLS
#endif
