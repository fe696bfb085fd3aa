/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-cpsmotion
 * @title: cpsmotion
 *
 * Measures, per frame, a block-matching motion proxy and a
 * motion-compensated residual proxy against the previous processed frame
 * (docs/algorithm.md): the luma plane is resized bilinearly to
 * side / downscale (at least 32) and every low-resolution pixel is matched
 * against the previous frame within ±search-radius.  The maps are attached
 * as a #CpsMotionMeta together with the frame's index in the source stream
 * (`frame_id`) and whether it was an I-frame.  The frame itself passes
 * through untouched and is never copied.
 *
 * Decoders clear the key-frame flag on decoded frames, so cpsmotion
 * attaches a #CpsKeyUnitMeta to the coded frames entering the video decoder
 * upstream of it (found through the pipeline, also inside decodebin), and
 * the decoder carries it to the decoded frame.  Without a decoder upstream
 * no frame is marked, and cpstopk treats the first frame of each window as
 * the I-frame.
 *
 * Only the display window is measured.  GStreamer 1.22's avdec_h264 does
 * not apply a left or top crop of the coded picture that is not aligned to
 * its buffers: a 300×168 stream whose SPS crops 26 columns on the left
 * decodes to 326×168 frames.  cpsmotion compares the decoded size with
 * the size the decoder's input caps report (the parser's display size)
 * and, where the frames are larger, measures the part at their right and
 * bottom, the display window; the #CpsMotionMeta records that window and
 * cpstopk cuts its patches from it.
 *
 * The maps describe the frame they were measured on, and the meta records
 * its size.  An element between cpsmotion and cpstopk that rotates, crops
 * or scales the frames (videoflip, videocrop, videoscale) makes the maps
 * describe another frame: cpsenergy and cpstopk then stop with an error
 * naming both sizes, rather than dropping the meta in its transform
 * function, since in GStreamer 1.22 those elements ask for the same plain
 * copy as a queue does.  Put such elements before cpsmotion.
 *
 * Frame sampling happens here: every frame (default), a uniform sample of
 * sampling-frames frames over a file of known duration, fps frames per
 * second of video (Qwen2.5-VL's sampling), or a target rate for live
 * sources, optionally within a start/end range.  Frames not sampled are
 * dropped; `frame_id` always counts source frames.  In a plain pipeline
 * every frame is decoded and N comes from the duration query (an
 * estimate); cps-extract indexes a file first and decodes only the GOPs
 * holding sampled frames, telling cpsmotion each frame's id and whether it
 * is sampled through #CpsKeyUnitMeta.
 *
 * `frame_id` stays truthful across gaps when the frame rate is known: a
 * PTS jump of more than 1.5 frames (frames lost on a network, say)
 * advances it by the frames it spans, and after a flushing seek it is the
 * new position, (PTS − PTS of frame 0) in frames.  The caps' frame rate is
 * trusted only while the timestamps agree with it.  With a frame rate of
 * 0/1 (variable), a rate the timestamps contradict, or no timestamps,
 * frames are counted, and after a seek the count simply goes on.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=clip.mp4 ! qtdemux ! h264parse ! avdec_h264 ! cpsmotion ! cpstopk k=512 ! cpspatchsink
 * ]|
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcpsmotion.h"
#include "cpsmeta.h"
#include "cpsvideo.h"
#include "cpsupstream.h"

#include <gst/video/gstvideodecoder.h>
#include <math.h>

GST_DEBUG_CATEGORY_STATIC (gst_cps_motion_debug);
#define GST_CAT_DEFAULT gst_cps_motion_debug

#define DEFAULT_DOWNSCALE CPS_DEFAULT_DOWNSCALE
#define DEFAULT_SEARCH_RADIUS 0
#define DEFAULT_SAMPLING GST_CPS_SAMPLING_ALL
#define DEFAULT_SAMPLING_FRAMES 16
#define DEFAULT_SAMPLING_RATE 1.0
#define DEFAULT_FPS 2.0
#define DEFAULT_MIN_FRAMES 4
#define DEFAULT_MAX_FRAMES 768
#define DEFAULT_FRAME_FACTOR 2
/* to become camera once the quality benchmark shows it meets its targets */
#define DEFAULT_MOTION_MODEL GST_CPS_MOTION_MODEL_CAMERA

enum
{
  PROP_0,
  PROP_DOWNSCALE,
  PROP_SEARCH_RADIUS,
  PROP_SAMPLING,
  PROP_SAMPLING_FRAMES,
  PROP_SAMPLING_RATE,
  PROP_CUDA_DEVICE_ID,
  PROP_MOTION_MODEL,
  PROP_FPS,
  PROP_MIN_FRAMES,
  PROP_MAX_FRAMES,
  PROP_FRAME_FACTOR,
  PROP_START,
  PROP_END,
};

#define gst_cps_motion_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstCpsMotion, gst_cps_motion, GST_TYPE_VIDEO_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_cps_motion_debug, "cpsmotion", 0,
        "cps block-matching motion proxy"));
GST_ELEMENT_REGISTER_DEFINE (cpsmotion, "cpsmotion", GST_RANK_NONE,
    GST_TYPE_CPS_MOTION);

GType
gst_cps_sampling_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CPS_SAMPLING_ALL, "Process every frame", "all"},
    {GST_CPS_SAMPLING_UNIFORM,
        "sampling-frames frames spread uniformly over the stream's known "
          "duration", "uniform"},
    {GST_CPS_SAMPLING_RATE, "At most sampling-rate frames per second",
        "rate"},
    {GST_CPS_SAMPLING_FPS,
        "fps frames per second of video, clamped to [min-frames, "
          "max-frames] and rounded down to a multiple of frame-factor, "
          "placed uniformly (Qwen2.5-VL's video sampling)", "fps"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstCpsSampling",
            values));
  return type;
}

GType
gst_cps_motion_model_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CPS_MOTION_MODEL_REFERENCE,
        "The reference's per-pixel block matching: every low-resolution "
          "pixel's best match within the search radius (parity with "
          "codec-patch-stream; camera pans, flat areas and noise score too)",
        "reference"},
    {GST_CPS_MOTION_MODEL_CAMERA,
        "Camera-aware: the camera's motion (pan, zoom) is estimated and "
          "compensated first, and differences within the frame's noise "
          "level are dropped, so what moves in the scene scores",
        "camera"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstCpsMotionModel",
            values));
  return type;
}

G_STATIC_ASSERT ((int) CPS_CAMERA_STATIC == (int) CPS_CAMERA_MOTION_STATIC);
G_STATIC_ASSERT ((int) CPS_CAMERA_PAN == (int) CPS_CAMERA_MOTION_PAN);
G_STATIC_ASSERT ((int) CPS_CAMERA_ZOOM == (int) CPS_CAMERA_MOTION_ZOOM);
G_STATIC_ASSERT ((int) CPS_CAMERA_COMPLEX == (int) CPS_CAMERA_MOTION_COMPLEX);

/* ---- key-unit flags carried across the decoder ------------------------ */

typedef struct
{
  GstPad *pad;
  gulong id;
} KeyUnitProbe;

static void
mark_key_unit (GstBuffer ** buf)
{
  if (cps_buffer_get_key_unit_meta (*buf))
    return;
  *buf = gst_buffer_make_writable (*buf);
  cps_buffer_add_key_unit_meta (*buf,
      !GST_BUFFER_FLAG_IS_SET (*buf, GST_BUFFER_FLAG_DELTA_UNIT));
}

static gboolean
mark_list_item (GstBuffer ** buf, guint idx, gpointer user_data)
{
  mark_key_unit (buf);
  return TRUE;
}

static GstPadProbeReturn
key_unit_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

    mark_key_unit (&buf);
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

    list = gst_buffer_list_make_writable (list);
    gst_buffer_list_foreach (list, mark_list_item, NULL);
    GST_PAD_PROBE_INFO_DATA (info) = list;
  }
  return GST_PAD_PROBE_OK;
}

static void
probe_decoder (GstCpsMotion * self, GstElement * decoder)
{
  static GQuark probed = 0;
  GstPad *pad = gst_element_get_static_pad (decoder, "sink");
  KeyUnitProbe *p;

  if (!probed)
    probed = g_quark_from_static_string ("cps-key-unit-probe");
  if (!pad)
    return;
  if (g_object_get_qdata (G_OBJECT (pad), probed)) {
    gst_object_unref (pad);
    return;
  }
  GST_INFO_OBJECT (self, "carrying key-frame flags across %" GST_PTR_FORMAT,
      decoder);
  p = g_new0 (KeyUnitProbe, 1);
  p->pad = pad;
  p->id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, key_unit_probe, NULL, NULL);
  g_object_set_qdata (G_OBJECT (pad), probed, GINT_TO_POINTER (1));
  GST_OBJECT_LOCK (self);
  self->probes = g_slist_prepend (self->probes, p);
  GST_OBJECT_UNLOCK (self);
}

/* The element owning the pad that feeds @pad, seen through ghost and proxy
 * pads of bins. */
/* Probes the video decoder upstream, if any; the walk goes on through
 * single-input elements (converters, queues) and stops at the decoder. */
static gboolean
probe_if_decoder (GstElement * element, gpointer self)
{
  if (!GST_IS_VIDEO_DECODER (element))
    return TRUE;
  probe_decoder (self, element);
  return FALSE;
}

static void
probe_upstream_decoder (GstCpsMotion * self)
{
  cps_walk_upstream (GST_BASE_TRANSFORM_SINK_PAD (self), probe_if_decoder,
      self);
}

/* decodebin and friends create their decoder after the pipeline started;
 * every video decoder added to the pipeline gets the probe. */
static void
deep_element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    GstCpsMotion * self)
{
  if (GST_IS_VIDEO_DECODER (element))
    probe_decoder (self, element);
}

static void
start_key_unit_probes (GstCpsMotion * self)
{
  GstObject *top = GST_OBJECT (self), *parent;

  while ((parent = GST_OBJECT_PARENT (top)) && GST_IS_BIN (parent))
    top = parent;
  probe_upstream_decoder (self);
  if (top != GST_OBJECT (self)) {
    self->watched_bin = GST_BIN (gst_object_ref (top));
    self->deep_added_id = g_signal_connect (top, "deep-element-added",
        G_CALLBACK (deep_element_added), self);
  }
}

static void
stop_key_unit_probes (GstCpsMotion * self)
{
  GSList *probes;

  if (self->watched_bin) {
    g_signal_handler_disconnect (self->watched_bin, self->deep_added_id);
    gst_clear_object (&self->watched_bin);
  }
  GST_OBJECT_LOCK (self);
  probes = self->probes;
  self->probes = NULL;
  GST_OBJECT_UNLOCK (self);
  for (GSList * l = probes; l; l = l->next) {
    KeyUnitProbe *p = l->data;

    gst_pad_remove_probe (p->pad, p->id);
    g_object_set_qdata (G_OBJECT (p->pad),
        g_quark_from_static_string ("cps-key-unit-probe"), NULL);
    gst_object_unref (p->pad);
    g_free (p);
  }
  g_slist_free (probes);
}

/* ---- sampling --------------------------------------------------------- */

/* A bound of start/end in frames, the caps' frame rate converting seconds
 * (the first frame at or after the time); -1 where neither is known. */
static gint64
bound_in_frames (GstCpsMotion * self, gdouble value, gboolean frames)
{
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;

  if (frames)
    return (gint64) value;
  if (info->fps_n <= 0)
    return -1;
  return (gint64) ceil (value * info->fps_n / info->fps_d - 1e-9);
}

/* A start/end range that holds none of the stream's @frames frames: an
 * error rather than a stream that ends without a window. */
static void
report_empty_range (GstCpsMotion * self, gint64 frames)
{
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;
  gchar *start, *end;

  GST_OBJECT_LOCK (self);
  start = g_strdup (self->start ? self->start : "none");
  end = g_strdup (self->end ? self->end : "none");
  GST_OBJECT_UNLOCK (self);
  GST_ELEMENT_ERROR (self, STREAM, FAILED, ("start=%s end=%s: no frame in "
          "the range (the stream's %" G_GINT64_FORMAT " frames last %.2f s).",
          start, end, frames, (gdouble) frames * info->fps_d /
          MAX (info->fps_n, 1)), (NULL));
  g_free (start);
  g_free (end);
}

/* Uniform and fps sampling (docs/algorithm.md) need the frame count N of
 * the whole stream: the upstream duration query, in frames, or in time ×
 * frame rate (an estimate).  Within a start/end range, the range's frames. */
static gboolean
start_target_sampling (GstCpsMotion * self)
{
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;
  gint64 frames = -1, duration = -1, first = 0, last;
  GstPad *sink = GST_BASE_TRANSFORM_SINK_PAD (self);
  gdouble seconds;
  guint64 count, n;

  if (!gst_pad_peer_query_duration (sink, GST_FORMAT_DEFAULT, &frames) &&
      gst_pad_peer_query_duration (sink, GST_FORMAT_TIME, &duration) &&
      duration > 0 && info->fps_n > 0)
    frames = gst_util_uint64_scale_round (duration, info->fps_n,
        (guint64) info->fps_d * GST_SECOND);
  if (frames <= 0) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("sampling=%s needs a stream of known duration and frame rate; "
            "use sampling=rate for live sources (cps-extract counts the "
            "frames of a file itself).",
            self->active_sampling == GST_CPS_SAMPLING_FPS ? "fps" :
            "uniform"), ("duration query failed or frame rate is 0/1"));
    return FALSE;
  }
  last = frames - 1;
  if (self->range_start > 0) {
    first = bound_in_frames (self, self->range_start,
        self->range_start_frames);
    if (first < 0)
      first = 0;
  }
  if (self->range_end >= 0) {
    gint64 end = bound_in_frames (self, self->range_end,
        self->range_end_frames);

    if (end >= 0 && end - 1 < last)
      last = end - 1;
  }
  count = last >= first ? (guint64) (last - first + 1) : 0;
  if (!count) {
    report_empty_range (self, frames);
    return FALSE;
  }
  seconds = info->fps_n > 0 ? (gdouble) count * info->fps_d / info->fps_n :
      0.0;
  n = cps_sample_count (&self->sample_params, count, seconds);
  g_free (self->targets);
  self->targets = g_new (guint64, MAX (n, 1));
  self->n_targets = cps_sample_ids (&self->sample_params, first, count,
      seconds, self->targets);
  self->uniform_total = frames;
  self->uniform_next = 0;
  GST_INFO_OBJECT (self, "%s sampling: %" G_GUINT64_FORMAT " frames of %"
      G_GINT64_FORMAT " (ids %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT ")",
      self->active_sampling == GST_CPS_SAMPLING_FPS ? "fps" : "uniform",
      self->n_targets, frames, first, last);
  return TRUE;
}

static gboolean
target_keep (GstCpsMotion * self, guint64 frame_id)
{
  /* Ids grow between seeks (a seek restarts the scan). */
  while (self->uniform_next < self->n_targets &&
      self->targets[self->uniform_next] < frame_id)
    self->uniform_next++;
  return self->uniform_next < self->n_targets &&
      self->targets[self->uniform_next] == frame_id;
}

/* start/end for all and rate: frame numbers compare with the id, seconds
 * with the PTS's distance to the first frame's (uniform and fps apply the
 * range to their targets). */
static gboolean
in_range (GstCpsMotion * self, GstBuffer * buf, guint64 frame_id)
{
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gdouble t = -1;

  if (self->range_start <= 0 && self->range_end < 0)
    return TRUE;
  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    if (self->range_base_pts < 0)
      self->range_base_pts = pts;
    if ((gint64) pts >= self->range_base_pts)
      t = (gdouble) (pts - self->range_base_pts) / GST_SECOND;
  }
  if (self->range_start > 0) {
    if (self->range_start_frames ? frame_id < self->range_start :
        t >= 0 && t < self->range_start)
      return FALSE;
  }
  if (self->range_end >= 0) {
    if (self->range_end_frames ? frame_id >= self->range_end :
        t >= 0 && t >= self->range_end)
      return FALSE;
  }
  return TRUE;
}

static gboolean
rate_keep (GstCpsMotion * self, GstBuffer * buf, guint64 frame_id)
{
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;
  GstClockTime ts = GST_BUFFER_PTS (buf);

  /* Without timestamps, fall back to the nominal frame rate. */
  if (!GST_CLOCK_TIME_IS_VALID (ts) && info->fps_n > 0)
    ts = gst_util_uint64_scale (frame_id, (guint64) info->fps_d * GST_SECOND,
        info->fps_n);
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return TRUE;
  if (GST_CLOCK_TIME_IS_VALID (self->rate_next) && ts < self->rate_next)
    return FALSE;
  /* next slot on the regular grid, resynchronised after gaps */
  if (!GST_CLOCK_TIME_IS_VALID (self->rate_next) ||
      ts >= self->rate_next + self->rate_interval)
    self->rate_next = ts + self->rate_interval;
  else
    self->rate_next += self->rate_interval;
  return TRUE;
}

static gboolean
sample_keep (GstCpsMotion * self, GstBuffer * buf, guint64 frame_id)
{
  switch (self->active_sampling) {
    case GST_CPS_SAMPLING_UNIFORM:
    case GST_CPS_SAMPLING_FPS:
      return target_keep (self, frame_id);
    case GST_CPS_SAMPLING_RATE:
      return in_range (self, buf, frame_id) && rate_keep (self, buf, frame_id);
    default:
      return in_range (self, buf, frame_id);
  }
}

/* ---- negotiation and data flow ---------------------------------------- */

static void
clear_motion_state (GstCpsMotion * self)
{
  gst_clear_buffer (&self->held);
  gst_clear_buffer (&self->ready);
  if (self->state)
    self->ops->motion_free (self->state);
  self->state = NULL;
  g_clear_pointer (&self->settings, g_ref_string_release);
  if (self->map_pool) {
    gst_buffer_pool_set_active (self->map_pool, FALSE);
    gst_clear_object (&self->map_pool);
  }
}

static GstBufferPool *
new_float_pool (gsize size)
{
  GstBufferPool *pool = gst_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, NULL, size, 2, 0);
  gst_buffer_pool_set_config (pool, config);
  gst_buffer_pool_set_active (pool, TRUE);
  return pool;
}

/* The settings a frame is measured with, as its meta reports them: the
 * search radius resolved. */
static gchar *
describe_settings (GstCpsMotion * self, gint downscale, gdouble rate,
    gint device_id, const gchar * start, const gchar * end)
{
  gchar r[G_ASCII_DTOSTR_BUF_SIZE], *s, *ref;

  g_ascii_formatd (r, sizeof r, "%.15g", rate);
  /* motion-model is named only when it is not the reference, so that the
   * reference model's outputs stay as they were, header included */
  s = g_strdup_printf ("cpsmotion %sdownscale=%d search-radius=%d "
      "sampling=%s sampling-frames=%u sampling-rate=%s cuda-device-id=%d",
      self->active_model == GST_CPS_MOTION_MODEL_REFERENCE ? "" :
      "motion-model=camera ", downscale, self->geometry.radius,
      g_enum_get_value (g_type_class_peek (gst_cps_sampling_get_type ()),
          self->active_sampling)->value_nick, self->uniform_frames, r,
      device_id);
  /* named only when used, so that earlier outputs' headers stay as they
   * were */
  if (self->active_sampling == GST_CPS_SAMPLING_FPS) {
    gchar f[G_ASCII_DTOSTR_BUF_SIZE], *t;

    g_ascii_formatd (f, sizeof f, "%.15g", self->sample_params.fps);
    t = g_strdup_printf ("%s fps=%s min-frames=%u max-frames=%u "
        "frame-factor=%u", s, f, self->sample_params.min_frames,
        self->sample_params.max_frames, self->sample_params.factor);
    g_free (s);
    s = t;
  }
  if (start || end) {
    gchar *t = g_strdup_printf ("%s start=%s end=%s", s, start ? start :
        "none", end ? end : "none");

    g_free (s);
    s = t;
  }
  ref = g_ref_string_new (s);
  g_free (s);
  return ref;
}

static gboolean
gst_cps_motion_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstCpsMotion *self = GST_CPS_MOTION (filter);
  CpsMotionGeometry *g = &self->geometry;
  gint downscale, radius, device_id;
  gdouble rate;
  gchar *start, *end;
  CpsSampleParams *sp = &self->sample_params;

  GST_OBJECT_LOCK (self);
  downscale = self->downscale;
  device_id = self->cuda.device_id;
  radius = self->search_radius;
  self->active_sampling = self->sampling;
  self->active_model = self->motion_model;
  self->uniform_frames = self->sampling_frames;
  rate = self->sampling_rate;
  self->rate_interval = (GstClockTime) (GST_SECOND / rate);
  sp->mode = (CpsSampleMode) self->active_sampling;
  sp->frames = self->sampling_frames;
  sp->fps = self->fps;
  sp->min_frames = self->min_frames;
  sp->max_frames = self->max_frames;
  sp->factor = self->frame_factor;
  start = g_strdup (self->start);
  end = g_strdup (self->end);
  GST_OBJECT_UNLOCK (self);

  self->range_start = 0;
  self->range_end = -1;
  self->range_start_frames = self->range_end_frames = FALSE;
  if ((start && !cps_parse_range_bound (start, &self->range_start,
              &self->range_start_frames)) || (end &&
          !cps_parse_range_bound (end, &self->range_end,
              &self->range_end_frames))) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("start=%s end=%s: a bound "
            "is seconds (12.5 or 12.5s) or a frame number (300f).",
            start ? start : "none", end ? end : "none"), (NULL));
    g_free (start);
    g_free (end);
    return FALSE;
  }

  clear_motion_state (self);
  /* only the display window is measured (see the section doc) */
  cps_video_display_window (GST_BASE_TRANSFORM_SINK_PAD (self), in_info,
      &self->region);
  if (self->region.w != GST_VIDEO_INFO_WIDTH (in_info) ||
      self->region.h != GST_VIDEO_INFO_HEIGHT (in_info))
    GST_INFO_OBJECT (self, "the decoder left %d columns and %d rows of the "
        "coded crop: measuring the %dx%d display window only",
        self->region.x, self->region.y, self->region.w, self->region.h);
  g->width = self->region.w;
  g->height = self->region.h;
  cps_lowres_size (g->width, g->height, downscale, &g->lowres_width,
      &g->lowres_height);
  g->radius = radius > 0 ? radius :
      cps_default_radius (g->lowres_width, g->lowres_height);
  g->model = (CpsMotionModel) self->active_model;
  self->settings = describe_settings (self, downscale, rate, device_id,
      start, end);
  g_free (start);
  g_free (end);
  /* the memory the caps carry decides where the work runs */
  self->ops = cps_cuda_element_choose_ops (&self->cuda, GST_ELEMENT (self),
      incaps, &self->on_gpu);
  if (!self->ops) {
    self->ops = &cps_compute_cpu;
    return FALSE;
  }
  g->device = self->on_gpu ? self->cuda.device : NULL;
  self->state = self->ops->motion_new (g);
  if (!self->on_gpu)
    self->map_pool = new_float_pool (2 * sizeof (gfloat) * g->lowres_width *
        g->lowres_height);
  GST_INFO_OBJECT (self, "%dx%d -> %dx%d maps, radius %d, %s model",
      g->width, g->height, g->lowres_width, g->lowres_height, g->radius,
      self->active_model == GST_CPS_MOTION_MODEL_CAMERA ? "camera" :
      "reference");
  return TRUE;
}

/* The camera model's estimate for this frame, in pixels of the measured
 * region rather than of the low-resolution maps. */
static void
report_camera (GstCpsMotion * self, CpsMotionMeta * meta)
{
  CpsMotionGeometry *g = &self->geometry;
  CpsCameraMotion c;

  meta->motion_model = self->active_model;
  if (self->active_model != GST_CPS_MOTION_MODEL_CAMERA ||
      !self->ops->motion_camera)
    return;                     /* the meta's defaults: no motion */
  self->ops->motion_camera (self->state, &c);
  meta->camera_dx = c.dx * g->width / g->lowres_width;
  meta->camera_dy = c.dy * g->height / g->lowres_height;
  meta->camera_scale = c.scale;
  meta->camera_rotation = c.rotation;
  meta->camera_class = (CpsCameraMotionClass) c.cls;
  meta->noise_threshold = c.noise;
  GST_LOG_OBJECT (self, "camera %s (%.2f, %.2f) scale %.4f rotation %.4f",
      cps_camera_class_name (c.cls), meta->camera_dx, meta->camera_dy,
      c.scale, c.rotation);
}

/* Whether the active model answers one frame late (it compares each frame
 * with the next one too). */
static gboolean
holds_frames (GstCpsMotion * self)
{
  return self->active_model == GST_CPS_MOTION_MODEL_CAMERA;
}

static GstBuffer *
acquire_maps (GstCpsMotion * self, gsize n)
{
  GstBuffer *maps = NULL;

  /* with CUDA memory the maps are device memory */
  if (self->on_gpu)
    maps = cps_cuda_element_alloc (&self->cuda, 2 * sizeof (gfloat) * n);
  else if (gst_buffer_pool_acquire_buffer (self->map_pool, &maps, NULL) !=
      GST_FLOW_OK)
    maps = NULL;
  return maps;
}

/* Attaches the motion meta of frame @frame_id, with @maps, to @buf. */
static void
attach_motion_meta (GstCpsMotion * self, GstBuffer * buf, GstBuffer * maps,
    guint64 frame_id)
{
  CpsMotionGeometry *g = &self->geometry;
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;
  CpsKeyUnitMeta *key = cps_buffer_get_key_unit_meta (buf);
  CpsMotionMeta *meta = cps_buffer_add_motion_meta (buf, maps,
      g->lowres_width, g->lowres_height);

  meta->frame_id = frame_id;
  meta->is_i = key ? key->key_unit : FALSE;
  meta->radius = g->radius;
  meta->frame_width = GST_VIDEO_INFO_WIDTH (info);
  meta->frame_height = GST_VIDEO_INFO_HEIGHT (info);
  meta->region_x = self->region.x;
  meta->region_y = self->region.y;
  meta->region_width = self->region.w;
  meta->region_height = self->region.h;
  meta->settings = g_ref_string_acquire (self->settings);
  report_camera (self, meta);
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " is_i %d", frame_id,
      meta->is_i);
}

/* The maps of the frame held back, compared with the previous frame only,
 * and that frame pushed: before EOS, new caps or a new segment. */
static GstFlowReturn
drain_held_frame (GstCpsMotion * self)
{
  gsize n = (gsize) self->geometry.lowres_width *
      self->geometry.lowres_height;
  GstBuffer *held = g_steal_pointer (&self->held), *maps;
  GstMapInfo map;
  gboolean done = FALSE;

  if (!held)
    return GST_FLOW_OK;
  maps = acquire_maps (self, n);
  if (maps && gst_buffer_map (maps, &map, GST_MAP_WRITE)) {
    done = self->ops->motion_drain (self->state, (gfloat *) map.data,
        (gfloat *) map.data + n);
    gst_buffer_unmap (maps, &map);
  }
  if (!done) {
    gst_clear_buffer (&maps);
    gst_buffer_unref (held);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not measure the last frame."), (NULL));
    return GST_FLOW_ERROR;
  }
  held = gst_buffer_make_writable (held);
  attach_motion_meta (self, held, maps, self->held_frame_id);
  gst_buffer_unref (maps);
  GST_DEBUG_OBJECT (self, "drained frame %" G_GUINT64_FORMAT,
      self->held_frame_id);
  return gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), held);
}

static GstFlowReturn
gst_cps_motion_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstCpsMotion *self = GST_CPS_MOTION (trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER (trans);
  CpsMotionGeometry *g = &self->geometry;
  GstVideoInfo *info = &filter->in_info;
  guint64 frame_id;
  GstVideoFrame frame;
  GstBuffer *maps;
  GstMapInfo map;
  CpsImage image;
  gboolean produced;
  gsize n = (gsize) g->lowres_width * g->lowres_height;
  CpsKeyUnitMeta *source = cps_buffer_get_key_unit_meta (buf);

  /* an application that indexed the file (cps-extract) tells each frame's
   * source index, and whether it is sampled */
  if (source && source->frame_id >= 0)
    frame_id = source->frame_id;
  else
    frame_id = cps_frame_counter_next (&self->frames,
        GST_BUFFER_PTS_IS_VALID (buf) ? (gint64) GST_BUFFER_PTS (buf) : -1,
        info->fps_n > 0 ? (gint64) gst_util_uint64_scale_int (GST_SECOND,
            info->fps_d, info->fps_n) : 0);
  if (source && source->sample >= 0) {
    if (!source->sample)
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
  } else {
    if ((self->active_sampling == GST_CPS_SAMPLING_UNIFORM ||
            self->active_sampling == GST_CPS_SAMPLING_FPS) &&
        !self->uniform_started) {
      if (!start_target_sampling (self))
        return GST_FLOW_ERROR;
      self->uniform_started = TRUE;
    }
    if (!sample_keep (self, buf, frame_id))
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }

  /* with CUDA memory the planes map to device pointers */
  if (!gst_video_frame_map (&frame, &filter->in_info, buf, GST_MAP_READ |
          (self->on_gpu ? cps_cuda_map_flags () : 0)))
    goto map_failed;
  maps = acquire_maps (self, n);
  if (!maps || !gst_buffer_map (maps, &map, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&frame);
    gst_clear_buffer (&maps);
    goto map_failed;
  }
  cps_image_from_frame_region (&frame, &self->region, &image);
  produced = self->ops->motion_process (self->state, &image,
      (gfloat *) map.data, (gfloat *) map.data + n);
  gst_buffer_unmap (maps, &map);
  gst_video_frame_unmap (&frame);

  if (!holds_frames (self)) {
    attach_motion_meta (self, buf, maps, frame_id);
  } else if (produced && self->held) {
    /* the maps are the held frame's; generate_output pushes it and holds
     * this one */
    self->ready = gst_buffer_make_writable (g_steal_pointer (&self->held));
    attach_motion_meta (self, self->ready, maps, self->held_frame_id);
  }
  gst_buffer_unref (maps);
  self->held_frame_id = frame_id;
  return GST_FLOW_OK;

map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
      ("Could not map a video frame or a motion map."), (NULL));
  return GST_FLOW_ERROR;
}

/* With a model that answers one frame late, the frame just measured is
 * held and the one before it, now complete, goes out instead. */
static GstFlowReturn
gst_cps_motion_generate_output (GstBaseTransform * trans, GstBuffer ** out)
{
  GstCpsMotion *self = GST_CPS_MOTION (trans);
  GstFlowReturn ret;

  ret = GST_BASE_TRANSFORM_CLASS (parent_class)->generate_output (trans, out);
  if (ret != GST_FLOW_OK || !*out || !holds_frames (self))
    return ret;
  g_warn_if_fail (self->held == NULL);
  gst_clear_buffer (&self->held);
  self->held = *out;
  *out = g_steal_pointer (&self->ready);
  return ret;
}

static gboolean
gst_cps_motion_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstCpsMotion *self = GST_CPS_MOTION (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      /* After a flushing seek the previous frame is not the frame
       * before, frame ids continue from the new position, and sampling
       * restarts there. */
      gst_clear_buffer (&self->held);
      if (self->state)
        self->ops->motion_reset (self->state);
      cps_frame_counter_flush (&self->frames);
      self->rate_next = GST_CLOCK_TIME_NONE;
      self->uniform_next = 0;
      break;
    case GST_EVENT_EOS:
    case GST_EVENT_CAPS:
    case GST_EVENT_SEGMENT:
      /* a held frame belongs before these: it is measured against the
       * previous frame alone and pushed first */
      if (self->held && drain_held_frame (self) != GST_FLOW_OK)
        GST_DEBUG_OBJECT (self, "downstream refused the drained frame");
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static void
gst_cps_motion_set_context (GstElement * element, GstContext * context)
{
  cps_cuda_element_set_context (&GST_CPS_MOTION (element)->cuda, element,
      context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* The camera model holds each frame until the next one arrives: one frame
 * duration more latency. */
static void
add_held_frame_latency (GstCpsMotion * self, GstQuery * query)
{
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;
  GstClockTime min, max, frame;
  gboolean live;

  if (!self->state || !holds_frames (self))
    return;
  if (info->fps_n <= 0) {
    GST_WARNING_OBJECT (self, "unknown frame rate: the frame the camera "
        "model holds back is not in the reported latency");
    return;
  }
  frame = gst_util_uint64_scale_int_ceil (GST_SECOND, info->fps_d,
      info->fps_n);
  gst_query_parse_latency (query, &live, &min, &max);
  min += frame;
  if (GST_CLOCK_TIME_IS_VALID (max))
    max += frame;
  gst_query_set_latency (query, live, min, max);
}

static gboolean
gst_cps_motion_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstCpsMotion *self = GST_CPS_MOTION (trans);

  if (cps_cuda_element_query (&self->cuda, GST_ELEMENT (trans), query))
    return TRUE;
  if (direction == GST_PAD_SINK && GST_QUERY_TYPE (query) ==
      GST_QUERY_ACCEPT_CAPS) {
    return cps_video_accept_caps (GST_ELEMENT (trans),
        GST_BASE_TRANSFORM_SINK_PAD (trans), query);
  }
  if (!GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
          query))
    return FALSE;
  if (direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    add_held_frame_latency (self, query);
  /* CUDA memory is in the templates but offered per environment (both
   * motion models have CUDA kernels) */
  cps_cuda_filter_caps_query (query);
  return TRUE;
}

static gboolean
gst_cps_motion_start (GstBaseTransform * trans)
{
  GstCpsMotion *self = GST_CPS_MOTION (trans);

  cps_frame_counter_reset (&self->frames);
  self->uniform_started = FALSE;
  self->rate_next = GST_CLOCK_TIME_NONE;
  self->range_base_pts = -1;
  return TRUE;
}

static gboolean
gst_cps_motion_stop (GstBaseTransform * trans)
{
  clear_motion_state (GST_CPS_MOTION (trans));
  cps_cuda_element_close (&GST_CPS_MOTION (trans)->cuda);
  return TRUE;
}

static GstStateChangeReturn
gst_cps_motion_change_state (GstElement * element, GstStateChange transition)
{
  GstCpsMotion *self = GST_CPS_MOTION (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    start_key_unit_probes (self);
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    stop_key_unit_probes (self);
  return ret;
}

static void
gst_cps_motion_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCpsMotion *self = GST_CPS_MOTION (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DOWNSCALE:
      self->downscale = g_value_get_int (value);
      break;
    case PROP_SEARCH_RADIUS:
      self->search_radius = g_value_get_int (value);
      break;
    case PROP_SAMPLING:
      self->sampling = g_value_get_enum (value);
      break;
    case PROP_SAMPLING_FRAMES:
      self->sampling_frames = g_value_get_uint (value);
      break;
    case PROP_SAMPLING_RATE:
      self->sampling_rate = g_value_get_double (value);
      break;
    case PROP_CUDA_DEVICE_ID:
      self->cuda.device_id = g_value_get_int (value);
      break;
    case PROP_MOTION_MODEL:
      self->motion_model = g_value_get_enum (value);
      break;
    case PROP_FPS:
      self->fps = g_value_get_double (value);
      break;
    case PROP_MIN_FRAMES:
      self->min_frames = g_value_get_uint (value);
      break;
    case PROP_MAX_FRAMES:
      self->max_frames = g_value_get_uint (value);
      break;
    case PROP_FRAME_FACTOR:
      self->frame_factor = g_value_get_uint (value);
      break;
    case PROP_START:
      g_free (self->start);
      self->start = g_value_dup_string (value);
      break;
    case PROP_END:
      g_free (self->end);
      self->end = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cps_motion_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCpsMotion *self = GST_CPS_MOTION (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DOWNSCALE:
      g_value_set_int (value, self->downscale);
      break;
    case PROP_SEARCH_RADIUS:
      g_value_set_int (value, self->search_radius);
      break;
    case PROP_SAMPLING:
      g_value_set_enum (value, self->sampling);
      break;
    case PROP_SAMPLING_FRAMES:
      g_value_set_uint (value, self->sampling_frames);
      break;
    case PROP_SAMPLING_RATE:
      g_value_set_double (value, self->sampling_rate);
      break;
    case PROP_CUDA_DEVICE_ID:
      g_value_set_int (value, self->cuda.device_id);
      break;
    case PROP_MOTION_MODEL:
      g_value_set_enum (value, self->motion_model);
      break;
    case PROP_FPS:
      g_value_set_double (value, self->fps);
      break;
    case PROP_MIN_FRAMES:
      g_value_set_uint (value, self->min_frames);
      break;
    case PROP_MAX_FRAMES:
      g_value_set_uint (value, self->max_frames);
      break;
    case PROP_FRAME_FACTOR:
      g_value_set_uint (value, self->frame_factor);
      break;
    case PROP_START:
      g_value_set_string (value, self->start);
      break;
    case PROP_END:
      g_value_set_string (value, self->end);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cps_motion_dispose (GObject * object)
{
  /* normally done in PAUSED -> READY; never leave a probe or a signal
   * handler pointing at a disposed element */
  stop_key_unit_probes (GST_CPS_MOTION (object));
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_cps_motion_finalize (GObject * object)
{
  GstCpsMotion *self = GST_CPS_MOTION (object);

  g_free (self->start);
  g_free (self->end);
  g_free (self->targets);
  clear_motion_state (GST_CPS_MOTION (object));
  cps_cuda_element_close (&GST_CPS_MOTION (object)->cuda);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_cps_motion_class_init (GstCpsMotionClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags ready = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_cps_motion_set_property;
  gobject_class->get_property = gst_cps_motion_get_property;
  gobject_class->dispose = gst_cps_motion_dispose;
  gobject_class->finalize = gst_cps_motion_finalize;

  /**
   * GstCpsMotion:downscale:
   *
   * Each side of the luma plane is divided by this factor (the result
   * clamped to [32, side]) before matching.  Read when caps are set.
   */
  g_object_class_install_property (gobject_class, PROP_DOWNSCALE,
      g_param_spec_int ("downscale", "Downscale factor",
          "Luma is resized to side/downscale, clamped to [32, side], before "
          "block matching (reference: 4)", 1, 64, DEFAULT_DOWNSCALE, ready));
  /**
   * GstCpsMotion:search-radius:
   *
   * Half-size of the block-matching search window in low-resolution
   * pixels; 0 applies the reference rule clamp(min(hs, ws) / 2, 1, 4).
   */
  g_object_class_install_property (gobject_class, PROP_SEARCH_RADIUS,
      g_param_spec_int ("search-radius", "Search radius",
          "Block-matching search radius in low-resolution pixels; 0 = the "
          "reference rule clamp(min(hs,ws)/2, 1, 4)", 0, CPS_MAX_RADIUS,
          DEFAULT_SEARCH_RADIUS, ready));
  /**
   * GstCpsMotion:sampling:
   *
   * Which frames are processed; the others are dropped.
   */
  g_object_class_install_property (gobject_class, PROP_SAMPLING,
      g_param_spec_enum ("sampling", "Sampling",
          "Which source frames are processed (the others are dropped)",
          gst_cps_sampling_get_type (), DEFAULT_SAMPLING, ready));
  /**
   * GstCpsMotion:sampling-frames:
   *
   * For sampling=uniform: T, the frames taken at
   * floor(i·(N−1)/(T−1)) of a stream of N frames.
   */
  g_object_class_install_property (gobject_class, PROP_SAMPLING_FRAMES,
      g_param_spec_uint ("sampling-frames", "Sampling frames",
          "sampling=uniform: number of frames spread uniformly over the "
          "stream (frame ids floor(i*(N-1)/(T-1)))", 1, G_MAXINT,
          DEFAULT_SAMPLING_FRAMES, ready));
  /**
   * GstCpsMotion:sampling-rate:
   *
   * For sampling=rate: frames per second of stream time to keep.
   */
  g_object_class_install_property (gobject_class, PROP_SAMPLING_RATE,
      g_param_spec_double ("sampling-rate", "Sampling rate",
          "sampling=rate: frames per second of stream time to keep", 0.001,
          1000.0, DEFAULT_SAMPLING_RATE, ready));
  /**
   * GstCpsMotion:fps:
   *
   * For sampling=fps: frames per second of video to take, as Qwen2.5-VL's
   * video preprocessing: n = duration × fps, clamped to [min-frames,
   * max-frames] (and to the frames there are), rounded down to a multiple
   * of frame-factor, placed at round(linspace(first, last, n)).  Unlike
   * sampling=rate (live: at most sampling-rate frames per second of stream
   * time, decided frame by frame), the count is fixed by the duration.
   *
   * Since: 0.3
   */
  g_object_class_install_property (gobject_class, PROP_FPS,
      g_param_spec_double ("fps", "Sampling fps",
          "sampling=fps: frames per second of video (n = duration x fps, "
          "clamped to [min-frames, max-frames], a multiple of frame-factor, "
          "placed at round(linspace))", 0.001, 1000.0, DEFAULT_FPS, ready));
  /**
   * GstCpsMotion:min-frames:
   *
   * For sampling=fps: the fewest frames taken (rounded up to a multiple of
   * frame-factor), unless the video has fewer.
   *
   * Since: 0.3
   */
  g_object_class_install_property (gobject_class, PROP_MIN_FRAMES,
      g_param_spec_uint ("min-frames", "Minimum frames",
          "sampling=fps: at least this many frames (rounded up to a "
          "multiple of frame-factor; fewer when the video has fewer)", 1,
          G_MAXINT, DEFAULT_MIN_FRAMES, ready));
  /**
   * GstCpsMotion:max-frames:
   *
   * For sampling=fps: the most frames taken (rounded down to a multiple of
   * frame-factor).
   *
   * Since: 0.3
   */
  g_object_class_install_property (gobject_class, PROP_MAX_FRAMES,
      g_param_spec_uint ("max-frames", "Maximum frames",
          "sampling=fps: at most this many frames (rounded down to a "
          "multiple of frame-factor)", 1, G_MAXINT, DEFAULT_MAX_FRAMES,
          ready));
  /**
   * GstCpsMotion:frame-factor:
   *
   * For sampling=fps: the frame count is a multiple of this (2: Qwen2.5-VL's
   * temporal patch size).
   *
   * Since: 0.3
   */
  g_object_class_install_property (gobject_class, PROP_FRAME_FACTOR,
      g_param_spec_uint ("frame-factor", "Frame factor",
          "sampling=fps: the frame count is a multiple of this", 1, 1024,
          DEFAULT_FRAME_FACTOR, ready));
  /**
   * GstCpsMotion:start:
   *
   * The first frame of the range processed, in every sampling mode:
   * seconds ("12.5" or "12.5s", from the first frame's timestamp) or a
   * frame number ("300f").  Frame ids stay source indices.  cps-extract
   * skips what lies outside the range without decoding it; inside a plain
   * pipeline the frames before it are decoded and dropped.
   *
   * Since: 0.3
   */
  g_object_class_install_property (gobject_class, PROP_START,
      g_param_spec_string ("start", "Range start",
          "First frame processed: seconds (12.5 or 12.5s) or a frame number "
          "(300f); none = the first frame", NULL, ready));
  /**
   * GstCpsMotion:end:
   *
   * The end of the range, excluded: seconds or a frame number, as start.
   *
   * Since: 0.3
   */
  g_object_class_install_property (gobject_class, PROP_END,
      g_param_spec_string ("end", "Range end",
          "End of the range, excluded: seconds (12.5 or 12.5s) or a frame "
          "number (300f); none = the last frame", NULL, ready));
  /**
   * GstCpsMotion:motion-model:
   *
   * How motion and residual are measured (docs/algorithm.md).
   *
   * `camera` (the default) keeps what moves in the scene, not what the
   * camera's own motion moves.  It estimates the camera's motion between
   * frames (a translation voted by textured blocks and refined to
   * sub-pixel precision, or a zoom/rotation fitted to them) and compares
   * each frame at full resolution with the previous and the next frame
   * compensated by it: what differs from both by more than the frame's own
   * noise level is motion.  So the background an object uncovers is not
   * marked, and identical, flat or merely noisy frames give zero maps (a
   * still window then triggers cpstopk's static fallback).  The maps are in
   * [0, 1] and the energy stage fuses them as they are.  The camera's
   * motion and a class (static, pan, zoom, complex) are reported in
   * #CpsMotionMeta.  Comparing with the next frame costs one frame of
   * latency: each frame leaves cpsmotion when the next one arrives (the
   * last at EOS), and the latency query reports one frame duration more.
   * On the project's quality benchmark it ranks the moving object's
   * patches first with R-precision 0.95–1.00 on static and panning
   * cameras and handheld shake, against 0.19–0.96 for `reference`.  Known
   * limits: zooms (estimated as translations, R-precision 0.58), flat
   * interiors of moving objects, static overlays (logos, black bars)
   * during a pan, parallax of near objects.  It costs more per frame than
   * `reference` (see the README's throughput section).  Both models run
   * on CUDA memory as on system memory (the camera's motion itself is
   * estimated on the host, from a copy of the low-resolution luma).
   *
   * `reference` reproduces codec-patch-stream's proxy, for parity with
   * it: every low-resolution pixel of the luma (computed from BT.601 RGB
   * as libswscale gives it) takes its best match within ±search-radius in
   * the previous frame.  A camera pan gives the whole background motion,
   * and flat areas get the first candidate scanned even between identical
   * frames.  Use it to reproduce the reference's selections.
   *
   * Read when caps are set.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_MOTION_MODEL,
      g_param_spec_enum ("motion-model", "Motion model",
          "How motion is measured: camera (the camera's motion compensated, "
          "each frame compared with the previous and next ones, noise "
          "thresholded; one frame of latency) or reference (per-pixel block "
          "matching, codec-patch-stream's proxy)",
          gst_cps_motion_model_get_type (),
          DEFAULT_MOTION_MODEL, ready));

  gst_element_class_set_static_metadata (element_class,
      "CPS motion proxy", "Filter/Analyzer/Video",
      "Motion and residual maps of each frame (camera motion compensated, "
      "or the reference's block matching), attached as metadata; frames "
      "pass through unchanged",
      "cps developers");
  /**
   * GstCpsMotion:cuda-device-id:
   *
   * The CUDA device used when CUDA memory is negotiated; -1 takes the
   * pipeline's context (shared with the decoder) or device 0.
   */
  cps_cuda_install_device_property (gobject_class, PROP_CUDA_DEVICE_ID);
  cps_video_add_templates (element_class, TRUE);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_cps_motion_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_cps_motion_set_context);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_cps_motion_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_cps_motion_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_cps_motion_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_cps_motion_query);
  /* our own transform_ip: the frame is mapped read-only, never written */
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_cps_motion_transform_ip);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_cps_motion_generate_output);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_cps_motion_set_info);

  gst_type_mark_as_plugin_api (gst_cps_sampling_get_type (), 0);
  gst_type_mark_as_plugin_api (gst_cps_motion_model_get_type (), 0);
}

static void
gst_cps_motion_init (GstCpsMotion * self)
{
  self->downscale = DEFAULT_DOWNSCALE;
  self->search_radius = DEFAULT_SEARCH_RADIUS;
  self->sampling = DEFAULT_SAMPLING;
  self->sampling_frames = DEFAULT_SAMPLING_FRAMES;
  self->sampling_rate = DEFAULT_SAMPLING_RATE;
  self->motion_model = DEFAULT_MOTION_MODEL;
  self->fps = DEFAULT_FPS;
  self->min_frames = DEFAULT_MIN_FRAMES;
  self->max_frames = DEFAULT_MAX_FRAMES;
  self->frame_factor = DEFAULT_FRAME_FACTOR;
  self->cuda.device_id = -1;
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  /* a late frame must still be measured: dropping it would silently
   * change what the next frame is compared with */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}
