/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * cps-extract: a video file or URI in, one safetensors file per window out
 * (and optionally a preview video of the selection).  It builds
 *
 *   uridecodebin ! [videoconvert !] queue ! cpsmotion ! cpsenergy ! cpstopk
 *       ! [tee !] cpspatchsink
 *   [tee. ! preview bin: queue ! cpsviz ! encodebin ! filesink]
 *
 * and exposes every cpsmotion, cpsenergy and cpstopk property as an option
 * of the same name (and cpsviz's as --preview-NAME), generated from the
 * elements themselves so names, ranges and defaults cannot drift.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpsmeta.h"
#include "extract-dataset.h"
#include "extract-dataset-wds.h"
#include "extract-index.h"
#include "extract-options.h"
#include "extract-output.h"
#include "extract-presets.h"
#include "extract-preview.h"
#include "extract-report.h"
#include "extract-rules.h"

static const gchar *tuned_elements[] =
    { "cpsmotion", "cpsenergy", "cpstopk", NULL };

typedef enum { MODE_AUTO, MODE_CPU, MODE_GPU } Mode;

typedef struct {
  /* options */
  gchar *output_dir, *preview, *decode_arg, *process_arg, *preset;
  gint64 max_windows;
  gdouble progress_interval;
  gboolean overwrite, quiet, verbose, version, list_presets, decode_all;
  /* dataset mode (extract-dataset.c) */
  gchar **inputs, *manifest, *shard, *format, *tar_size;
  gint jobs;
  guint64 tar_bytes;
  gboolean retry_failed, dataset_child;
  ExtractOptions *options;      /* cpsmotion, cpsenergy, cpstopk */
  ExtractOptions *preview_options;      /* cpsviz */
  Mode decode, process;

  /* the run */
  gchar *input;                 /* as given, for messages */
  gchar *uri;
  ExtractOutput *out;
  GstElement *pipeline, *decodebin, *motion, *sink;
  ExtractPreview *preview_branch;
  ExtractIndex *index;          /* sampling a seekable file, or NULL */
  GMainLoop *loop;
  gchar *decoder_name;
  gboolean video_linked;
  gint exit_code;
  gint interrupts;
  GThread *eos_thread;          /* sends the EOS of the first ^C */
  gint64 start_us;
  guint64 total_frames;         /* estimate, 0 if unknown */

  /* counters, updated from streaming threads */
  gint frames_decoded, frames_processed, windows;
} Extract;

static void
fail_with (Extract * x, gint exit_code, const gchar * format, ...)
G_GNUC_PRINTF (3, 4);

/* Reports the first error only: later ones are usually its consequences. */
static void
fail_with (Extract * x, gint exit_code, const gchar * format, ...)
{
  va_list ap;
  gchar *msg;

  if (x->exit_code != 0 && x->exit_code != EXIT_INTERRUPTED)
    return;
  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  fprintf (stderr, "%scps-extract: error: %s\n", line_start (),
      msg);
  g_free (msg);
  x->exit_code = exit_code;
  if (x->loop)
    g_main_loop_quit (x->loop);
}

#define fail(x, ...) fail_with (x, 1, __VA_ARGS__)

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

/* cpsviz draws over the source frames in system memory; on CUDA it shows
 * the patches alone. */
static gboolean
preview_draws_frames (Extract * x)
{
  return x->preview_branch && x->process != MODE_GPU;
}

/* The processing part, without file names: those are set as properties,
 * byte for byte, once the elements exist. */
static gchar *
processing_description (Extract * x)
{
  GString *d = g_string_new (NULL);
  gboolean frames = preview_draws_frames (x);

  if (x->process == MODE_GPU) {
    if (x->decode == MODE_CPU)
      g_string_append (d, "cudaupload name=in ! ");
    g_string_append_printf (d, "capsfilter %s caps=video/x-raw(memory:"
        "CUDAMemory) ! ", x->decode == MODE_CPU ? "" : "name=in");
  } else {
    /* caps without features: system memory, which NVDEC downloads to */
    g_string_append (d, "capsfilter name=in caps=video/x-raw ! ");
  }
  /* a queue lets cps measure one frame while the decoder decodes the
   * next: with the camera model, about a tenth more throughput on two
   * cores (tests/bench/bench-cpu.sh); four frames at most */
  g_string_append (d, "queue name=decoded max-size-buffers=4 "
      "max-size-bytes=0 max-size-time=0 ! cpsmotion name=cpsmotion ! ");
  /* a tee whose branch went away (an abandoned preview) is not an error */
  if (frames)
    g_string_append (d, "tee name=frames allow-not-linked=true ! queue ! ");
  g_string_append (d, "cpsenergy name=cpsenergy ! cpstopk name=cpstopk ! ");
  if (x->preview_branch)
    g_string_append (d, "tee name=t allow-not-linked=true ! queue ! ");
  g_string_append (d, "cpspatchsink name=sink max-buffers=1 drop=true");
  return g_string_free (d, FALSE);
}

/* Whether cps accepts @caps as they are: what the first element and,
 * behind it, cpsmotion answer to a caps query. */
static gboolean
accepted_as_is (GstPad * sinkpad, GstCaps * caps)
{
  GstCaps *accepted = gst_pad_query_caps (sinkpad, NULL);
  gboolean ok = gst_caps_can_intersect (caps, accepted);

  gst_caps_unref (accepted);
  return ok;
}

/* cpsmotion reads 8-bit YUV; other formats (10-bit, RGB) are converted to
 * the nearest of its formats on the CPU, which costs one pass over each
 * frame, so only when needed. */
static GstPad *
converter_before (Extract * x, GstPad * sinkpad, GstCaps * caps)
{
  GstElement *convert = gst_element_factory_make ("videoconvert", NULL);
  GstPad *convert_sink = gst_element_get_static_pad (convert, "sink");
  GstPad *convert_src = gst_element_get_static_pad (convert, "src");
  gchar *format = g_strdup (gst_structure_get_string
      (gst_caps_get_structure (caps, 0), "format"));

  if (!x->quiet)
    fprintf (stderr, "%scps-extract: converting %s video to 8-bit YUV for "
        "cpsmotion (videoconvert)\n", line_start (),
        format ? format : "its");
  g_free (format);
  gst_bin_add (GST_BIN (x->pipeline), convert);
  gst_pad_link (convert_src, sinkpad);
  gst_object_unref (convert_src);
  gst_element_sync_state_with_parent (convert);
  return convert_sink;
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
    extract_end_pad (x->pipeline, pad);
    gst_clear_caps (&caps);
    return;
  }
  first = gst_bin_get_by_name (GST_BIN (x->pipeline), "in");
  sinkpad = gst_element_get_static_pad (first, "sink");
  gst_object_unref (first);
  if (!accepted_as_is (sinkpad, caps)) {
    GstPad *convert_sink = converter_before (x, sinkpad, caps);

    gst_object_unref (sinkpad);
    sinkpad = convert_sink;
  }
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK) {
    fail (x, "%s: could not link the decoded video to cps", x->input);
  } else {
    x->video_linked = TRUE;
    /* the supervisor tells a stream error from an input it cannot open */
    if (x->dataset_child) {
      printf ("linked\n");
      fflush (stdout);
    }
  }
  gst_object_unref (sinkpad);
  gst_clear_caps (&caps);
}

static void
on_no_more_pads (GstElement * decodebin, Extract * x)
{
  const gchar *plan_failure = x->index ?
      extract_index_failure (x->index) : NULL;

  /* an interruption may end the stream before its video was found; a
   * failed plan drops every packet, so no video is ever decoded, and its
   * own error (posted on the bus, maybe not read yet) is the one to give */
  if (plan_failure)
    fail (x, "%s: %s", x->input, plan_failure);
  else if (!x->video_linked && !x->interrupts)
    fail (x, "%s: no video stream", x->input);
}

static void
on_element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    Extract * x)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f && is_video_decoder (f) && !x->decoder_name) {
    x->decoder_name = g_strdup (GST_OBJECT_NAME (f));
    if (x->index)
      extract_index_attach_decoder (x->index, element);
  }
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

/* Before cpspatchsink: drops windows past --max-windows so that neither a
 * file nor a sample is made of them, and has the output directory record
 * each window before it is written. */
static GstPadProbeReturn
count_window (GstPad * pad, GstPadProbeInfo * info, Extract * x)
{
  CpsPatchMeta *meta = cps_buffer_get_patch_meta (GST_PAD_PROBE_INFO_BUFFER
      (info));
  GError *err = NULL;

  if (x->max_windows > 0 && g_atomic_int_get (&x->windows) >= x->max_windows)
    return GST_PAD_PROBE_DROP;
  if (meta && !extract_output_begin_window (x->out, meta->window_index,
          meta->n_patches, meta->n_tokens, &err)) {
    gst_element_post_message (x->sink,
        gst_message_new_error (GST_OBJECT (x->sink), err, NULL));
    g_clear_error (&err);
    return GST_PAD_PROBE_DROP;
  }
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

/* Links a new src pad of the tee @tee_name to @bin's sink pad @pad_name. */
static gboolean
link_tee (Extract * x, const gchar * tee_name, GstElement * bin,
    const gchar * pad_name)
{
  GstElement *tee = gst_bin_get_by_name (GST_BIN (x->pipeline), tee_name);
  GstPad *src = gst_element_request_pad_simple (tee, "src_%u");
  GstPad *sink = gst_element_get_static_pad (bin, pad_name);
  gboolean ok = gst_pad_link (src, sink) == GST_PAD_LINK_OK;

  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (tee);
  return ok;
}

static gboolean
add_preview (Extract * x, gchar ** error)
{
  GstElement *bin = extract_preview_make_bin (x->preview_branch,
      preview_draws_frames (x), error);

  if (!bin)
    return FALSE;
  gst_bin_add (GST_BIN (x->pipeline), bin);
  if (!link_tee (x, "t", bin, "sink") ||
      (preview_draws_frames (x) && !link_tee (x, "frames", bin, "video"))) {
    *error = g_strdup_printf ("--preview %s: could not link cpsviz",
        x->preview);
    return FALSE;
  }
  return TRUE;
}

/* The decoder choice, the same in the index pass and in the run. */
/* autoplug-continue: audio and subtitle streams are exposed as they come
 * from the demuxer and ended there, never parsed or decoded. */
static gboolean
on_autoplug_continue (GstElement * bin, GstPad * pad, GstCaps * caps,
    Extract * x)
{
  const gchar *media = gst_caps_get_size (caps) ?
      gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";

  return !g_str_has_prefix (media, "audio/") &&
      !g_str_has_prefix (media, "text/") &&
      !g_str_has_prefix (media, "subpicture/") &&
      !g_str_has_prefix (media, "closedcaption/");
}

static void
steer_decodebin (GstElement * decodebin, Extract * x)
{
  g_signal_connect (decodebin, "autoplug-continue",
      G_CALLBACK (on_autoplug_continue), x);
  g_signal_connect (decodebin, "autoplug-select",
      G_CALLBACK (on_autoplug_select), x);
  g_signal_connect (decodebin, "autoplug-sort",
      G_CALLBACK (on_autoplug_sort), x);
}

static void
add_decoder (Extract * x)
{
  x->decodebin = gst_element_factory_make ("uridecodebin", "decode");
  g_object_set (x->decodebin, "uri", x->uri, NULL);
  steer_decodebin (x->decodebin, x);
  g_signal_connect (x->decodebin, "pad-added", G_CALLBACK (on_pad_added), x);
  g_signal_connect (x->decodebin, "no-more-pads",
      G_CALLBACK (on_no_more_pads), x);
  gst_bin_add (GST_BIN (x->pipeline), x->decodebin);
}

static gboolean
build_pipeline (Extract * x, gchar ** error)
{
  GError *err = NULL;
  gchar *description = processing_description (x);
  gchar *location;
  GstElement *topk;

  if (x->verbose)
    fprintf (stderr, "cps-extract: uridecodebin ! %s\n", description);
  x->pipeline = gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);
  g_free (description);
  if (!x->pipeline) {
    *error = g_strdup_printf ("could not build the pipeline: %s",
        err->message);
    g_clear_error (&err);
    return FALSE;
  }
  g_signal_connect (x->pipeline, "deep-element-added",
      G_CALLBACK (on_element_added), x);
  add_decoder (x);
  if (x->preview_branch && !add_preview (x, error))
    return FALSE;

  extract_options_apply (x->options, GST_BIN (x->pipeline));
  if (x->preview_options)
    extract_options_apply (x->preview_options, GST_BIN (x->pipeline));
  x->motion = gst_bin_get_by_name (GST_BIN (x->pipeline), "cpsmotion");
  x->sink = gst_bin_get_by_name (GST_BIN (x->pipeline), "sink");
  location = extract_output_location (x->out);
  g_object_set (x->sink, "location", location, NULL);
  g_free (location);
  topk = gst_bin_get_by_name (GST_BIN (x->pipeline), "cpstopk");
  add_probe (x->motion, "sink", (GstPadProbeCallback) count_frame,
      &x->frames_decoded);
  add_probe (topk, "sink", (GstPadProbeCallback) count_frame,
      &x->frames_processed);
  add_probe (x->sink, "sink", (GstPadProbeCallback) count_window, x);
  gst_object_unref (topk);
  if (x->index) {
    extract_index_attach_motion (x->index, x->motion);
  }
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

  if (!x->total_frames && x->index && extract_index_ready (x->index))
    x->total_frames = extract_index_frames (x->index);
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
  gint windows = g_atomic_int_get (&x->windows);
  gdouble t = elapsed_s (x);
  gchar *total;

  estimate_total_frames (x);
  total = x->total_frames ?
      g_strdup_printf ("/%" G_GUINT64_FORMAT " frames (%.0f%%)",
      x->total_frames, MIN (100.0, 100.0 * frames / x->total_frames)) :
      g_strdup (plural (frames, " frame", " frames"));
  /* a terminal gets one line rewritten in place, a log plain lines */
  fprintf (stderr, "%scps-extract: %d%s, %.1f fps, %d %s%s",
      line_start (), frames, total, t > 0 ? frames / t : 0.0,
      windows, plural (windows, "window", "windows"), isatty (2) ? "" : "\n");
  fflush (stderr);
  g_free (total);
  return G_SOURCE_CONTINUE;
}

/* A dataset run's child reports the frames decoded to its supervisor. */
static gboolean
report_frames (Extract * x)
{
  printf ("frames %d\n", g_atomic_int_get (&x->frames_decoded));
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

/* What the run did, counting only the files that are on disk now: an
 * abort can cut the last windows and the preview off. */
static void
print_summary (Extract * x)
{
  gdouble t = elapsed_s (x);
  guint64 patches, tokens;
  guint windows = extract_output_windows_on_disk (x->out, &patches, &tokens);
  gboolean preview = x->preview_branch && g_file_test (x->preview,
      G_FILE_TEST_IS_REGULAR);

  fprintf (stderr, "%scps-extract: %d %s decoded (%s), %d processed, "
      "%u %s, %" G_GUINT64_FORMAT " %s in %.2f s (%.1f fps)\n",
      line_start (), x->frames_decoded,
      plural (x->frames_decoded, "frame", "frames"),
      x->decoder_name ? x->decoder_name : "no decoder", x->frames_processed,
      windows, plural (windows, "window", "windows"), patches,
      plural (patches, "patch", "patches"), t,
      t > 0 ? x->frames_decoded / t : 0.0);
  /* what a model sees of the video: a 2x2 merge makes one token of each
   * selected block (selection-unit=block2x2) */
  if (tokens == patches)
    fprintf (stderr, "cps-extract: %" G_GUINT64_FORMAT " model %s in %u %s "
        "(one per patch)\n", tokens, plural (tokens, "token", "tokens"),
        windows, plural (windows, "window", "windows"));
  else
    fprintf (stderr, "cps-extract: %" G_GUINT64_FORMAT " model %s in %u %s "
        "(%" G_GUINT64_FORMAT " patches, one token per 2x2 block)\n", tokens,
        plural (tokens, "token", "tokens"), windows,
        plural (windows, "window", "windows"), patches);
  if (windows)
    fprintf (stderr, "cps-extract: windows in %s%s%s\n", x->output_dir,
        preview ? ", preview in " : "", preview ? x->preview : "");
  else if (preview)
    fprintf (stderr, "cps-extract: preview in %s\n", x->preview);
}

/* ---- main loop ------------------------------------------------------ */

static gboolean
is_in (GstObject * object, GstElement * ancestor)
{
  return ancestor && (object == GST_OBJECT (ancestor) ||
      gst_object_has_as_ancestor (object, GST_OBJECT (ancestor)));
}

static gboolean
is_tuned_element (GstObject * object)
{
  return g_strv_contains (tuned_elements, GST_OBJECT_NAME (object));
}

/* What an error concerns, in the user's terms: the preview file, the
 * output directory, an element's settings, or the input. */
static gchar *
error_subject (Extract * x, GstObject * src)
{
  if (x->preview_branch && extract_preview_contains (x->preview_branch, src))
    return g_strdup_printf ("--preview %s", x->preview);
  if (is_in (src, x->sink))
    return g_strdup_printf ("-o %s", x->output_dir);
  if (is_tuned_element (src))
    return g_strdup_printf ("%s (%s)", x->input, GST_OBJECT_NAME (src));
  return g_strdup (x->input);
}

/* The last line of a GStreamer debug string: the system error or file
 * name behind a resource error ("No such file \"/x.mp4\""). */
static const gchar *
debug_detail (const gchar * debug)
{
  const gchar *nl = debug ? strrchr (debug, '\n') : NULL;

  return nl ? nl + 1 : debug;
}

static void
report_error (Extract * x, GstMessage * msg)
{
  GError *err = NULL;
  gchar *debug = NULL, *subject = error_subject (x, GST_MESSAGE_SRC (msg));
  const gchar *detail;

  gst_message_parse_error (msg, &err, &debug);
  detail = debug_detail (debug);
  /* the elements' own checks of their settings are option errors */
  if (is_tuned_element (GST_MESSAGE_SRC (msg)) &&
      g_error_matches (err, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS))
    fail_with (x, EXIT_USAGE, "%s: %s", GST_MESSAGE_SRC_NAME (msg),
        err->message);
  else if (err->domain == GST_RESOURCE_ERROR && detail && *detail)
    fail (x, "%s: %s (%s)", subject, err->message, detail);
  else
    fail (x, "%s: %s", subject, err->message);
  if (x->verbose && debug)
    fprintf (stderr, "cps-extract: %s: %s\n", GST_MESSAGE_SRC_NAME (msg),
        debug);
  g_clear_error (&err);
  g_free (debug);
  g_free (subject);
}

/* The preview is optional: its errors end the preview, not the run. */
static void
abandon_preview (Extract * x, GstMessage * msg)
{
  GError *err = NULL;

  gst_message_parse_error (msg, &err, NULL);
  fprintf (stderr, "%scps-extract: warning: --preview %s: %s; the preview "
      "is abandoned, the windows are still written\n",
      line_start (), x->preview, err->message);
  g_clear_error (&err);
  extract_preview_abandon (x->preview_branch, GST_BIN (x->pipeline));
}

static gboolean
on_bus_message (GstBus * bus, GstMessage * msg, Extract * x)
{
  GError *err = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      if (x->preview_branch &&
          extract_preview_contains (x->preview_branch, GST_MESSAGE_SRC (msg)))
      {
        if (!extract_preview_abandoned (x->preview_branch))
          abandon_preview (x, msg);
      } else {
        report_error (x, msg);
      }
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, NULL);
      fprintf (stderr, "%scps-extract: warning: %s\n",
          line_start (), err->message);
      g_clear_error (&err);
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (x->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gpointer
send_eos (GstElement * pipeline)
{
  gst_element_send_event (pipeline, gst_event_new_eos ());
  return NULL;
}

/* ^C or SIGTERM.  First: end the stream, so the window being filled is
 * still written (before any video was found there is nothing to finish).
 * The EOS is sent from a thread of its own: a source blocked in a read (a
 * pipe) holds it up, and a second ^C must still get through.  Second: stop
 * at once. */
static gboolean
on_interrupt (Extract * x)
{
  /* a dataset child's input is redone anyway: finishing a window of it
   * would only delay the supervisor */
  if (x->interrupts++ == 0 && x->video_linked && !x->dataset_child) {
    fprintf (stderr, "%scps-extract: interrupted, finishing the current "
        "window (^C again to abort)\n", line_start ());
    x->eos_thread = g_thread_new ("cps-extract-eos", (GThreadFunc) send_eos,
        x->pipeline);
  } else {
    fprintf (stderr, "%scps-extract: interrupted\n",
        line_start ());
    x->exit_code = EXIT_INTERRUPTED;
    g_main_loop_quit (x->loop);
  }
  return G_SOURCE_CONTINUE;
}

/* Start-up errors (a file that cannot be opened, an unknown URI scheme)
 * make the state change fail; their message is on the bus. */
static void
report_start_failure (Extract * x, GstBus * bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

  if (msg) {
    report_error (x, msg);
    gst_message_unref (msg);
  } else {
    fail (x, "%s: could not start the pipeline", x->input);
  }
}

static gboolean
run (Extract * x)
{
  GstBus *bus = gst_element_get_bus (x->pipeline);
  guint progress = 0, sigint, sigterm;

  x->loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, (GSourceFunc) on_interrupt, x);
  sigterm = g_unix_signal_add (SIGTERM, (GSourceFunc) on_interrupt, x);
  if (!x->quiet)
    progress = g_timeout_add (MAX (1, x->progress_interval * 1000),
        (GSourceFunc) (x->dataset_child ? report_frames : print_progress), x);
  x->start_us = g_get_monotonic_time ();
  if (gst_element_set_state (x->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    report_start_failure (x, bus);
  } else {
    gst_bus_add_watch (bus, (GstBusFunc) on_bus_message, x);
    g_main_loop_run (x->loop);
    gst_bus_remove_watch (bus);
  }

  if (progress)
    g_source_remove (progress);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  gst_element_set_state (x->pipeline, GST_STATE_NULL);
  if (x->eos_thread)
    g_thread_join (x->eos_thread);
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
same_file (const gchar * a, const gchar * b)
{
  struct stat sa, sb;

  return a && b && g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 &&
      sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The same name, whether or not it exists yet. */
static gboolean
same_path (const gchar * a, const gchar * b)
{
  gchar *ca = g_canonicalize_filename (a, NULL);
  gchar *cb = g_canonicalize_filename (b, NULL);
  gboolean same = g_str_equal (ca, cb);

  g_free (ca);
  g_free (cb);
  return same;
}

/* The preview is written to PATH.partial, then renamed to PATH: neither
 * may be the input (given as a path or a file:// URI, also through another
 * name), nor may PATH be a directory. */
static gboolean
check_preview_path (Extract * x, gchar ** error)
{
  gchar *input = g_filename_from_uri (x->uri, NULL, NULL);
  const gchar *clash = NULL;

  if (same_file (x->preview, input) ||
      same_file (extract_preview_partial (x->preview_branch), input))
    clash = "is the input";
  else if (same_path (x->preview, x->output_dir) ||
      g_file_test (x->preview, G_FILE_TEST_IS_DIR))
    clash = "is a directory";
  g_free (input);
  if (clash)
    *error = g_strdup_printf ("--preview %s: %s; the preview needs a file "
        "of its own", x->preview, clash);
  return clash == NULL;
}

static gboolean
input_would_be_removed (Extract * x)
{
  gchar *input = g_filename_from_uri (x->uri, NULL, NULL);
  gboolean removed = extract_output_would_remove (x->out, input);

  g_free (input);
  return removed;
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

/* --manifest or more than one input: each input into a directory of its
 * own, by child processes (extract-dataset.c). */
static gboolean
is_dataset (Extract * x)
{
  return x->manifest || g_strv_length (x->inputs) > 1;
}

/* --format dir|wds and --tar-size, for dataset runs. */
static gboolean
check_format (Extract * x, gchar ** error)
{
  if (x->format && !g_str_equal (x->format, "dir") &&
      !g_str_equal (x->format, "wds")) {
    *error = g_strdup_printf ("--format %s: expected dir (a directory of "
        "window files per input) or wds (tar shards)", x->format);
    return FALSE;
  }
  if (!is_dataset (x) && x->format) {
    *error = g_strdup ("--format concerns dataset runs (--manifest, or "
        "several inputs)");
    return FALSE;
  }
  if (x->tar_size && g_strcmp0 (x->format, "wds") != 0) {
    *error = g_strdup ("--tar-size has no effect without --format wds");
    return FALSE;
  }
  x->tar_bytes = 1 << 30;       /* 1G */
  return !x->tar_size ||
      extract_dataset_wds_parse_size (x->tar_size, &x->tar_bytes, error);
}

/* The options of dataset runs, refused where they would have no effect. */
static gboolean
check_dataset_options (Extract * x, gchar ** error)
{
  if (x->jobs < 0) {
    *error = g_strdup ("--jobs must not be negative");
    return FALSE;
  }
  if (!is_dataset (x) && (x->jobs || x->shard || x->retry_failed)) {
    *error = g_strdup ("--jobs, --shard and --retry-failed concern dataset "
        "runs (--manifest, or several inputs)");
    return FALSE;
  }
  if (is_dataset (x) && x->preview) {
    *error = g_strdup ("--preview writes the video of one input; it has no "
        "place in a dataset run (--manifest, or several inputs)");
    return FALSE;
  }
  return check_format (x, error);
}

static gboolean
check_main_options (Extract * x, gchar ** error)
{
  if (x->max_windows < 0 || x->progress_interval < 0) {
    *error = g_strdup ("--max-windows and --progress-interval must not be "
        "negative");
    return FALSE;
  }
  if (x->quiet && x->progress_interval > 0) {
    *error = g_strdup ("--progress-interval has no effect with --quiet");
    return FALSE;
  }
  return check_dataset_options (x, error);
}

/* Everything that can be checked before the input is opened; errors are
 * usage errors (exit status 2). */
static gboolean
check_options (Extract * x, gchar ** error)
{
  if (x->preset) {
    gchar *applied = NULL;

    if (!extract_preset_apply (x->options, x->preset, &applied, error))
      return FALSE;
    if (x->verbose)
      fprintf (stderr, "cps-extract: --preset %s: %s (options given on the "
          "command line win)\n", x->preset, applied);
    g_free (applied);
  }
  if (!check_main_options (x, error) ||
      !extract_output_check_name (x->output_dir, error) ||
      !extract_options_check (x->options, error) ||
      !extract_options_check (x->preview_options, error) ||
      !resolve_modes (x, error) ||
      !extract_check_option_effects (x->options, x->process == MODE_GPU,
          error))
    return FALSE;
  if (!x->preview) {
    if (extract_options_any_set (x->preview_options)) {
      *error = g_strdup ("the --preview-… options have no effect without "
          "--preview");
      return FALSE;
    }
    return TRUE;
  }
  x->preview_branch = extract_preview_new (x->preview, error);
  return x->preview_branch != NULL;
}

static gboolean
parse_command_line (Extract * x, int *argc, char ***argv)
{
  gchar *names = extract_preset_names ();
  gchar *preset_help = g_strdup_printf ("Model preset: %s.  Sets patch "
      "size, pixel bounds, selection unit and sampling as if given before "
      "the other options, which override it", names);
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &x->output_dir,
        "Directory for the window files (default: cps-output)", "DIR"},
    {"preview", 0, 0, G_OPTION_ARG_FILENAME, &x->preview,
        "Also write a video of the selection (.mp4, .mov, .mkv, .webm)",
        "FILE"},
    {"decode", 0, 0, G_OPTION_ARG_STRING, &x->decode_arg,
        "Decoder: cpu, gpu (NVDEC) or auto (gpu where available; default)",
        "auto|cpu|gpu"},
    {"process", 0, 0, G_OPTION_ARG_STRING, &x->process_arg,
        "Where cps runs: cpu, gpu (CUDA) or auto (follows --decode; default)",
        "auto|cpu|gpu"},
    {"preset", 0, 0, G_OPTION_ARG_STRING, &x->preset, preset_help, "NAME"},
    {"list-presets", 0, 0, G_OPTION_ARG_NONE, &x->list_presets,
        "Print each preset's settings and source, and exit", NULL},
    {"decode-all", 0, 0, G_OPTION_ARG_NONE, &x->decode_all,
        "With sampling on a file, decode every GOP anyway (the same "
          "output, slower; by default only the GOPs holding sampled frames "
          "are decoded)", NULL},
    {"max-windows", 0, 0, G_OPTION_ARG_INT64, &x->max_windows,
        "Stop after this many windows (default 0: the whole input)", "N"},
    {"progress-interval", 0, 0, G_OPTION_ARG_DOUBLE, &x->progress_interval,
        "Seconds between progress reports on stderr (default: 0.25 on a "
          "terminal, 5 otherwise)", "SECONDS"},
    {"overwrite", 'f', 0, G_OPTION_ARG_NONE, &x->overwrite,
        "Replace the window files (and preview) an earlier run wrote into "
          "the output directory", NULL},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &x->quiet,
        "No progress, only errors and the summary", NULL},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &x->verbose,
        "Print the pipeline and error details", NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, &x->version,
        "Print the version and exit", NULL},
    {"manifest", 0, 0, G_OPTION_ARG_FILENAME, &x->manifest,
        "Extract the inputs FILE lists (one path or URI a line, - for "
          "stdin), each into DIR/<id>/, with DIR/index.jsonl", "FILE"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &x->jobs,
        "With several inputs: how many are extracted at once (default: one "
          "per core)", "N"},
    {"shard", 0, 0, G_OPTION_ARG_STRING, &x->shard,
        "With several inputs: only the I-th of N parts of them (counting "
          "from 0), for N runs that share the work", "I/N"},
    {"format", 0, 0, G_OPTION_ARG_STRING, &x->format,
        "With several inputs: dir (DIR/<id>/window-NNNNN.safetensors; "
          "default) or wds (WebDataset tar shards in DIR/wds/)", "dir|wds"},
    {"tar-size", 0, 0, G_OPTION_ARG_STRING, &x->tar_size,
        "With --format wds: the size at which a shard is closed (default "
          "1G; K, M, G suffixes)", "SIZE"},
    {"retry-failed", 0, 0, G_OPTION_ARG_NONE, &x->retry_failed,
        "With several inputs: redo those DIR/failures.jsonl records "
          "(skipped otherwise)", NULL},
    {EXTRACT_DATASET_CHILD_OPTION, 0, G_OPTION_FLAG_HIDDEN,
        G_OPTION_ARG_NONE, &x->dataset_child, NULL, NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("FILE|URI... - write the "
      "selected patches of videos as safetensors files");
  GError *err = NULL;
  gchar **joined = extract_options_join_boolean_values (x->options, *argv);
  gchar **args = extract_options_join_boolean_values (x->preview_options,
      joined);
  gboolean ok;

  g_strfreev (joined);

  g_option_context_set_description (ctx,
      "Writes DIR/window-NNNNN.safetensors for each window of "
      "sequence-length frames:\npatches [N,3,P,P], fields [N,6], scores [N], "
      "frame_ids [T], frame_pts_ns [T], is_i [T].\nSelection parameters "
      "(--help-elements) are the properties of the elements, same names "
      "and defaults; --help-preview lists cpsviz's.\nOne run at a time "
      "writes into DIR (it is locked).  ^C or SIGTERM ends the stream: the "
      "window being filled is still written; a second one aborts.\n"
      "Each window's header and the summary give the tokens a model sees: "
      "one per patch, or\none per 2x2 block with --selection-unit block2x2 "
      "(a 2x2 merge, as Qwen2.5-VL's).\nWith --manifest or several "
      "inputs, each input goes to DIR/<id>/ (a rerun skips the complete "
      "ones)\nand DIR/index.jsonl lists every window (docs/formats.md).\n");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, extract_options_group (x->options,
          "elements", "Selection parameters (properties of cpsmotion, "
          "cpsenergy, cpstopk):", "Show the selection parameters"));
  g_option_context_add_group (ctx, extract_options_group
      (x->preview_options, "preview", "Preview options (properties of "
          "cpsviz, with --preview):", "Show the preview options"));
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse_strv (ctx, &args, &err);
  g_option_context_free (ctx);
  g_free (preset_help);
  g_free (names);
  if (ok && (x->version || x->list_presets)) {
    g_strfreev (args);
    return TRUE;
  }
  /* GLib keeps the "--" that ends the options when an input after it
   * starts with "-" */
  if (ok && args[1] && g_str_equal (args[1], "--")) {
    g_free (args[1]);
    memmove (args + 1, args + 2, g_strv_length (args + 1) * sizeof *args);
  }
  if (!ok || (!args[1] && !x->manifest)) {
    fprintf (stderr, "cps-extract: error: %s\nTry cps-extract --help\n",
        err ? err->message : "no input given");
    g_clear_error (&err);
    g_strfreev (args);
    return FALSE;
  }
  x->inputs = g_strdupv (args + 1);
  x->input = g_strdup (args[1]);
  g_strfreev (args);
  return TRUE;
}

static void
print_version (void)
{
  gchar *gst = gst_version_string ();

  printf ("cps-extract %s (%s)\n", VERSION, gst);
  g_free (gst);
}

static void
extract_clear (Extract * x)
{
  gst_clear_object (&x->motion);
  gst_clear_object (&x->sink);
  gst_clear_object (&x->pipeline);
  if (x->preview_branch)
    extract_preview_free (x->preview_branch);
  if (x->out)
    extract_output_close (x->out);
  if (x->options)
    extract_options_free (x->options);
  if (x->preview_options)
    extract_options_free (x->preview_options);
  g_free (x->input);
  g_strfreev (x->inputs);
  g_free (x->manifest);
  g_free (x->shard);
  g_free (x->format);
  g_free (x->tar_size);
  g_free (x->uri);
  g_free (x->output_dir);
  g_free (x->preview);
  g_free (x->decoder_name);
  extract_index_free (x->index);
  g_free (x->decode_arg);
  g_free (x->process_arg);
  g_free (x->preset);
}

/* ---- sampling a file by its packet index --------------------------- */

static gchar *
option_string (Extract * x, const gchar * name)
{
  GValue v = G_VALUE_INIT;
  gchar *s;

  extract_options_get (x->options, name, &v);
  s = g_value_dup_string (&v);
  g_value_unset (&v);
  return s;
}

static void
sample_params (Extract * x, CpsSampleParams * p)
{
  static const struct {
    const gchar *name;
    gsize offset;
  } uints[] = {
    {"sampling-frames", G_STRUCT_OFFSET (CpsSampleParams, frames)},
    {"min-frames", G_STRUCT_OFFSET (CpsSampleParams, min_frames)},
    {"max-frames", G_STRUCT_OFFSET (CpsSampleParams, max_frames)},
    {"frame-factor", G_STRUCT_OFFSET (CpsSampleParams, factor)},
  };
  GValue v = G_VALUE_INIT;

  extract_options_get (x->options, "sampling", &v);
  p->mode = (CpsSampleMode) g_value_get_enum (&v);
  g_value_unset (&v);
  extract_options_get (x->options, "fps", &v);
  p->fps = g_value_get_double (&v);
  g_value_unset (&v);
  for (guint i = 0; i < G_N_ELEMENTS (uints); i++) {
    extract_options_get (x->options, uints[i].name, &v);
    G_STRUCT_MEMBER (guint32, p, uints[i].offset) = g_value_get_uint (&v);
    g_value_unset (&v);
  }
}

/* Where the input is a local file, sampling (uniform, fps, a range) reads
 * its packet index first and decodes only the GOPs holding sampled frames
 * (docs/architecture.md); elsewhere every frame is decoded. */
static gboolean
index_input (Extract * x, gchar ** error)
{
  CpsSampleParams p;
  gchar *start = option_string (x, "start"), *end = option_string (x, "end");
  gchar *path = g_str_has_prefix (x->uri, "file:") ?
      g_filename_from_uri (x->uri, NULL, NULL) : NULL;
  gboolean ok = TRUE;

  sample_params (x, &p);
  if (p.mode == CPS_SAMPLE_ALL && !start && !end)
    goto done;                  /* every frame: nothing to skip */
  if (!path || !g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    if (!x->quiet)
      fprintf (stderr, "cps-extract: %s is not a seekable file: decoding "
          "every frame (sampling from the stream's duration estimate)\n",
          x->input);
    goto done;
  }
  x->index = extract_index_start (x->uri, (ExtractIndexSetup)
      steer_decodebin, x, &p, start, end, x->decode_all, x->quiet);
done:
  g_free (path);
  g_free (start);
  g_free (end);
  return ok;
}

/* A start/end range that passed none of the decoded frames is an error.
 * The plan says so before decoding where the file has timestamps; this
 * catches the rest (a raw stream, a live source that ended early). */
static gboolean
check_range_had_frames (Extract * x)
{
  gchar *start, *end;
  gboolean ranged;

  if (x->frames_processed > 0 || x->frames_decoded == 0)
    return TRUE;
  start = option_string (x, "start");
  end = option_string (x, "end");
  ranged = start || end;
  if (ranged)
    fail (x, "%s: start=%s end=%s: no frame in the range (%d %s decoded)",
        x->input, start ? start : "none", end ? end : "none",
        x->frames_decoded, plural (x->frames_decoded, "frame", "frames"));
  g_free (start);
  g_free (end);
  return !ranged;
}

/* Runs the extraction; returns the exit status. */
static gint
extract (Extract * x)
{
  gchar *error = NULL;
  gboolean ok;

  if (!check_options (x, &error)) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return EXIT_USAGE;
  }
  if (!(x->uri = input_uri (x->input, &error))) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return 1;
  }
  if (x->preview && !check_preview_path (x, &error)) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return EXIT_USAGE;
  }
  if (!(x->out = extract_output_open (x->output_dir, x->overwrite,
              x->preview, &error))) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return 1;
  }
  if (input_would_be_removed (x)) {
    fprintf (stderr, "cps-extract: error: %s: is a file of the earlier run "
        "in %s, which --overwrite would remove\n", x->input, x->output_dir);
    return EXIT_USAGE;
  }
  if (!index_input (x, &error) || !build_pipeline (x, &error)) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return 1;
  }
  ok = run (x);
  if (ok)
    ok = check_range_had_frames (x);
  if (x->preview_branch && !extract_preview_finish (x->preview_branch, ok,
          &error)) {
    fail (x, "%s", error);
    g_free (error);
  }
  if (x->dataset_child)
    report_frames (x);
  else if (x->exit_code == 0 || x->exit_code == EXIT_INTERRUPTED)
    print_summary (x);
  return x->exit_code;
}

/* The dataset's record of the options: what a marker compares. */
static gchar *
canonical_options (Extract * x)
{
  GString *s = g_string_new (NULL);
  gchar *elements = extract_options_canonical (x->options);

  g_string_append (s, elements);
  if (x->max_windows)
    g_string_append_printf (s, "%smax-windows=%" G_GINT64_FORMAT,
        s->len ? " " : "", x->max_windows);
  /* a complete input of a dir dataset is not in any shard */
  if (g_strcmp0 (x->format, "wds") == 0)
    g_string_append_printf (s, "%sformat=wds", s->len ? " " : "");
  g_free (elements);
  return g_string_free (s, FALSE);
}

/* The options a dataset run passes to each child, as the user gave them. */
static GPtrArray *
child_args (Extract * x)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);

  if (x->preset)
    g_ptr_array_add (args, g_strdup_printf ("--preset=%s", x->preset));
  if (x->max_windows)
    g_ptr_array_add (args, g_strdup_printf ("--max-windows=%"
            G_GINT64_FORMAT, x->max_windows));
  if (x->decode_arg)
    g_ptr_array_add (args, g_strdup_printf ("--decode=%s", x->decode_arg));
  if (x->process_arg)
    g_ptr_array_add (args, g_strdup_printf ("--process=%s", x->process_arg));
  if (x->decode_all)
    g_ptr_array_add (args, g_strdup ("--decode-all"));
  if (x->verbose)
    g_ptr_array_add (args, g_strdup ("--verbose"));
  extract_options_append_given (x->options, args);
  return args;
}

static gint
extract_dataset (Extract * x)
{
  ExtractDatasetConfig c = {
    .output_dir = x->output_dir,.inputs = x->inputs,.manifest = x->manifest,
    .jobs = x->jobs,.shard = x->shard,.retry_failed = x->retry_failed,
    .overwrite = x->overwrite,.quiet = x->quiet,
    .wds = g_strcmp0 (x->format, "wds") == 0,.tar_bytes = x->tar_bytes,
    .progress_interval = x->progress_interval,
  };
  gchar *error = NULL, *options;
  gint status;

  if (!check_options (x, &error)) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return EXIT_USAGE;
  }
  c.options = options = canonical_options (x);
  c.child_args = child_args (x);
  status = extract_dataset_run (&c);
  g_ptr_array_unref (c.child_args);
  g_free (options);
  return status;
}

int
main (int argc, char **argv)
{
  static const gchar *viz[] = { "cpsviz", NULL };
  Extract x = { 0 };
  gint status;

  gst_init (&argc, &argv);
  find_plugin ();
  x.options = extract_options_new (tuned_elements, "");
  x.preview_options = extract_options_new (viz, "preview-");
  if (!x.options || !x.preview_options) {
    fprintf (stderr, "cps-extract: error: the cps plugin is not installed "
        "(no cpsmotion element; check GST_PLUGIN_PATH)\n");
    extract_clear (&x);
    return 1;
  }
  if (!parse_command_line (&x, &argc, &argv)) {
    status = EXIT_USAGE;
  } else if (x.version) {
    print_version ();
    status = 0;
  } else if (x.list_presets) {
    extract_presets_print (x.options, stdout);
    status = 0;
  } else {
    if (!x.output_dir)
      x.output_dir = g_strdup ("cps-output");
    if (x.progress_interval == 0 && !x.quiet)
      x.progress_interval = isatty (2) ? 0.25 : 5.0;
    /* a child reports to its supervisor, which has its own interval */
    if (x.dataset_child)
      x.progress_interval = 0.5;
    status = is_dataset (&x) ? extract_dataset (&x) : extract (&x);
  }
  extract_clear (&x);
  gst_deinit ();                /* lets GST_TRACERS=leaks report */
  return status;
}
