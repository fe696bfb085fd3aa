/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cpsmeta.h"

#include <string.h>

/* No tags on any cps meta: GstBaseTransform and GstVideoDecoder copy only
 * tag-less metas (or video-tagged ones), and every cps meta must survive
 * converters and decoders between the elements that read it. */
static GType
register_api (const gchar * name)
{
  static const gchar *tags[] = { NULL };

  return gst_meta_api_type_register (name, tags);
}

#define CPS_DEFINE_API_TYPE(func, name)                       \
GType func (void)                                              \
{                                                              \
  static GType type = 0;                                       \
  if (g_once_init_enter (&type))                               \
    g_once_init_leave (&type, register_api (name));            \
  return type;                                                 \
}

#define CPS_DEFINE_META_INFO(func, api, name, type, init, free_fn, transform) \
const GstMetaInfo *func (void)                                 \
{                                                              \
  static const GstMetaInfo *info = NULL;                       \
  if (g_once_init_enter ((GstMetaInfo **) & info)) {           \
    const GstMetaInfo *mi = gst_meta_register (api, name,      \
        sizeof (type), init, free_fn, transform);              \
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi); \
  }                                                            \
  return info;                                                 \
}

/* ---- dtype ---------------------------------------------------------- */

static const gchar *dtype_names[] = { "bf16", "fp16", "fp32", "u8" };

const gchar *
cps_patch_dtype_to_string (CpsPatchDtype dtype)
{
  return (guint) dtype < G_N_ELEMENTS (dtype_names) ? dtype_names[dtype] :
      NULL;
}

gboolean
cps_patch_dtype_from_string (const gchar * s, CpsPatchDtype * dtype)
{
  for (guint i = 0; s && i < G_N_ELEMENTS (dtype_names); i++) {
    if (strcmp (s, dtype_names[i]) == 0) {
      *dtype = (CpsPatchDtype) i;
      return TRUE;
    }
  }
  return FALSE;
}

gsize
cps_patch_dtype_size (CpsPatchDtype dtype)
{
  static const gsize sizes[] = { 2, 2, 4, 1 };

  return (guint) dtype < G_N_ELEMENTS (sizes) ? sizes[dtype] : 0;
}

/* ---- patch meta ----------------------------------------------------- */

/* All arrays live in one block, the 8-byte ones first, then the floats,
 * then the bytes, so that each is aligned. */
static void
patch_meta_alloc (CpsPatchMeta * m, guint n_patches, guint n_frames)
{
  gsize fields = sizeof (gint64) * n_patches * CPS_PATCH_N_FIELDS;
  gsize ids = sizeof (gint64) * n_frames;
  gsize pts = sizeof (GstClockTime) * n_frames;
  gsize scores = sizeof (gfloat) * n_patches;
  gsize camera = sizeof (gfloat) * 4 * n_frames;
  guint8 *block = g_malloc0 (fields + ids + pts + scores + camera +
      2 * n_frames + 1);

  m->n_patches = n_patches;
  m->n_frames = n_frames;
  m->fields = (gint64 *) block;
  m->frame_ids = (gint64 *) (block + fields);
  m->frame_pts = (GstClockTime *) (block + fields + ids);
  m->scores = (gfloat *) (block + fields + ids + pts);
  m->camera_motion = (gfloat *) (block + fields + ids + pts + scores);
  m->frame_is_i = block + fields + ids + pts + scores + camera;
  m->camera_class = m->frame_is_i + n_frames;
  /* until the caller fills them: no camera motion */
  for (guint t = 0; t < n_frames; t++)
    m->camera_motion[4 * t + 2] = 1.0f;
}

static gboolean
patch_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  CpsPatchMeta *m = (CpsPatchMeta *) meta;

  memset ((guint8 *) m + sizeof (GstMeta), 0,
      sizeof (CpsPatchMeta) - sizeof (GstMeta));
  m->fps_d = 1;
  m->duration = GST_CLOCK_TIME_NONE;
  return TRUE;
}

static void
patch_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  g_free (((CpsPatchMeta *) meta)->fields);
  g_free (((CpsPatchMeta *) meta)->elements);
}

static gboolean
patch_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  CpsPatchMeta *src = (CpsPatchMeta *) meta, *dst;

  /* Patch data is not video: any transform but a plain copy invalidates
   * the meta, so only copies keep it. */
  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  dst = cps_buffer_add_patch_meta (dest, src->n_patches, src->n_frames);
  if (!dst)
    return FALSE;
  dst->patch_size = src->patch_size;
  dst->channels = src->channels;
  dst->dtype = src->dtype;
  dst->grid_height = src->grid_height;
  dst->grid_width = src->grid_width;
  dst->target_height = src->target_height;
  dst->target_width = src->target_width;
  dst->source_height = src->source_height;
  dst->source_width = src->source_width;
  dst->window_index = src->window_index;
  dst->sequence_length = src->sequence_length;
  dst->k = src->k;
  dst->fps_n = src->fps_n;
  dst->fps_d = src->fps_d;
  dst->duration = src->duration;
  dst->elements = g_strdup (src->elements);
  dst->motion_model = src->motion_model;
  dst->window_camera_class = src->window_camera_class;
  dst->token_merge = src->token_merge;
  dst->n_tokens = src->n_tokens;
  memcpy (dst->fields, src->fields,
      sizeof (gint64) * src->n_patches * CPS_PATCH_N_FIELDS);
  memcpy (dst->scores, src->scores, sizeof (gfloat) * src->n_patches);
  memcpy (dst->frame_ids, src->frame_ids, sizeof (gint64) * src->n_frames);
  memcpy (dst->frame_pts, src->frame_pts,
      sizeof (GstClockTime) * src->n_frames);
  memcpy (dst->frame_is_i, src->frame_is_i, src->n_frames);
  memcpy (dst->camera_motion, src->camera_motion,
      sizeof (gfloat) * 4 * src->n_frames);
  memcpy (dst->camera_class, src->camera_class, src->n_frames);
  return TRUE;
}

CPS_DEFINE_API_TYPE (cps_patch_meta_api_get_type, "CpsPatchMetaAPI");
CPS_DEFINE_META_INFO (cps_patch_meta_get_info, CPS_PATCH_META_API_TYPE,
    "CpsPatchMeta", CpsPatchMeta, patch_meta_init, patch_meta_free,
    patch_meta_transform);

CpsPatchMeta *
cps_buffer_add_patch_meta (GstBuffer * buffer, guint n_patches,
    guint n_frames)
{
  CpsPatchMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  m = (CpsPatchMeta *) gst_buffer_add_meta (buffer, CPS_PATCH_META_INFO, NULL);
  if (m)
    patch_meta_alloc (m, n_patches, n_frames);
  return m;
}

CpsPatchMeta *
cps_buffer_get_patch_meta (GstBuffer * buffer)
{
  return (CpsPatchMeta *) gst_buffer_get_meta (buffer,
      CPS_PATCH_META_API_TYPE);
}

/* ---- patch info (custom) meta -------------------------------------- */

static const GstMetaInfo *
patch_info_meta_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    static const gchar *tags[] = { NULL };
    /* no transform function: GstCustomMeta then keeps it on copies only */
    const GstMetaInfo *mi = gst_meta_register_custom (CPS_PATCH_INFO_META_NAME,
        tags, NULL, NULL, NULL);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

static void
set_bytes (GstStructure * s, const gchar * field, gconstpointer data,
    gsize size)
{
  GBytes *bytes = g_bytes_new (data, size);

  gst_structure_set (s, field, G_TYPE_BYTES, bytes, NULL);
  g_bytes_unref (bytes);
}

GstCustomMeta *
cps_buffer_add_patch_info_meta (GstBuffer * buffer, const CpsPatchMeta * m)
{
  GstCustomMeta *custom;
  GstStructure *s;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (m != NULL, NULL);
  custom = (GstCustomMeta *) gst_buffer_add_meta (buffer,
      patch_info_meta_info (), NULL);
  if (!custom)
    return NULL;
  s = gst_custom_meta_get_structure (custom);
  gst_structure_set_name (s, "cps-patch-info");
  gst_structure_set (s,
      "n-patches", G_TYPE_UINT, m->n_patches,
      "patch-size", G_TYPE_UINT, m->patch_size,
      "channels", G_TYPE_UINT, m->channels,
      "dtype", G_TYPE_STRING, cps_patch_dtype_to_string (m->dtype),
      "grid-height", G_TYPE_UINT, m->grid_height,
      "grid-width", G_TYPE_UINT, m->grid_width,
      "target-height", G_TYPE_UINT, m->target_height,
      "target-width", G_TYPE_UINT, m->target_width,
      "source-height", G_TYPE_UINT, m->source_height,
      "source-width", G_TYPE_UINT, m->source_width,
      "n-frames", G_TYPE_UINT, m->n_frames,
      "window-index", G_TYPE_UINT64, m->window_index,
      "sequence-length", G_TYPE_UINT, m->sequence_length,
      "k", G_TYPE_UINT, m->k,
      "fps", GST_TYPE_FRACTION, m->fps_n, MAX (m->fps_d, 1),
      "duration", G_TYPE_UINT64, m->duration,
      "elements", G_TYPE_STRING, m->elements ? m->elements : "",
      "motion-model", G_TYPE_STRING,
      cps_motion_model_to_string (m->motion_model),
      "camera-class", G_TYPE_STRING,
      cps_camera_motion_class_to_string (m->window_camera_class),
      "n-tokens", G_TYPE_UINT, m->n_tokens,
      "token-merge", G_TYPE_STRING, m->token_merge == 2 ? "2x2" : "1x1",
      NULL);
  set_bytes (s, "fields", m->fields,
      sizeof (gint64) * m->n_patches * CPS_PATCH_N_FIELDS);
  set_bytes (s, "scores", m->scores, sizeof (gfloat) * m->n_patches);
  set_bytes (s, "frame-ids", m->frame_ids, sizeof (gint64) * m->n_frames);
  set_bytes (s, "frame-pts", m->frame_pts,
      sizeof (GstClockTime) * m->n_frames);
  set_bytes (s, "frame-is-i", m->frame_is_i, m->n_frames);
  set_bytes (s, "camera-motion", m->camera_motion,
      sizeof (gfloat) * 4 * m->n_frames);
  set_bytes (s, "camera-classes", m->camera_class, m->n_frames);
  return custom;
}

/* ---- camera motion classes ------------------------------------------ */

const gchar *
cps_camera_motion_class_to_string (CpsCameraMotionClass cls)
{
  static const gchar *names[] = { "static", "pan", "zoom", "complex" };

  return (guint) cls < G_N_ELEMENTS (names) ? names[cls] : NULL;
}

const gchar *
cps_motion_model_to_string (guint motion_model)
{
  static const gchar *names[] = { "reference", "camera" };

  return motion_model < G_N_ELEMENTS (names) ? names[motion_model] : NULL;
}

/* ---- key unit meta -------------------------------------------------- */

static gboolean
key_unit_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  ((CpsKeyUnitMeta *) meta)->key_unit = FALSE;
  ((CpsKeyUnitMeta *) meta)->frame_id = -1;
  ((CpsKeyUnitMeta *) meta)->sample = -1;
  return TRUE;
}

static gboolean
key_unit_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  /* The fields describe the frame, whatever is done to its pixels. */
  CpsKeyUnitMeta *from = (CpsKeyUnitMeta *) meta, *to;

  to = cps_buffer_add_key_unit_meta (dest, from->key_unit);
  if (to) {
    to->frame_id = from->frame_id;
    to->sample = from->sample;
  }
  return to != NULL;
}

CPS_DEFINE_API_TYPE (cps_key_unit_meta_api_get_type, "CpsKeyUnitMetaAPI");
CPS_DEFINE_META_INFO (cps_key_unit_meta_get_info, CPS_KEY_UNIT_META_API_TYPE,
    "CpsKeyUnitMeta", CpsKeyUnitMeta, key_unit_meta_init, NULL,
    key_unit_meta_transform);

CpsKeyUnitMeta *
cps_buffer_add_key_unit_meta (GstBuffer * buffer, gboolean key_unit)
{
  CpsKeyUnitMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  m = (CpsKeyUnitMeta *) gst_buffer_add_meta (buffer,
      cps_key_unit_meta_get_info (), NULL);
  if (m)
    m->key_unit = key_unit;
  return m;
}

CpsKeyUnitMeta *
cps_buffer_get_key_unit_meta (GstBuffer * buffer)
{
  return (CpsKeyUnitMeta *) gst_buffer_get_meta (buffer,
      CPS_KEY_UNIT_META_API_TYPE);
}

/* ---- metas holding a float map buffer ------------------------------- */

/* Maps @data for reading and keeps a reference for the meta's lifetime. */
static const gfloat *
hold_map (GstBuffer * data, GstBuffer ** slot, GstMapInfo * map)
{
  if (!gst_buffer_map (data, map, GST_MAP_READ))
    return NULL;
  *slot = gst_buffer_ref (data);
  return (const gfloat *) map->data;
}

static void
release_map (GstBuffer ** slot, GstMapInfo * map)
{
  if (*slot) {
    gst_buffer_unmap (*slot, map);
    gst_buffer_unref (*slot);
    *slot = NULL;
  }
}

static gboolean
motion_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  CpsMotionMeta *m = (CpsMotionMeta *) meta;

  memset ((guint8 *) m + sizeof (GstMeta), 0,
      sizeof (CpsMotionMeta) - sizeof (GstMeta));
  m->camera_scale = 1.0f;
  return TRUE;
}

static void
motion_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  CpsMotionMeta *m = (CpsMotionMeta *) meta;

  release_map (&m->data, &m->map);
  g_clear_pointer ((gchar **) & m->settings, g_ref_string_release);
}

static gboolean
motion_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  CpsMotionMeta *src = (CpsMotionMeta *) meta, *dst;

  /* Copied as is, with the size of the frame it was measured on: the
   * consumers compare that with the frame it arrives on, since a copy
   * (what GstBaseTransform asks for) is also what videoflip and videocrop
   * make of it. */
  dst = cps_buffer_add_motion_meta (dest, src->data, src->width,
      src->height);
  if (!dst)
    return FALSE;
  dst->frame_id = src->frame_id;
  dst->is_i = src->is_i;
  dst->radius = src->radius;
  dst->frame_width = src->frame_width;
  dst->frame_height = src->frame_height;
  dst->region_x = src->region_x;
  dst->region_y = src->region_y;
  dst->region_width = src->region_width;
  dst->region_height = src->region_height;
  dst->settings = src->settings ? g_ref_string_acquire ((gchar *)
      src->settings) : NULL;
  dst->motion_model = src->motion_model;
  dst->camera_dx = src->camera_dx;
  dst->camera_dy = src->camera_dy;
  dst->camera_scale = src->camera_scale;
  dst->camera_rotation = src->camera_rotation;
  dst->camera_class = src->camera_class;
  dst->noise_threshold = src->noise_threshold;
  return TRUE;
}

CPS_DEFINE_API_TYPE (cps_motion_meta_api_get_type, "CpsMotionMetaAPI");
CPS_DEFINE_META_INFO (cps_motion_meta_get_info, CPS_MOTION_META_API_TYPE,
    "CpsMotionMeta", CpsMotionMeta, motion_meta_init, motion_meta_free,
    motion_meta_transform);

CpsMotionMeta *
cps_buffer_add_motion_meta (GstBuffer * buffer, GstBuffer * maps,
    guint width, guint height)
{
  CpsMotionMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_get_size (maps) >=
      2 * sizeof (gfloat) * width * height, NULL);
  m = (CpsMotionMeta *) gst_buffer_add_meta (buffer,
      cps_motion_meta_get_info (), NULL);
  if (!m)
    return NULL;
  m->width = width;
  m->height = height;
  m->motion = hold_map (maps, &m->data, &m->map);
  m->residual = m->motion ? m->motion + (gsize) width * height : NULL;
  return m;
}

CpsMotionMeta *
cps_buffer_get_motion_meta (GstBuffer * buffer)
{
  return (CpsMotionMeta *) gst_buffer_get_meta (buffer,
      CPS_MOTION_META_API_TYPE);
}

static gboolean
energy_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  CpsEnergyMeta *m = (CpsEnergyMeta *) meta;

  memset ((guint8 *) m + sizeof (GstMeta), 0,
      sizeof (CpsEnergyMeta) - sizeof (GstMeta));
  return TRUE;
}

static void
energy_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  CpsEnergyMeta *m = (CpsEnergyMeta *) meta;

  release_map (&m->data, &m->map);
  g_clear_pointer ((gchar **) & m->settings, g_ref_string_release);
}

static gboolean
energy_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  CpsEnergyMeta *src = (CpsEnergyMeta *) meta, *dst;

  dst = cps_buffer_add_energy_meta (dest, src->data, src->width,
      src->height);
  if (!dst)
    return FALSE;
  dst->frame_width = src->frame_width;
  dst->frame_height = src->frame_height;
  dst->settings = src->settings ? g_ref_string_acquire ((gchar *)
      src->settings) : NULL;
  return TRUE;
}

CPS_DEFINE_API_TYPE (cps_energy_meta_api_get_type, "CpsEnergyMetaAPI");
CPS_DEFINE_META_INFO (cps_energy_meta_get_info, CPS_ENERGY_META_API_TYPE,
    "CpsEnergyMeta", CpsEnergyMeta, energy_meta_init, energy_meta_free,
    energy_meta_transform);

CpsEnergyMeta *
cps_buffer_add_energy_meta (GstBuffer * buffer, GstBuffer * energy,
    guint width, guint height)
{
  CpsEnergyMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_get_size (energy) >=
      sizeof (gfloat) * width * height, NULL);
  m = (CpsEnergyMeta *) gst_buffer_add_meta (buffer,
      cps_energy_meta_get_info (), NULL);
  if (!m)
    return NULL;
  m->width = width;
  m->height = height;
  m->energy = hold_map (energy, &m->data, &m->map);
  return m;
}

CpsEnergyMeta *
cps_buffer_get_energy_meta (GstBuffer * buffer)
{
  return (CpsEnergyMeta *) gst_buffer_get_meta (buffer,
      CPS_ENERGY_META_API_TYPE);
}
