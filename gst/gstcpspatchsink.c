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
 * Patch buffers in CUDA memory (cpstopk's GPU path) are accepted too:
 * mapping them for reading, as applications and the file writer do,
 * copies them to the host.
 *
 * Two defaults differ from appsink.  #GstBaseSink:sync is %FALSE: patch
 * extraction is data processing, and a file should be read as fast as it
 * decodes (set sync=true to pace it at playback speed).  wait-on-eos is
 * %FALSE, so a gst-launch-1.0 pipeline with nobody pulling ends at EOS;
 * samples queued before EOS can still be pulled after it.
 *
 * With #GstCpsPatchSink:location set, each window is also written to a
 * safetensors file (docs/formats.md) named by expanding the pattern with
 * the window index, as multifilesink does.  Files are written atomically:
 * a temporary file renamed into place, so a file under its final name is
 * always complete.
 *
 * Memory: an appsink keeps every sample until it is pulled, which on a
 * live source nobody pulls from (a gst-launch-1.0 line) grows without end.
 * So the queue follows what the element is used for:
 *
 * - with location set, the files are the output: max-buffers defaults to
 *   1 and drop to %TRUE, so at most the newest window waits for a pull and
 *   memory stays bounded whether anyone pulls or not.  An application that
 *   pulls every window while files are written sets max-buffers (0 for no
 *   limit) or drop itself; an explicit setting always wins.
 * - without location, pulling is the only output and it is a plain
 *   appsink: every window is queued until pulled (bound it with
 *   max-buffers, and drop=true where losing windows is acceptable, such as
 *   a gst-launch-1.0 throughput run).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=clip.mp4 ! qtdemux ! h264parse ! avdec_h264 ! cpsmotion ! cpstopk ! cpspatchsink
 * gst-launch-1.0 filesrc location=clip.mp4 ! decodebin ! cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink location=out/window-%05d.safetensors
 * ]|
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcpspatchsink.h"
#include "cpsdataset.h"
#include "cpsmeta.h"
#include "cps_safetensors.h"

GST_DEBUG_CATEGORY_STATIC (gst_cps_patch_sink_debug);
#define GST_CAT_DEFAULT gst_cps_patch_sink_debug

enum
{
  PROP_0,
  PROP_SYNC,
  PROP_WAIT_ON_EOS,
  PROP_MAX_BUFFERS,
  PROP_DROP,
  PROP_LOCATION,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (CPS_PATCH_CAPS_ANY_MEMORY));

#define gst_cps_patch_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstCpsPatchSink, gst_cps_patch_sink,
    GST_TYPE_APP_SINK, GST_DEBUG_CATEGORY_INIT (gst_cps_patch_sink_debug,
        "cpspatchsink", 0, "cps patch sink"));
GST_ELEMENT_REGISTER_DEFINE (cpspatchsink, "cpspatchsink", GST_RANK_NONE,
    GST_TYPE_CPS_PATCH_SINK);

/* With files as the output the queue is bounded, unless the application
 * chose its own bounds (see the section doc). */
static void
update_queue_defaults (GstCpsPatchSink * self, gboolean writes_files)
{
  if (self->queue_set)
    return;
  gst_app_sink_set_max_buffers (GST_APP_SINK (self), writes_files ? 1 : 0);
  gst_app_sink_set_drop (GST_APP_SINK (self), writes_files);
}

static void
gst_cps_patch_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCpsPatchSink *self = GST_CPS_PATCH_SINK (object);

  switch (prop_id) {
    case PROP_SYNC:
      gst_base_sink_set_sync (GST_BASE_SINK (object),
          g_value_get_boolean (value));
      break;
    case PROP_WAIT_ON_EOS:
      gst_app_sink_set_wait_on_eos (GST_APP_SINK (object),
          g_value_get_boolean (value));
      break;
    case PROP_MAX_BUFFERS:
      /* the application's choice, against appsink's defaults */
      update_queue_defaults (self, FALSE);
      self->queue_set = TRUE;
      gst_app_sink_set_max_buffers (GST_APP_SINK (object),
          g_value_get_uint (value));
      break;
    case PROP_DROP:
      update_queue_defaults (self, FALSE);
      self->queue_set = TRUE;
      gst_app_sink_set_drop (GST_APP_SINK (object),
          g_value_get_boolean (value));
      break;
    case PROP_LOCATION:
      GST_OBJECT_LOCK (object);
      g_free (self->location);
      self->location = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (object);
      update_queue_defaults (self, g_value_get_string (value) != NULL);
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
    case PROP_MAX_BUFFERS:
      g_value_set_uint (value,
          gst_app_sink_get_max_buffers (GST_APP_SINK (object)));
      break;
    case PROP_DROP:
      g_value_set_boolean (value,
          gst_app_sink_get_drop (GST_APP_SINK (object)));
      break;
    case PROP_LOCATION:
      GST_OBJECT_LOCK (object);
      g_value_set_string (value, GST_CPS_PATCH_SINK (object)->location);
      GST_OBJECT_UNLOCK (object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static gboolean
gst_cps_patch_sink_start (GstBaseSink * sink)
{
  GstCpsPatchSink *self = GST_CPS_PATCH_SINK (sink);
  const gchar *problem;
  gchar *location;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  GST_OBJECT_UNLOCK (self);
  if (location && (problem = cps_location_problem (location))) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("location \"%s\": %s. It needs one integer conversion for the "
            "window index, such as %%05d (e.g. out/window-%%05d.safetensors); "
            "write %%%% for a literal percent sign.", location, problem),
        (NULL));
    g_free (location);
    return FALSE;
  }
  g_free (location);
  self->source_queried = FALSE;
  g_clear_pointer (&self->source_uri, g_free);
  self->files_written = 0;
  return GST_BASE_SINK_CLASS (parent_class)->start (sink);
}

/* The URI of the stream, asked upstream once (filesrc, souphttpsrc,
 * rtspsrc and uridecodebin answer it). */
static const gchar *
source_uri (GstCpsPatchSink * self)
{
  if (!self->source_queried) {
    GstQuery *query = gst_query_new_uri ();

    if (gst_pad_peer_query (GST_BASE_SINK_PAD (self), query))
      gst_query_parse_uri (query, &self->source_uri);
    gst_query_unref (query);
    self->source_queried = TRUE;
  }
  return self->source_uri;
}

static GstFlowReturn
write_window (GstCpsPatchSink * self, GstBuffer * buffer)
{
  CpsPatchMeta *meta = cps_buffer_get_patch_meta (buffer);
  gchar *location, *path;
  GError *error = NULL;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  GST_OBJECT_UNLOCK (self);
  if (!location)
    return GST_FLOW_OK;
  if (!meta) {
    g_free (location);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("A patch buffer without CpsPatchMeta: cpspatchsink writes the "
            "output of cpstopk."), (NULL));
    return GST_FLOW_ERROR;
  }
  path = cps_format_location (location, meta->window_index);
  ok = cps_dataset_write_window (path, buffer, meta, source_uri (self),
      &error);
  if (ok) {
    GST_DEBUG_OBJECT (self, "wrote %s", path);
    self->files_written++;
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", error->message),
        (NULL));
  }
  g_clear_error (&error);
  g_free (path);
  g_free (location);
  return ok ? GST_FLOW_OK : GST_FLOW_ERROR;
}

static GstFlowReturn
gst_cps_patch_sink_render (GstBaseSink * sink, GstBuffer * buffer)
{
  GstFlowReturn ret = write_window (GST_CPS_PATCH_SINK (sink), buffer);

  if (ret != GST_FLOW_OK)
    return ret;
  return GST_BASE_SINK_CLASS (parent_class)->render (sink, buffer);
}

static GstFlowReturn
gst_cps_patch_sink_render_list (GstBaseSink * sink, GstBufferList * list)
{
  for (guint i = 0; i < gst_buffer_list_length (list); i++) {
    GstFlowReturn ret = write_window (GST_CPS_PATCH_SINK (sink),
        gst_buffer_list_get (list, i));

    if (ret != GST_FLOW_OK)
      return ret;
  }
  return GST_BASE_SINK_CLASS (parent_class)->render_list (sink, list);
}

static void
gst_cps_patch_sink_finalize (GObject * object)
{
  GstCpsPatchSink *self = GST_CPS_PATCH_SINK (object);

  g_free (self->location);
  g_free (self->source_uri);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_cps_patch_sink_class_init (GstCpsPatchSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *base_sink_class = GST_BASE_SINK_CLASS (klass);

  gobject_class->set_property = gst_cps_patch_sink_set_property;
  gobject_class->get_property = gst_cps_patch_sink_get_property;
  gobject_class->finalize = gst_cps_patch_sink_finalize;
  base_sink_class->start = gst_cps_patch_sink_start;
  base_sink_class->render = gst_cps_patch_sink_render;
  base_sink_class->render_list = gst_cps_patch_sink_render_list;

  /**
   * GstCpsPatchSink:location:
   *
   * When set, every window is also written to a safetensors file whose
   * name is this pattern expanded with the window index (one integer
   * conversion such as %05d).  The directory must exist.  Setting it also
   * bounds the sample queue, unless max-buffers or drop were set.
   */
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "File location pattern",
          "Write each window as a safetensors file named by this pattern "
          "and the window index, e.g. out/window-%05d.safetensors "
          "(unset: no files)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstCpsPatchSink:max-buffers:
   *
   * Shadows #GstAppSink:max-buffers: the most windows queued for pulling
   * (0: no limit).  Defaults to 0, or to 1 while location is set; setting
   * it (or drop) keeps the application's choice.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_BUFFERS,
      g_param_spec_uint ("max-buffers", "Max Buffers",
          "The most windows queued for pulling (0 = unlimited; default 0, "
          "or 1 while location is set)", 0, G_MAXUINT, 0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  /**
   * GstCpsPatchSink:drop:
   *
   * Shadows #GstAppSink:drop: whether the oldest window is dropped when
   * the queue is full (else the pipeline waits for a pull).  Defaults to
   * %FALSE, or to %TRUE while location is set.
   */
  g_object_class_install_property (gobject_class, PROP_DROP,
      g_param_spec_boolean ("drop", "Drop",
          "Drop the oldest window when the queue is full (default false, or "
          "true while location is set)", FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
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
