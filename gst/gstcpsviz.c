/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-cpsviz
 * @title: cpsviz
 *
 * Turns cpstopk's patch buffers back into video, to see what was selected.
 * Each window becomes its T frames, each an RGB canvas of the resized frame
 * size (target-width × target-height of #CpsPatchMeta) with that frame's
 * selected patches at their positions, timestamped with the frame's PTS.
 *
 * Where nothing was selected the canvas is black, or, with
 * unselected=dimmed (the default), shows the most recent patch selected
 * at that position, dimmed: static background then stays faintly visible
 * while the bright patches show where the budget went.
 *
 * The pixel aspect ratio of the output makes it display with the source's
 * shape although the canvas is resized to a whole number of patches.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=clip.mp4 ! decodebin ! cpsmotion ! cpsenergy ! cpstopk ! cpsviz ! videoconvert ! autovideosink
 * gst-launch-1.0 filesrc location=clip.mp4 ! decodebin ! cpsmotion ! cpsenergy ! cpstopk ! cpsviz ! videoconvert ! video/x-raw,format=I420 ! x264enc ! h264parse ! mp4mux ! filesink location=preview.mp4
 * ]|
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstcpsviz.h"
#include "cpsmeta.h"
#include "cps_viz.h"

GST_DEBUG_CATEGORY_STATIC (gst_cps_viz_debug);
#define GST_CAT_DEFAULT gst_cps_viz_debug

#define DEFAULT_UNSELECTED GST_CPS_VIZ_UNSELECTED_DIMMED
#define DEFAULT_DIM_LEVEL 0.3

enum
{
  PROP_0,
  PROP_UNSELECTED,
  PROP_DIM_LEVEL,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (CPS_PATCH_CAPS_ANY_MEMORY));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format=RGB, width=[1, 2147483647], "
        "height=[1, 2147483647], framerate=[0/1, 2147483647/1]"));

#define GST_TYPE_CPS_VIZ_UNSELECTED (gst_cps_viz_unselected_get_type ())
static GType
gst_cps_viz_unselected_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CPS_VIZ_UNSELECTED_BLACK, "Black", "black"},
    {GST_CPS_VIZ_UNSELECTED_DIMMED,
        "The last patch selected there, dimmed", "dimmed"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstCpsVizUnselected",
            values));
  return type;
}

#define gst_cps_viz_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstCpsViz, gst_cps_viz, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_cps_viz_debug, "cpsviz", 0,
        "cps selection visualiser"));
GST_ELEMENT_REGISTER_DEFINE (cpsviz, "cpsviz", GST_RANK_NONE,
    GST_TYPE_CPS_VIZ);

static void
reset_canvas (GstCpsViz * self)
{
  g_clear_pointer (&self->last_seen, g_free);
}

/* The nominal frame rate of the window's frames from their spacing (the
 * smallest PTS step, which sampling only ever lengthens), 0/1 when it
 * cannot be told.  Encoders need a rate even for variable-rate input. */
static void
guess_framerate (GstBuffer * window, const CpsPatchMeta * m, gint * n,
    gint * d)
{
  GstClockTime step = GST_CLOCK_TIME_NONE;

  for (guint t = 1; t < m->n_frames; t++) {
    GstClockTime a = m->frame_pts[t - 1], b = m->frame_pts[t];

    if (GST_CLOCK_TIME_IS_VALID (a) && GST_CLOCK_TIME_IS_VALID (b) && b > a)
      step = MIN (step, b - a);
  }
  if (!GST_CLOCK_TIME_IS_VALID (step) && m->n_frames == 1)
    step = GST_BUFFER_DURATION (window);
  *n = 0;
  *d = 1;
  if (GST_CLOCK_TIME_IS_VALID (step) && step > 0 &&
      !gst_video_guess_framerate (step, n, d))
    gst_util_double_to_fraction ((gdouble) GST_SECOND / step, n, d);
}

static gboolean
forward_after_caps (GstPad * pad, GstEvent ** event, gpointer user_data)
{
  GstCpsViz *self = user_data;

  if (GST_EVENT_TYPE (*event) > GST_EVENT_CAPS &&
      GST_EVENT_TYPE (*event) != GST_EVENT_EOS)
    gst_pad_push_event (self->srcpad, gst_event_ref (*event));
  return TRUE;
}

/* Output caps follow the window's canvas size; a new size restarts the
 * dimmed background.  The segment and tags held back until now follow
 * the caps. */
static gboolean
ensure_output_caps (GstCpsViz * self, GstBuffer * window,
    const CpsPatchMeta * m)
{
  gboolean first = !self->have_out_caps;
  GstVideoInfo info;
  gint par_n = 1, par_d = 1;
  GstCaps *caps;
  gboolean ok;

  if (self->have_out_caps &&
      GST_VIDEO_INFO_WIDTH (&self->out_info) == (gint) m->target_width &&
      GST_VIDEO_INFO_HEIGHT (&self->out_info) == (gint) m->target_height)
    return TRUE;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, m->target_width,
      m->target_height);
  guess_framerate (window, m, &GST_VIDEO_INFO_FPS_N (&info),
      &GST_VIDEO_INFO_FPS_D (&info));
  /* display with the source's aspect ratio */
  if (m->source_width && m->source_height)
    gst_util_fraction_multiply (m->source_width, m->source_height,
        m->target_height, m->target_width, &par_n, &par_d);
  GST_VIDEO_INFO_PAR_N (&info) = par_n;
  GST_VIDEO_INFO_PAR_D (&info) = par_d;
  caps = gst_video_info_to_caps (&info);
  ok = gst_pad_set_caps (self->srcpad, caps);
  gst_caps_unref (caps);
  if (!ok)
    return FALSE;
  self->out_info = info;
  self->have_out_caps = TRUE;
  reset_canvas (self);
  self->last_seen = g_malloc0 (GST_VIDEO_INFO_SIZE (&info));
  if (first)
    gst_pad_sticky_events_foreach (self->sinkpad, forward_after_caps, self);
  return TRUE;
}

static gboolean
patches_fit (const CpsPatchMeta * m, gsize size)
{
  gsize patch_bytes = (gsize) m->channels * m->patch_size * m->patch_size *
      cps_patch_dtype_size (m->dtype);

  if (m->channels != 3 || m->patch_size == 0 || patch_bytes == 0 ||
      size < patch_bytes * m->n_patches ||
      m->grid_width * m->patch_size > m->target_width ||
      m->grid_height * m->patch_size > m->target_height)
    return FALSE;
  for (guint i = 0; i < m->n_patches; i++) {
    const gint64 *row = m->fields + (gsize) i * CPS_PATCH_N_FIELDS;

    if (row[CPS_PATCH_FIELD_SEQ_POS] < 0 ||
        row[CPS_PATCH_FIELD_SEQ_POS] >= m->n_frames ||
        row[CPS_PATCH_FIELD_H_IDX] < 0 ||
        row[CPS_PATCH_FIELD_H_IDX] >= m->grid_height ||
        row[CPS_PATCH_FIELD_W_IDX] < 0 ||
        row[CPS_PATCH_FIELD_W_IDX] >= m->grid_width)
      return FALSE;
  }
  return TRUE;
}

static void
set_frame_timestamps (GstBuffer * out, GstBuffer * window,
    const CpsPatchMeta * m, guint t)
{
  GstClockTime pts = m->frame_pts[t], next = GST_CLOCK_TIME_NONE;

  if (t + 1 < m->n_frames)
    next = m->frame_pts[t + 1];
  else if (GST_BUFFER_PTS_IS_VALID (window) &&
      GST_BUFFER_DURATION_IS_VALID (window))
    next = GST_BUFFER_PTS (window) + GST_BUFFER_DURATION (window);
  GST_BUFFER_PTS (out) = pts;
  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (next) &&
      next > pts)
    GST_BUFFER_DURATION (out) = next - pts;
}

static GstBuffer *
render_frame (GstCpsViz * self, const CpsPatchMeta * m, const guint8 * data,
    guint t, GstCpsVizUnselected unselected, gfloat dim_level)
{
  gsize size = GST_VIDEO_INFO_SIZE (&self->out_info);
  gsize stride = GST_VIDEO_INFO_PLANE_STRIDE (&self->out_info, 0);
  gsize patch_bytes = 3 * (gsize) m->patch_size * m->patch_size *
      cps_patch_dtype_size (m->dtype);
  GstBuffer *out = gst_buffer_new_allocate (NULL, size, NULL);
  GstMapInfo map;

  if (!out || !gst_buffer_map (out, &map, GST_MAP_WRITE)) {
    gst_clear_buffer (&out);
    return NULL;
  }
  if (unselected == GST_CPS_VIZ_UNSELECTED_DIMMED)
    cps_viz_dim (self->last_seen, map.data, size, dim_level);
  else
    memset (map.data, 0, size);
  for (guint i = 0; i < m->n_patches; i++) {
    const gint64 *row = m->fields + (gsize) i * CPS_PATCH_N_FIELDS;
    gint x = row[CPS_PATCH_FIELD_W_IDX] * m->patch_size;
    gint y = row[CPS_PATCH_FIELD_H_IDX] * m->patch_size;

    if (row[CPS_PATCH_FIELD_SEQ_POS] != t)
      continue;
    cps_viz_paint_patch (data + i * patch_bytes, (CpsDtype) m->dtype,
        m->patch_size, map.data, stride, x, y);
    cps_viz_paint_patch (data + i * patch_bytes, (CpsDtype) m->dtype,
        m->patch_size, self->last_seen, stride, x, y);
  }
  gst_buffer_unmap (out, &map);
  return out;
}

static GstFlowReturn
gst_cps_viz_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstCpsViz *self = GST_CPS_VIZ (parent);
  CpsPatchMeta *m = cps_buffer_get_patch_meta (buf);
  GstFlowReturn ret = GST_FLOW_OK;
  GstCpsVizUnselected unselected;
  gfloat dim_level;
  GstMapInfo map;

  if (!m || !gst_buffer_map (buf, &map, GST_MAP_READ)) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("cpsviz draws the patch buffers of cpstopk; this buffer has no "
            "CpsPatchMeta."), (NULL));
    return GST_FLOW_ERROR;
  }
  if (!patches_fit (m, map.size)) {
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Inconsistent patch buffer: its size or patch positions do not "
            "match its CpsPatchMeta."), (NULL));
    return GST_FLOW_ERROR;
  }
  if (!ensure_output_caps (self, buf, m)) {
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  GST_OBJECT_LOCK (self);
  unselected = self->unselected;
  dim_level = self->dim_level;
  GST_OBJECT_UNLOCK (self);

  for (guint t = 0; t < m->n_frames && ret == GST_FLOW_OK; t++) {
    GstBuffer *out = render_frame (self, m, map.data, t, unselected,
        dim_level);

    if (!out) {
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("Could not allocate a frame."), (NULL));
      ret = GST_FLOW_ERROR;
      break;
    }
    set_frame_timestamps (out, buf, m, t);
    ret = gst_pad_push (self->srcpad, out);
  }
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  return ret;
}

static gboolean
gst_cps_viz_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstCpsViz *self = GST_CPS_VIZ (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      /* output caps depend on the canvas size, known from the first
       * window's meta */
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_SEGMENT:
    case GST_EVENT_TAG:
      /* sticky, so the pad keeps them: forwarded after the caps */
      if (!self->have_out_caps) {
        gst_event_unref (event);
        return TRUE;
      }
      break;
    case GST_EVENT_FLUSH_STOP:
      if (self->last_seen)
        memset (self->last_seen, 0, GST_VIDEO_INFO_SIZE (&self->out_info));
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
gst_cps_viz_change_state (GstElement * element, GstStateChange transition)
{
  GstCpsViz *self = GST_CPS_VIZ (element);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    reset_canvas (self);
    self->have_out_caps = FALSE;
  }
  return ret;
}

static void
gst_cps_viz_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCpsViz *self = GST_CPS_VIZ (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_UNSELECTED:
      self->unselected = g_value_get_enum (value);
      break;
    case PROP_DIM_LEVEL:
      self->dim_level = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cps_viz_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCpsViz *self = GST_CPS_VIZ (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_UNSELECTED:
      g_value_set_enum (value, self->unselected);
      break;
    case PROP_DIM_LEVEL:
      g_value_set_double (value, self->dim_level);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cps_viz_finalize (GObject * object)
{
  reset_canvas (GST_CPS_VIZ (object));
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_cps_viz_class_init (GstCpsVizClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_cps_viz_set_property;
  gobject_class->get_property = gst_cps_viz_get_property;
  gobject_class->finalize = gst_cps_viz_finalize;
  element_class->change_state = gst_cps_viz_change_state;

  /**
   * GstCpsViz:unselected:
   *
   * What the canvas shows where no patch of the frame was selected.
   */
  g_object_class_install_property (gobject_class, PROP_UNSELECTED,
      g_param_spec_enum ("unselected", "Unselected areas",
          "What the canvas shows where nothing was selected in this frame",
          GST_TYPE_CPS_VIZ_UNSELECTED, DEFAULT_UNSELECTED, flags));
  /**
   * GstCpsViz:dim-level:
   *
   * Brightness of the remembered content with unselected=dimmed.
   */
  g_object_class_install_property (gobject_class, PROP_DIM_LEVEL,
      g_param_spec_double ("dim-level", "Dim level",
          "Brightness (0-1) of earlier selected content where nothing is "
          "selected now (unselected=dimmed)", 0.0, 1.0, DEFAULT_DIM_LEVEL,
          flags));

  gst_element_class_set_static_metadata (element_class,
      "CPS selection visualiser", "Filter/Converter/Video",
      "Draws the patches cpstopk selected back onto frame-sized RGB video",
      "cps developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_type_mark_as_plugin_api (GST_TYPE_CPS_VIZ_UNSELECTED, 0);
}

static void
gst_cps_viz_init (GstCpsViz * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_cps_viz_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_cps_viz_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
  self->unselected = DEFAULT_UNSELECTED;
  self->dim_level = DEFAULT_DIM_LEVEL;
}
