/* cps — cpsmotion's motion-model property through the elements, with
 * GstHarness on constructed frames: the reference model unchanged, the
 * camera model's zero maps, camera estimate and selection under a pan.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <math.h>
#include <string.h>

#include "cpsmeta.h"

#define FRAME_DURATION (GST_SECOND / 25)
#define SIDE 448                /* low-res maps of 112 × 112 */
#define OBJECT 64

static const gchar *caps_str =
    "video/x-raw,format=I420,width=448,height=448,framerate=25/1";

/* A smooth texture of source coordinates, rich at the low resolution. */
static guint8
background_at (double x, double y)
{
  double v = 128.0 + 45.0 * sin (0.19 * x + 0.4) * cos (0.13 * y) +
      30.0 * sin (0.083 * (x + 2.0 * y)) + 20.0 * cos (0.29 * (x - y));

  return (guint8) CLAMP (v, 0.0, 255.0);
}

/* Frame @index: the background with its content moved by
 * (pan_x, pan_y) · index source pixels, and, when @with_object, a
 * checkered square at (ox, oy) + (obj_x, obj_y) · index. */
static GstBuffer *
make_frame (guint index, gint pan_x, gint pan_y, gboolean with_object,
    gint ox, gint oy, gint obj_x, gint obj_y)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, SIDE * SIDE * 3 / 2, NULL);
  GstMapInfo map;
  gint sx = ox + obj_x * (gint) index, sy = oy + obj_y * (gint) index;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gint y = 0; y < SIDE; y++)
    for (gint x = 0; x < SIDE; x++) {
      guint8 v = background_at (x - pan_x * (gint) index,
          y - pan_y * (gint) index);

      if (with_object && x >= sx && x < sx + OBJECT && y >= sy &&
          y < sy + OBJECT)
        v = (((x - sx) / 8 + (y - sy) / 8) & 1) ? 240 : 16;
      map.data[y * SIDE + x] = v;
    }
  memset (map.data + SIDE * SIDE, 128, SIDE * SIDE / 2);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = index * FRAME_DURATION;
  GST_BUFFER_DURATION (buf) = FRAME_DURATION;
  return buf;
}

static GstHarness *
new_harness (const gchar * desc)
{
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, caps_str);
  return h;
}

/* The maps of @n frames of a moving object over a panning background,
 * the stream ended (the camera model holds each frame until the next one
 * arrives, and the last until EOS). */
static GPtrArray *
run_motion (const gchar * desc, guint n)
{
  GstHarness *h = new_harness (desc);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);

  for (guint i = 0; i < n; i++)
    gst_harness_push (h, make_frame (i, -8, 4, TRUE, 200, 120, 12, 8));
  gst_harness_push_event (h, gst_event_new_eos ());
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (out, gst_harness_pull (h));
  gst_harness_teardown (h);
  return out;
}

/* The default is the camera model; motion-model=reference keeps the
 * settings string it had before the property existed (no motion-model
 * named), the meta's camera fields at their defaults, and the reference's
 * motion on the panning background. */
static void
test_default_and_reference (void)
{
  GPtrArray *plain = run_motion ("cpsmotion", 4);
  GPtrArray *named = run_motion ("cpsmotion motion-model=reference", 4);

  for (guint i = 0; i < plain->len; i++) {
    CpsMotionMeta *a = cps_buffer_get_motion_meta (plain->pdata[i]);
    CpsMotionMeta *b = cps_buffer_get_motion_meta (named->pdata[i]);

    g_assert_cmpuint (a->motion_model, ==, 1);
    g_assert_nonnull (strstr (a->settings, "cpsmotion motion-model=camera "));
    g_assert_cmpuint (a->width, ==, b->width);
    g_assert_cmpuint (b->motion_model, ==, 0);
    g_assert_null (strstr (b->settings, "motion-model"));
    g_assert_cmpfloat (b->camera_scale, ==, 1.0f);
    g_assert_cmpint (b->camera_class, ==, CPS_CAMERA_MOTION_STATIC);
    /* the pan gives the reference model motion on the background, not
     * the camera model */
    if (i > 0) {
      g_assert_cmpfloat (b->motion[10 * b->width + 10], >, 0.0f);
      g_assert_cmpfloat (a->motion[10 * a->width + 10], ==, 0.0f);
    }
  }
  g_ptr_array_unref (plain);
  g_ptr_array_unref (named);
}

static gfloat
max_of (const gfloat * v, gsize n)
{
  gfloat m = 0.0f;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, v[i]);
  return m;
}

/* Identical frames: exactly zero maps, a static camera; each frame comes
 * out when the next one goes in (one frame of latency), the last at EOS. */
static void
test_camera_identical_frames (void)
{
  GstHarness *h = new_harness ("cpsmotion motion-model=camera");

  gst_harness_push (h, make_frame (0, 0, 0, TRUE, 100, 100, 0, 0));
  g_assert_null (gst_harness_try_pull (h));
  for (guint i = 0; i < 3; i++) {
    GstBuffer *out;
    CpsMotionMeta *m;
    gsize n;

    if (i < 2)
      gst_harness_push (h, make_frame (i + 1, 0, 0, TRUE, 100, 100, 0, 0));
    else
      gst_harness_push_event (h, gst_event_new_eos ());
    out = gst_harness_pull (h);
    m = cps_buffer_get_motion_meta (out);
    n = (gsize) m->width * m->height;
    g_assert_cmpuint (m->frame_id, ==, i);
    g_assert_cmpuint (m->motion_model, ==, 1);
    g_assert_nonnull (strstr (m->settings, "cpsmotion motion-model=camera "));
    g_assert_cmpfloat (max_of (m->motion, n), ==, 0.0f);
    g_assert_cmpfloat (max_of (m->residual, n), ==, 0.0f);
    g_assert_cmpint (m->camera_class, ==, CPS_CAMERA_MOTION_STATIC);
    g_assert_cmpfloat (m->camera_dx, ==, 0.0f);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

/* A pan of (−8, 4) source pixels per frame: reported in source pixels,
 * class pan, and the background compensated away. */
static void
test_camera_pan_estimate (void)
{
  GPtrArray *out = run_motion ("cpsmotion motion-model=camera", 4);

  for (guint i = 1; i < out->len; i++) {
    CpsMotionMeta *m = cps_buffer_get_motion_meta (out->pdata[i]);
    guint zero_background = 0, background = 0;

    g_test_message ("frame %u: camera (%g, %g) %s, noise %g", i,
        m->camera_dx, m->camera_dy,
        cps_camera_motion_class_to_string (m->camera_class),
        m->noise_threshold);
    g_assert_cmpint (m->camera_class, ==, CPS_CAMERA_MOTION_PAN);
    g_assert_cmpfloat (fabs (m->camera_dx + 8.0), <, 0.05);
    g_assert_cmpfloat (fabs (m->camera_dy - 4.0), <, 0.05);
    /* low-res pixels well inside the frame and away from the object */
    for (guint y = 8; y < m->height - 8; y++)
      for (guint x = 8; x < m->width - 8; x++) {
        guint sx = x * 4, sy = y * 4;
        gint ox = 200 + 12 * (gint) i, oy = 120 + 8 * (gint) i;

        if (sx + 24 > (guint) ox - 12 && sx < (guint) ox + OBJECT + 12 &&
            sy + 24 > (guint) oy - 8 && sy < (guint) oy + OBJECT + 8)
          continue;
        background++;
        zero_background += m->motion[y * m->width + x] == 0.0f &&
            m->residual[y * m->width + x] == 0.0f;
      }
    g_assert_cmpuint (zero_background, ==, background);
  }
  g_ptr_array_unref (out);
}

/* Through cpstopk: the window's first frame is its I-frame and takes 256
 * patches of the budget; the 8 others go to the second frame, and with
 * the camera model all 8 land on the moving object, not on the panning
 * background. */
static void
test_camera_selection_follows_object (void)
{
  GstHarness *h = new_harness ("cpsmotion motion-model=camera ! cpstopk "
      "sequence-length=2 k=264 input-size=224 patch-size=14");
  GstBuffer *out;
  CpsPatchMeta *m;
  guint on_object = 0, non_i = 0;

  for (guint i = 0; i < 2; i++)
    gst_harness_push (h, make_frame (i, -8, 4, TRUE, 200, 120, 12, 8));
  gst_harness_push_event (h, gst_event_new_eos ());
  out = gst_harness_pull (h);
  m = cps_buffer_get_patch_meta (out);
  g_assert_cmpuint (m->grid_width, ==, 16);
  for (guint p = 0; p < m->n_patches; p++) {
    const gint64 *f = m->fields + p * CPS_PATCH_N_FIELDS;
    /* the patch in source pixels (target = source / 2, P = 14) */
    gint px = (gint) f[CPS_PATCH_FIELD_W_IDX] * 28;
    gint py = (gint) f[CPS_PATCH_FIELD_H_IDX] * 28;

    if (f[CPS_PATCH_FIELD_SEQ_POS] != 1)
      continue;
    non_i++;
    /* the object's place before and after, and 8 source pixels around */
    on_object += px + 28 > 200 - 8 && px < 212 + OBJECT + 8 &&
        py + 28 > 120 - 8 && py < 128 + OBJECT + 8;
  }
  g_test_message ("%u of the %u non-I patches on the object", on_object,
      non_i);
  g_assert_cmpuint (non_i, ==, 8);
  g_assert_cmpuint (on_object, ==, non_i);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* The camera model holds each frame until the next one arrives: the
 * latency query reports one frame duration more than upstream; the
 * reference model adds nothing. */
static void
test_camera_latency (void)
{
  const gchar *models[] = { "camera", "reference" };

  for (guint i = 0; i < G_N_ELEMENTS (models); i++) {
    gchar *desc = g_strdup_printf ("cpsmotion motion-model=%s", models[i]);
    GstHarness *h = new_harness (desc);
    GstClockTime frame = gst_util_uint64_scale_int (GST_SECOND, 1, 25);

    gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
    gst_harness_push (h, make_frame (0, 0, 0, TRUE, 100, 100, 0, 0));
    g_assert_cmpuint (gst_harness_query_latency (h), ==,
        10 * GST_MSECOND + (i == 0 ? frame : 0));
    gst_harness_teardown (h);
    g_free (desc);
  }
}

/* The property is read when caps are set: a change in READY takes effect
 * at the next negotiation. */
static void
test_property_roundtrip (void)
{
  GstElement *e = gst_element_factory_make ("cpsmotion", NULL);
  gint model;

  g_object_get (e, "motion-model", &model, NULL);
  g_assert_cmpint (model, ==, 1);
  gst_util_set_object_arg (G_OBJECT (e), "motion-model", "reference");
  g_object_get (e, "motion-model", &model, NULL);
  g_assert_cmpint (model, ==, 0);
  gst_object_unref (e);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/motion-model/default-and-reference",
      test_default_and_reference);
  g_test_add_func ("/motion-model/camera-identical-frames",
      test_camera_identical_frames);
  g_test_add_func ("/motion-model/camera-pan-estimate",
      test_camera_pan_estimate);
  g_test_add_func ("/motion-model/camera-latency", test_camera_latency);
  g_test_add_func ("/motion-model/camera-selection-follows-object",
      test_camera_selection_follows_object);
  g_test_add_func ("/motion-model/property-roundtrip",
      test_property_roundtrip);
  return g_test_run ();
}
