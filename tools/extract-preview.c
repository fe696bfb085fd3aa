/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/pbutils/encoding-profile.h>

#include "extract-preview.h"

/* Container and video caps by file extension, for encodebin, and the
 * encoders it may use, best first.  Left to itself encodebin would also
 * take wrappers that register without working (avenc_h264_omx), and a
 * preview stuck there would stall the run. */
static const struct {
  const gchar *extension, *container, *video, *codec, *encoders[3];
} formats[] = {
  {".mp4", "video/quicktime,variant=iso", "video/x-h264", "H.264",
      {"x264enc", "openh264enc"}},
  {".mov", "video/quicktime", "video/x-h264", "H.264",
      {"x264enc", "openh264enc"}},
  {".mkv", "video/x-matroska", "video/x-h264", "H.264",
      {"x264enc", "openh264enc"}},
  {".webm", "video/webm", "video/x-vp8", "VP8", {"vp8enc"}},
};

struct _ExtractPreview {
  gchar *path, *partial;
  guint format;                 /* index in formats */
  const gchar *encoder;
  GstElement *bin;
  gint abandoned;               /* atomic: read by streaming threads */
};

static gboolean
find_format (const gchar * path, guint * format)
{
  gchar *lower = g_ascii_strdown (path, -1);
  gboolean found = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (formats) && !found; i++)
    if (g_str_has_suffix (lower, formats[i].extension)) {
      *format = i;
      found = TRUE;
    }
  g_free (lower);
  return found;
}

/* An installed encoder of @format of a rank encodebin considers. */
static const gchar *
find_encoder (guint format)
{
  for (guint i = 0; formats[format].encoders[i]; i++) {
    GstPluginFeature *f = gst_registry_lookup_feature (gst_registry_get (),
        formats[format].encoders[i]);
    gboolean usable = f && gst_plugin_feature_get_rank (f) >=
        GST_RANK_MARGINAL;

    gst_clear_object (&f);
    if (usable)
      return formats[format].encoders[i];
  }
  return NULL;
}

/* Whether an installed muxer produces @caps. */
static gboolean
have_muxer (const gchar * caps_string)
{
  GList *all =
      gst_element_factory_list_get_elements (GST_ELEMENT_FACTORY_TYPE_MUXER,
      GST_RANK_MARGINAL);
  GstCaps *caps = gst_caps_from_string (caps_string);
  GList *found = gst_element_factory_list_filter (all, caps, GST_PAD_SRC,
      FALSE);
  gboolean have = found != NULL;

  gst_plugin_feature_list_free (found);
  gst_plugin_feature_list_free (all);
  gst_caps_unref (caps);
  return have;
}

ExtractPreview *
extract_preview_new (const gchar * path, gchar ** error)
{
  ExtractPreview *preview;
  const gchar *encoder;
  guint format;

  if (!find_format (path, &format)) {
    *error = g_strdup_printf ("--preview %s: unsupported extension (use "
        ".mp4, .mov, .mkv or .webm)", path);
    return NULL;
  }
  if (!(encoder = find_encoder (format))) {
    gchar *names = g_strjoinv (" or ", (gchar **) formats[format].encoders);

    *error = g_strdup_printf ("--preview %s: no %s encoder is installed "
        "(%s)", path, formats[format].codec, names);
    g_free (names);
    return NULL;
  }
  if (!have_muxer (formats[format].container)) {
    *error = g_strdup_printf ("--preview %s: no muxer for %s is installed",
        path, formats[format].container);
    return NULL;
  }
  preview = g_new0 (ExtractPreview, 1);
  preview->path = g_strdup (path);
  preview->partial = g_strconcat (path, ".partial", NULL);
  preview->format = format;
  preview->encoder = encoder;
  return preview;
}

void
extract_preview_free (ExtractPreview * preview)
{
  gst_clear_object (&preview->bin);
  g_free (preview->path);
  g_free (preview->partial);
  g_free (preview);
}

const gchar *
extract_preview_partial (ExtractPreview * preview)
{
  return preview->partial;
}

static GstEncodingProfile *
encoding_profile (guint format, const gchar * encoder)
{
  GstEncodingProfile *video_profile;
  GstCaps *container = gst_caps_from_string (formats[format].container);
  GstCaps *video = gst_caps_from_string (formats[format].video);
  /* 4:2:0: 4:4:4 H.264 (what x264enc picks for RGB) plays in few players */
  GstCaps *restriction = gst_caps_from_string ("video/x-raw,format=I420");
  GstEncodingContainerProfile *profile =
      gst_encoding_container_profile_new ("preview", NULL, container, NULL);

  video_profile = (GstEncodingProfile *) gst_encoding_video_profile_new
      (video, NULL, restriction, 0);
  /* the preset name is the encoder factory encodebin must use */
  gst_encoding_profile_set_preset_name (video_profile, encoder);
  gst_encoding_container_profile_add_profile (profile, video_profile);
  gst_caps_unref (container);
  gst_caps_unref (video);
  gst_caps_unref (restriction);
  return (GstEncodingProfile *) profile;
}

/* x264enc's default preset is slow for a preview nobody archives. */
static void
on_element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    gpointer unused)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f && g_str_equal (GST_OBJECT_NAME (f), "x264enc"))
    gst_util_set_object_arg (G_OBJECT (element), "speed-preset", "faster");
}

/* The preview's input pads keep its errors to themselves: a failing
 * preview must not stop the dataset.  The bus message of the error then
 * makes cps-extract abandon the bin. */
static GstFlowReturn
chain_keeping_errors (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  ExtractPreview *preview = gst_pad_get_element_private (pad);
  GstFlowReturn ret;

  if (g_atomic_int_get (&preview->abandoned)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  ret = gst_proxy_pad_chain_default (pad, parent, buffer);
  if (ret == GST_FLOW_FLUSHING && !g_atomic_int_get (&preview->abandoned))
    return ret;
  return ret < GST_FLOW_OK ? GST_FLOW_OK : ret;
}

static gboolean
add_input (ExtractPreview * preview, const gchar * name, GstElement * viz,
    const gchar * viz_pad_name)
{
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstPad *target, *ghost;
  gboolean ok;

  gst_bin_add (GST_BIN (preview->bin), queue);
  ok = gst_element_link_pads (queue, "src", viz, viz_pad_name);
  target = gst_element_get_static_pad (queue, "sink");
  ghost = gst_ghost_pad_new (name, target);
  gst_object_unref (target);
  gst_pad_set_element_private (ghost, preview);
  gst_pad_set_chain_function (ghost, chain_keeping_errors);
  gst_element_add_pad (preview->bin, ghost);
  return ok;
}

GstElement *
extract_preview_make_bin (ExtractPreview * preview, gboolean frames,
    gchar ** error)
{
  GstElement *viz = gst_element_factory_make ("cpsviz", "cpsviz");
  GstElement *encode = gst_element_factory_make ("encodebin", NULL);
  GstElement *sink = gst_element_factory_make ("filesink", NULL);
  GstEncodingProfile *profile = encoding_profile (preview->format,
      preview->encoder);
  GstPad *encode_pad;
  gboolean ok;

  preview->bin = gst_object_ref_sink (gst_bin_new ("preview"));
  g_signal_connect (preview->bin, "deep-element-added",
      G_CALLBACK (on_element_added), NULL);
  g_object_set (encode, "profile", profile, NULL);
  gst_encoding_profile_unref (profile);
  /* a preview that has written nothing yet must not keep the dataset's
   * sink from prerolling */
  g_object_set (sink, "location", preview->partial, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (preview->bin), viz, encode, sink, NULL);
  encode_pad = gst_element_request_pad_simple (encode, "video_%u");
  ok = encode_pad && gst_element_link_pads (viz, "src", encode,
      GST_PAD_NAME (encode_pad)) && gst_element_link (encode, sink) &&
      add_input (preview, "sink", viz, "sink") &&
      (!frames || add_input (preview, "video", viz, "video"));
  gst_clear_object (&encode_pad);
  if (!ok) {
    *error = g_strdup_printf ("--preview %s: could not build the encoder "
        "for %s in %s", preview->path, formats[preview->format].codec,
        formats[preview->format].container);
    gst_clear_object (&preview->bin);
    return NULL;
  }
  return preview->bin;
}

gboolean
extract_preview_contains (ExtractPreview * preview, GstObject * object)
{
  return preview->bin && (object == GST_OBJECT (preview->bin) ||
      gst_object_has_as_ancestor (object, GST_OBJECT (preview->bin)));
}

void
extract_preview_abandon (ExtractPreview * preview, GstBin * pipeline)
{
  if (g_atomic_int_get (&preview->abandoned))
    return;
  g_atomic_int_set (&preview->abandoned, TRUE);
  gst_element_set_locked_state (preview->bin, TRUE);
  gst_element_set_state (preview->bin, GST_STATE_NULL);
  gst_bin_remove (pipeline, preview->bin);
}

gboolean
extract_preview_abandoned (ExtractPreview * preview)
{
  return g_atomic_int_get (&preview->abandoned);
}

gboolean
extract_preview_finish (ExtractPreview * preview, gboolean keep,
    gchar ** error)
{
  if (!keep || extract_preview_abandoned (preview)) {
    g_unlink (preview->partial);
    return TRUE;
  }
  if (g_rename (preview->partial, preview->path) != 0) {
    *error = g_strdup_printf ("--preview %s: %s", preview->path,
        g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}
