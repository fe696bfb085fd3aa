/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-cpsviz
 * @title: cpsviz
 *
 * Draws what cpstopk selected, for people.  Each window (a patch buffer
 * on the "sink" pad) becomes its T frames of RGB video, one per window
 * frame, timestamped like the frame.
 *
 * With the "video" request pad linked to the decoded frames (taken after
 * cpsmotion, which drops the frames it does not sample, so exactly the
 * processed frames arrive), each window frame is the source frame scaled
 * to at most #GstCpsViz:max-width pixels wide (never enlarged), with the
 * areas of the patches selected in this frame at full brightness, the rest
 * darkened to #GstCpsViz:dim-level, the selected area outlined, and a
 * caption: window index, frame id, I or P, and the patches selected in
 * this frame.  The patch grid of the resized frame covers the whole
 * frame, so every patch is drawn over the part of the source it came
 * from.  The video pad keeps a scaled RGB copy of each frame until the
 * window holding it is drawn, and returns the decoder's buffer at once.
 * While a window is drawn, a full store (128 frames, 200 MB at
 * 960 × 540) holds the video branch back, as a full queue does, so that
 * no frame is lost and memory stays bounded when drawing is slower than
 * decoding (an encoder downstream).  Between windows it takes every
 * frame, since cpstopk may need more before it sends the next window:
 * memory then follows the window length and the queues upstream.  A
 * window waits for its frames; one whose frames never came (the video
 * branch ended first) is drawn with its patches on black.  EOS goes
 * downstream once both pads have it.
 *
 * Without the video pad, each window frame is a canvas of the resized
 * frame (target-width × target-height of #CpsPatchMeta) with that frame's
 * selected patches at their positions; where nothing was selected it is
 * black or, with unselected=dimmed, shows the last patch selected there,
 * dimmed.  The pixel aspect ratio makes the canvas display with the
 * source's shape.
 *
 * In both modes a frame whose every patch was selected (an I-frame takes
 * its whole grid under I-frame priority) is drawn at the dim level, as the
 * background the next frames' selections stand out from: drawn at full
 * brightness it would flash at every window start.  Its caption says
 * "ALL" and its outline runs round the whole frame.
 *
 * Every output frame has a PTS and a duration: the frame's PTS when it
 * has one; otherwise frame_id / frame rate, the rate from the video pad's
 * caps or, without it, from the window's timestamps, and 25/1 when nothing
 * tells (streams without timing, such as H.264 Annex B without VUI, then
 * still mux).  The duration reaches the next frame of the window.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=assets/cps-demo.mp4 ! decodebin ! cpsmotion ! tee name=frames ! queue ! cpsenergy ! cpstopk ! tee name=t ! queue ! cpspatchsink location=window-%05d.safetensors  t. ! queue ! viz.sink  frames. ! queue ! viz.video  cpsviz name=viz ! videoconvert ! autovideosink
 * gst-launch-1.0 filesrc location=foreman_cif.h264 ! h264parse ! avdec_h264 ! cpsmotion ! tee name=frames ! queue ! cpsenergy ! cpstopk ! queue ! viz.sink  frames. ! queue ! viz.video  cpsviz name=viz max-width=640 ! videoconvert ! video/x-raw,format=I420 ! x264enc ! mp4mux ! filesink location=preview.mp4
 * gst-launch-1.0 filesrc location=assets/cps-demo.mp4 ! decodebin ! cpsmotion ! cpsenergy ! cpstopk ! cpsviz ! videoconvert ! autovideosink
 * ]|
 * The first shows the selection over the video while writing the dataset;
 * the second makes a preview file of an H.264 stream without timestamps;
 * the third shows the patches alone, on the canvas.
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstcpsviz.h"
#include "cpsmeta.h"
#include "cpsvideo.h"
#include "cps_viz.h"

GST_DEBUG_CATEGORY_STATIC (gst_cps_viz_debug);
#define GST_CAT_DEFAULT gst_cps_viz_debug

#define DEFAULT_UNSELECTED GST_CPS_VIZ_UNSELECTED_DIMMED
#define DEFAULT_DIM_LEVEL 0.3
#define DEFAULT_MAX_WIDTH 960
#define DEFAULT_CAPTION TRUE
#define DEFAULT_OUTLINE TRUE

/* frames kept for windows to come (at 960 × 540, 200 MB): a window and
 * the frames queued ahead of it fit, with room to spare; a full store
 * holds the video pad back while a window is drawn */
#define MAX_STORED_FRAMES 128
/* the frame rate that times frames when nothing else tells */
#define FALLBACK_FPS_N 25
#define FALLBACK_FPS_D 1

static const guint8 outline_rgb[3] = { 255, 200, 0 };

enum
{
  PROP_0,
  PROP_UNSELECTED,
  PROP_DIM_LEVEL,
  PROP_MAX_WIDTH,
  PROP_CAPTION,
  PROP_OUTLINE,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (CPS_PATCH_CAPS_ANY_MEMORY));
static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS (CPS_VIDEO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format=RGB, width=[1, 2147483647], "
        "height=[1, 2147483647], framerate=[0/1, 2147483647/1]"));

/* A scaled RGB copy of a frame from the video pad. */
typedef struct
{
  guint64 frame_id;
  GstVideoInfo info;
  GstBuffer *rgb;
} StoredFrame;

/* Property values for one window. */
typedef struct
{
  GstCpsVizUnselected unselected;
  gfloat dim_level;
  gboolean caption, outline;
} DrawSettings;

#define GST_TYPE_CPS_VIZ_UNSELECTED (gst_cps_viz_unselected_get_type ())
static GType
gst_cps_viz_unselected_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CPS_VIZ_UNSELECTED_BLACK, "Black", "black"},
    {GST_CPS_VIZ_UNSELECTED_DIMMED,
        "The source frame (or, on the canvas, the last patch selected there), "
          "dimmed", "dimmed"},
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
stored_frame_free (StoredFrame * f)
{
  gst_buffer_unref (f->rgb);
  g_free (f);
}

/* Under lock. */
static void
clear_frames (GstCpsViz * self)
{
  g_queue_clear_full (&self->frames, (GDestroyNotify) stored_frame_free);
}

/* Under lock: drops the stored frames up to @frame_id, which no later
 * window uses (windows come in frame order). */
static void
drop_frames_up_to (GstCpsViz * self, guint64 frame_id)
{
  StoredFrame *f;

  while ((f = g_queue_peek_head (&self->frames)) && f->frame_id <= frame_id)
    stored_frame_free (g_queue_pop_head (&self->frames));
}

static void
reset_canvas (GstCpsViz * self)
{
  g_clear_pointer (&self->last_seen, g_free);
  self->last_seen_size = 0;
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

/* The rate that times the window's frames: @info's (the video caps'),
 * else guessed from the window's timestamps, else the fallback. */
static void
window_framerate (const GstVideoInfo * info, GstBuffer * window,
    const CpsPatchMeta * m, gint * n, gint * d)
{
  *n = info ? GST_VIDEO_INFO_FPS_N (info) : 0;
  *d = info ? GST_VIDEO_INFO_FPS_D (info) : 1;
  if (*n > 0 && *d > 0)
    return;
  guess_framerate (window, m, n, d);
  if (*n > 0)
    return;
  *n = FALLBACK_FPS_N;
  *d = FALLBACK_FPS_D;
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

/* Sets output caps from @info when its size or shape differs from the
 * current one.  The segment and tags held back until the first caps
 * follow them. */
static gboolean
ensure_output_caps (GstCpsViz * self, const GstVideoInfo * info)
{
  gboolean first = !self->have_out_caps;
  GstCaps *caps;
  gboolean ok;

  if (self->have_out_caps &&
      GST_VIDEO_INFO_WIDTH (&self->out_info) == GST_VIDEO_INFO_WIDTH (info) &&
      GST_VIDEO_INFO_HEIGHT (&self->out_info) == GST_VIDEO_INFO_HEIGHT (info)
      && GST_VIDEO_INFO_PAR_N (&self->out_info) == GST_VIDEO_INFO_PAR_N (info)
      && GST_VIDEO_INFO_PAR_D (&self->out_info) == GST_VIDEO_INFO_PAR_D (info))
    return TRUE;
  caps = gst_video_info_to_caps (info);
  ok = gst_pad_set_caps (self->srcpad, caps);
  gst_caps_unref (caps);
  if (!ok)
    return FALSE;
  self->out_info = *info;
  self->have_out_caps = TRUE;
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

/* Window frame @t's time: its PTS, else its frame id at @fps_n/@fps_d. */
static GstClockTime
frame_time (const CpsPatchMeta * m, guint t, gint fps_n, gint fps_d)
{
  if (GST_CLOCK_TIME_IS_VALID (m->frame_pts[t]))
    return m->frame_pts[t];
  return gst_util_uint64_scale (MAX (m->frame_ids[t], 0),
      (guint64) fps_d * GST_SECOND, fps_n);
}

/* A PTS always, and a duration up to the next frame of the window (the
 * window's end for its last frame), one frame at the rate otherwise. */
static void
set_frame_timestamps (GstBuffer * out, GstBuffer * window,
    const CpsPatchMeta * m, guint t, gint fps_n, gint fps_d)
{
  GstClockTime pts = frame_time (m, t, fps_n, fps_d);
  GstClockTime next = GST_CLOCK_TIME_NONE;

  if (t + 1 < m->n_frames)
    next = frame_time (m, t + 1, fps_n, fps_d);
  else if (GST_BUFFER_PTS_IS_VALID (window) &&
      GST_BUFFER_DURATION_IS_VALID (window))
    next = GST_BUFFER_PTS (window) + GST_BUFFER_DURATION (window);
  GST_BUFFER_PTS (out) = pts;
  if (GST_CLOCK_TIME_IS_VALID (next) && next > pts)
    GST_BUFFER_DURATION (out) = next - pts;
  else
    GST_BUFFER_DURATION (out) = gst_util_uint64_scale_int (GST_SECOND, fps_d,
        fps_n);
}

/* Marks frame @t's selected cells in @mask; returns how many. */
static guint
frame_mask (const CpsPatchMeta * m, guint t, guint8 * mask)
{
  guint n = 0;

  memset (mask, 0, (gsize) m->grid_width * m->grid_height);
  for (guint i = 0; i < m->n_patches; i++) {
    const gint64 *row = m->fields + (gsize) i * CPS_PATCH_N_FIELDS;

    if (row[CPS_PATCH_FIELD_SEQ_POS] != t)
      continue;
    mask[row[CPS_PATCH_FIELD_H_IDX] * m->grid_width +
        row[CPS_PATCH_FIELD_W_IDX]] = 1;
    n++;
  }
  return n;
}

static void
grid_for_output (const CpsPatchMeta * m, const GstVideoInfo * info,
    CpsVizGrid * grid)
{
  grid->grid_width = m->grid_width;
  grid->grid_height = m->grid_height;
  grid->patch_size = m->patch_size;
  grid->target_width = m->target_width;
  grid->target_height = m->target_height;
  grid->out_width = GST_VIDEO_INFO_WIDTH (info);
  grid->out_height = GST_VIDEO_INFO_HEIGHT (info);
}

static void
draw_caption (guint8 * data, const GstVideoInfo * info,
    const CpsPatchMeta * m, guint t, guint n, gboolean all)
{
  gchar text[96];
  gint w = GST_VIDEO_INFO_WIDTH (info);

  cps_viz_caption_text (text, sizeof text, m->window_index, m->frame_ids[t],
      m->frame_is_i[t], n, all);
  cps_viz_draw_caption (data, GST_VIDEO_INFO_PLANE_STRIDE (info, 0), w,
      GST_VIDEO_INFO_HEIGHT (info), text, cps_viz_caption_scale (w));
}

/* Canvas mode: frame @t's patches over the remembered (dimmed) or black
 * canvas; a frame selected whole is drawn dimmed, not as a flash. */
static void
draw_canvas (GstCpsViz * self, const CpsPatchMeta * m, const guint8 * data,
    guint t, const DrawSettings * s, guint8 * out, const guint8 * mask,
    guint n)
{
  gsize size = GST_VIDEO_INFO_SIZE (&self->out_info);
  gsize stride = GST_VIDEO_INFO_PLANE_STRIDE (&self->out_info, 0);
  gsize patch_bytes = 3 * (gsize) m->patch_size * m->patch_size *
      cps_patch_dtype_size (m->dtype);
  gboolean all = n == m->grid_width * m->grid_height;

  if (s->unselected == GST_CPS_VIZ_UNSELECTED_DIMMED)
    cps_viz_dim (self->last_seen, out, size, s->dim_level);
  else
    memset (out, 0, size);
  for (guint i = 0; i < m->n_patches; i++) {
    const gint64 *row = m->fields + (gsize) i * CPS_PATCH_N_FIELDS;

    if (row[CPS_PATCH_FIELD_SEQ_POS] != t)
      continue;
    cps_viz_paint_patch (data + i * patch_bytes, (CpsDtype) m->dtype,
        m->patch_size, self->last_seen, stride,
        row[CPS_PATCH_FIELD_W_IDX] * m->patch_size,
        row[CPS_PATCH_FIELD_H_IDX] * m->patch_size);
  }
  for (guint y = 0; y < m->grid_height; y++)
    for (guint x = 0; x < m->grid_width; x++) {
      CpsVizRect r = { x * m->patch_size, y * m->patch_size,
        (x + 1) * m->patch_size, (y + 1) * m->patch_size
      };

      if (mask[y * m->grid_width + x])
        cps_viz_copy_rect (self->last_seen, out, stride, &r);
    }
  if (all)
    cps_viz_dim (out, out, size, s->dim_level);
  if (s->caption)
    draw_caption (out, &self->out_info, m, t, n, all);
}

/* Overlay mode: the source frame @src (NULL if it never came: the
 * patches on black then) with frame @t's selected areas at full
 * brightness and the rest darkened. */
static void
draw_overlay (const CpsPatchMeta * m, const guint8 * patches, guint t,
    const DrawSettings * s, const guint8 * src, guint8 * out,
    const GstVideoInfo * info, const guint8 * mask, guint n)
{
  gsize size = GST_VIDEO_INFO_SIZE (info);
  gsize stride = GST_VIDEO_INFO_PLANE_STRIDE (info, 0);
  gsize patch_bytes = 3 * (gsize) m->patch_size * m->patch_size *
      cps_patch_dtype_size (m->dtype);
  gboolean all = n == m->grid_width * m->grid_height;
  CpsVizGrid grid;
  CpsVizRect r;

  grid_for_output (m, info, &grid);
  if (src && (all || s->unselected == GST_CPS_VIZ_UNSELECTED_DIMMED))
    cps_viz_dim (src, out, size, s->dim_level);
  else
    memset (out, 0, size);
  for (guint i = 0; i < m->n_patches && !(src && all); i++) {
    const gint64 *row = m->fields + (gsize) i * CPS_PATCH_N_FIELDS;

    if (row[CPS_PATCH_FIELD_SEQ_POS] != t)
      continue;
    cps_viz_cell_rect (&grid, row[CPS_PATCH_FIELD_H_IDX],
        row[CPS_PATCH_FIELD_W_IDX], &r);
    if (src)
      cps_viz_copy_rect (src, out, stride, &r);
    else
      cps_viz_paint_patch_scaled (patches + i * patch_bytes,
          (CpsDtype) m->dtype, m->patch_size, out, stride, &r);
  }
  if (!src && all)
    cps_viz_dim (out, out, size, s->dim_level);
  if (s->outline && n > 0)
    cps_viz_outline (out, stride, &grid, mask,
        MAX (1, grid.out_width / 480), outline_rgb);
  if (s->caption)
    draw_caption (out, info, m, t, n, all);
}

/* The window's canvas caps: resized size, the source's display shape. */
static void
canvas_info (GstBuffer * window, const CpsPatchMeta * m, GstVideoInfo * info)
{
  gst_video_info_set_format (info, GST_VIDEO_FORMAT_RGB, m->target_width,
      m->target_height);
  window_framerate (NULL, window, m, &GST_VIDEO_INFO_FPS_N (info),
      &GST_VIDEO_INFO_FPS_D (info));
  if (m->source_width && m->source_height)
    gst_util_fraction_multiply (m->source_width, m->source_height,
        m->target_height, m->target_width, &GST_VIDEO_INFO_PAR_N (info),
        &GST_VIDEO_INFO_PAR_D (info));
}

static void
read_settings (GstCpsViz * self, DrawSettings * s)
{
  GST_OBJECT_LOCK (self);
  s->unselected = self->unselected;
  s->dim_level = self->dim_level;
  s->caption = self->caption;
  s->outline = self->outline;
  GST_OBJECT_UNLOCK (self);
}

/* A mapped output frame, or NULL after posting an error. */
static GstBuffer *
new_frame_buffer (GstCpsViz * self, const GstVideoInfo * info,
    GstMapInfo * map)
{
  GstBuffer *out = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info),
      NULL);

  if (out && !gst_buffer_map (out, map, GST_MAP_WRITE))
    gst_clear_buffer (&out);
  if (!out)
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not allocate a frame."), (NULL));
  return out;
}

static GstFlowReturn
push_canvas_window (GstCpsViz * self, GstBuffer * window,
    const CpsPatchMeta * m, const guint8 * data)
{
  GstFlowReturn ret = GST_FLOW_OK;
  guint8 *mask = g_malloc ((gsize) m->grid_width * m->grid_height);
  GstVideoInfo info;
  DrawSettings s;

  canvas_info (window, m, &info);
  if (!ensure_output_caps (self, &info)) {
    g_free (mask);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (self->last_seen_size != GST_VIDEO_INFO_SIZE (&self->out_info)) {
    reset_canvas (self);
    self->last_seen_size = GST_VIDEO_INFO_SIZE (&self->out_info);
    self->last_seen = g_malloc0 (self->last_seen_size);
  }
  read_settings (self, &s);
  for (guint t = 0; t < m->n_frames && ret == GST_FLOW_OK; t++) {
    guint n = frame_mask (m, t, mask);
    GstMapInfo map;
    GstBuffer *out = new_frame_buffer (self, &self->out_info, &map);

    if (!out) {
      ret = GST_FLOW_ERROR;
      break;
    }
    draw_canvas (self, m, data, t, &s, map.data, mask, n);
    gst_buffer_unmap (out, &map);
    set_frame_timestamps (out, window, m, t, self->out_info.fps_n,
        self->out_info.fps_d);
    ret = gst_pad_push (self->srcpad, out);
  }
  g_free (mask);
  return ret;
}

static gint64
window_last_id (const CpsPatchMeta * m)
{
  gint64 last = -1;

  for (guint t = 0; t < m->n_frames; t++)
    last = MAX (last, m->frame_ids[t]);
  return last;
}

/* Under lock: whether no more frames will come on the video pad: it has
 * ended, or there is none, or nothing is linked to it. */
static gboolean
video_done (GstCpsViz * self)
{
  return self->video_eos || !self->videopad ||
      !gst_pad_is_linked (self->videopad);
}

/* Under lock: whether the store is full. */
static gboolean
store_full (GstCpsViz * self)
{
  return self->frames.length >= MAX_STORED_FRAMES;
}

/* Under lock: whether window frames up to @last_id can be drawn: the video
 * pad is past them (frames come in order, so a missing one will not
 * come) or done. */
static gboolean
frames_ready (GstCpsViz * self, gint64 last_id)
{
  return video_done (self) || last_id < 0 ||
      (self->have_seen_id && self->seen_id >= (guint64) last_id);
}

/* Waits for the window's frames and takes them (NULL where missing) out
 * of the store with every older frame.  FALSE when flushing. */
static gboolean
take_window_frames (GstCpsViz * self, const CpsPatchMeta * m,
    StoredFrame ** frames)
{
  gint64 last = window_last_id (m);

  g_mutex_lock (&self->lock);
  while (!self->flushing && !frames_ready (self, last))
    g_cond_wait (&self->cond, &self->lock);
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
  for (GList * l = self->frames.head; l; l = l->next) {
    StoredFrame *f = l->data;

    for (guint t = 0; t < m->n_frames; t++)
      if (!frames[t] && m->frame_ids[t] >= 0 &&
          f->frame_id == (guint64) m->frame_ids[t]) {
        frames[t] = f;
        l->data = NULL;
        break;
      }
  }
  g_queue_remove_all (&self->frames, NULL);
  if (last >= 0) {
    drop_frames_up_to (self, last);
    self->have_done_id = TRUE;
    self->done_id = last;
  }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* The drawing size of a window frame that never came: that of a frame of
 * the window that did, else the source size scaled as frames are. */
static void
missing_frame_info (GstCpsViz * self, const CpsPatchMeta * m,
    StoredFrame ** frames, GstVideoInfo * info)
{
  gint w, h, max_width;

  for (guint t = 0; t < m->n_frames; t++)
    if (frames[t]) {
      *info = frames[t]->info;
      return;
    }
  GST_OBJECT_LOCK (self);
  max_width = self->max_width;
  GST_OBJECT_UNLOCK (self);
  cps_viz_output_size (MAX (m->source_width, 1), MAX (m->source_height, 1),
      max_width, &w, &h);
  gst_video_info_set_format (info, GST_VIDEO_FORMAT_RGB, w, h);
}

static GstFlowReturn
push_overlay_frame (GstCpsViz * self, GstBuffer * window,
    const CpsPatchMeta * m, const guint8 * data, guint t,
    const StoredFrame * frame, const GstVideoInfo * info,
    const DrawSettings * s, guint8 * mask)
{
  guint n = frame_mask (m, t, mask);
  GstMapInfo map, src;
  GstBuffer *out;

  if (!ensure_output_caps (self, info))
    return GST_FLOW_NOT_NEGOTIATED;
  out = new_frame_buffer (self, info, &map);
  if (!out)
    return GST_FLOW_ERROR;
  if (frame && gst_buffer_map (frame->rgb, &src, GST_MAP_READ)) {
    draw_overlay (m, data, t, s, src.data, map.data, info, mask, n);
    gst_buffer_unmap (frame->rgb, &src);
  } else {
    GST_DEBUG_OBJECT (self, "window %" G_GUINT64_FORMAT ": frame %"
        G_GINT64_FORMAT " never came on the video pad; drawing its patches "
        "on black", m->window_index, m->frame_ids[t]);
    draw_overlay (m, data, t, s, NULL, map.data, info, mask, n);
  }
  gst_buffer_unmap (out, &map);
  set_frame_timestamps (out, window, m, t, info->fps_n, info->fps_d);
  return gst_pad_push (self->srcpad, out);
}

/* Whether the patch pad is drawing a window, its frames in hand: then,
 * and only then, a full store may hold the video pad back, as the
 * window's end makes room.  A window waiting for its frames, or cpstopk
 * between windows, may need more frames than the store holds. */
static void
set_drawing (GstCpsViz * self, gboolean drawing)
{
  g_mutex_lock (&self->lock);
  self->drawing = drawing;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static GstFlowReturn
push_overlay_window (GstCpsViz * self, GstBuffer * window,
    const CpsPatchMeta * m, const guint8 * data)
{
  StoredFrame **frames = g_new0 (StoredFrame *, m->n_frames);
  guint8 *mask = g_malloc ((gsize) m->grid_width * m->grid_height);
  GstFlowReturn ret = GST_FLOW_FLUSHING;
  GstVideoInfo fallback;
  DrawSettings s;

  if (take_window_frames (self, m, frames)) {
    set_drawing (self, TRUE);
    read_settings (self, &s);
    missing_frame_info (self, m, frames, &fallback);
    window_framerate (&fallback, window, m, &fallback.fps_n, &fallback.fps_d);
    ret = GST_FLOW_OK;
    for (guint t = 0; t < m->n_frames && ret == GST_FLOW_OK; t++) {
      GstVideoInfo info = frames[t] ? frames[t]->info : fallback;

      /* the rate that timed the window, when the caps have none */
      info.fps_n = fallback.fps_n;
      info.fps_d = fallback.fps_d;
      ret = push_overlay_frame (self, window, m, data, t, frames[t], &info,
          &s, mask);
    }
    set_drawing (self, FALSE);
  }
  for (guint t = 0; t < m->n_frames; t++)
    g_clear_pointer (&frames[t], stored_frame_free);
  g_free (frames);
  g_free (mask);
  return ret;
}

static gboolean
overlay_mode (GstCpsViz * self)
{
  gboolean overlay;

  g_mutex_lock (&self->lock);
  overlay = self->videopad != NULL;
  g_mutex_unlock (&self->lock);
  return overlay;
}

static GstFlowReturn
gst_cps_viz_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstCpsViz *self = GST_CPS_VIZ (parent);
  CpsPatchMeta *m = cps_buffer_get_patch_meta (buf);
  GstFlowReturn ret;
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
  if (overlay_mode (self))
    ret = push_overlay_window (self, buf, m, map.data);
  else
    ret = push_canvas_window (self, buf, m, map.data);
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  return ret;
}

/* EOS goes downstream once: when the patch pad has it and, with a linked
 * video pad, that one too. */
static void
mark_eos (GstCpsViz * self, gboolean video)
{
  gboolean send;

  g_mutex_lock (&self->lock);
  if (video)
    self->video_eos = TRUE;
  else
    self->sink_eos = TRUE;
  /* no window will come for stored frames after the patch pad's EOS */
  if (self->sink_eos)
    clear_frames (self);
  send = self->sink_eos && video_done (self) && !self->eos_sent;
  self->eos_sent |= send;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (send)
    gst_pad_push_event (self->srcpad, gst_event_new_eos ());
}

static gboolean
gst_cps_viz_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstCpsViz *self = GST_CPS_VIZ (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      /* output caps depend on the window's meta or the video frames */
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
    case GST_EVENT_EOS:
      gst_event_unref (event);
      mark_eos (self, FALSE);
      return TRUE;
    case GST_EVENT_FLUSH_START:
      /* wakes a window waiting for its frames */
      g_mutex_lock (&self->lock);
      self->flushing = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      break;
    case GST_EVENT_FLUSH_STOP:
      g_mutex_lock (&self->lock);
      self->flushing = FALSE;
      self->sink_eos = self->eos_sent = FALSE;
      self->have_done_id = FALSE;
      g_mutex_unlock (&self->lock);
      if (self->last_seen)
        memset (self->last_seen, 0, self->last_seen_size);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

/* The frames' layout; the scaler follows with the first frame. */
static gboolean
set_video_caps (GstCpsViz * self, GstCaps * caps)
{
  if (!gst_video_info_from_caps (&self->video_info, caps))
    return FALSE;
  g_clear_pointer (&self->convert, gst_video_converter_free);
  return TRUE;
}

/* The part of the frame the patch grid covers: cpsmotion's display window
 * (smaller than the frame where the decoder left a crop undone), else the
 * whole frame. */
static void
frame_region (GstCpsViz * self, const CpsMotionMeta * mm,
    GstVideoRectangle * r)
{
  gint w = GST_VIDEO_INFO_WIDTH (&self->video_info);
  gint h = GST_VIDEO_INFO_HEIGHT (&self->video_info);

  r->x = r->y = 0;
  r->w = w;
  r->h = h;
  if (mm->region_width > 0 && mm->region_height > 0 &&
      mm->region_x + mm->region_width <= (guint) w &&
      mm->region_y + mm->region_height <= (guint) h) {
    r->x = mm->region_x;
    r->y = mm->region_y;
    r->w = mm->region_width;
    r->h = mm->region_height;
  }
}

/* The scaler of @region of the caps' frames to RGB at most max-width
 * wide, rebuilt when the caps or the region change. */
static gboolean
ensure_converter (GstCpsViz * self, const GstVideoRectangle * region)
{
  GstVideoInfo *in = &self->video_info, out;
  gint w, h, max_width;

  if (self->convert && memcmp (region, &self->region, sizeof *region) == 0)
    return TRUE;
  GST_OBJECT_LOCK (self);
  max_width = self->max_width;
  GST_OBJECT_UNLOCK (self);
  cps_viz_output_size (region->w, region->h, max_width, &w, &h);
  gst_video_info_set_format (&out, GST_VIDEO_FORMAT_RGB, w, h);
  GST_VIDEO_INFO_FPS_N (&out) = GST_VIDEO_INFO_FPS_N (in);
  GST_VIDEO_INFO_FPS_D (&out) = GST_VIDEO_INFO_FPS_D (in);
  GST_VIDEO_INFO_PAR_N (&out) = GST_VIDEO_INFO_PAR_N (in);
  GST_VIDEO_INFO_PAR_D (&out) = GST_VIDEO_INFO_PAR_D (in);
  g_clear_pointer (&self->convert, gst_video_converter_free);
  self->convert = gst_video_converter_new (in, &out,
      gst_structure_new ("GstVideoConverter",
          GST_VIDEO_CONVERTER_OPT_SRC_X, G_TYPE_INT, region->x,
          GST_VIDEO_CONVERTER_OPT_SRC_Y, G_TYPE_INT, region->y,
          GST_VIDEO_CONVERTER_OPT_SRC_WIDTH, G_TYPE_INT, region->w,
          GST_VIDEO_CONVERTER_OPT_SRC_HEIGHT, G_TYPE_INT, region->h, NULL));
  self->scaled_info = out;
  self->region = *region;
  return self->convert != NULL;
}

/* A flush-start wakes a frame waiting for room in the store. */
static void
video_flush (GstCpsViz * self, gboolean start)
{
  g_mutex_lock (&self->lock);
  self->video_flushing = start;
  if (!start) {
    clear_frames (self);
    self->have_seen_id = self->have_done_id = FALSE;
    self->video_eos = FALSE;
  }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Events of the video pad stay here: the patch pad's go downstream. */
static gboolean
gst_cps_viz_video_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstCpsViz *self = GST_CPS_VIZ (parent);
  gboolean ret = TRUE;
  GstCaps *caps;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      ret = set_video_caps (self, caps);
      break;
    case GST_EVENT_EOS:
      mark_eos (self, TRUE);
      break;
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP:
      video_flush (self, GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START);
      break;
    default:
      break;
  }
  gst_event_unref (event);
  return ret;
}

static gboolean
gst_cps_viz_video_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_ALLOCATION:
      /* frames are read through GstVideoFrame: any layout will do */
      gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
      return TRUE;
    case GST_QUERY_ACCEPT_CAPS:
      return cps_video_accept_caps (GST_ELEMENT (parent), pad, query);
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

/* A scaled RGB copy of @buf (the decoder's buffer goes back at once). */
static StoredFrame *
scale_frame (GstCpsViz * self, GstBuffer * buf, guint64 frame_id)
{
  StoredFrame *f;
  GstVideoFrame in, out;
  GstBuffer *rgb;

  if (!gst_video_frame_map (&in, &self->video_info, buf, GST_MAP_READ))
    return NULL;
  rgb = gst_buffer_new_allocate (NULL,
      GST_VIDEO_INFO_SIZE (&self->scaled_info), NULL);
  if (!gst_video_frame_map (&out, &self->scaled_info, rgb, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in);
    gst_buffer_unref (rgb);
    return NULL;
  }
  gst_video_converter_frame (self->convert, &in, &out);
  gst_video_frame_unmap (&out);
  gst_video_frame_unmap (&in);
  f = g_new0 (StoredFrame, 1);
  f->frame_id = frame_id;
  f->info = self->scaled_info;
  f->rgb = rgb;
  return f;
}

/* Under lock: whether a frame is of no use: its window was drawn, or no
 * window will come. */
static gboolean
frame_unwanted (GstCpsViz * self, guint64 frame_id)
{
  return self->sink_eos || (self->have_done_id && frame_id <= self->done_id);
}

/* Stores @f.  While a window is being drawn, a full store holds the video
 * pad back (as a full queue would) until the window is out, so that no
 * frame is lost and memory stays bounded when drawing is slower than
 * decoding (an encoder downstream). */
static GstFlowReturn
store_frame (GstCpsViz * self, StoredFrame * f)
{
  GstFlowReturn ret = GST_FLOW_OK;

  g_mutex_lock (&self->lock);
  while (store_full (self) && self->drawing && !self->video_flushing &&
      self->videopad && !frame_unwanted (self, f->frame_id)) {
    GST_LOG_OBJECT (self, "store full, frame %" G_GUINT64_FORMAT " waits",
        f->frame_id);
    g_cond_wait (&self->cond, &self->lock);
  }
  if (self->video_flushing)
    ret = GST_FLOW_FLUSHING;
  if (ret != GST_FLOW_OK || frame_unwanted (self, f->frame_id))
    stored_frame_free (f);
  else
    g_queue_push_tail (&self->frames, f);
  g_mutex_unlock (&self->lock);
  return ret;
}

static void
mark_seen (GstCpsViz * self, guint64 frame_id)
{
  g_mutex_lock (&self->lock);
  self->have_seen_id = TRUE;
  self->seen_id = frame_id;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* The frame is copied, scaled, into the store, and goes back upstream at
 * once; only a full store holds it up. */
static GstFlowReturn
gst_cps_viz_video_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstCpsViz *self = GST_CPS_VIZ (parent);
  CpsMotionMeta *mm = cps_buffer_get_motion_meta (buf);
  GstFlowReturn ret = GST_FLOW_OK;
  GstVideoRectangle region;
  gboolean unwanted;
  guint64 frame_id;
  StoredFrame *f;

  if (!mm) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("cpsviz's video pad takes the frames leaving cpsmotion; this frame "
            "has no CpsMotionMeta."), (NULL));
    return GST_FLOW_ERROR;
  }
  frame_region (self, mm, &region);
  if (!GST_VIDEO_INFO_FORMAT (&self->video_info) ||
      !ensure_converter (self, &region)) {
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  frame_id = mm->frame_id;
  g_mutex_lock (&self->lock);
  unwanted = frame_unwanted (self, frame_id);
  g_mutex_unlock (&self->lock);
  f = unwanted ? NULL : scale_frame (self, buf, frame_id);
  gst_buffer_unref (buf);
  if (f)
    ret = store_frame (self, f);
  else if (!unwanted)
    GST_WARNING_OBJECT (self, "could not read frame %" G_GUINT64_FORMAT,
        frame_id);
  if (ret == GST_FLOW_OK)
    mark_seen (self, frame_id);
  return ret;
}

/* Upstream events go through the patch pad only: both pads come from one
 * source, which must see a seek once. */
static gboolean
gst_cps_viz_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  return gst_pad_push_event (GST_CPS_VIZ (parent)->sinkpad, event);
}

static GstPad *
gst_cps_viz_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstCpsViz *self = GST_CPS_VIZ (element);
  GstPad *pad;

  g_mutex_lock (&self->lock);
  if (self->videopad) {
    g_mutex_unlock (&self->lock);
    GST_WARNING_OBJECT (self, "there is one video pad only");
    return NULL;
  }
  pad = gst_pad_new_from_template (templ, "video");
  gst_pad_set_chain_function (pad,
      GST_DEBUG_FUNCPTR (gst_cps_viz_video_chain));
  gst_pad_set_event_function (pad,
      GST_DEBUG_FUNCPTR (gst_cps_viz_video_event));
  gst_pad_set_query_function (pad,
      GST_DEBUG_FUNCPTR (gst_cps_viz_video_query));
  self->videopad = pad;
  self->video_eos = self->have_seen_id = FALSE;
  g_mutex_unlock (&self->lock);
  gst_element_add_pad (element, pad);
  return pad;
}

static void
gst_cps_viz_release_pad (GstElement * element, GstPad * pad)
{
  GstCpsViz *self = GST_CPS_VIZ (element);

  g_mutex_lock (&self->lock);
  self->videopad = NULL;
  clear_frames (self);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  gst_element_remove_pad (element, pad);
  /* the pad's streaming thread has stopped */
  g_clear_pointer (&self->convert, gst_video_converter_free);
}

static void
reset_streams (GstCpsViz * self)
{
  g_mutex_lock (&self->lock);
  clear_frames (self);
  self->have_seen_id = self->have_done_id = FALSE;
  self->sink_eos = self->video_eos = self->eos_sent = FALSE;
  g_mutex_unlock (&self->lock);
  reset_canvas (self);
  self->have_out_caps = FALSE;
  gst_video_info_init (&self->video_info);
  g_clear_pointer (&self->convert, gst_video_converter_free);
}

static void
set_flushing (GstCpsViz * self, gboolean flushing)
{
  g_mutex_lock (&self->lock);
  self->flushing = self->video_flushing = flushing;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static GstStateChangeReturn
gst_cps_viz_change_state (GstElement * element, GstStateChange transition)
{
  GstCpsViz *self = GST_CPS_VIZ (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    set_flushing (self, FALSE);
  else if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    set_flushing (self, TRUE);  /* a thread waiting on the store lets go */
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    reset_streams (self);
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
    case PROP_MAX_WIDTH:
      self->max_width = g_value_get_uint (value);
      break;
    case PROP_CAPTION:
      self->caption = g_value_get_boolean (value);
      break;
    case PROP_OUTLINE:
      self->outline = g_value_get_boolean (value);
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
    case PROP_MAX_WIDTH:
      g_value_set_uint (value, self->max_width);
      break;
    case PROP_CAPTION:
      g_value_set_boolean (value, self->caption);
      break;
    case PROP_OUTLINE:
      g_value_set_boolean (value, self->outline);
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
  GstCpsViz *self = GST_CPS_VIZ (object);

  reset_streams (self);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
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
  element_class->request_new_pad = gst_cps_viz_request_new_pad;
  element_class->release_pad = gst_cps_viz_release_pad;

  /**
   * GstCpsViz:unselected:
   *
   * What is shown where no patch of the frame was selected: black, or
   * (dimmed, the default) the source frame darkened to
   * #GstCpsViz:dim-level, on the canvas the last patch selected there.
   */
  g_object_class_install_property (gobject_class, PROP_UNSELECTED,
      g_param_spec_enum ("unselected", "Unselected areas",
          "What is shown where nothing was selected in this frame",
          GST_TYPE_CPS_VIZ_UNSELECTED, DEFAULT_UNSELECTED, flags));
  /**
   * GstCpsViz:dim-level:
   *
   * Brightness, 0 to 1 (default 0.3), of what is not selected in the frame
   * with unselected=dimmed, and of frames selected whole.
   */
  g_object_class_install_property (gobject_class, PROP_DIM_LEVEL,
      g_param_spec_double ("dim-level", "Dim level",
          "Brightness (0-1) of what is not selected in this frame "
          "(unselected=dimmed) and of frames selected whole", 0.0, 1.0,
          DEFAULT_DIM_LEVEL, flags));
  /**
   * GstCpsViz:max-width:
   *
   * Widest output, in pixels, with the video pad: frames are scaled down
   * to it, keeping their shape, and never enlarged.  16 to 16384, default
   * 960.  Read when the video pad gets caps.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_WIDTH,
      g_param_spec_uint ("max-width", "Maximum width",
          "Widest output in pixels with the video pad (frames are never "
          "enlarged)", 16, 16384, DEFAULT_MAX_WIDTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstCpsViz:caption:
   *
   * Whether to write, at the top left, the window index, the frame id,
   * I or P and the patches selected in the frame (default on).  Left out
   * where the frame is too small to hold it.
   */
  g_object_class_install_property (gobject_class, PROP_CAPTION,
      g_param_spec_boolean ("caption", "Caption",
          "Write window, frame id, I/P and patch count on each frame",
          DEFAULT_CAPTION, flags));
  /**
   * GstCpsViz:outline:
   *
   * Whether to outline the selected area of each frame drawn over the
   * source frame (default on).  The canvas needs none: there the patches
   * stand alone.
   */
  g_object_class_install_property (gobject_class, PROP_OUTLINE,
      g_param_spec_boolean ("outline", "Outline",
          "Outline the selected area (with the video pad)", DEFAULT_OUTLINE,
          flags));

  gst_element_class_set_static_metadata (element_class,
      "CPS selection visualiser", "Filter/Converter/Video",
      "Draws the patches cpstopk selected over the source frames, or back "
      "onto frame-sized RGB video", "cps developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_type_mark_as_plugin_api (GST_TYPE_CPS_VIZ_UNSELECTED, 0);
}

static void
gst_cps_viz_init (GstCpsViz * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->frames);
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_cps_viz_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_cps_viz_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_cps_viz_src_event));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
  self->unselected = DEFAULT_UNSELECTED;
  self->dim_level = DEFAULT_DIM_LEVEL;
  self->max_width = DEFAULT_MAX_WIDTH;
  self->caption = DEFAULT_CAPTION;
  self->outline = DEFAULT_OUTLINE;
}
