/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-cpstopk
 * @title: cpstopk
 *
 * Collects windows of sequence-length processed frames and pushes, per
 * window, one buffer holding the k patches that matter
 * (docs/algorithm.md): each frame is resized to a patch grid (smart
 * resize: about input-size² pixels, sides multiples of 2·patch-size), and
 * the part of it cpsmotion measured (the display window) only; every
 * patch is
 * scored by the energy summed over its pixels, and the global top-k is
 * chosen with I-frame priority, optional static fallback and an optional
 * 2×2 block unit.  Patches are cut from the resized RGB frame, channels
 * first, values 0–255, in the chosen dtype.
 *
 * The output buffer holds N = min(k, frames · grid) patches laid out
 * [N, 3, P, P] in ascending linear index order (block order for the 2×2
 * unit), with a #CpsPatchMeta giving every patch's
 * [seq_pos, frame_id, is_i, linear, h, w] and score, and every frame's
 * id, PTS, I flag and camera motion (from #CpsMotionMeta, measured by
 * cpsmotion motion-model=camera), with the window's camera class.  Its
 * PTS is the first frame's and its duration spans the window.  The first
 * frame of each window has zero scores (the reference measures motion
 * inside a sequence only); if no frame of a window is an I-frame its first
 * frame counts as one.
 *
 * Only the resized RGB frames and per-patch scores are kept while a window
 * fills; input buffers are released at once, so decoder pools never wait
 * on a window.  A partial window at EOS is processed and pushed; a flushing
 * seek discards it; new caps with another frame size, or frames of another
 * motion model, finish it first.
 * Properties are read when a window starts.
 *
 * Latency: a window's first frame waits for the rest of the window, so
 * cpstopk adds the span of a window to the latency query: the PTS span of
 * the last full window once one was seen (this follows sampling), before
 * that (sequence-length − 1) frame durations from the caps.  When the span
 * changes by more than a tenth it posts a latency message.
 *
 * Needs #CpsMotionMeta (cpsmotion upstream).  Uses #CpsEnergyMeta when
 * cpsenergy is upstream, and fuses with the defaults itself otherwise.
 * Both must have been measured on frames of the size that arrives: an
 * element that rotates, crops or scales the frames after cpsmotion is an
 * error (see cpsmotion).
 *
 * Each patch buffer's #CpsPatchMeta records the settings its window was
 * computed with (cpsmotion's and cpsenergy's from their metas, cpstopk's
 * from the window's start, derived values resolved), the source's frame
 * rate and its duration; cpspatchsink writes them into the window files.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=clip.mp4 ! qtdemux ! h264parse ! avdec_h264 ! cpsmotion ! cpstopk k=512 dtype=fp16 ! cpspatchsink
 * ]|
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcpstopk.h"
#include "gstcpsenergy.h"
#include "cpsvideo.h"

GST_DEBUG_CATEGORY_STATIC (gst_cps_topk_debug);
#define GST_CAT_DEFAULT gst_cps_topk_debug

#define DEFAULT_SEQUENCE_LENGTH 16
#define DEFAULT_K 512
#define DEFAULT_INPUT_SIZE 224
#define DEFAULT_PATCH_SIZE 14
#define DEFAULT_DTYPE CPS_PATCH_DTYPE_BF16
#define DEFAULT_UNIT CPS_UNIT_PATCH
#define DEFAULT_STATIC_FALLBACK TRUE
/* A window holds T resized float RGB frames (12 bytes a pixel): these caps
 * bound it to a few GiB even at the extremes. */
#define MAX_SEQUENCE_LENGTH 1024
#define MAX_INPUT_SIZE 4096
#define MAX_PIXELS (4096 * 4096)
#define MAX_PATCH_SIZE 256

enum
{
  PROP_0,
  PROP_SEQUENCE_LENGTH,
  PROP_K,
  PROP_INPUT_SIZE,
  PROP_MIN_PIXELS,
  PROP_MAX_PIXELS,
  PROP_PATCH_SIZE,
  PROP_DTYPE,
  PROP_SELECTION_UNIT,
  PROP_STATIC_FALLBACK,
  PROP_STATIC_ABS_THRESH,
  PROP_STATIC_REL_THRESH,
  PROP_STATIC_UNIFORM_FRAMES,
  PROP_CUDA_DEVICE_ID,
};

#define PATCH_FIELDS ", patch-size = (int) [ 1, 256 ], channels = (int) 3, " \
    "dtype = (string) { bf16, fp16, fp32, u8 }"

#define gst_cps_topk_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstCpsTopK, gst_cps_topk, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_cps_topk_debug, "cpstopk", 0,
        "cps windowed top-k patch selection"));
GST_ELEMENT_REGISTER_DEFINE (cpstopk, "cpstopk", GST_RANK_NONE,
    GST_TYPE_CPS_TOPK);

#define GST_TYPE_CPS_DTYPE (gst_cps_dtype_get_type ())
static GType
gst_cps_dtype_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {CPS_PATCH_DTYPE_BF16, "bfloat16", "bf16"},
    {CPS_PATCH_DTYPE_FP16, "IEEE half float", "fp16"},
    {CPS_PATCH_DTYPE_FP32, "IEEE single float", "fp32"},
    {CPS_PATCH_DTYPE_U8, "unsigned 8-bit", "u8"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstCpsDtype", values));
  return type;
}

#define GST_TYPE_CPS_SELECTION_UNIT (gst_cps_selection_unit_get_type ())
static GType
gst_cps_selection_unit_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {CPS_UNIT_PATCH, "Single patches", "patch"},
    {CPS_UNIT_BLOCK2X2, "2x2 blocks of patches (k divisible by 4)",
        "block2x2"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstCpsSelectionUnit",
            values));
  return type;
}

/* ---- windows ---------------------------------------------------------- */

static void
free_out_pool (GstCpsTopK * self)
{
  if (self->out_pool) {
    gst_buffer_pool_set_active (self->out_pool, FALSE);
    gst_clear_object (&self->out_pool);
  }
  self->out_size = 0;
}

/* Patch buffers are recycled: a pool of buffers sized for a full window
 * (a partial window's buffer is shrunk, and the pool restores its size and
 * drops its meta when it comes back). */
static GstBuffer *
acquire_out_buffer (GstCpsTopK * self, gsize max_size, gsize size)
{
  GstBuffer *out = NULL;

  if (!self->out_pool || self->out_size != max_size) {
    GstStructure *config;

    free_out_pool (self);
    if (self->on_gpu) {
      /* CUDA memory: no allocation per window on the device either */
      self->out_pool = cps_cuda_element_pool (&self->cuda, max_size);
      if (!self->out_pool)
        return NULL;
    } else {
      self->out_pool = gst_buffer_pool_new ();
      config = gst_buffer_pool_get_config (self->out_pool);
      gst_buffer_pool_config_set_params (config, NULL, max_size, 2, 0);
      gst_buffer_pool_set_config (self->out_pool, config);
      gst_buffer_pool_set_active (self->out_pool, TRUE);
    }
    self->out_size = max_size;
  }
  if (gst_buffer_pool_acquire_buffer (self->out_pool, &out, NULL) !=
      GST_FLOW_OK)
    return NULL;
  gst_buffer_resize (out, 0, size);
  return out;
}

static void
clear_window_settings (GstCpsTopK * self)
{
  g_clear_pointer (&self->motion_settings, g_ref_string_release);
  g_clear_pointer (&self->energy_settings, g_ref_string_release);
}

static void
free_window (GstCpsTopK * self)
{
  clear_window_settings (self);
  if (self->window)
    self->ops->window_free (self->window);
  self->window = NULL;
  g_clear_pointer (&self->frame_ids, g_free);
  g_clear_pointer (&self->frame_pts, g_free);
  g_clear_pointer (&self->frame_end, g_free);
  g_clear_pointer (&self->frame_is_i, g_free);
  g_clear_pointer (&self->frame_camera, g_free);
  g_clear_pointer (&self->frame_camera_class, g_free);
  memset (&self->geometry, 0, sizeof (self->geometry));
}

static gint
window_frames (GstCpsTopK * self)
{
  return self->window ? self->ops->window_count (self->window) : 0;
}

/* Sends the patch caps of @cfg unless they are already set. */
static GstFlowReturn
update_src_caps (GstCpsTopK * self, const GstCpsTopKConfig * cfg)
{
  GstCaps *caps = gst_caps_new_simple (CPS_PATCH_CAPS_NAME,
      "patch-size", G_TYPE_INT, (gint) cfg->patch_size,
      "channels", G_TYPE_INT, 3,
      "dtype", G_TYPE_STRING, cps_patch_dtype_to_string (cfg->dtype), NULL);
  GstFlowReturn ret = GST_FLOW_OK;

  if (self->on_gpu)
    gst_caps_set_features (caps, 0,
        gst_caps_features_new (CPS_CUDA_MEMORY_FEATURE, NULL));
  if (self->src_caps && gst_caps_is_equal (caps, self->src_caps)) {
    gst_caps_unref (caps);
    return GST_FLOW_OK;
  }
  /* A refused sticky caps event only fails at the next buffer; asking
   * first gives the user the reason at negotiation time. */
  if (gst_pad_is_linked (self->srcpad) &&
      !gst_pad_peer_query_accept_caps (self->srcpad, caps)) {
    gchar *s = gst_caps_to_string (caps);

    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Downstream refused the patch caps %s; check the dtype and "
            "patch-size it asks for.", s), (NULL));
    g_free (s);
    ret = GST_FLOW_NOT_NEGOTIATED;
  } else if (gst_pad_push_event (self->srcpad,
          gst_event_new_caps (caps))) {
    gst_caps_replace (&self->src_caps, caps);
  } else {
    ret = GST_PAD_IS_FLUSHING (self->srcpad) ? GST_FLOW_FLUSHING :
        GST_FLOW_NOT_NEGOTIATED;
  }
  gst_caps_unref (caps);
  return ret;
}

static gboolean
validate_config (GstCpsTopK * self, const GstCpsTopKConfig * cfg)
{
  if (cfg->select.unit == CPS_UNIT_BLOCK2X2 && cfg->k % 4 != 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("selection-unit=block2x2 needs k divisible by 4 (k is %u).", cfg->k),
        (NULL));
    return FALSE;
  }
  if (cfg->min_pixels && cfg->max_pixels && cfg->min_pixels > cfg->max_pixels) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("min-pixels (%u) is larger than max-pixels (%u).", cfg->min_pixels,
            cfg->max_pixels), (NULL));
    return FALSE;
  }
  return TRUE;
}

/* Fixes the configuration of a new window and (re)builds the window store
 * when the geometry changed. */
/* The part of the frame cpsmotion measured: its display window. */
static void
motion_region (GstCpsTopK * self, const CpsMotionMeta * motion,
    GstVideoRectangle * region)
{
  if (motion->region_width > 0) {
    region->x = motion->region_x;
    region->y = motion->region_y;
    region->w = motion->region_width;
    region->h = motion->region_height;
  } else {
    region->x = region->y = 0;
    region->w = GST_VIDEO_INFO_WIDTH (&self->info);
    region->h = GST_VIDEO_INFO_HEIGHT (&self->info);
  }
}

static GstFlowReturn
begin_window (GstCpsTopK * self, const CpsMotionMeta * motion)
{
  GstCpsTopKConfig cfg;
  CpsWindowGeometry g = { 0 };
  CpsImage layout;
  gint64 duration;

  GST_OBJECT_LOCK (self);
  cfg = self->props;
  GST_OBJECT_UNLOCK (self);
  if (!validate_config (self, &cfg))
    return GST_FLOW_ERROR;

  self->duration = gst_pad_peer_query_duration (self->sinkpad,
      GST_FORMAT_TIME, &duration) && duration >= 0 ? (GstClockTime) duration :
      GST_CLOCK_TIME_NONE;
  motion_region (self, motion, &self->region);
  g.source_width = self->region.w;
  g.source_height = self->region.h;
  g.lowres_width = motion->width;
  g.lowres_height = motion->height;
  g.patch_size = cfg.patch_size;
  g.capacity = cfg.sequence_length;
  cps_smart_resize (g.source_width, g.source_height, cfg.patch_size,
      cfg.input_size, cfg.min_pixels, cfg.max_pixels, &g.target_width,
      &g.target_height);
  cps_image_layout_from_info (&self->info, &layout);
  g.chroma_x_shift = layout.chroma_x_shift;
  g.chroma_y_shift = layout.chroma_y_shift;
  g.chroma_h_cosited = layout.chroma_h_cosited;
  g.chroma_v_cosited = layout.chroma_v_cosited;
  g.device = self->on_gpu ? self->cuda.device : NULL;

  if (!self->window || memcmp (&g, &self->geometry, sizeof (g)) != 0) {
    free_window (self);
    self->geometry = g;
    self->window = self->ops->window_new (&g);
    self->frame_ids = g_new0 (gint64, g.capacity);
    self->frame_pts = g_new0 (GstClockTime, g.capacity);
    self->frame_end = g_new0 (GstClockTime, g.capacity);
    self->frame_is_i = g_new0 (guint8, g.capacity);
    self->frame_camera = g_new0 (gfloat, 4 * g.capacity);
    self->frame_camera_class = g_new0 (guint8, g.capacity);
    GST_INFO_OBJECT (self, "window of %u frames, %dx%d -> %dx%d, grid %dx%d",
        g.capacity, g.source_width, g.source_height, g.target_width,
        g.target_height, g.target_width / g.patch_size,
        g.target_height / g.patch_size);
  }
  self->cfg = cfg;
  self->motion_model = motion->motion_model;
  clear_window_settings (self);
  if (motion->settings)
    self->motion_settings = g_ref_string_acquire ((gchar *) motion->settings);
  return update_src_caps (self, &cfg);
}

/* The window's settings in gst-launch syntax, pixel bounds resolved. */
static gchar *
describe_window (GstCpsTopK * self)
{
  const GstCpsTopKConfig *c = &self->cfg;
  GString *s = g_string_new (NULL);
  guint square = c->input_size * c->input_size;
  gchar a[G_ASCII_DTOSTR_BUF_SIZE], r[G_ASCII_DTOSTR_BUF_SIZE];

  if (self->motion_settings)
    g_string_append_printf (s, "%s ! ", self->motion_settings);
  if (self->energy_settings)
    g_string_append_printf (s, "%s ! ", self->energy_settings);
  g_ascii_formatd (a, sizeof a, "%.15g", c->select.static_abs_thresh);
  g_ascii_formatd (r, sizeof r, "%.15g", c->select.static_rel_thresh);
  g_string_append_printf (s, "cpstopk sequence-length=%u k=%u input-size=%u "
      "min-pixels=%u max-pixels=%u patch-size=%u dtype=%s selection-unit=%s "
      "static-fallback=%s static-abs-thresh=%s static-rel-thresh=%s "
      "static-uniform-frames=%u cuda-device-id=%d", c->sequence_length, c->k,
      c->input_size, c->min_pixels ? c->min_pixels : square,
      c->max_pixels ? c->max_pixels : square, c->patch_size,
      cps_patch_dtype_to_string (c->dtype),
      c->select.unit == CPS_UNIT_BLOCK2X2 ? "block2x2" : "patch",
      c->select.static_fallback ? "true" : "false", a, r,
      c->select.static_uniform_frames, self->cuda.device_id);
  return g_string_free (s, FALSE);
}

/* The class of more than half of the window's frames: a window that
 * mostly panned is a pan, one that never moved is static; without such a
 * majority no one description fits, and it is complex. */
static CpsCameraMotionClass
window_camera_class (const guint8 * classes, guint n_frames)
{
  guint count[CPS_CAMERA_MOTION_COMPLEX + 1] = { 0 };

  for (guint t = 0; t < n_frames; t++)
    count[MIN (classes[t], CPS_CAMERA_MOTION_COMPLEX)]++;
  for (guint c = 0; c < G_N_ELEMENTS (count); c++)
    if (2 * count[c] > n_frames)
      return (CpsCameraMotionClass) c;
  return CPS_CAMERA_MOTION_COMPLEX;
}

static void
fill_patch_meta (GstCpsTopK * self, CpsPatchMeta * meta, const gint64 * idx,
    const gfloat * scores)
{
  const CpsWindowGeometry *g = &self->geometry;
  guint wb = g->target_width / g->patch_size;
  guint hb = g->target_height / g->patch_size;
  gsize per_frame = (gsize) hb * wb;

  meta->patch_size = g->patch_size;
  meta->channels = 3;
  meta->dtype = self->cfg.dtype;
  meta->grid_height = hb;
  meta->grid_width = wb;
  meta->target_height = g->target_height;
  meta->target_width = g->target_width;
  meta->source_height = g->source_height;
  meta->source_width = g->source_width;
  meta->window_index = self->window_index;
  meta->sequence_length = self->cfg.sequence_length;
  meta->k = self->cfg.k;
  meta->fps_n = GST_VIDEO_INFO_FPS_N (&self->info);
  meta->fps_d = GST_VIDEO_INFO_FPS_D (&self->info);
  meta->duration = self->duration;
  meta->elements = describe_window (self);
  for (guint t = 0; t < meta->n_frames; t++) {
    meta->frame_ids[t] = self->frame_ids[t];
    meta->frame_pts[t] = self->frame_pts[t];
    meta->frame_is_i[t] = self->frame_is_i[t];
    meta->camera_class[t] = self->frame_camera_class[t];
  }
  memcpy (meta->camera_motion, self->frame_camera,
      sizeof (gfloat) * 4 * meta->n_frames);
  meta->motion_model = self->motion_model;
  meta->window_camera_class = window_camera_class (meta->camera_class,
      meta->n_frames);
  /* a selected 2x2 block is one token after a 2x2 merge; n_patches is a
   * multiple of 4 then (k is, and so is every frame's grid) */
  meta->token_merge = self->cfg.select.unit == CPS_UNIT_BLOCK2X2 ? 2 : 1;
  meta->n_tokens = meta->n_patches / (meta->token_merge * meta->token_merge);
  for (guint i = 0; i < meta->n_patches; i++) {
    gint64 *row = meta->fields + (gsize) i * CPS_PATCH_N_FIELDS;
    gint64 t = idx[i] / per_frame, rem = idx[i] % per_frame;

    row[CPS_PATCH_FIELD_SEQ_POS] = t;
    row[CPS_PATCH_FIELD_FRAME_ID] = self->frame_ids[t];
    row[CPS_PATCH_FIELD_IS_I] = self->frame_is_i[t];
    row[CPS_PATCH_FIELD_LINEAR_IDX] = idx[i];
    row[CPS_PATCH_FIELD_H_IDX] = rem / wb;
    row[CPS_PATCH_FIELD_W_IDX] = rem % wb;
    meta->scores[i] = scores[idx[i]];
  }
}

static void
set_window_timestamps (GstCpsTopK * self, GstBuffer * out, guint n_frames)
{
  GstClockTime first = self->frame_pts[0], end = GST_CLOCK_TIME_NONE;

  for (guint t = 0; t < n_frames; t++)
    if (GST_CLOCK_TIME_IS_VALID (self->frame_end[t]))
      end = self->frame_end[t];
  GST_BUFFER_PTS (out) = first;
  if (GST_CLOCK_TIME_IS_VALID (first) && GST_CLOCK_TIME_IS_VALID (end) &&
      end > first)
    GST_BUFFER_DURATION (out) = end - first;
  GST_BUFFER_OFFSET (out) = self->window_index;
}

/* A window holds its first frame until its last arrives: that span is the
 * latency cpstopk adds.  It is measured on full windows, since sampling
 * makes the input rate differ from the caps' rate, and a change of more
 * than a tenth is announced so that live pipelines re-query latency. */
static void
update_window_span (GstCpsTopK * self, guint n_frames)
{
  GstClockTime first = self->frame_pts[0], last = self->frame_pts[n_frames - 1];
  GstClockTime span, old = self->window_span;

  if (n_frames < 2 || n_frames != self->cfg.sequence_length ||
      !GST_CLOCK_TIME_IS_VALID (first) || !GST_CLOCK_TIME_IS_VALID (last) ||
      last <= first)
    return;
  span = last - first;
  self->window_span = span;
  if (!GST_CLOCK_TIME_IS_VALID (old) || 10 * (span > old ? span - old :
          old - span) > old) {
    GST_DEBUG_OBJECT (self, "window span %" GST_TIME_FORMAT,
        GST_TIME_ARGS (span));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  }
}

/* Selects, extracts and pushes the window; it is empty afterwards. */
static GstFlowReturn
finish_window (GstCpsTopK * self)
{
  const CpsWindowGeometry *g = &self->geometry;
  guint n_frames = window_frames (self);
  gint hb, wb;
  gsize patch_bytes, max_patches;
  const gfloat *scores;
  gint64 *idx;
  glong n;
  GstBuffer *out;
  GstMapInfo map;
  CpsPatchMeta *meta;

  /* no frame, and maybe no caps yet: the geometry may still be all zero */
  if (n_frames == 0)
    return GST_FLOW_OK;
  hb = g->target_height / g->patch_size;
  wb = g->target_width / g->patch_size;
  cps_resolve_is_i (self->frame_is_i, n_frames);
  update_window_span (self, n_frames);
  scores = self->ops->window_scores (self->window);
  idx = g_new (gint64, MIN ((gsize) self->cfg.k, (gsize) n_frames * hb * wb));
  n = cps_select (scores, self->frame_is_i, n_frames, hb, wb, g->patch_size,
      self->cfg.k, &self->cfg.select, idx);
  g_assert (n >= 0);            /* validate_config refused bad block sizes */

  patch_bytes = 3 * (gsize) g->patch_size * g->patch_size *
      cps_patch_dtype_size (self->cfg.dtype);
  max_patches = MIN ((gsize) self->cfg.k, (gsize) g->capacity * hb * wb);
  out = acquire_out_buffer (self, max_patches * patch_bytes, n * patch_bytes);
  if (!out || !gst_buffer_map (out, &map, GST_MAP_WRITE |
          (self->on_gpu ? cps_cuda_map_flags () : 0))) {
    g_free (idx);
    gst_clear_buffer (&out);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not allocate a patch buffer."), (NULL));
    return GST_FLOW_ERROR;
  }
  self->ops->window_extract (self->window, idx, n, (CpsDtype) self->cfg.dtype,
      map.data);
  /* the patches must be in place before anyone downstream reads them */
  if (self->on_gpu)
    cps_cuda_element_sync (&self->cuda);
  gst_buffer_unmap (out, &map);

  meta = cps_buffer_add_patch_meta (out, n, n_frames);
  fill_patch_meta (self, meta, idx, scores);
  cps_buffer_add_patch_info_meta (out, meta);
  set_window_timestamps (self, out, n_frames);
  g_free (idx);

  GST_DEBUG_OBJECT (self, "window %" G_GUINT64_FORMAT ": %u frames, %ld "
      "patches", self->window_index, n_frames, n);
  self->ops->window_reset (self->window);
  self->window_index++;
  return gst_pad_push (self->srcpad, out);
}

static void
free_default_energy (GstCpsTopK * self)
{
  g_clear_pointer (&self->energy, g_free);
  g_clear_pointer (&self->energy_scratch, g_free);
  gst_clear_buffer (&self->device_energy_buffer);
  self->device_energy = NULL;
  self->energy_size = 0;
}

static const gfloat *
frame_energy (GstCpsTopK * self, GstBuffer * buf, const CpsMotionMeta * motion)
{
  CpsEnergyMeta *e = cps_buffer_get_energy_meta (buf);
  gsize n = (gsize) motion->width * motion->height;

  if (e && e->width == motion->width && e->height == motion->height) {
    /* the settings of the window's first scored frame */
    if (!self->energy_settings && e->settings)
      self->energy_settings = g_ref_string_acquire ((gchar *) e->settings);
    return e->energy;
  }
  /* no cpsenergy upstream: the default fusion, into host or device memory */
  if (self->energy_size != n) {
    free_default_energy (self);
    self->energy = g_new (gfloat, n);
    self->energy_scratch = g_new (gfloat, n);
    self->energy_size = n;
  }
  if (self->on_gpu && !self->device_energy) {
    GstMapInfo map;

    self->device_energy_buffer = cps_cuda_element_alloc (&self->cuda,
        n * sizeof (gfloat));
    if (!self->device_energy_buffer ||
        !gst_buffer_map (self->device_energy_buffer, &map, GST_MAP_READ))
      return NULL;
    /* the data of this wrapped memory is the device pointer itself */
    self->device_energy = (gfloat *) map.data;
    gst_buffer_unmap (self->device_energy_buffer, &map);
  }
  self->ops->energy_fuse (self->cuda.device, motion->motion,
      motion->residual, n, cps_energy_fraction_for_model ((CpsMotionModel)
          motion->motion_model, CPS_DEFAULT_PERCENTILE / 100.0),
      CPS_DEFAULT_MOTION_WEIGHT, CPS_DEFAULT_RESIDUAL_WEIGHT,
      self->energy_scratch, self->on_gpu ? self->device_energy : self->energy);
  return self->on_gpu ? self->device_energy : self->energy;
}

static gboolean
energy_meta_fits (GstCpsTopK * self, GstBuffer * buf)
{
  CpsEnergyMeta *e = cps_buffer_get_energy_meta (buf);

  return !e || cps_video_check_meta_size (GST_ELEMENT (self), &self->info,
      "CpsEnergyMeta", e->frame_width, e->frame_height);
}

static GstClockTime
frame_end_time (GstCpsTopK * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf), dur = GST_BUFFER_DURATION (buf);

  if (!GST_CLOCK_TIME_IS_VALID (dur) && self->info.fps_n > 0)
    dur = gst_util_uint64_scale (GST_SECOND, self->info.fps_d,
        self->info.fps_n);
  if (!GST_CLOCK_TIME_IS_VALID (pts) || !GST_CLOCK_TIME_IS_VALID (dur))
    return GST_CLOCK_TIME_NONE;
  return pts + dur;
}

static GstFlowReturn
gst_cps_topk_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstCpsTopK *self = GST_CPS_TOPK (parent);
  CpsMotionMeta *motion = cps_buffer_get_motion_meta (buf);
  GstVideoRectangle region;
  GstVideoFrame frame;
  CpsImage image;
  const gfloat *energy = NULL;
  gint t;

  if (!self->have_info) {
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (!motion) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("cpstopk needs motion metadata: put cpsmotion before it."),
        ("buffer %" GST_PTR_FORMAT " has no CpsMotionMeta", buf));
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  if (!cps_video_check_meta_size (GST_ELEMENT (self), &self->info,
          "CpsMotionMeta", motion->frame_width, motion->frame_height) ||
      !energy_meta_fits (self, buf)) {
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  t = window_frames (self);
  motion_region (self, motion, &region);
  /* maps of another size, another display window or another motion model
   * (cpsmotion renegotiated): finish the window */
  if (t > 0 && (motion->width != (guint) self->geometry.lowres_width ||
          motion->height != (guint) self->geometry.lowres_height ||
          memcmp (&region, &self->region, sizeof region) != 0 ||
          motion->motion_model != self->motion_model)) {
    GstFlowReturn ret = finish_window (self);

    if (ret != GST_FLOW_OK) {
      gst_buffer_unref (buf);
      return ret;
    }
    t = 0;
  }
  if (t == 0) {
    GstFlowReturn ret = begin_window (self, motion);

    if (ret != GST_FLOW_OK) {
      gst_buffer_unref (buf);
      return ret;
    }
  }
  /* The first frame of a sequence has zero motion (docs/algorithm.md). */
  if (t > 0)
    energy = frame_energy (self, buf, motion);
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ |
          (self->on_gpu ? cps_cuda_map_flags () : 0))) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not map a video frame."), (NULL));
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  cps_image_from_frame_region (&frame, &self->region, &image);
  self->ops->window_add (self->window, &image, &self->matrix, energy);
  gst_video_frame_unmap (&frame);

  self->frame_ids[t] = motion->frame_id;
  self->frame_is_i[t] = motion->is_i != 0;
  self->frame_pts[t] = GST_BUFFER_PTS (buf);
  self->frame_camera[4 * t] = motion->camera_dx;
  self->frame_camera[4 * t + 1] = motion->camera_dy;
  self->frame_camera[4 * t + 2] = motion->camera_scale;
  self->frame_camera[4 * t + 3] = motion->camera_rotation;
  self->frame_camera_class[t] = motion->camera_class;
  self->frame_end[t] = frame_end_time (self, buf);
  gst_buffer_unref (buf);

  if ((guint) t + 1 >= self->cfg.sequence_length)
    return finish_window (self);
  return GST_FLOW_OK;
}

static gboolean
handle_caps (GstCpsTopK * self, GstCaps * caps)
{
  GstVideoInfo info;
  GstCpsTopKConfig cfg;

  gboolean gpu = cps_caps_are_cuda (caps);

  if (!gst_video_info_from_caps (&info, caps))
    return FALSE;
  /* A new frame size ends the window: no window mixes two grids, nor two
   * memories. */
  if (window_frames (self) > 0 && (info.width != self->info.width ||
          info.height != self->info.height || gpu != self->on_gpu))
    finish_window (self);
  if (gpu != self->on_gpu || !self->ops) {
    free_window (self);
    free_out_pool (self);
    free_default_energy (self);
    gst_caps_replace (&self->src_caps, NULL);
    self->ops = cps_cuda_element_choose_ops (&self->cuda,
        GST_ELEMENT (self), caps, &self->on_gpu);
    if (!self->ops) {
      /* not negotiated: nothing is processed until caps that work */
      self->ops = &cps_compute_cpu;
      self->on_gpu = FALSE;
      self->have_info = FALSE;
      return FALSE;
    }
  }
  self->info = info;
  self->have_info = TRUE;
  cps_color_matrix_from_info (&info, &self->matrix);
  GST_OBJECT_LOCK (self);
  cfg = self->props;
  GST_OBJECT_UNLOCK (self);
  return update_src_caps (self, &cfg) == GST_FLOW_OK;
}

static gboolean
gst_cps_topk_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstCpsTopK *self = GST_CPS_TOPK (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ok;

      gst_event_parse_caps (event, &caps);
      ok = handle_caps (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_EOS:
      /* the partial last window is delivered, not dropped */
      finish_window (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      /* a flushing seek discards the partial window */
      if (self->window)
        self->ops->window_reset (self->window);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_cps_topk_sink_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (cps_cuda_element_query (&GST_CPS_TOPK (parent)->cuda,
          GST_ELEMENT (parent), query))
    return TRUE;
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_ACCEPT_CAPS:
      return cps_video_accept_caps (GST_ELEMENT (parent), pad, query);
    case GST_QUERY_ALLOCATION:
      /* frames are read through GstVideoMeta, so any stride will do */
      gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
      return TRUE;
    case GST_QUERY_CAPS:
      /* CUDA memory is in the template but offered per environment */
      if (!gst_pad_query_default (pad, parent, query))
        return FALSE;
      cps_cuda_filter_caps_query (query);
      return TRUE;
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_cps_topk_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstCpsTopK *self = GST_CPS_TOPK (parent);

  if (cps_cuda_element_query (&self->cuda, GST_ELEMENT (self), query))
    return TRUE;
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live;
    GstClockTime min, max, held = 0;
    guint frames;

    if (!gst_pad_peer_query (self->sinkpad, query))
      return FALSE;
    gst_query_parse_latency (query, &live, &min, &max);
    GST_OBJECT_LOCK (self);
    frames = self->props.sequence_length;
    GST_OBJECT_UNLOCK (self);
    /* the first frame of a window waits for the other frames - 1: as
     * measured on the last full window, else from the caps' rate */
    if (GST_CLOCK_TIME_IS_VALID (self->window_span))
      held = self->window_span;
    else if (self->info.fps_n > 0)
      held = gst_util_uint64_scale (GST_SECOND,
          (guint64) self->info.fps_d * (frames - 1), self->info.fps_n);
    min += held;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += held;
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  if (!gst_pad_query_default (pad, parent, query))
    return FALSE;
  cps_cuda_filter_caps_query (query);
  return TRUE;
}

static void
gst_cps_topk_set_context (GstElement * element, GstContext * context)
{
  cps_cuda_element_set_context (&GST_CPS_TOPK (element)->cuda, element,
      context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

static GstStateChangeReturn
gst_cps_topk_change_state (GstElement * element, GstStateChange transition)
{
  GstCpsTopK *self = GST_CPS_TOPK (element);
  GstStateChangeReturn ret;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    free_window (self);
    free_out_pool (self);
    free_default_energy (self);
    cps_cuda_element_close (&self->cuda);
    self->have_info = FALSE;
    self->window_index = 0;
    self->window_span = GST_CLOCK_TIME_NONE;
    gst_caps_replace (&self->src_caps, NULL);
  }
  return ret;
}

static void
gst_cps_topk_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCpsTopK *self = GST_CPS_TOPK (object);
  GstCpsTopKConfig *p = &self->props;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SEQUENCE_LENGTH:
      p->sequence_length = g_value_get_uint (value);
      break;
    case PROP_K:
      p->k = g_value_get_uint (value);
      break;
    case PROP_INPUT_SIZE:
      p->input_size = g_value_get_uint (value);
      break;
    case PROP_MIN_PIXELS:
      p->min_pixels = g_value_get_uint (value);
      break;
    case PROP_MAX_PIXELS:
      p->max_pixels = g_value_get_uint (value);
      break;
    case PROP_PATCH_SIZE:
      p->patch_size = g_value_get_uint (value);
      break;
    case PROP_DTYPE:
      p->dtype = g_value_get_enum (value);
      break;
    case PROP_SELECTION_UNIT:
      p->select.unit = g_value_get_enum (value);
      break;
    case PROP_STATIC_FALLBACK:
      p->select.static_fallback = g_value_get_boolean (value);
      break;
    case PROP_STATIC_ABS_THRESH:
      p->select.static_abs_thresh = g_value_get_double (value);
      break;
    case PROP_STATIC_REL_THRESH:
      p->select.static_rel_thresh = g_value_get_double (value);
      break;
    case PROP_STATIC_UNIFORM_FRAMES:
      p->select.static_uniform_frames = g_value_get_uint (value);
      break;
    case PROP_CUDA_DEVICE_ID:
      self->cuda.device_id = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cps_topk_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCpsTopK *self = GST_CPS_TOPK (object);
  GstCpsTopKConfig *p = &self->props;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SEQUENCE_LENGTH:
      g_value_set_uint (value, p->sequence_length);
      break;
    case PROP_K:
      g_value_set_uint (value, p->k);
      break;
    case PROP_INPUT_SIZE:
      g_value_set_uint (value, p->input_size);
      break;
    case PROP_MIN_PIXELS:
      g_value_set_uint (value, p->min_pixels);
      break;
    case PROP_MAX_PIXELS:
      g_value_set_uint (value, p->max_pixels);
      break;
    case PROP_PATCH_SIZE:
      g_value_set_uint (value, p->patch_size);
      break;
    case PROP_DTYPE:
      g_value_set_enum (value, p->dtype);
      break;
    case PROP_SELECTION_UNIT:
      g_value_set_enum (value, p->select.unit);
      break;
    case PROP_STATIC_FALLBACK:
      g_value_set_boolean (value, p->select.static_fallback);
      break;
    case PROP_STATIC_ABS_THRESH:
      g_value_set_double (value, p->select.static_abs_thresh);
      break;
    case PROP_STATIC_REL_THRESH:
      g_value_set_double (value, p->select.static_rel_thresh);
      break;
    case PROP_STATIC_UNIFORM_FRAMES:
      g_value_set_uint (value, p->select.static_uniform_frames);
      break;
    case PROP_CUDA_DEVICE_ID:
      g_value_set_int (value, self->cuda.device_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cps_topk_finalize (GObject * object)
{
  GstCpsTopK *self = GST_CPS_TOPK (object);

  free_window (self);
  free_out_pool (self);
  free_default_energy (self);
  cps_cuda_element_close (&self->cuda);
  gst_caps_replace (&self->src_caps, NULL);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
install_uint (GObjectClass * klass, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb, guint min, guint max, guint def)
{
  g_object_class_install_property (klass, id, g_param_spec_uint (name, nick,
          blurb, min, max, def, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
}

static void
gst_cps_topk_class_init (GstCpsTopKClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_cps_topk_set_property;
  gobject_class->get_property = gst_cps_topk_get_property;
  gobject_class->finalize = gst_cps_topk_finalize;

  /* Every property is read when a window starts, so changes while playing
   * apply from the next window on. */
  /**
   * GstCpsTopK:sequence-length:
   *
   * Frames per window, T.  A partial window at EOS is still processed.
   */
  install_uint (gobject_class, PROP_SEQUENCE_LENGTH, "sequence-length",
      "Sequence length", "Frames per window (T); a partial window at EOS is "
      "still processed. Like every property here, a change applies from the "
      "next window", 1, MAX_SEQUENCE_LENGTH, DEFAULT_SEQUENCE_LENGTH);
  /**
   * GstCpsTopK:k:
   *
   * Patch budget per window: the output holds min(k, T · grid) patches.
   */
  install_uint (gobject_class, PROP_K, "k", "K",
      "Patch budget per window; the output holds min(k, T*grid) patches",
      1, G_MAXINT, DEFAULT_K);
  /**
   * GstCpsTopK:input-size:
   *
   * Frames are resized to about input-size² pixels (smart resize, sides
   * multiples of 2 · patch-size).
   */
  install_uint (gobject_class, PROP_INPUT_SIZE, "input-size", "Input size",
      "Frames are resized to about input-size^2 pixels (smart resize)",
      1, MAX_INPUT_SIZE, DEFAULT_INPUT_SIZE);
  /**
   * GstCpsTopK:min-pixels:
   *
   * Smaller frames are scaled up to at least this many pixels; 0 stands
   * for input-size² (window files record the value it stood for).
   */
  install_uint (gobject_class, PROP_MIN_PIXELS, "min-pixels", "Min pixels",
      "Smaller frames are scaled up to this many pixels; 0 = input-size^2",
      0, MAX_PIXELS, 0);
  /**
   * GstCpsTopK:max-pixels:
   *
   * Larger frames are scaled down to at most this many pixels; 0 stands
   * for input-size² (window files record the value it stood for).
   */
  install_uint (gobject_class, PROP_MAX_PIXELS, "max-pixels", "Max pixels",
      "Larger frames are scaled down to this many pixels; 0 = input-size^2",
      0, MAX_PIXELS, 0);
  /**
   * GstCpsTopK:patch-size:
   *
   * Patch side P in pixels of the resized frame.
   */
  install_uint (gobject_class, PROP_PATCH_SIZE, "patch-size", "Patch size",
      "Patch side P in pixels of the resized frame; sides become multiples "
      "of 2P", 1, MAX_PATCH_SIZE, DEFAULT_PATCH_SIZE);
  /**
   * GstCpsTopK:dtype:
   *
   * Element type of the patch values (0–255 in every type).
   */
  g_object_class_install_property (gobject_class, PROP_DTYPE,
      g_param_spec_enum ("dtype", "Dtype", "Element type of patch values",
          GST_TYPE_CPS_DTYPE, DEFAULT_DTYPE, flags));
  /**
   * GstCpsTopK:selection-unit:
   *
   * Select single patches, or 2×2 blocks (k/4 of them) expanded to their
   * four patches top-left, top-right, bottom-left, bottom-right.
   */
  g_object_class_install_property (gobject_class, PROP_SELECTION_UNIT,
      g_param_spec_enum ("selection-unit", "Selection unit",
          "Select single patches or 2x2 blocks (k must be divisible by 4)",
          GST_TYPE_CPS_SELECTION_UNIT, DEFAULT_UNIT, flags));
  /**
   * GstCpsTopK:static-fallback:
   *
   * When the window looks static, give whole evenly spaced P-frames the
   * P-frame budget (docs/algorithm.md), rather than the first frames'
   * top-left patches that equal scores would give.  On by default: with
   * the camera motion model a still scene scores (near) zero and is
   * detected; the reference model's maps are never that flat on natural
   * video, so it rarely fires there (the reference library's default is
   * off: set it to false for its exact behaviour).
   */
  g_object_class_install_property (gobject_class, PROP_STATIC_FALLBACK,
      g_param_spec_boolean ("static-fallback", "Static fallback",
          "In static windows, spend the P budget on whole evenly spaced "
          "frames", DEFAULT_STATIC_FALLBACK, flags));
  /**
   * GstCpsTopK:static-abs-thresh:
   *
   * With static-fallback, a window is static when the 95th percentile of
   * the mean patch energy is below this (values above 1 are read on a
   * 0–255 scale).
   */
  g_object_class_install_property (gobject_class, PROP_STATIC_ABS_THRESH,
      g_param_spec_double ("static-abs-thresh", "Static absolute threshold",
          "Static when the 95th percentile of mean patch energy is below "
          "this (values > 1 are on a 0-255 scale)", 0.0, 255.0, 2.0, flags));
  /**
   * GstCpsTopK:static-rel-thresh:
   *
   * With static-fallback, a window is also static when that percentile is
   * below twice static-abs-thresh and (p95 − p50) / p95 is below this.
   */
  g_object_class_install_property (gobject_class, PROP_STATIC_REL_THRESH,
      g_param_spec_double ("static-rel-thresh", "Static relative threshold",
          "Also static when p95 < 2*abs and (p95-p50)/p95 is below this",
          0.0, 1.0, 0.15, flags));
  /**
   * GstCpsTopK:static-uniform-frames:
   *
   * In a static window, the number of evenly spaced P-frames given the
   * P-frame budget.
   */
  install_uint (gobject_class, PROP_STATIC_UNIFORM_FRAMES,
      "static-uniform-frames", "Static uniform frames",
      "Number of evenly spaced P-frames favoured in a static window", 1,
      MAX_SEQUENCE_LENGTH, 4);

  gst_element_class_set_static_metadata (element_class,
      "CPS top-k patch selection", "Filter/Converter/Video/Tensor",
      "Collects windows of frames and pushes the top-k ViT patches of each "
      "window (I-frame priority, optional static fallback) with metadata",
      "cps developers");
  /**
   * GstCpsTopK:cuda-device-id:
   *
   * The CUDA device used when CUDA memory is negotiated; -1 takes the
   * pipeline's context or device 0.
   */
  cps_cuda_install_device_property (gobject_class, PROP_CUDA_DEVICE_ID);
  cps_video_add_templates (element_class, FALSE);
  {
    GstCaps *caps = cps_cuda_template_caps (CPS_PATCH_CAPS_NAME
        "(" CPS_CUDA_MEMORY_FEATURE ")" PATCH_FIELDS,
        CPS_PATCH_CAPS_NAME PATCH_FIELDS);

    gst_element_class_add_pad_template (element_class,
        gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
    gst_caps_unref (caps);
  }
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_cps_topk_set_context);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_cps_topk_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_CPS_DTYPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_CPS_SELECTION_UNIT, 0);
}

static void
gst_cps_topk_init (GstCpsTopK * self)
{
  GstCpsTopKConfig *p = &self->props;

  self->window_span = GST_CLOCK_TIME_NONE;

  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);

  self->cuda.device_id = -1;
  self->sinkpad = gst_pad_new_from_template
      (gst_element_class_get_pad_template (klass, "sink"), "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_cps_topk_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_cps_topk_sink_event));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_cps_topk_sink_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_template
      (gst_element_class_get_pad_template (klass, "src"), "src");
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_cps_topk_src_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  p->sequence_length = DEFAULT_SEQUENCE_LENGTH;
  p->k = DEFAULT_K;
  p->input_size = DEFAULT_INPUT_SIZE;
  p->patch_size = DEFAULT_PATCH_SIZE;
  p->dtype = DEFAULT_DTYPE;
  cps_select_params_init (&p->select);
  p->select.static_fallback = DEFAULT_STATIC_FALLBACK;
  self->ops = &cps_compute_cpu;
}
