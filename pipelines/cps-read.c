/* cps — codec patch selection
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Embedding cps in a C application: build a pipeline from a file or URI,
 * pull windows from cpspatchsink with the appsink API, read CpsPatchMeta
 * through the cps-1.0 library, print per-window statistics.
 *
 *   cc cps-read.c $(pkg-config --cflags --libs cps-1.0 gstreamer-app-1.0)
 *   ./cps-read clip.mp4 [k]
 */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <cpsmeta.h>

static void
print_window (GstBuffer * buffer, const CpsPatchMeta * m)
{
  guint i_patches = 0, frames_used = 0;
  gboolean used[1024] = { FALSE };
  gdouble score_sum = 0;

  for (guint i = 0; i < m->n_patches; i++) {
    const gint64 *row = m->fields + (gsize) i * CPS_PATCH_N_FIELDS;
    gint64 t = row[CPS_PATCH_FIELD_SEQ_POS];

    i_patches += row[CPS_PATCH_FIELD_IS_I] != 0;
    if (t >= 0 && t < (gint64) G_N_ELEMENTS (used) && !used[t]) {
      used[t] = TRUE;
      frames_used++;
    }
    score_sum += m->scores[i];
  }
  g_print ("window %" G_GUINT64_FORMAT ": frames %" G_GINT64_FORMAT "-%"
      G_GINT64_FORMAT " (%u), pts %" GST_TIME_FORMAT ", %u patches of %ux%u "
      "%s (%" G_GSIZE_FORMAT " bytes) from %u frames, %u from I-frames, "
      "mean score %.2f, grid %ux%u\n", m->window_index, m->frame_ids[0],
      m->frame_ids[m->n_frames - 1], m->n_frames,
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), m->n_patches, m->patch_size,
      m->patch_size, cps_patch_dtype_to_string (m->dtype),
      gst_buffer_get_size (buffer), frames_used, i_patches,
      m->n_patches ? score_sum / m->n_patches : 0.0, m->grid_height,
      m->grid_width);
}

int
main (int argc, char **argv)
{
  GstElement *pipeline, *sink;
  GError *error = NULL;
  gchar *uri, *description;
  GstSample *sample;
  GstMessage *msg;
  int status = 0;

  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: %s FILE|URI [k]\n", argv[0]);
    return 2;
  }
  uri = gst_uri_is_valid (argv[1]) ? g_strdup (argv[1]) :
      gst_filename_to_uri (argv[1], NULL);
  description = g_strdup_printf ("uridecodebin uri=\"%s\" caps=video/x-raw ! "
      "cpsmotion ! cpsenergy ! cpstopk k=%s ! cpspatchsink name=sink", uri,
      argc > 2 ? argv[2] : "512");
  pipeline = gst_parse_launch (description, &error);
  g_free (description);
  g_free (uri);
  if (!pipeline) {
    g_printerr ("error: %s\n", error->message);
    return 1;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* cpspatchsink is an appsink: pull until EOS.  An error does not wake
   * a pull, so pull with a timeout and look at the bus in between. */
  while (!gst_app_sink_is_eos (GST_APP_SINK (sink))) {
    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        100 * GST_MSECOND);
    if (sample) {
      GstBuffer *buffer = gst_sample_get_buffer (sample);
      CpsPatchMeta *meta = cps_buffer_get_patch_meta (buffer);

      if (meta)
        print_window (buffer, meta);
      gst_sample_unref (sample);
      continue;
    }
    msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline),
        GST_MESSAGE_ERROR);
    if (msg) {
      gst_message_parse_error (msg, &error, NULL);
      g_printerr ("error: %s\n", error->message);
      g_clear_error (&error);
      gst_message_unref (msg);
      status = 1;
      break;
    }
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  gst_deinit ();
  return status;
}
