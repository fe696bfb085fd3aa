/* cps — the floor under any motion model: what the decoder loses when the
 * thread that receives its frames does the least per-pixel work a model
 * can do, and nothing else.
 *
 *   decode-floor CLIP MODE     (built with the tests; bench-cpu.sh runs it)
 *
 * MODE is one of
 *   none    filesrc ! parsebin ! avdec_h264 ! fakesink, nothing more
 *   luma    the same, reading every luma byte of every frame once
 *   frame   reading every byte of the three planes once
 *   copy    copying the luma plane into one of three frames kept, the
 *           least the camera model does (it compares each frame with the
 *           one before and the one after at full resolution)
 * The work runs in a pad probe on the sink's pad, in the thread where
 * cpsmotion would run.  Prints the seconds from PLAYING to EOS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/video/video.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { FLOOR_NONE, FLOOR_LUMA, FLOOR_FRAME, FLOOR_COPY } FloorMode;

typedef struct {
  FloorMode mode;
  GstVideoInfo info;            /* from the caps event, not per buffer */
  gboolean have_info;
  guint64 checksum;             /* the reads' result, stored so they happen */
  guint8 *kept[3];
  gsize kept_size;
  int next;
} Floor;

static guint32
sum_row (const guint8 * row, int n)
{
  guint32 s = 0;

  for (int x = 0; x < n; x++)
    s += row[x];
  return s;
}

static void
read_plane (Floor * f, const GstVideoFrame * frame, int plane)
{
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
  int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);
  int width = GST_VIDEO_FRAME_COMP_WIDTH (frame, plane);
  int height = GST_VIDEO_FRAME_COMP_HEIGHT (frame, plane);

  for (int y = 0; y < height; y++)
    f->checksum += sum_row (data + (gsize) y * stride, width);
}

static void
copy_luma (Floor * f, const GstVideoFrame * frame)
{
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  int width = GST_VIDEO_FRAME_WIDTH (frame);
  int height = GST_VIDEO_FRAME_HEIGHT (frame);
  gsize size = (gsize) width * height;

  if (f->kept_size != size) {
    for (int i = 0; i < 3; i++)
      f->kept[i] = g_realloc (f->kept[i], size);
    f->kept_size = size;
  }
  for (int y = 0; y < height; y++)
    memcpy (f->kept[f->next] + (gsize) y * width, data + (gsize) y * stride,
        width);
  f->next = (f->next + 1) % 3;
}

static GstPadProbeReturn
on_data (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Floor *f = user_data;
  GstVideoFrame frame;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    GstCaps *caps;

    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      gst_event_parse_caps (event, &caps);
      f->have_info = gst_video_info_from_caps (&f->info, caps);
    }
    return GST_PAD_PROBE_OK;
  }
  if (!f->have_info || !gst_video_frame_map (&frame, &f->info,
          GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ)) {
    g_printerr ("decode-floor: cannot map a frame\n");
    exit (1);
  }
  if (f->mode == FLOOR_COPY)
    copy_luma (f, &frame);
  else
    for (int p = 0; p < (f->mode == FLOOR_FRAME ? 3 : 1); p++)
      read_plane (f, &frame, p);
  gst_video_frame_unmap (&frame);
  return GST_PAD_PROBE_OK;
}

static int
parse_mode (const char *name, FloorMode * mode)
{
  static const char *names[] = { "none", "luma", "frame", "copy" };

  for (int i = 0; i < 4; i++)
    if (!strcmp (name, names[i])) {
      *mode = (FloorMode) i;
      return 1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  Floor f = { 0 };
  GError *error = NULL;
  GstElement *pipeline, *sink;
  GstMessage *msg;
  gint64 start;
  gchar *desc;
  int failed;

  gst_init (&argc, &argv);
  if (argc != 3 || !parse_mode (argv[2], &f.mode)) {
    g_printerr ("usage: decode-floor CLIP none|luma|frame|copy\n");
    return 2;
  }
  desc = g_strdup_printf ("filesrc location=\"%s\" ! parsebin ! avdec_h264 ! "
      "fakesink name=sink async=false", argv[1]);
  pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (!pipeline) {
    g_printerr ("decode-floor: %s\n", error->message);
    return 1;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (f.mode != FLOOR_NONE) {
    GstPad *pad = gst_element_get_static_pad (sink, "sink");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_data, &f, NULL);
    gst_object_unref (pad);
  }
  gst_object_unref (sink);

  start = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  failed = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
  if (failed) {
    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("decode-floor: %s\n", error->message);
    g_error_free (error);
  } else {
    printf ("%.4f\n", (g_get_monotonic_time () - start) / 1e6);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  for (int i = 0; i < 3; i++)
    g_free (f.kept[i]);
  return failed;
}
