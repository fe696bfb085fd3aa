/* cps — pipeline tests with real decoding of the clips in ../shared/media.
 * Each test skips with a message where the clip (or ffprobe) is absent.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "cpsmeta.h"

typedef struct
{
  const gchar *file;
  const gchar *demux;           /* "" for Annex-B elementary streams */
  guint frames;                 /* decoded frames (MANIFEST.md) */
  gboolean keys_by_index;       /* ffprobe's frames are GStreamer's frames */
} Clip;

static const Clip clips[] = {
  {"demo.mp4", "qtdemux", 115, TRUE},
  {"static_parking_cars_768x432.mp4", "qtdemux", 377, TRUE},
  {"static_bottles_hand_640x360.mp4", "qtdemux", 1189, TRUE},
  {"people_asl_book_640x480.mkv", "matroskademux", 109, TRUE},
  {"talkinghead_office_1280x720_baseline.h264", "", 19, TRUE},
  {"talkinghead_foreman_cif.h264", "", 299, TRUE},
  {"pan_trees_1080p25_high_bframes.h264", "", 54, TRUE},
  /* an edit list drops 16 pre-roll frames in GStreamer, not in ffprobe, so
   * frame indices differ: counts and invariants only */
  {"sports_baseball_640x360.mp4", "qtdemux", 153, FALSE},
};

static gchar *
media_path (const gchar * file)
{
  const gchar *dir = g_getenv ("CPS_MEDIA_DIR");
  gchar *path = g_build_filename (dir ? dir : "../shared/media", file, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    gchar *msg = g_strdup_printf ("media clip %s not found (../shared/media "
        "is absent): skipped", path);
    g_test_skip (msg);
    g_free (msg);
    g_free (path);
    return NULL;
  }
  return path;
}

/* Key-frame flags per presentation-order frame, from ffprobe. */
static GArray *
ffprobe_key_frames (const gchar * path)
{
  gchar *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v:0",
    "-show_entries", "frame=key_frame", "-of", "csv=p=0", (gchar *) path, NULL
  };
  gchar *out = NULL, **lines;
  gint status = 0;
  GArray *keys;

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL)
      || status != 0) {
    g_free (out);
    return NULL;
  }
  keys = g_array_new (FALSE, FALSE, sizeof (guint8));
  lines = g_strsplit (out, "\n", -1);
  for (gchar ** l = lines; *l; l++) {
    if (**l == '0' || **l == '1') {
      guint8 k = **l == '1';
      g_array_append_val (keys, k);
    }
  }
  g_strfreev (lines);
  g_free (out);
  return keys;
}

static GstElement *
launch (const gchar * path, const gchar * demux, const gchar * tail)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" %s%s ! h264parse ! "
      "avdec_h264 ! %s", path, *demux ? "! " : "", demux, tail);
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);

  g_assert_no_error (err);
  g_free (desc);
  return pipe;
}

static GstSample *
pull (GstElement * pipe)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "s");
  GstSample *s = gst_app_sink_pull_sample (GST_APP_SINK (sink));

  gst_object_unref (sink);
  return s;
}

static void
assert_no_error (GstElement * pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

  if (msg) {
    GError *err;
    gst_message_parse_error (msg, &err, NULL);
    g_error ("pipeline error: %s", err->message);
  }
  gst_object_unref (bus);
}

/* Every invariant of one window's metadata. */
static void
check_window (const CpsPatchMeta * m, GstBuffer * buf, guint k)
{
  gsize per_frame = (gsize) m->grid_height * m->grid_width;
  gint64 last = -1;

  g_assert_cmpuint (m->n_patches, ==, MIN (k, m->n_frames * per_frame));
  g_assert_cmpuint (m->target_width, ==, m->grid_width * m->patch_size);
  g_assert_cmpuint (m->target_height, ==, m->grid_height * m->patch_size);
  g_assert_cmpuint (gst_buffer_get_size (buf), ==, (gsize) m->n_patches * 3 *
      m->patch_size * m->patch_size * cps_patch_dtype_size (m->dtype));
  for (guint i = 0; i < m->n_patches; i++) {
    const gint64 *f = m->fields + (gsize) i * CPS_PATCH_N_FIELDS;

    g_assert_cmpint (f[CPS_PATCH_FIELD_SEQ_POS], <, m->n_frames);
    g_assert_cmpint (f[CPS_PATCH_FIELD_H_IDX], <, m->grid_height);
    g_assert_cmpint (f[CPS_PATCH_FIELD_W_IDX], <, m->grid_width);
    g_assert_cmpint (f[CPS_PATCH_FIELD_LINEAR_IDX], ==,
        f[CPS_PATCH_FIELD_SEQ_POS] * per_frame +
        f[CPS_PATCH_FIELD_H_IDX] * m->grid_width + f[CPS_PATCH_FIELD_W_IDX]);
    g_assert_cmpint (f[CPS_PATCH_FIELD_LINEAR_IDX], >, last);
    last = f[CPS_PATCH_FIELD_LINEAR_IDX];
    g_assert_cmpint (f[CPS_PATCH_FIELD_FRAME_ID], ==,
        m->frame_ids[f[CPS_PATCH_FIELD_SEQ_POS]]);
    g_assert_cmpint (f[CPS_PATCH_FIELD_IS_I], ==,
        m->frame_is_i[f[CPS_PATCH_FIELD_SEQ_POS]]);
    /* energy is in [0, 1]: a score is at most P² */
    g_assert_cmpfloat (m->scores[i], >=, 0.0f);
    g_assert_cmpfloat (m->scores[i], <=,
        m->patch_size * m->patch_size * 1.0001f);
  }
}

static void
test_clip (gconstpointer data)
{
  const Clip *clip = data;
  gchar *path = media_path (clip->file);
  GArray *keys;
  GstElement *pipe;
  GstSample *sample;
  guint windows = 0, frames = 0;
  GstClockTime last_pts = 0;

  if (!path)
    return;
  keys = clip->keys_by_index ? ffprobe_key_frames (path) : NULL;
  pipe = launch (path, clip->demux,
      "cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink name=s");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = pull (pipe))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    CpsPatchMeta *m = cps_buffer_get_patch_meta (buf);
    gboolean any_key = FALSE;

    g_assert_nonnull (m);
    g_assert_cmpuint (m->window_index, ==, windows);
    check_window (m, buf, 512);
    for (guint t = 0; t < m->n_frames; t++) {
      /* every frame processed, in order: ids are consecutive */
      g_assert_cmpint (m->frame_ids[t], ==, frames + t);
      /* containers timestamp every frame; Annex-B streams reach the
       * decoder without timestamps, and the meta says so (NONE) */
      if (*clip->demux) {
        g_assert_true (GST_CLOCK_TIME_IS_VALID (m->frame_pts[t]));
        if (frames + t > 0)
          g_assert_cmpuint (m->frame_pts[t], >, last_pts);
        last_pts = m->frame_pts[t];
      }
      if (keys && m->frame_ids[t] < keys->len)
        any_key |= g_array_index (keys, guint8, m->frame_ids[t]);
    }
    /* is_i is the stream's key-frame flag, but for the first-frame rule */
    for (guint t = 0; keys && t < m->n_frames; t++) {
      gboolean expect = g_array_index (keys, guint8, m->frame_ids[t]) ||
          (t == 0 && !any_key);
      g_assert_cmpint (m->frame_is_i[t], ==, expect);
    }
    g_assert_cmpuint (GST_BUFFER_PTS (buf), ==, m->frame_pts[0]);
    frames += m->n_frames;
    windows++;
    gst_sample_unref (sample);
  }
  assert_no_error (pipe);
  g_assert_cmpuint (frames, ==, clip->frames);
  g_assert_cmpuint (windows, ==, (clip->frames + 15) / 16);
  if (keys)
    g_assert_cmpuint (keys->len, ==, clip->frames);
  else if (clip->keys_by_index)
    g_test_message ("ffprobe not found: is_i not compared with key frames");
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  if (keys)
    g_array_unref (keys);
  g_free (path);
}

/* decodebin creates its decoder after the pipeline starts; cpsmotion
 * still carries the key-frame flags across it (demo.mp4: frames 0, 91). */
static void
test_decodebin_key_frames (void)
{
  gchar *path = media_path ("demo.mp4");
  gchar *desc;
  GstElement *pipe;
  GstSample *sample;
  guint frames = 0, keys = 0;

  if (!path)
    return;
  desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! cpsmotion ! "
      "cpstopk ! cpspatchsink name=s", path);
  pipe = gst_parse_launch (desc, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = pull (pipe))) {
    CpsPatchMeta *m = cps_buffer_get_patch_meta (gst_sample_get_buffer
        (sample));

    for (guint t = 0; t < m->n_frames; t++) {
      gboolean key = m->frame_ids[t] == 0 || m->frame_ids[t] == 91;
      /* windows without a key frame mark their first frame (rule) */
      gboolean rule = t == 0 && m->frame_ids[0] / 16 != 0 &&
          m->frame_ids[0] / 16 != 91 / 16;

      g_assert_cmpint (m->frame_is_i[t], ==, key || rule);
      keys += key;
    }
    frames += m->n_frames;
    gst_sample_unref (sample);
  }
  assert_no_error (pipe);
  g_assert_cmpuint (frames, ==, 115);
  g_assert_cmpuint (keys, ==, 2);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (path);
}

/* Uniform sampling (docs/algorithm.md) on a file: ids floor(i·(N−1)/(T−1)),
 * one window. */
static void
test_uniform_sampling (void)
{
  gchar *path = media_path ("demo.mp4");
  GstElement *pipe;
  GstSample *sample;
  CpsPatchMeta *m;

  if (!path)
    return;
  pipe = launch (path, "qtdemux", "cpsmotion sampling=uniform "
      "sampling-frames=16 ! cpstopk ! cpspatchsink name=s");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  sample = pull (pipe);
  g_assert_nonnull (sample);
  m = cps_buffer_get_patch_meta (gst_sample_get_buffer (sample));
  g_assert_cmpuint (m->n_frames, ==, 16);
  for (guint i = 0; i < 16; i++)
    g_assert_cmpint (m->frame_ids[i], ==, i * 114 / 15);
  /* demo.mp4's key frames are 0 and 91; 91 = floor(12·114/15) */
  for (guint i = 0; i < 16; i++)
    g_assert_cmpint (m->frame_is_i[i], ==, i == 0 || i == 12);
  gst_sample_unref (sample);
  g_assert_null (pull (pipe));
  assert_no_error (pipe);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  g_free (path);
}

/* The reference path of docs/algorithm.md written independently of
 * common/: each full-size pixel is converted to RGB (BT.709 limited range,
 * the clip's colorimetry; chroma upsampled bilinearly from MPEG-2 sited
 * samples) and clamped, then the RGB frame is resized bilinearly
 * (half-pixel centres). */
static gdouble
plane_at (const guint8 * p, gint stride, gint w, gint h, gdouble x, gdouble y)
{
  gint x0, y0, x1, y1;
  gdouble fx, fy;

  x = CLAMP (x, 0.0, w - 1.0);
  y = CLAMP (y, 0.0, h - 1.0);
  x0 = (gint) x;
  y0 = (gint) y;
  x1 = MIN (x0 + 1, w - 1);
  y1 = MIN (y0 + 1, h - 1);
  fx = x - x0;
  fy = y - y0;
  return (1 - fy) * ((1 - fx) * p[y0 * stride + x0] + fx * p[y0 * stride +
          x1]) + fy * ((1 - fx) * p[y1 * stride + x0] + fx * p[y1 * stride +
          x1]);
}

static gdouble
rgb_at (GstVideoFrame * f, gint c, gint x, gint y)
{
  gint w = GST_VIDEO_FRAME_WIDTH (f), h = GST_VIDEO_FRAME_HEIGHT (f);
  gdouble yy = ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (f, 0))[y *
      GST_VIDEO_FRAME_PLANE_STRIDE (f, 0) + x];
  /* chroma sample k sits at luma x = 2k, luma y = 2k + 0.5 */
  gdouble cx = x / 2.0, cy = (y - 0.5) / 2.0;
  gdouble u = plane_at (GST_VIDEO_FRAME_PLANE_DATA (f, 1),
      GST_VIDEO_FRAME_PLANE_STRIDE (f, 1), (w + 1) / 2, (h + 1) / 2, cx, cy);
  gdouble v = plane_at (GST_VIDEO_FRAME_PLANE_DATA (f, 2),
      GST_VIDEO_FRAME_PLANE_STRIDE (f, 2), (w + 1) / 2, (h + 1) / 2, cx, cy);
  gdouble kr = 0.2126, kb = 0.0722, kg = 1 - kr - kb;
  gdouble y1 = (yy - 16) * 255 / 219, u1 = (u - 128) * 255 / 224;
  gdouble v1 = (v - 128) * 255 / 224, rgb[3];

  rgb[0] = y1 + 2 * (1 - kr) * v1;
  rgb[2] = y1 + 2 * (1 - kb) * u1;
  rgb[1] = (y1 - kr * rgb[0] - kb * rgb[2]) / kg;
  return CLAMP (rgb[c], 0.0, 255.0);
}

static gdouble
resized_rgb (GstVideoFrame * f, gint c, gdouble sx, gdouble sy)
{
  gint w = GST_VIDEO_FRAME_WIDTH (f), h = GST_VIDEO_FRAME_HEIGHT (f);
  gint x0, y0, x1, y1;
  gdouble fx, fy;

  sx = MAX (sx, 0.0);
  sy = MAX (sy, 0.0);
  x0 = MIN ((gint) sx, w - 1);
  y0 = MIN ((gint) sy, h - 1);
  x1 = MIN (x0 + 1, w - 1);
  y1 = MIN (y0 + 1, h - 1);
  fx = sx - x0;
  fy = sy - y0;
  return (1 - fy) * ((1 - fx) * rgb_at (f, c, x0, y0) + fx * rgb_at (f, c,
          x1, y0)) + fy * ((1 - fx) * rgb_at (f, c, x0, y1) + fx * rgb_at (f,
          c, x1, y1));
}

/* Patch values equal the reference path's resized RGB frame (above) at
 * the position the metadata records. */
static void
test_patch_pixels_match_resized_frame (void)
{
  gchar *path = media_path ("demo.mp4");
  GstElement *pipe, *ref;
  GstSample *sample, *frame = NULL;
  GstBuffer *buf;
  CpsPatchMeta *m;
  GstMapInfo pm;
  gdouble sum = 0.0, worst = 0.0;
  gsize count = 0;
  gint fid = 0;

  if (!path)
    return;
  pipe = launch (path, "qtdemux", "cpsmotion ! cpstopk dtype=fp32 ! "
      "cpspatchsink name=s");
  ref = launch (path, "qtdemux", "video/x-raw,format=I420,colorimetry=bt709 "
      "! appsink name=s sync=false");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  gst_element_set_state (ref, GST_STATE_PLAYING);
  sample = pull (pipe);
  buf = gst_sample_get_buffer (sample);
  m = cps_buffer_get_patch_meta (buf);
  gst_buffer_map (buf, &pm, GST_MAP_READ);

  for (guint t = 0; t < m->n_frames; t++) {
    GstVideoFrame vf;
    GstVideoInfo info;
    gint W, H, P = m->patch_size;

    gdouble scx, scy;

    for (; fid <= m->frame_ids[t]; fid++) {
      frame = pull (ref);
      if (fid < m->frame_ids[t])
        gst_sample_unref (frame);
    }
    gst_video_info_from_caps (&info, gst_sample_get_caps (frame));
    W = info.width;
    H = info.height;
    scx = (gdouble) W / m->target_width;
    scy = (gdouble) H / m->target_height;
    gst_video_frame_map (&vf, &info, gst_sample_get_buffer (frame),
        GST_MAP_READ);
    for (guint i = 0; i < m->n_patches; i++) {
      const gint64 *f = m->fields + (gsize) i * CPS_PATCH_N_FIELDS;
      const gfloat *patch = (const gfloat *) pm.data + (gsize) i * 3 * P * P;

      if (f[CPS_PATCH_FIELD_SEQ_POS] != t)
        continue;
      for (gint c = 0; c < 3; c++)
        for (gint y = 0; y < P; y++)
          for (gint x = 0; x < P; x++) {
            gdouble ty = f[CPS_PATCH_FIELD_H_IDX] * P + y;
            gdouble tx = f[CPS_PATCH_FIELD_W_IDX] * P + x;
            gdouble want = resized_rgb (&vf, c, (tx + 0.5) * scx - 0.5,
                (ty + 0.5) * scy - 0.5);
            gdouble d = fabs (patch[(c * P + y) * P + x] - want);

            sum += d;
            worst = MAX (worst, d);
            count++;
          }
    }
    gst_video_frame_unmap (&vf);
    gst_sample_unref (frame);
  }
  gst_buffer_unmap (buf, &pm);
  g_test_message ("%zu values: mean |diff| %.3f, max %.2f", count,
      sum / count, worst);
  g_assert_cmpuint (count, ==, (gsize) m->n_patches * 3 * 14 * 14);
  /* cps resizes the YUV planes before converting (the conversion is
   * affine, so only the clamp and the chroma filter's composition differ) */
  g_assert_cmpfloat (sum / count, <, 0.1);
  g_assert_cmpfloat (worst, <, 8.0);
  gst_sample_unref (sample);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_element_set_state (ref, GST_STATE_NULL);
  gst_object_unref (pipe);
  gst_object_unref (ref);
  g_free (path);
}

/* The clip of an SPS crop that avdec_h264 (GStreamer 1.22) applies only in
 * part: 300x168 displayed, 26 columns cropped on the left.  The
 * conformance clip where the media has it, else the same layout made here
 * with ffmpeg: a grey picture whose 26 cropped columns are red, so a red
 * patch pixel is a pixel from outside the display window. */
static gchar *
crop_clip (gchar ** tmpdir)
{
  const gchar *dir = g_getenv ("CPS_MEDIA_DIR");
  GDir *d = g_dir_open (dir ? dir : "../shared/media", 0, NULL);
  const gchar *name;
  gchar *path = NULL;
  gint status = -1;

  while (d && !path && (name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, "cropping_300x168_conformance"))
      path = g_build_filename (dir ? dir : "../shared/media", name, NULL);
  if (d)
    g_dir_close (d);
  *tmpdir = NULL;
  if (path)
    return path;
  *tmpdir = g_dir_make_tmp ("cps-crop-XXXXXX", NULL);
  path = g_build_filename (*tmpdir, "crop.h264", NULL);
  {
    gchar *argv[] = { "ffmpeg", "-v", "error", "-f", "lavfi", "-i",
      "color=c=gray:size=336x176:rate=25", "-vf",
      "drawbox=x=0:y=0:w=26:h=176:color=red:t=fill", "-frames:v", "8",
      "-c:v", "libx264", "-pix_fmt", "yuv420p", "-bsf:v",
      "h264_metadata=crop_left=26:crop_right=10:crop_bottom=8", path, NULL
    };

    if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL) || status != 0) {
      g_test_skip ("no cropping_300x168_conformance clip in the media, and "
          "ffmpeg with libx264 cannot make one: skipped");
      g_rmdir (*tmpdir);
      g_clear_pointer (tmpdir, g_free);
      g_clear_pointer (&path, g_free);
    }
  }
  return path;
}

/* Only the display window the parser reports is processed: the patches
 * come from a 300x168 frame, and none holds a cropped (red) pixel. */
static void
test_unaligned_sps_crop (void)
{
  gchar *tmpdir, *path = crop_clip (&tmpdir);
  gchar *desc;
  GstElement *pipe;
  GstSample *sample;
  guint windows = 0;

  if (!path)
    return;
  desc = g_strdup_printf ("filesrc location=\"%s\" ! parsebin ! avdec_h264 ! "
      "cpsmotion ! cpstopk sequence-length=4 k=100000 dtype=u8 ! "
      "cpspatchsink name=s", path);
  pipe = gst_parse_launch (desc, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = pull (pipe))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    CpsPatchMeta *m = cps_buffer_get_patch_meta (buf);
    guint red = 0;
    GstMapInfo map;

    g_assert_cmpuint (m->source_width, ==, 300);
    g_assert_cmpuint (m->source_height, ==, 168);
    /* every patch of every frame: the whole window */
    g_assert_cmpuint (m->n_patches, ==, m->n_frames * m->grid_height *
        m->grid_width);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    for (gsize i = 0; tmpdir && i < m->n_patches; i++) {
      const guint8 *p = map.data + i * 3 * m->patch_size * m->patch_size;
      gsize plane = (gsize) m->patch_size * m->patch_size;

      for (gsize j = 0; j < plane; j++)
        red += p[j] > p[plane + j] + 100 && p[j] > p[2 * plane + j] + 100;
    }
    gst_buffer_unmap (buf, &map);
    g_assert_cmpuint (red, ==, 0);
    windows++;
    gst_sample_unref (sample);
  }
  assert_no_error (pipe);
  g_assert_cmpuint (windows, >, 0);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  if (tmpdir) {
    g_remove (path);
    g_rmdir (tmpdir);
  }
  g_free (tmpdir);
  g_free (desc);
  g_free (path);
}

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (clips); i++) {
    gchar *name = g_strdup_printf ("/pipeline/clip/%s", clips[i].file);
    g_test_add_data_func (name, &clips[i], test_clip);
    g_free (name);
  }
  g_test_add_func ("/pipeline/uniform-sampling", test_uniform_sampling);
  g_test_add_func ("/pipeline/decodebin-key-frames", test_decodebin_key_frames);
  g_test_add_func ("/pipeline/patch-pixels-match-resized-frame",
      test_patch_pixels_match_resized_frame);
  g_test_add_func ("/pipeline/unaligned-sps-crop", test_unaligned_sps_crop);
  {
    int ret = g_test_run ();

    /* lets GST_TRACERS=leaks report what is still alive */
    gst_deinit ();
    return ret;
  }
}
