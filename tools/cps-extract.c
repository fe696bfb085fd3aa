/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * cps-extract: a video file or URI in, one safetensors file per window out
 * (and optionally a preview video of the selection).  It builds
 *
 *   uridecodebin ! cpsmotion ! cpsenergy ! cpstopk ! [tee !] cpspatchsink
 *                                                    [tee. ! cpsviz ! encoder]
 *
 * and exposes every cpsmotion, cpsenergy and cpstopk property as an option
 * of the same name, generated from the elements themselves so names,
 * ranges and defaults cannot drift.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpsmeta.h"

#define EXIT_USAGE 2
#define WINDOW_PATTERN "window-%05d.safetensors"

static const gchar *tuned_elements[] = { "cpsmotion", "cpsenergy", "cpstopk" };

/* One generated option: a property of one of the tuned elements. */
typedef struct {
  const gchar *element;
  GParamSpec *pspec;
  gchar *value;                 /* as given on the command line, or NULL */
  gchar *description, *arg_description;
} PropertyOption;

typedef enum { MODE_AUTO, MODE_CPU, MODE_GPU } Mode;

typedef struct {
  /* options */
  gchar *output_dir, *preview, *decode_arg, *process_arg;
  gint64 max_windows;
  gdouble progress_interval;
  gboolean overwrite, quiet, verbose;
  GPtrArray *properties;        /* PropertyOption */
  GOptionEntry *property_entries;
  Mode decode, process;

  /* the run */
  const gchar *input;           /* as given, for messages */
  gchar *uri;
  GstElement *pipeline, *decodebin, *motion;
  GMainLoop *loop;
  gchar *preview_partial;
  gchar *preview_encoder;       /* "videoconvert ! encoder ! muxer" */
  gchar *decoder_name;
  gboolean video_linked;
  gint exit_code;
  gint interrupts;
  gint64 start_us;
  guint64 total_frames;         /* estimate, 0 if unknown */

  /* counters, updated from streaming threads */
  gint frames_decoded, frames_processed, windows;
  gint64 patches;
} Extract;

static void
fail (Extract * x, const gchar * format, ...) G_GNUC_PRINTF (2, 3);

/* Reports the first error only: later ones are usually its consequences. */
static void
fail (Extract * x, const gchar * format, ...)
{
  va_list ap;
  gchar *msg;

  if (x->exit_code != 0)
    return;
  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  fprintf (stderr, "%scps-extract: error: %s\n", isatty (2) ? "\r\033[K" : "",
      msg);
  g_free (msg);
  x->exit_code = 1;
  if (x->loop)
    g_main_loop_quit (x->loop);
}

/* ---- options generated from element properties ---------------------- */

static gchar *
describe_range (GParamSpec * p)
{
  if (G_IS_PARAM_SPEC_UINT (p))
    return g_strdup_printf ("%u-%u", G_PARAM_SPEC_UINT (p)->minimum,
        G_PARAM_SPEC_UINT (p)->maximum);
  if (G_IS_PARAM_SPEC_INT (p))
    return g_strdup_printf ("%d-%d", G_PARAM_SPEC_INT (p)->minimum,
        G_PARAM_SPEC_INT (p)->maximum);
  if (G_IS_PARAM_SPEC_DOUBLE (p))
    return g_strdup_printf ("%g-%g", G_PARAM_SPEC_DOUBLE (p)->minimum,
        G_PARAM_SPEC_DOUBLE (p)->maximum);
  if (G_IS_PARAM_SPEC_BOOLEAN (p))
    return g_strdup ("true|false");
  if (G_IS_PARAM_SPEC_ENUM (p)) {
    GEnumClass *e = G_PARAM_SPEC_ENUM (p)->enum_class;
    GString *s = g_string_new (NULL);

    for (guint i = 0; i < e->n_values; i++)
      g_string_append_printf (s, "%s%s", i ? "|" : "", e->values[i].value_nick);
    return g_string_free (s, FALSE);
  }
  return g_strdup ("VALUE");
}

static gchar *
describe_default (GParamSpec * p)
{
  const GValue *def = g_param_spec_get_default_value (p);

  if (G_IS_PARAM_SPEC_ENUM (p))
    return g_strdup (g_enum_get_value (G_PARAM_SPEC_ENUM (p)->enum_class,
            g_value_get_enum (def))->value_nick);
  if (G_IS_PARAM_SPEC_DOUBLE (p))
    return g_strdup_printf ("%g", g_value_get_double (def));
  return gst_value_serialize (def);
}

static void
property_option_free (PropertyOption * o)
{
  g_free (o->value);
  g_free (o->description);
  g_free (o->arg_description);
  g_param_spec_unref (o->pspec);
  g_free (o);
}

/* Collects the writable properties each tuned element declares itself. */
static gboolean
collect_property_options (Extract * x)
{
  x->properties = g_ptr_array_new_with_free_func ((GDestroyNotify)
      property_option_free);
  for (guint e = 0; e < G_N_ELEMENTS (tuned_elements); e++) {
    GstElementFactory *factory = gst_element_factory_find (tuned_elements[e]);
    GstPluginFeature *loaded;
    GObjectClass *klass;
    GParamSpec **props;
    guint n;

    if (!factory)
      return FALSE;
    loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
    gst_object_unref (factory);
    if (!loaded)
      return FALSE;
    klass = g_type_class_ref (gst_element_factory_get_element_type
        (GST_ELEMENT_FACTORY (loaded)));
    props = g_object_class_list_properties (klass, &n);
    for (guint i = 0; i < n; i++) {
      PropertyOption *o;
      gchar *def;

      if (props[i]->owner_type != G_OBJECT_CLASS_TYPE (klass) ||
          !(props[i]->flags & G_PARAM_WRITABLE))
        continue;
      o = g_new0 (PropertyOption, 1);
      o->element = tuned_elements[e];
      o->pspec = g_param_spec_ref (props[i]);
      def = describe_default (props[i]);
      o->description = g_strdup_printf ("%s: %s (default: %s)",
          tuned_elements[e], g_param_spec_get_blurb (props[i]), def);
      o->arg_description = describe_range (props[i]);
      g_free (def);
      g_ptr_array_add (x->properties, o);
    }
    g_free (props);
    g_type_class_unref (klass);
    gst_object_unref (loaded);
  }
  return TRUE;
}

static GOptionGroup *
property_option_group (Extract * x)
{
  GOptionGroup *group = g_option_group_new ("elements",
      "Selection parameters (properties of cpsmotion, cpsenergy, cpstopk):",
      "Show the selection parameters", NULL, NULL);
  GOptionEntry *entries = g_new0 (GOptionEntry, x->properties->len + 1);

  x->property_entries = entries;        /* the group does not own them */
  for (guint i = 0; i < x->properties->len; i++) {
    PropertyOption *o = x->properties->pdata[i];

    entries[i] = (GOptionEntry) {
    g_param_spec_get_name (o->pspec), 0, 0, G_OPTION_ARG_STRING, &o->value,
          o->description, o->arg_description};
  }
  g_option_group_add_entries (group, entries);
  return group;
}

/* Parses @o->value for its property, refusing out-of-range values instead
 * of letting GObject clamp them. */
static gboolean
property_option_value (const PropertyOption * o, GValue * v, gchar ** error)
{
  GValue checked = G_VALUE_INIT;
  gboolean out_of_range;

  g_value_init (v, o->pspec->value_type);
  if (!gst_value_deserialize (v, o->value)) {
    gchar *range = describe_range (o->pspec);

    *error = g_strdup_printf ("--%s: \"%s\" is not valid (expected %s)",
        o->pspec->name, o->value, range);
    g_free (range);
    g_value_unset (v);
    return FALSE;
  }
  g_value_init (&checked, o->pspec->value_type);
  g_value_copy (v, &checked);
  out_of_range = g_param_value_validate (o->pspec, &checked);
  g_value_unset (&checked);
  if (out_of_range) {
    gchar *range = describe_range (o->pspec);

    *error = g_strdup_printf ("--%s: %s is out of range (%s)",
        o->pspec->name, o->value, range);
    g_free (range);
    g_value_unset (v);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_property_options (Extract * x, gchar ** error)
{
  for (guint i = 0; i < x->properties->len; i++) {
    PropertyOption *o = x->properties->pdata[i];
    GValue v = G_VALUE_INIT;

    if (!o->value)
      continue;
    if (!property_option_value (o, &v, error))
      return FALSE;
    g_value_unset (&v);
  }
  return TRUE;
}

static void
apply_property_options (Extract * x)
{
  for (guint i = 0; i < x->properties->len; i++) {
    PropertyOption *o = x->properties->pdata[i];
    GstElement *element;
    GValue v = G_VALUE_INIT;
    gchar *unused = NULL;

    if (!o->value)
      continue;
    element = gst_bin_get_by_name (GST_BIN (x->pipeline), o->element);
    if (property_option_value (o, &v, &unused))
      g_object_set_property (G_OBJECT (element), o->pspec->name, &v);
    g_value_unset (&v);
    gst_object_unref (element);
  }
}

/* ---- decoder choice ------------------------------------------------- */

static gboolean
parse_mode (const gchar * arg, Mode * mode)
{
  if (!arg || g_str_equal (arg, "auto"))
    *mode = MODE_AUTO;
  else if (g_str_equal (arg, "cpu"))
    *mode = MODE_CPU;
  else if (g_str_equal (arg, "gpu"))
    *mode = MODE_GPU;
  else
    return FALSE;
  return TRUE;
}

static gboolean
is_nvidia_decoder (GstElementFactory * f)
{
  GstPluginFeature *feature = GST_PLUGIN_FEATURE (f);

  return g_strcmp0 (gst_plugin_feature_get_plugin_name (feature),
      "nvcodec") == 0 &&
      gst_element_factory_list_is_type (f, GST_ELEMENT_FACTORY_TYPE_DECODER);
}

static gboolean
is_video_decoder (GstElementFactory * f)
{
  return gst_element_factory_list_is_type (f,
      GST_ELEMENT_FACTORY_TYPE_DECODER | GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO);
}

static gboolean
is_hardware (GstElementFactory * f)
{
  return gst_element_factory_list_is_type (f,
      GST_ELEMENT_FACTORY_TYPE_HARDWARE);
}

static gboolean
nvidia_decoding_available (void)
{
  static const gchar *names[] = { "nvh264dec", "nvh265dec" };

  /* nvcodec registers its decoders only where a CUDA driver and an NVDEC
   * capable GPU were found */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    GstElementFactory *f = gst_element_factory_find (names[i]);

    if (f) {
      gst_object_unref (f);
      return TRUE;
    }
  }
  return FALSE;
}

/* Whether cpsmotion runs on CUDA memory here: its sink template offers it
 * (asked of the loaded class, not the registry's cached copy). */
static gboolean
gpu_processing_available (void)
{
  GstElement *motion = gst_element_factory_make ("cpsmotion", NULL);
  GstPadTemplate *t = motion ?
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (motion),
      "sink") : NULL;
  GstCaps *caps = t ? gst_pad_template_get_caps (t) : NULL;
  gboolean found = FALSE;

  for (guint i = 0; caps && i < gst_caps_get_size (caps); i++) {
    GstCapsFeatures *features = gst_caps_get_features (caps, i);

    found |= features &&
        gst_caps_features_contains (features, "memory:CUDAMemory");
  }
  gst_clear_caps (&caps);
  gst_clear_object (&motion);
  return found;
}

/* uridecodebin's autoplug-select: --decode cpu refuses hardware decoders,
 * --decode gpu refuses video decoders that are not NVIDIA's. */
static gint
on_autoplug_select (GstElement * bin, GstPad * pad, GstCaps * caps,
    GstElementFactory * factory, Extract * x)
{
  enum { TRY = 0, EXPOSE = 1, SKIP = 2 };

  if (!is_video_decoder (factory))
    return TRY;
  if (x->decode == MODE_CPU && is_hardware (factory))
    return SKIP;
  if (x->decode == MODE_GPU && !is_nvidia_decoder (factory))
    return SKIP;
  return TRY;
}

/* autoplug-sort: NVIDIA decoders first, otherwise the registry's ranks. */
static GValueArray *
on_autoplug_sort (GstElement * bin, GstPad * pad, GstCaps * caps,
    GValueArray * factories, Extract * x)
{
  GValueArray *sorted;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS;
  sorted = g_value_array_new (factories->n_values);
  for (gint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < factories->n_values; i++) {
      GValue *v = g_value_array_get_nth (factories, i);

      if (is_nvidia_decoder (g_value_get_object (v)) == (pass == 0))
        g_value_array_append (sorted, v);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS;
  return sorted;
}

/* ---- pipeline ------------------------------------------------------- */

/* An encoder and muxer for the preview, by file extension. */
static gchar *
preview_branch (const gchar * path, gchar ** error)
{
  static const struct {
    const gchar *extension, *encoders[3], *muxer;
  } formats[] = {
    {".mp4", {"x264enc", "openh264enc", NULL}, "mp4mux"},
    {".mov", {"x264enc", "openh264enc", NULL}, "qtmux"},
    {".mkv", {"x264enc", "openh264enc", "vp8enc"}, "matroskamux"},
    {".webm", {"vp8enc", "vp9enc", NULL}, "webmmux"},
  };
  gchar *lower = g_ascii_strdown (path, -1);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    if (!g_str_has_suffix (lower, formats[i].extension))
      continue;
    g_free (lower);
    for (guint e = 0; e < 3 && formats[i].encoders[e]; e++) {
      const gchar *enc = formats[i].encoders[e];
      GstElementFactory *f = gst_element_factory_find (enc);

      if (!f)
        continue;
      gst_object_unref (f);
      /* I420: 4:4:4 H.264 (what x264enc picks for RGB input) plays in few
       * players */
      return g_strdup_printf ("videoconvert ! video/x-raw,format=I420 ! %s%s ! %s%s",
          enc, g_str_equal (enc, "x264enc") ? " speed-preset=faster" : "",
          g_str_has_suffix (enc, "264enc") ? "h264parse ! " : "",
          formats[i].muxer);
    }
    *error = g_strdup_printf ("--preview %s: no encoder for this format is "
        "installed (tried x264enc, openh264enc, vp8enc)", path);
    return NULL;
  }
  g_free (lower);
  *error = g_strdup_printf ("--preview %s: unsupported extension (use .mp4, "
      ".mov, .mkv or .webm)", path);
  return NULL;
}

static gchar *
processing_description (Extract * x)
{
  GString *d = g_string_new (NULL);
  gchar *pattern = g_build_filename (x->output_dir, WINDOW_PATTERN, NULL);
  gchar *quoted = g_strescape (pattern, NULL);

  if (x->process == MODE_GPU) {
    if (x->decode == MODE_CPU)
      g_string_append (d, "cudaupload name=in ! ");
    g_string_append_printf (d, "capsfilter %s caps=video/x-raw(memory:"
        "CUDAMemory) ! ", x->decode == MODE_CPU ? "" : "name=in");
  } else {
    /* caps without features: system memory, which NVDEC downloads to */
    g_string_append (d, "capsfilter name=in caps=video/x-raw ! ");
  }
  g_string_append (d, "cpsmotion name=cpsmotion ! cpsenergy name=cpsenergy "
      "! cpstopk name=cpstopk ! ");
  if (x->preview)
    g_string_append (d, "tee name=t ! queue ! ");
  g_string_append_printf (d, "cpspatchsink name=sink max-buffers=1 drop=true "
      "location=\"%s\"", quoted);
  if (x->preview) {
    gchar *partial = g_strescape (x->preview_partial, NULL);

    g_string_append_printf (d, " t. ! queue ! cpsviz ! %s ! filesink "
        "location=\"%s\"", x->preview_encoder, partial);
    g_free (partial);
  }
  g_free (pattern);
  g_free (quoted);
  return g_string_free (d, FALSE);
}

static void
on_pad_added (GstElement * decodebin, GstPad * pad, Extract * x)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *media = caps && gst_caps_get_size (caps) ?
      gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";
  GstElement *first;
  GstPad *sinkpad;

  if (!g_str_has_prefix (media, "video/") || x->video_linked) {
    /* audio, subtitles, a second video stream: not ours, end them here */
    GstElement *sink = gst_element_factory_make ("fakesink", NULL);

    g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (x->pipeline), sink);
    gst_element_sync_state_with_parent (sink);
    sinkpad = gst_element_get_static_pad (sink, "sink");
    gst_pad_link (pad, sinkpad);
    gst_object_unref (sinkpad);
    gst_clear_caps (&caps);
    return;
  }
  gst_clear_caps (&caps);
  first = gst_bin_get_by_name (GST_BIN (x->pipeline), "in");
  sinkpad = gst_element_get_static_pad (first, "sink");
  gst_object_unref (first);
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    fail (x, "%s: could not link the decoded video to cps", x->input);
  else
    x->video_linked = TRUE;
  gst_object_unref (sinkpad);
}

static void
on_no_more_pads (GstElement * decodebin, Extract * x)
{
  if (!x->video_linked)
    fail (x, "%s: no video stream", x->input);
}

static void
on_element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    Extract * x)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f && is_video_decoder (f) && !x->decoder_name)
    x->decoder_name = g_strdup (GST_OBJECT_NAME (f));
}

static GstPadProbeReturn
count_frame (GstPad * pad, GstPadProbeInfo * info, gint * counter)
{
  g_atomic_int_inc (counter);
  return GST_PAD_PROBE_OK;
}

static gboolean
end_stream (Extract * x)
{
  gst_element_send_event (x->pipeline, gst_event_new_eos ());
  return G_SOURCE_REMOVE;
}

/* Before cpspatchsink: counts windows and patches, and drops windows past
 * --max-windows so that neither a file nor a sample is made of them. */
static GstPadProbeReturn
count_window (GstPad * pad, GstPadProbeInfo * info, Extract * x)
{
  CpsPatchMeta *meta = cps_buffer_get_patch_meta (GST_PAD_PROBE_INFO_BUFFER
      (info));

  if (x->max_windows > 0 && g_atomic_int_get (&x->windows) >= x->max_windows)
    return GST_PAD_PROBE_DROP;
  if (meta)
    x->patches += meta->n_patches;      /* only this thread writes it */
  if (g_atomic_int_add (&x->windows, 1) + 1 == x->max_windows)
    g_idle_add ((GSourceFunc) end_stream, x);
  return GST_PAD_PROBE_OK;
}

static void
add_probe (GstElement * element, const gchar * pad_name,
    GstPadProbeCallback callback, gpointer data)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, callback, data, NULL);
  gst_object_unref (pad);
}

static gboolean
build_pipeline (Extract * x, gchar ** error)
{
  GError *err = NULL;
  gchar *description = processing_description (x);
  GstElement *topk, *sink;

  if (x->verbose)
    fprintf (stderr, "cps-extract: uridecodebin uri=%s ! %s\n", x->uri,
        description);
  x->pipeline = gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);
  g_free (description);
  if (!x->pipeline) {
    *error = g_strdup_printf ("could not build the pipeline: %s",
        err->message);
    g_clear_error (&err);
    return FALSE;
  }
  x->decodebin = gst_element_factory_make ("uridecodebin", "decode");
  g_object_set (x->decodebin, "uri", x->uri, NULL);
  g_signal_connect (x->decodebin, "autoplug-select",
      G_CALLBACK (on_autoplug_select), x);
  g_signal_connect (x->decodebin, "autoplug-sort",
      G_CALLBACK (on_autoplug_sort), x);
  g_signal_connect (x->decodebin, "pad-added", G_CALLBACK (on_pad_added), x);
  g_signal_connect (x->decodebin, "no-more-pads",
      G_CALLBACK (on_no_more_pads), x);
  g_signal_connect (x->pipeline, "deep-element-added",
      G_CALLBACK (on_element_added), x);
  gst_bin_add (GST_BIN (x->pipeline), x->decodebin);

  apply_property_options (x);
  x->motion = gst_bin_get_by_name (GST_BIN (x->pipeline), "cpsmotion");
  topk = gst_bin_get_by_name (GST_BIN (x->pipeline), "cpstopk");
  sink = gst_bin_get_by_name (GST_BIN (x->pipeline), "sink");
  add_probe (x->motion, "sink", (GstPadProbeCallback) count_frame,
      &x->frames_decoded);
  add_probe (topk, "sink", (GstPadProbeCallback) count_frame,
      &x->frames_processed);
  add_probe (sink, "sink", (GstPadProbeCallback) count_window, x);
  gst_object_unref (topk);
  gst_object_unref (sink);
  return TRUE;
}

/* ---- progress ------------------------------------------------------- */

static void
estimate_total_frames (Extract * x)
{
  gint64 duration;
  GstPad *pad;
  GstCaps *caps;
  gint n = 0, d = 1;

  if (x->total_frames || !gst_element_query_duration (x->pipeline,
          GST_FORMAT_TIME, &duration) || duration <= 0)
    return;
  pad = gst_element_get_static_pad (x->motion, "sink");
  caps = gst_pad_get_current_caps (pad);
  gst_object_unref (pad);
  if (caps && gst_structure_get_fraction (gst_caps_get_structure (caps, 0),
          "framerate", &n, &d) && n > 0 && d > 0)
    x->total_frames = gst_util_uint64_scale_round (duration, n,
        (guint64) d * GST_SECOND);
  gst_clear_caps (&caps);
}

static gdouble
elapsed_s (Extract * x)
{
  return (g_get_monotonic_time () - x->start_us) / 1e6;
}

static gboolean
print_progress (Extract * x)
{
  gint frames = g_atomic_int_get (&x->frames_decoded);
  gdouble t = elapsed_s (x);
  gchar *total;

  estimate_total_frames (x);
  total = x->total_frames ?
      g_strdup_printf ("/%" G_GUINT64_FORMAT " frames (%.0f%%)",
      x->total_frames, MIN (100.0, 100.0 * frames / x->total_frames)) :
      g_strdup (" frames");
  /* a terminal gets one line rewritten in place, a log plain lines */
  fprintf (stderr, "%scps-extract: %d%s, %.1f fps, %d windows%s",
      isatty (2) ? "\r\033[K" : "", frames, total, t > 0 ? frames / t : 0.0,
      g_atomic_int_get (&x->windows), isatty (2) ? "" : "\n");
  fflush (stderr);
  g_free (total);
  return G_SOURCE_CONTINUE;
}

static void
print_summary (Extract * x)
{
  gdouble t = elapsed_s (x);

  fprintf (stderr, "%scps-extract: %d frames decoded (%s), %d processed, "
      "%d windows, %" G_GINT64_FORMAT " patches in %.2f s (%.1f fps)\n",
      isatty (2) ? "\r\033[K" : "", x->frames_decoded,
      x->decoder_name ? x->decoder_name : "no decoder", x->frames_processed,
      x->windows, x->patches, t, t > 0 ? x->frames_decoded / t : 0.0);
  fprintf (stderr, "cps-extract: windows in %s%s%s\n", x->output_dir,
      x->preview ? ", preview in " : "", x->preview ? x->preview : "");
}

/* ---- main loop ------------------------------------------------------ */

static gboolean
on_bus_message (GstBus * bus, GstMessage * msg, Extract * x)
{
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      fail (x, "%s: %s", x->input, err->message);
      if (x->verbose && debug)
        fprintf (stderr, "cps-extract: %s: %s\n", GST_MESSAGE_SRC_NAME (msg),
            debug);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      fprintf (stderr, "%scps-extract: warning: %s\n",
          isatty (2) ? "\r\033[K" : "", err->message);
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (x->loop);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

/* First ^C: end the stream, so the window being filled is still written.
 * Second: stop at once. */
static gboolean
on_interrupt (Extract * x)
{
  if (x->interrupts++ == 0) {
    fprintf (stderr, "%scps-extract: interrupted, finishing the current "
        "window (^C again to abort)\n", isatty (2) ? "\r\033[K" : "");
    gst_element_send_event (x->pipeline, gst_event_new_eos ());
  } else {
    x->exit_code = 130;
    g_main_loop_quit (x->loop);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
run (Extract * x)
{
  GstBus *bus = gst_element_get_bus (x->pipeline);
  guint progress = 0, signal_id;

  x->loop = g_main_loop_new (NULL, FALSE);
  gst_bus_add_watch (bus, (GstBusFunc) on_bus_message, x);
  signal_id = g_unix_signal_add (SIGINT, (GSourceFunc) on_interrupt, x);
  if (!x->quiet)
    progress = g_timeout_add (MAX (1, x->progress_interval * 1000),
        (GSourceFunc) print_progress, x);
  x->start_us = g_get_monotonic_time ();
  if (gst_element_set_state (x->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    fail (x, "%s: could not start the pipeline", x->input);
  else
    g_main_loop_run (x->loop);

  if (progress)
    g_source_remove (progress);
  g_source_remove (signal_id);
  gst_element_set_state (x->pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  g_main_loop_unref (x->loop);
  x->loop = NULL;
  return x->exit_code == 0;
}

/* ---- input and output ----------------------------------------------- */

static gchar *
input_uri (const gchar * input, gchar ** error)
{
  GError *err = NULL;
  gchar *uri;

  if (gst_uri_is_valid (input))
    return g_strdup (input);
  if (!g_file_test (input, G_FILE_TEST_EXISTS)) {
    *error = g_strdup_printf ("%s: no such file", input);
    return NULL;
  }
  if (g_file_test (input, G_FILE_TEST_IS_DIR)) {
    *error = g_strdup_printf ("%s: is a directory, not a video", input);
    return NULL;
  }
  uri = gst_filename_to_uri (input, &err);
  if (!uri) {
    *error = g_strdup_printf ("%s: %s", input, err->message);
    g_clear_error (&err);
  }
  return uri;
}

static gboolean
is_window_file (const gchar * name)
{
  return g_str_has_prefix (name, "window-") &&
      g_str_has_suffix (name, ".safetensors");
}

/* The output directory exists and holds no windows of an earlier run
 * (removed with --overwrite): a dataset never mixes two runs. */
static gboolean
prepare_output_dir (Extract * x, gchar ** error)
{
  GError *err = NULL;
  GDir *dir;
  const gchar *name;

  if (g_mkdir_with_parents (x->output_dir, 0755) != 0) {
    *error = g_strdup_printf ("%s: %s", x->output_dir, g_strerror (errno));
    return FALSE;
  }
  dir = g_dir_open (x->output_dir, 0, &err);
  if (!dir) {
    *error = g_strdup_printf ("%s", err->message);
    g_clear_error (&err);
    return FALSE;
  }
  while ((name = g_dir_read_name (dir))) {
    gchar *path;

    if (!is_window_file (name))
      continue;
    if (!x->overwrite) {
      *error = g_strdup_printf ("%s already holds window files from an "
          "earlier run; pass --overwrite to replace them", x->output_dir);
      g_dir_close (dir);
      return FALSE;
    }
    path = g_build_filename (x->output_dir, name, NULL);
    g_unlink (path);
    g_free (path);
  }
  g_dir_close (dir);
  return TRUE;
}

static void
finish_preview (Extract * x, gboolean ok)
{
  if (!x->preview_partial)
    return;
  if (ok && g_rename (x->preview_partial, x->preview) != 0)
    fail (x, "%s: %s", x->preview, g_strerror (errno));
  if (!ok)
    g_unlink (x->preview_partial);
}

/* ---- main ----------------------------------------------------------- */

/* An installed cps-extract finds the plugin it was installed with even
 * when that directory is not on GStreamer's search path (/usr/local). */
static void
find_plugin (void)
{
  GstElementFactory *f = gst_element_factory_find ("cpsmotion");

  if (f)
    gst_object_unref (f);
  else
    gst_registry_scan_path (gst_registry_get (), CPS_PLUGINDIR);
}

static gboolean
resolve_modes (Extract * x, gchar ** error)
{
  if (!parse_mode (x->decode_arg, &x->decode) ||
      !parse_mode (x->process_arg, &x->process)) {
    *error = g_strdup ("--decode and --process take cpu, gpu or auto");
    return FALSE;
  }
  if (x->decode == MODE_GPU && !nvidia_decoding_available ()) {
    *error = g_strdup ("--decode gpu: no NVIDIA decoder is available "
        "(nvh264dec and nvh265dec, from gst-plugins-bad's nvcodec, are only "
        "registered where a CUDA driver and an NVDEC-capable GPU are "
        "found)");
    return FALSE;
  }
  if (x->process == MODE_GPU && !gpu_processing_available ()) {
    *error = g_strdup ("--process gpu: cps offers no CUDA processing here "
        "(it needs a build with the CUDA toolkit, and, while that path is "
        "experimental, GST_CPS_CUDA=1)");
    return FALSE;
  }
  if (x->decode == MODE_AUTO)
    x->decode = nvidia_decoding_available ()? MODE_GPU : MODE_CPU;
  if (x->process == MODE_GPU && x->decode == MODE_CPU &&
      !gst_registry_check_feature_version (gst_registry_get (), "cudaupload",
          1, 0, 0)) {
    *error = g_strdup ("--process gpu after CPU decoding needs cudaupload "
        "(gst-plugins-bad's nvcodec, registered only where a CUDA driver "
        "and GPU are found)");
    return FALSE;
  }
  /* auto processing follows decoding, where it can */
  if (x->process == MODE_AUTO)
    x->process = x->decode == MODE_GPU && gpu_processing_available ()?
        MODE_GPU : MODE_CPU;
  return TRUE;
}

int
main (int argc, char **argv)
{
  Extract x = { 0 };
  gchar *error = NULL;
  GError *err = NULL;
  gboolean ok;
  GOptionContext *ctx;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &x.output_dir,
        "Directory for the window files (default: cps-output)", "DIR"},
    {"preview", 0, 0, G_OPTION_ARG_FILENAME, &x.preview,
        "Also write a video of the selection (.mp4, .mov, .mkv, .webm)",
        "FILE"},
    {"decode", 0, 0, G_OPTION_ARG_STRING, &x.decode_arg,
        "Decoder: cpu, gpu (NVDEC) or auto (gpu where available; default)",
        "auto|cpu|gpu"},
    {"process", 0, 0, G_OPTION_ARG_STRING, &x.process_arg,
        "Where cps runs: cpu, gpu (CUDA) or auto (follows --decode; default)",
        "auto|cpu|gpu"},
    {"max-windows", 0, 0, G_OPTION_ARG_INT64, &x.max_windows,
        "Stop after this many windows (default 0: the whole input)", "N"},
    {"progress-interval", 0, 0, G_OPTION_ARG_DOUBLE, &x.progress_interval,
        "Seconds between progress reports on stderr (default: 0.25 on a "
          "terminal, 5 otherwise)", "SECONDS"},
    {"overwrite", 'f', 0, G_OPTION_ARG_NONE, &x.overwrite,
        "Replace window files of an earlier run in the output directory",
        NULL},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &x.quiet,
        "No progress, only errors and the summary", NULL},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &x.verbose,
        "Print the pipeline and error details", NULL},
    {NULL}
  };

  gst_init (&argc, &argv);
  find_plugin ();
  if (!collect_property_options (&x)) {
    fprintf (stderr, "cps-extract: error: the cps plugin is not installed "
        "(no cpsmotion element; check GST_PLUGIN_PATH)\n");
    return 1;
  }
  ctx = g_option_context_new ("FILE|URI - write the selected patches of a "
      "video as safetensors files");
  g_option_context_set_description (ctx,
      "Writes DIR/window-NNNNN.safetensors for each window of "
      "sequence-length frames:\npatches [N,3,P,P], fields [N,6], scores [N], "
      "frame_ids [T], frame_pts_ns [T], is_i [T].\nSelection parameters "
      "(--help-elements) are the properties of the elements, same names "
      "and defaults.\n");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, property_option_group (&x));
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, &argc, &argv, &err);
  g_option_context_free (ctx);
  if (!ok || argc != 2 || x.max_windows < 0 || x.progress_interval < 0) {
    fprintf (stderr, "cps-extract: error: %s\nTry cps-extract --help\n",
        err ? err->message : argc < 2 ? "no input given" :
        argc > 2 ? "more than one input given" :
        "--max-windows and --progress-interval must not be negative");
    g_clear_error (&err);
    return EXIT_USAGE;
  }
  if (!x.output_dir)
    x.output_dir = g_strdup ("cps-output");
  if (x.progress_interval == 0)
    x.progress_interval = isatty (2) ? 0.25 : 5.0;

  if (!check_property_options (&x, &error) || !resolve_modes (&x, &error) ||
      (x.preview && !(x.preview_encoder = preview_branch (x.preview,
                  &error)))) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return EXIT_USAGE;
  }
  if (x.preview)
    x.preview_partial = g_strdup_printf ("%s.partial", x.preview);
  x.input = argv[1];
  if (!(x.uri = input_uri (argv[1], &error)) ||
      !prepare_output_dir (&x, &error) || !build_pipeline (&x, &error)) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return 1;
  }

  ok = run (&x);
  finish_preview (&x, ok);
  if (x.exit_code == 0 || x.exit_code == 130)
    print_summary (&x);

  gst_object_unref (x.motion);
  gst_object_unref (x.pipeline);
  g_ptr_array_unref (x.properties);
  g_free (x.property_entries);
  g_free (x.uri);
  g_free (x.output_dir);
  g_free (x.preview);
  g_free (x.preview_partial);
  g_free (x.preview_encoder);
  g_free (x.decoder_name);
  g_free (x.decode_arg);
  g_free (x.process_arg);
  gst_deinit ();                /* lets GST_TRACERS=leaks report */
  return x.exit_code;
}
