/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cpsdataset.h"
#include "cps_safetensors.h"

#include <string.h>

static const gchar *
safetensors_dtype (CpsPatchDtype dtype)
{
  static const gchar *names[] = { "BF16", "F16", "F32", "U8" };

  return names[dtype];
}

static gchar *
uint_string (guint64 v)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, v);
}

gboolean
cps_dataset_write_window (const gchar * path, GstBuffer * patches,
    const CpsPatchMeta * m, const gchar * source, GError ** error)
{
  gsize n = m->n_patches, t = m->n_frames, p = m->patch_size;
  gint64 *pts = g_new (gint64, MAX (t, 1));
  gchar *numbers[14], *fps, *duration;
  GstMapInfo map;
  gboolean ok;

  if (G_BYTE_ORDER != G_LITTLE_ENDIAN) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
        "safetensors output needs a little-endian host");
    g_free (pts);
    return FALSE;
  }
  if (!gst_buffer_map (patches, &map, GST_MAP_READ)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        "could not map the patch buffer");
    g_free (pts);
    return FALSE;
  }
  /* timestamps as signed nanoseconds, -1 where the stream had none */
  for (gsize i = 0; i < t; i++)
    pts[i] = GST_CLOCK_TIME_IS_VALID (m->frame_pts[i]) ?
        (gint64) m->frame_pts[i] : -1;
  fps = g_strdup_printf ("%d/%d", m->fps_n, m->fps_d);
  duration = GST_CLOCK_TIME_IS_VALID (m->duration) ?
      uint_string (m->duration) : g_strdup ("-1");

  {
    /* The camera tensors come last, and only from the camera model: the
     * reference model measures no camera motion, and a file without them
     * says so where zeros would claim a still camera. */
    const CpsStTensor tensors[] = {
      {"patches", safetensors_dtype (m->dtype), 4, {n, m->channels, p, p},
          map.data, map.size},
      {"fields", "I64", 2, {n, CPS_PATCH_N_FIELDS}, m->fields,
          n * CPS_PATCH_N_FIELDS * sizeof (gint64)},
      {"scores", "F32", 1, {n}, m->scores, n * sizeof (gfloat)},
      {"frame_ids", "I64", 1, {t}, m->frame_ids, t * sizeof (gint64)},
      {"frame_pts_ns", "I64", 1, {t}, pts, t * sizeof (gint64)},
      {"is_i", "U8", 1, {t}, m->frame_is_i, t},
      {"camera_motion", "F32", 2, {t, 4}, m->camera_motion,
          t * 4 * sizeof (gfloat)},
      {"camera_classes", "U8", 1, {t}, m->camera_class, t},
    };
    const gchar *model = cps_motion_model_to_string (m->motion_model);
    gboolean camera = g_strcmp0 (model, "camera") == 0;
    /* a meta made elsewhere, without the 0.2 fields, merges nothing */
    guint merge = m->token_merge == 2 ? 2 : 1;
    guint64 values[] = { m->patch_size, m->channels, m->grid_height,
      m->grid_width, m->target_height, m->target_width, m->source_height,
      m->source_width, m->sequence_length, m->n_frames, m->k, m->n_patches,
      m->window_index, m->n_patches / (merge * merge)
    };
    const gchar *keys[] = { "patch_size", "channels", "grid_height",
      "grid_width", "target_height", "target_width", "source_height",
      "source_width", "sequence_length", "n_frames", "k", "n_patches",
      "window_index", "n_tokens"
    };
    CpsStMetadata md[G_N_ELEMENTS (keys) + 14];
    gsize n_md = 0;
    gchar *gst_version = gst_version_string ();

    md[n_md++] = (CpsStMetadata) {
    "format", "cps-patches"};
    md[n_md++] = (CpsStMetadata) {
    "source", source ? source : ""};
    md[n_md++] = (CpsStMetadata) {
    "source_fps", fps};
    md[n_md++] = (CpsStMetadata) {
    "source_duration_ns", duration};
    md[n_md++] = (CpsStMetadata) {
    "dtype", cps_patch_dtype_to_string (m->dtype)};
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
      numbers[i] = uint_string (values[i]);
      md[n_md++] = (CpsStMetadata) {
      keys[i], numbers[i]};
    }
    md[n_md++] = (CpsStMetadata) {
    "fields_columns",
          "seq_pos,frame_id,is_i,patch_linear_idx,patch_h_idx,patch_w_idx"};
    md[n_md++] = (CpsStMetadata) {
    "cps_version", VERSION};
    md[n_md++] = (CpsStMetadata) {
    "gstreamer_version", gst_version};
    md[n_md++] = (CpsStMetadata) {
    "elements", m->elements ? m->elements : ""};
    md[n_md++] = (CpsStMetadata) {
    "motion_model", model ? model : ""};
    md[n_md++] = (CpsStMetadata) {
    "token_merge", merge == 2 ? "2x2" : "1x1"};
    if (camera) {
      md[n_md++] = (CpsStMetadata) {
      "camera_class",
            cps_camera_motion_class_to_string (m->window_camera_class)};
      md[n_md++] = (CpsStMetadata) {
      "camera_motion_columns", "dx,dy,scale,rotation"};
      md[n_md++] = (CpsStMetadata) {
      "camera_classes_names", "static,pan,zoom,complex"};
    }

    ok = cps_safetensors_write_file (path, tensors,
        G_N_ELEMENTS (tensors) - (camera ? 0 : 2), md, n_md, error);
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      g_free (numbers[i]);
    g_free (gst_version);
  }
  if (!ok)
    g_prefix_error (error, "could not write \"%s\": ", path);
  gst_buffer_unmap (patches, &map);
  g_free (duration);
  g_free (fps);
  g_free (pts);
  return ok;
}
