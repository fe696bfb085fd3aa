/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-cpspatchsink
 * @title: cpspatchsink
 *
 * An appsink for cpstopk's patch buffers: it is a #GstAppSink subclass, so
 * applications use gst_app_sink_pull_sample(), the new-sample signal,
 * emit-signals, max-buffers and drop exactly as with appsink.  Each sample's
 * buffer holds one window's patches; read them with cps_buffer_get_patch_meta()
 * from the cps-1.0 library.
 *
 * Two defaults differ from appsink.  #GstBaseSink:sync is %FALSE: patch
 * extraction is data processing, and a file should be read as fast as it
 * decodes (set sync=true to pace it at playback speed).  wait-on-eos is
 * %FALSE, so a gst-launch-1.0 pipeline with nobody pulling ends at EOS;
 * samples queued before EOS can still be pulled after it.  Without a
 * consumer every window stays queued: for throughput runs use
 * max-buffers=1 drop=true.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=clip.mp4 ! qtdemux ! h264parse ! avdec_h264 ! cpsmotion ! cpstopk ! cpspatchsink
 * ]|
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcpspatchsink.h"
#include "cpsmeta.h"

GST_DEBUG_CATEGORY_STATIC (gst_cps_patch_sink_debug);
#define GST_CAT_DEFAULT gst_cps_patch_sink_debug

enum
{
  PROP_0,
  PROP_SYNC,
  PROP_WAIT_ON_EOS,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (CPS_PATCH_CAPS_NAME));

#define gst_cps_patch_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstCpsPatchSink, gst_cps_patch_sink,
    GST_TYPE_APP_SINK, GST_DEBUG_CATEGORY_INIT (gst_cps_patch_sink_debug,
        "cpspatchsink", 0, "cps patch sink"));
GST_ELEMENT_REGISTER_DEFINE (cpspatchsink, "cpspatchsink", GST_RANK_NONE,
    GST_TYPE_CPS_PATCH_SINK);

static void
gst_cps_patch_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  switch (prop_id) {
    case PROP_SYNC:
      gst_base_sink_set_sync (GST_BASE_SINK (object),
          g_value_get_boolean (value));
      break;
    case PROP_WAIT_ON_EOS:
      gst_app_sink_set_wait_on_eos (GST_APP_SINK (object),
          g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_cps_patch_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  switch (prop_id) {
    case PROP_SYNC:
      g_value_set_boolean (value,
          gst_base_sink_get_sync (GST_BASE_SINK (object)));
      break;
    case PROP_WAIT_ON_EOS:
      g_value_set_boolean (value,
          gst_app_sink_get_wait_on_eos (GST_APP_SINK (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_cps_patch_sink_class_init (GstCpsPatchSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_cps_patch_sink_set_property;
  gobject_class->get_property = gst_cps_patch_sink_get_property;

  /**
   * GstCpsPatchSink:sync:
   *
   * Shadows #GstBaseSink:sync to default to %FALSE.
   */
  g_object_class_install_property (gobject_class, PROP_SYNC,
      g_param_spec_boolean ("sync", "Sync",
          "Sync on the clock (default off: windows are delivered as fast as "
          "they are computed)", FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  /**
   * GstCpsPatchSink:wait-on-eos:
   *
   * Shadows #GstAppSink:wait-on-eos to default to %FALSE, so that a
   * pipeline nobody pulls from (gst-launch-1.0) still ends at EOS.  Samples
   * queued before EOS can still be pulled afterwards.
   */
  g_object_class_install_property (gobject_class, PROP_WAIT_ON_EOS,
      g_param_spec_boolean ("wait-on-eos", "Wait on EOS",
          "Hold EOS back until every queued sample was pulled (default off, "
          "so gst-launch pipelines end; queued samples stay pullable)",
          FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class,
      "CPS patch sink", "Sink/Generic",
      "Appsink for cps patch buffers (pull samples, new-sample signal); "
      "read results with the cps-1.0 metadata library", "cps developers");
  /* replaces appsink's ANY template: only patch buffers are accepted */
  gst_element_class_add_static_pad_template (element_class, &sink_template);
}

static void
gst_cps_patch_sink_init (GstCpsPatchSink * self)
{
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_app_sink_set_wait_on_eos (GST_APP_SINK (self), FALSE);
}
