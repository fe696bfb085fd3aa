/* cps — element tests with GstHarness on constructed frames.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cpsmeta.h"

#define FRAME_DURATION (GST_SECOND / 25)

/* A w × h I420 frame: grey, with a bright 16 × 16 square at (sx, sy)
 * (sx < 0: no square). */
static GstBuffer *
make_sized_frame (gint w, gint h, gint sx, gint sy, guint index)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, w * h * 3 / 2, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  memset (map.data, 64, w * h);
  memset (map.data + w * h, 128, w * h / 2);
  for (gint y = sy; sx >= 0 && y < sy + 16; y++)
    memset (map.data + y * w + sx, 230, 16);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = index * FRAME_DURATION;
  GST_BUFFER_DURATION (buf) = FRAME_DURATION;
  return buf;
}

static GstBuffer *
make_frame (gint sx, gint sy, guint index)
{
  return make_sized_frame (64, 64, sx, sy, index);
}

static const gchar *i420_caps =
    "video/x-raw,format=I420,width=64,height=64,framerate=25/1";

static void
test_motion_passthrough_meta (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference");
  GstBuffer *in, *out;
  CpsMotionMeta *m;

  gst_harness_set_src_caps_str (h, i420_caps);
  for (guint i = 0; i < 3; i++) {
    in = make_frame (8 + 4 * i, 8, i);
    gst_buffer_ref (in);        /* keep a ref to compare memory */
    out = gst_harness_push_and_pull (h, in);
    /* same memory: the frame is never copied */
    g_assert_true (gst_buffer_peek_memory (out, 0) ==
        gst_buffer_peek_memory (in, 0));
    m = cps_buffer_get_motion_meta (out);
    g_assert_nonnull (m);
    g_assert_cmpuint (m->frame_id, ==, i);
    g_assert_cmpuint (m->width, ==, 32);        /* 64/4 = 16, clamped to 32 */
    g_assert_cmpuint (m->height, ==, 32);
    g_assert_cmpuint (m->radius, ==, 4);
    g_assert_false (m->is_i);   /* no decoder upstream, no key-unit meta */
    if (i == 0)
      g_assert_cmpfloat (m->residual[16 * 32 + 8], ==, 0.0f);
    else                        /* the square moved by 4 source px = 1 low-res px */
      g_assert_cmpfloat (m->motion[8 * 32 + 8], >, 0.0f);
    gst_buffer_unref (in);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

static void
test_motion_key_unit_meta (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference");
  GstBuffer *in, *out;

  gst_harness_set_src_caps_str (h, i420_caps);
  for (guint i = 0; i < 3; i++) {
    in = make_frame (-1, 0, i);
    cps_buffer_add_key_unit_meta (in, i == 1);
    out = gst_harness_push_and_pull (h, in);
    g_assert_cmpint (cps_buffer_get_motion_meta (out)->is_i, ==, i == 1);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

/* Uniform sampling needs N; a source of unknown duration gets a clear
 * error (the happy path runs on a real file in test_pipeline). */
static void
test_motion_sampling_uniform_needs_duration (void)
{
  GstElement *pipe = gst_parse_launch ("videotestsrc num-buffers=10 ! "
      "video/x-raw,format=I420,width=64,height=64,framerate=25/1 ! "
      "cpsmotion motion-model=reference sampling=uniform sampling-frames=4 ! fakesink", NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  GError *err = NULL;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, NULL);
  g_assert_nonnull (strstr (err->message, "sampling=uniform needs a stream "
          "of known duration"));
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

static void
test_motion_sampling_rate (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference sampling=rate "
      "sampling-rate=10");
  guint kept = 0;

  gst_harness_set_src_caps_str (h, i420_caps);
  /* 25 fps in, 10 fps kept: frames at 0, 0.12 (>= 0.1), 0.2, 0.32, 0.4 s */
  for (guint i = 0; i < 11; i++) {
    GstBuffer *out;

    gst_harness_push (h, make_frame (-1, 0, i));
    while ((out = gst_harness_try_pull (h))) {
      guint64 id = cps_buffer_get_motion_meta (out)->frame_id;
      guint64 expect[] = { 0, 3, 5, 8, 10 };

      g_assert_cmpuint (id, ==, expect[kept]);
      kept++;
      gst_buffer_unref (out);
    }
  }
  g_assert_cmpuint (kept, ==, 5);
  gst_harness_teardown (h);
}

/* After a flushing seek back to the start, rate sampling keeps frames
 * from the new position instead of waiting for the old one. */
static void
test_motion_sampling_rate_after_flush (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference sampling=rate "
      "sampling-rate=10");
  GstBuffer *out;

  gst_harness_set_src_caps_str (h, i420_caps);
  for (guint i = 0; i < 11; i++)
    gst_harness_push (h, make_frame (-1, 0, i));
  while ((out = gst_harness_try_pull (h)))
    gst_buffer_unref (out);
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  {
    GstSegment segment;

    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_harness_push_event (h, gst_event_new_segment (&segment));
  }
  /* PTS 0 again: kept */
  g_assert_cmpint (gst_harness_push (h, make_frame (-1, 0, 0)), ==,
      GST_FLOW_OK);
  out = gst_harness_try_pull (h);
  g_assert_nonnull (out);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static GstMessage *
pop_error (GstBus * bus)
{
  return gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
}

static void
test_caps_refused_with_message (void)
{
  const gchar *elements[] = { "cpsmotion", "cpsenergy", "cpstopk" };

  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    GstElement *e = gst_element_factory_make (elements[i], NULL);
    GstBus *bus = gst_bus_new ();
    GstPad *sink = gst_element_get_static_pad (e, "sink");
    GstCaps *rgb = gst_caps_from_string ("video/x-raw,format=RGB,width=64,"
        "height=64,framerate=25/1");
    GstCaps *nv12 = gst_caps_from_string ("video/x-raw,format=NV12,width=64,"
        "height=64,framerate=25/1");
    GstMessage *msg;
    GError *err = NULL;

    gst_element_set_bus (e, bus);
    g_assert_true (gst_pad_query_accept_caps (sink, nv12));
    g_assert_null (pop_error (bus));
    g_assert_false (gst_pad_query_accept_caps (sink, rgb));
    msg = pop_error (bus);
    g_assert_nonnull (msg);
    gst_message_parse_error (msg, &err, NULL);
    g_assert_true (g_error_matches (err, GST_CORE_ERROR,
            GST_CORE_ERROR_NEGOTIATION));
    g_assert_nonnull (strstr (err->message, "NV12, I420, Y42B or Y444"));
    g_error_free (err);
    gst_message_unref (msg);
    gst_caps_unref (rgb);
    gst_caps_unref (nv12);
    gst_object_unref (sink);
    gst_element_set_bus (e, NULL);
    gst_object_unref (bus);
    gst_object_unref (e);
  }
}

static void
test_patchsink_refuses_video (void)
{
  GstElement *sink = gst_element_factory_make ("cpspatchsink", NULL);
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstCaps *video = gst_caps_from_string (i420_caps);
  GstCaps *patches = gst_caps_from_string (CPS_PATCH_CAPS_NAME
      ",patch-size=14,channels=3,dtype=bf16");
  gboolean sync;

  g_assert_true (GST_IS_APP_SINK (sink));
  g_assert_false (gst_pad_query_accept_caps (pad, video));
  g_assert_true (gst_pad_query_accept_caps (pad, patches));
  /* patches in CUDA memory too (cpstopk's GPU path) */
  gst_caps_set_features (patches, 0,
      gst_caps_features_new ("memory:CUDAMemory", NULL));
  g_assert_true (gst_pad_query_accept_caps (pad, patches));
  g_object_get (sink, "sync", &sync, NULL);
  g_assert_false (sync);
  g_object_get (sink, "wait-on-eos", &sync, NULL);
  g_assert_false (sync);
  gst_caps_unref (video);
  gst_caps_unref (patches);
  gst_object_unref (pad);
  gst_object_unref (sink);
}

static GstHarness *
topk_harness (const gchar * props)
{
  gchar *desc = g_strdup_printf ("cpsmotion motion-model=reference ! cpstopk %s", props);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (h, i420_caps);
  return h;
}

/* 10 frames, windows of 4: two full windows while playing, the partial
 * one of 2 frames at EOS. */
static void
test_topk_windows_and_timestamps (void)
{
  GstHarness *h = topk_harness ("sequence-length=4 k=40 input-size=56 "
      "patch-size=14");
  guint expect_frames[] = { 4, 4, 2 };
  guint expect_patches[] = { 40, 40, 32 };      /* min(k, T · 16) */
  GstBuffer *out;
  GstCaps *caps, *expect;

  for (guint i = 0; i < 10; i++)
    gst_harness_push (h, make_frame (4 * i, 8, i));
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 2);
  gst_harness_push_event (h, gst_event_new_eos ());
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 3);

  caps = gst_pad_get_current_caps (h->sinkpad);
  expect = gst_caps_from_string (CPS_PATCH_CAPS_NAME
      ",patch-size=14,channels=3,dtype=bf16");
  g_assert_true (gst_caps_is_equal (caps, expect));
  gst_caps_unref (caps);
  gst_caps_unref (expect);

  for (guint w = 0; w < 3; w++) {
    CpsPatchMeta *m;

    out = gst_harness_pull (h);
    m = cps_buffer_get_patch_meta (out);
    g_assert_nonnull (m);
    g_assert_cmpuint (m->n_frames, ==, expect_frames[w]);
    /* 64x64 at input-size 56 -> 56x56, a 4x4 grid */
    g_assert_cmpuint (m->grid_width, ==, 4);
    g_assert_cmpuint (m->grid_height, ==, 4);
    g_assert_cmpuint (m->target_width, ==, 56);
    g_assert_cmpuint (m->n_patches, ==, expect_patches[w]);
    g_assert_cmpuint (m->window_index, ==, w);
    g_assert_cmpuint (gst_buffer_get_size (out), ==,
        expect_patches[w] * 3 * 14 * 14 * 2);
    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, 4 * w * FRAME_DURATION);
    g_assert_cmpuint (GST_BUFFER_DURATION (out), ==,
        expect_frames[w] * FRAME_DURATION);
    for (guint t = 0; t < m->n_frames; t++) {
      g_assert_cmpint (m->frame_ids[t], ==, 4 * w + t);
      g_assert_cmpuint (m->frame_pts[t], ==, (4 * w + t) * FRAME_DURATION);
      g_assert_cmpint (m->frame_is_i[t], ==, t == 0);   /* first-frame rule */
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

/* New caps with another frame size end the window at the boundary; the
 * next window uses the new grid.  No window mixes two grids. */
static void
test_topk_resolution_change (void)
{
  GstHarness *h = topk_harness ("sequence-length=4 k=16 input-size=112");
  GstBuffer *out;
  CpsPatchMeta *m;

  for (guint i = 0; i < 3; i++)
    gst_harness_push (h, make_frame (4 * i, 8, i));
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=128,height=96,framerate=25/1");
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 1);
  for (guint i = 3; i < 7; i++)
    gst_harness_push (h, make_sized_frame (128, 96, 4 * i, 8, i));

  out = gst_harness_pull (h);
  m = cps_buffer_get_patch_meta (out);
  g_assert_cmpuint (m->n_frames, ==, 3);
  g_assert_cmpuint (m->source_width, ==, 64);
  g_assert_cmpuint (m->grid_width, ==, 8);      /* 64² scaled up to 112² */
  g_assert_cmpuint (m->grid_height, ==, 8);
  gst_buffer_unref (out);

  out = gst_harness_pull (h);
  m = cps_buffer_get_patch_meta (out);
  g_assert_cmpuint (m->n_frames, ==, 4);
  g_assert_cmpint (m->frame_ids[0], ==, 3);
  g_assert_cmpuint (m->source_width, ==, 128);
  g_assert_cmpuint (m->source_height, ==, 96);
  g_assert_cmpuint (m->grid_width, ==, 10);     /* 128×96 -> 140×84 */
  g_assert_cmpuint (m->grid_height, ==, 6);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* A window never mixes two motion models: frames of another model (here
 * after cpsmotion renegotiated with motion-model=camera) finish it, as
 * maps of another size do. */
static void
test_topk_motion_model_change_ends_window (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference ! cpstopk "
      "sequence-length=4 k=16 input-size=112");
  GstElement *motion = gst_harness_find_element (h, "cpsmotion");
  GstBuffer *out;
  CpsPatchMeta *m;

  gst_harness_set_src_caps_str (h, i420_caps);
  for (guint i = 0; i < 2; i++)
    gst_harness_push (h, make_frame (4 * i, 8, i));
  gst_util_set_object_arg (G_OBJECT (motion), "motion-model", "camera");
  /* the property is read when caps are set */
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=64,height=64,framerate=30/1");
  for (guint i = 2; i < 6; i++)
    gst_harness_push (h, make_frame (4 * i, 8, i));
  /* the camera model holds its last frame until the stream ends */
  gst_harness_push_event (h, gst_event_new_eos ());

  out = gst_harness_pull (h);
  m = cps_buffer_get_patch_meta (out);
  g_assert_cmpuint (m->n_frames, ==, 2);
  g_assert_cmpuint (m->motion_model, ==, 0);
  gst_buffer_unref (out);
  out = gst_harness_pull (h);
  m = cps_buffer_get_patch_meta (out);
  g_assert_cmpuint (m->n_frames, ==, 4);
  g_assert_cmpuint (m->motion_model, ==, 1);
  gst_buffer_unref (out);
  gst_object_unref (motion);
  gst_harness_teardown (h);
}

/* Frame 0 of a window scores zero and is the I-frame; with k = 17 all 16
 * I patches are taken plus the best P patch, which must be where the
 * square appeared. */
static void
test_topk_selects_moving_patch (void)
{
  GstHarness *h = topk_harness ("sequence-length=2 k=17 input-size=56 "
      "dtype=u8");
  GstBuffer *out;
  CpsPatchMeta *m;
  GstMapInfo map;

  gst_harness_push (h, make_frame (-1, 0, 0));
  gst_harness_push (h, make_frame (40, 40, 1)); /* square in patch (2..3) */
  out = gst_harness_pull (h);
  m = cps_buffer_get_patch_meta (out);
  g_assert_cmpuint (m->n_patches, ==, 17);
  for (guint i = 0; i < 16; i++) {
    g_assert_cmpint (m->fields[i * 6 + CPS_PATCH_FIELD_LINEAR_IDX], ==, i);
    g_assert_cmpint (m->fields[i * 6 + CPS_PATCH_FIELD_IS_I], ==, 1);
  }
  /* source 40..55 -> target 35..48 splits evenly over patch rows/cols 2
   * and 3 (7 px each).  The reference's tie rule breaks it: flat areas get
   * the (-4,-4) motion magnitude except in the last 4 low-res rows and
   * columns, where that displacement leaves the frame, so patch (2,2) keeps
   * more motion energy than (3,3). */
  {
    gint64 *row = m->fields + 16 * 6;

    g_assert_cmpint (row[CPS_PATCH_FIELD_SEQ_POS], ==, 1);
    g_assert_cmpint (row[CPS_PATCH_FIELD_FRAME_ID], ==, 1);
    g_assert_cmpint (row[CPS_PATCH_FIELD_IS_I], ==, 0);
    g_assert_cmpint (row[CPS_PATCH_FIELD_H_IDX], ==, 2);
    g_assert_cmpint (row[CPS_PATCH_FIELD_W_IDX], ==, 2);
    g_assert_cmpint (row[CPS_PATCH_FIELD_LINEAR_IDX], ==, 16 + 2 * 4 + 2);
    g_assert_cmpfloat (m->scores[16], >, 0.0f);
    g_assert_cmpfloat (m->scores[0], ==, 0.0f);
  }
  /* u8 patches: grey background luma 64 in a grey (U=V=128) frame */
  gst_buffer_map (out, &map, GST_MAP_READ);
  g_assert_cmpuint (map.size, ==, 17 * 3 * 14 * 14);
  {
    guint8 v = map.data[0];     /* limited-range 64 -> (64-16)*255/219 */

    g_assert_cmpint (v, ==, 56);
    g_assert_cmpint (map.data[14 * 14], ==, 56);
  }
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* With a bus on the element, sets @caps (if any) and pushes one frame,
 * which must return @flow and post an error; returns that error. */
static GError *
push_expecting_error (GstHarness * h, const gchar * caps, GstFlowReturn flow)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  gst_element_set_bus (h->element, bus);
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  g_assert_cmpint (gst_harness_push (h, make_frame (-1, 0, 0)), ==, flow);
  msg = pop_error (bus);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &err, NULL);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  return err;
}

static void
test_topk_block2x2_needs_k_divisible (void)
{
  GstHarness *h = topk_harness ("sequence-length=2 k=6 "
      "selection-unit=block2x2 input-size=56");
  GError *err = push_expecting_error (h, NULL, GST_FLOW_ERROR);

  g_assert_nonnull (strstr (err->message, "divisible by 4"));
  g_error_free (err);
  gst_harness_teardown (h);
}

/* Downstream asking for another dtype gets a negotiation error that says
 * which caps were refused. */
static void
test_topk_caps_refused_downstream (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference ! cpstopk ! capsfilter "
      "caps=application/x-cps-patches,dtype=fp16");
  GError *err = push_expecting_error (h, i420_caps, GST_FLOW_NOT_NEGOTIATED);

  g_assert_true (g_error_matches (err, GST_CORE_ERROR,
          GST_CORE_ERROR_NEGOTIATION));
  g_assert_nonnull (strstr (err->message, "Downstream refused the patch "
          "caps application/x-cps-patches"));
  g_assert_nonnull (strstr (err->message, "dtype=(string)bf16"));
  g_error_free (err);
  gst_harness_teardown (h);
}

static void
test_topk_needs_motion (void)
{
  GstHarness *h = gst_harness_new ("cpstopk");
  GError *err = push_expecting_error (h, i420_caps, GST_FLOW_ERROR);

  g_assert_nonnull (strstr (err->message, "put cpsmotion before it"));
  g_error_free (err);
  gst_harness_teardown (h);
}

/* Changing k while a window fills applies from the next window. */
static void
test_topk_property_change_mid_window (void)
{
  GstHarness *h = topk_harness ("sequence-length=2 k=4 input-size=56");
  GstElement *topk = gst_harness_find_element (h, "cpstopk");
  GstBuffer *out;

  gst_harness_push (h, make_frame (-1, 0, 0));
  g_object_set (topk, "k", 20, "dtype", 2, NULL);
  gst_harness_push (h, make_frame (8, 8, 1));
  gst_harness_push (h, make_frame (-1, 0, 2));
  gst_harness_push (h, make_frame (8, 8, 3));
  out = gst_harness_pull (h);
  g_assert_cmpuint (cps_buffer_get_patch_meta (out)->n_patches, ==, 4);
  g_assert_cmpint (cps_buffer_get_patch_meta (out)->dtype, ==,
      CPS_PATCH_DTYPE_BF16);
  gst_buffer_unref (out);
  out = gst_harness_pull (h);
  g_assert_cmpuint (cps_buffer_get_patch_meta (out)->n_patches, ==, 20);
  g_assert_cmpint (cps_buffer_get_patch_meta (out)->dtype, ==,
      CPS_PATCH_DTYPE_FP32);
  g_assert_cmpuint (gst_buffer_get_size (out), ==, 20 * 3 * 14 * 14 * 4);
  gst_buffer_unref (out);
  gst_object_unref (topk);
  gst_harness_teardown (h);
}

/* cpstopk's own fusion is cpsenergy's at the defaults: same patches,
 * scores and bytes with or without cpsenergy in the chain. */
static void
test_topk_default_fusion_matches_cpsenergy (void)
{
  GstHarness *a = gst_harness_new_parse ("cpsmotion motion-model=reference ! cpstopk "
      "sequence-length=4 k=12 input-size=56");
  GstHarness *b = gst_harness_new_parse ("cpsmotion motion-model=reference ! cpsenergy ! cpstopk "
      "sequence-length=4 k=12 input-size=56");
  GstBuffer *oa, *ob;
  CpsPatchMeta *ma, *mb;

  gst_harness_set_src_caps_str (a, i420_caps);
  gst_harness_set_src_caps_str (b, i420_caps);
  for (guint i = 0; i < 4; i++) {
    gst_harness_push (a, make_frame (6 * i, 3 * i, i));
    gst_harness_push (b, make_frame (6 * i, 3 * i, i));
  }
  oa = gst_harness_pull (a);
  ob = gst_harness_pull (b);
  ma = cps_buffer_get_patch_meta (oa);
  mb = cps_buffer_get_patch_meta (ob);
  g_assert_cmpuint (ma->n_patches, ==, 12);
  g_assert_cmpuint (mb->n_patches, ==, 12);
  g_assert_cmpmem (ma->fields, 12 * 6 * sizeof (gint64), mb->fields,
      12 * 6 * sizeof (gint64));
  g_assert_cmpmem (ma->scores, 12 * sizeof (gfloat), mb->scores,
      12 * sizeof (gfloat));
  {
    GstMapInfo map;

    gst_buffer_map (ob, &map, GST_MAP_READ);
    g_assert_cmpint (gst_buffer_memcmp (oa, 0, map.data, map.size), ==, 0);
    gst_buffer_unmap (ob, &map);
  }
  gst_buffer_unref (oa);
  gst_buffer_unref (ob);
  gst_harness_teardown (a);
  gst_harness_teardown (b);
}

/* Out-of-range values are refused with a warning naming the property. */
static void
test_property_ranges (void)
{
  struct
  {
    const gchar *element, *prop;
    gint bad;
  } cases[] = {
    {"cpstopk", "k", 0},
    {"cpstopk", "sequence-length", 0},
    {"cpstopk", "patch-size", 1000},
    {"cpsmotion", "downscale", 0},
    {"cpsmotion", "search-radius", 99},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *e = gst_element_factory_make (cases[i].element, NULL);
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
        cases[i].prop);
    GValue before = G_VALUE_INIT, after = G_VALUE_INIT, bad = G_VALUE_INIT;
    gchar *pattern = g_strdup_printf ("*out of range for property '%s'*",
        cases[i].prop);

    g_value_init (&before, pspec->value_type);
    g_value_init (&after, pspec->value_type);
    g_value_init (&bad, G_TYPE_INT);
    g_value_set_int (&bad, cases[i].bad);
    g_object_get_property (G_OBJECT (e), cases[i].prop, &before);
    g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_WARNING, pattern);
    g_object_set_property (G_OBJECT (e), cases[i].prop, &bad);
    g_test_assert_expected_messages ();
    g_object_get_property (G_OBJECT (e), cases[i].prop, &after);
    g_assert_true (g_param_values_cmp (pspec, &before, &after) == 0);
    g_free (pattern);
    gst_object_unref (e);
  }
}

static void
test_energy_meta_and_weights (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference ! cpsenergy "
      "motion-weight=0 residual-weight=1");
  GstBuffer *out;
  CpsEnergyMeta *e;
  CpsMotionMeta *m;
  gfloat scratch[32 * 32], p95;

  gst_harness_set_src_caps_str (h, i420_caps);
  gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (8, 8, 0)));
  out = gst_harness_push_and_pull (h, make_frame (12, 8, 1));
  e = cps_buffer_get_energy_meta (out);
  m = cps_buffer_get_motion_meta (out);
  g_assert_nonnull (e);
  g_assert_cmpuint (e->width, ==, 32);
  /* residual only: energy = min(residual / p95, 1) */
  {
    gsize n = 32 * 32;
    memcpy (scratch, m->residual, sizeof (scratch));
    for (gsize i = 0; i < n; i++)       /* insertion sort is fine at n = 1024 */
      for (gsize j = i; j > 0 && scratch[j - 1] > scratch[j]; j--) {
        gfloat t = scratch[j];
        scratch[j] = scratch[j - 1];
        scratch[j - 1] = t;
      }
    p95 = MAX (scratch[(gsize) (0.95 * (n - 1) + 0.5)], 1e-6f);
    for (gsize i = 0; i < n; i++)
      g_assert_cmpfloat_with_epsilon (e->energy[i],
          MIN (m->residual[i] / p95, 1.0f), 1e-6);
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* cpspatchsink is used like appsink: pull_sample over a real pipeline. */
static void
test_patchsink_pull_samples (void)
{
  GstElement *pipe = gst_parse_launch ("videotestsrc num-buffers=20 "
      "pattern=ball ! video/x-raw,format=NV12,width=160,height=120,"
      "framerate=25/1 ! cpsmotion motion-model=reference ! cpsenergy ! cpstopk sequence-length=8 "
      "k=64 ! cpspatchsink name=s max-buffers=1", NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "s");
  guint frames[] = { 8, 8, 4 }, n = 0;
  GstSample *sample;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    CpsPatchMeta *m = cps_buffer_get_patch_meta (gst_sample_get_buffer
        (sample));
    GstStructure *s = gst_caps_get_structure (gst_sample_get_caps (sample),
        0);

    g_assert_true (gst_structure_has_name (s, CPS_PATCH_CAPS_NAME));
    g_assert_cmpuint (n, <, 3);
    g_assert_cmpuint (m->n_frames, ==, frames[n]);
    g_assert_cmpuint (m->n_patches, ==, 64);
    n++;
    gst_sample_unref (sample);
  }
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (gst_app_sink_is_eos (GST_APP_SINK (sink)));
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

/* With nobody pulling, EOS still reaches the bus (gst-launch pipelines
 * end), and every window stays pullable after it. */
static void
test_patchsink_eos_without_pull (void)
{
  GstElement *pipe = gst_parse_launch ("videotestsrc num-buffers=10 ! "
      "video/x-raw,format=I420,width=64,height=64,framerate=25/1 ! "
      "cpsmotion motion-model=reference ! cpstopk sequence-length=4 ! cpspatchsink name=s", NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "s");
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  GstSample *sample;
  guint n = 0;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
    n++;
    gst_sample_unref (sample);
  }
  g_assert_cmpuint (n, ==, 3);  /* 4 + 4 + 2 frames */
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

static void
test_meta_copy (void)
{
  GstBuffer *a = gst_buffer_new (), *b;
  CpsPatchMeta *m = cps_buffer_add_patch_meta (a, 2, 3), *c;

  m->patch_size = 14;
  m->fields[7] = 42;
  m->scores[1] = 1.5f;
  m->frame_pts[2] = 99;
  m->frame_is_i[0] = 1;
  b = gst_buffer_copy (a);
  c = cps_buffer_get_patch_meta (b);
  g_assert_nonnull (c);
  g_assert_true (c->fields != m->fields);
  g_assert_cmpuint (c->patch_size, ==, 14);
  g_assert_cmpint (c->fields[7], ==, 42);
  g_assert_cmpfloat (c->scores[1], ==, 1.5f);
  g_assert_cmpuint (c->frame_pts[2], ==, 99);
  g_assert_cmpint (c->frame_is_i[0], ==, 1);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
}

/* A hand-made window for cpsviz: 2 frames of a 2 × 3 grid of 2 × 2 u8
 * patches (canvas 6 × 4) from a 24 × 8 source; patch 0 at frame 0, row 1,
 * column 2; patch 1 at frame 1, row 0, column 0. */
static GstBuffer *
make_viz_window (void)
{
  const guint8 colours[2][3] = { {10, 20, 30}, {200, 100, 50} };
  const gint64 rows[2][CPS_PATCH_N_FIELDS] = {
    {0, 0, 1, 1 * 3 + 2, 1, 2}, {1, 1, 0, 6 + 0, 0, 0},
  };
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 2 * 3 * 4, NULL);
  CpsPatchMeta *m = cps_buffer_add_patch_meta (buf, 2, 2);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint i = 0; i < 2; i++)
    for (guint ch = 0; ch < 3; ch++)
      memset (map.data + i * 12 + ch * 4, colours[i][ch], 4);
  gst_buffer_unmap (buf, &map);
  m->patch_size = 2;
  m->channels = 3;
  m->dtype = CPS_PATCH_DTYPE_U8;
  m->grid_height = 2;
  m->grid_width = 3;
  m->target_height = 4;
  m->target_width = 6;
  m->source_height = 8;
  m->source_width = 24;
  memcpy (m->fields, rows, sizeof rows);
  for (guint t = 0; t < 2; t++) {
    m->frame_ids[t] = t;
    m->frame_pts[t] = t * FRAME_DURATION;
    m->frame_is_i[t] = t == 0;
  }
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = 2 * FRAME_DURATION;
  return buf;
}

static void
assert_rgb (const GstVideoFrame * f, gint x, gint y, guint8 r, guint8 g,
    guint8 b)
{
  const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (f, 0) +
      y * GST_VIDEO_FRAME_PLANE_STRIDE (f, 0) + x * 3;

  g_assert_cmpuint (p[0], ==, r);
  g_assert_cmpuint (p[1], ==, g);
  g_assert_cmpuint (p[2], ==, b);
}

static void
viz_pull_frames (const gchar * props, GstVideoInfo * info, GstBuffer ** out)
{
  gchar *desc = g_strdup_printf ("cpsviz %s", props);
  GstHarness *h = gst_harness_new_parse (desc);
  GstCaps *caps;

  g_free (desc);
  gst_harness_set_src_caps_str (h, CPS_PATCH_CAPS_NAME ",patch-size=2,"
      "channels=3,dtype=u8");
  g_assert_cmpint (gst_harness_push (h, make_viz_window ()), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 2);
  caps = gst_pad_get_current_caps (h->sinkpad);
  g_assert_true (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
  out[0] = gst_harness_pull (h);
  out[1] = gst_harness_pull (h);
  gst_harness_teardown (h);
}

/* Each window frame becomes a canvas with its patches in place; with
 * unselected=dimmed an earlier patch stays, dimmed. */
static void
test_viz_canvas (void)
{
  GstVideoInfo info;
  GstBuffer *out[2];
  GstVideoFrame f;

  viz_pull_frames ("dim-level=0.5", &info, out);
  g_assert_cmpint (GST_VIDEO_INFO_FORMAT (&info), ==, GST_VIDEO_FORMAT_RGB);
  g_assert_cmpint (info.width, ==, 6);
  g_assert_cmpint (info.height, ==, 4);
  /* shown with the source's 3:1 shape: 6 × 4 pixels of aspect 2:1 */
  g_assert_cmpint (info.par_n, ==, 2);
  g_assert_cmpint (info.par_d, ==, 1);
  g_assert_cmpint (info.fps_n, ==, 25);
  g_assert_cmpint (info.fps_d, ==, 1);
  for (guint t = 0; t < 2; t++) {
    g_assert_cmpuint (GST_BUFFER_PTS (out[t]), ==, t * FRAME_DURATION);
    g_assert_cmpuint (GST_BUFFER_DURATION (out[t]), ==, FRAME_DURATION);
  }
  gst_video_frame_map (&f, &info, out[0], GST_MAP_READ);
  assert_rgb (&f, 4, 2, 10, 20, 30);
  assert_rgb (&f, 5, 3, 10, 20, 30);
  assert_rgb (&f, 0, 0, 0, 0, 0);
  assert_rgb (&f, 3, 2, 0, 0, 0);
  gst_video_frame_unmap (&f);
  gst_video_frame_map (&f, &info, out[1], GST_MAP_READ);
  assert_rgb (&f, 0, 0, 200, 100, 50);
  assert_rgb (&f, 1, 1, 200, 100, 50);
  assert_rgb (&f, 4, 2, 5, 10, 15);     /* frame 0's patch, dimmed */
  assert_rgb (&f, 2, 0, 0, 0, 0);
  gst_video_frame_unmap (&f);
  gst_buffer_unref (out[0]);
  gst_buffer_unref (out[1]);

  viz_pull_frames ("unselected=black", &info, out);
  gst_video_frame_map (&f, &info, out[1], GST_MAP_READ);
  assert_rgb (&f, 0, 0, 200, 100, 50);
  assert_rgb (&f, 4, 2, 0, 0, 0);
  gst_video_frame_unmap (&f);
  gst_buffer_unref (out[0]);
  gst_buffer_unref (out[1]);
}

static void
test_viz_needs_patch_meta (void)
{
  GstHarness *h = gst_harness_new ("cpsviz");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, CPS_PATCH_CAPS_NAME);
  g_assert_cmpint (gst_harness_push (h, gst_buffer_new_allocate (NULL, 24,
              NULL)), ==, GST_FLOW_ERROR);
  msg = pop_error (bus);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &err, NULL);
  g_assert_nonnull (strstr (err->message, "no CpsPatchMeta"));
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

/* location= writes one file per window, named by the window index, and
 * the samples still carry both metas with the same values (an application
 * that pulls every window next to the files sets max-buffers). */
static void
test_patchsink_location (void)
{
  gchar *dir = g_dir_make_tmp ("cps-sink-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("cpsmotion motion-model=reference ! cpstopk sequence-length=2 k=8 "
      "input-size=56 patch-size=14 ! cpspatchsink name=s "
      "location=%s/w-%%03d.st max-buffers=0", dir);
  GstHarness *h = gst_harness_new_parse (desc);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (h->element), "s");
  GstSample *sample;
  guint windows = 0;

  gst_harness_set_src_caps_str (h, i420_caps);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (gst_harness_push (h, make_frame (8 + 4 * i, 8, i)), ==,
        GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    CpsPatchMeta *m = cps_buffer_get_patch_meta (buf);
    GstCustomMeta *custom = gst_buffer_get_custom_meta (buf,
        CPS_PATCH_INFO_META_NAME);
    const GstStructure *s = gst_custom_meta_get_structure (custom);
    gchar *name = g_strdup_printf ("%s/w-%03u.st", dir, windows);
    GBytes *fields;
    guint64 index;

    g_assert_true (g_file_test (name, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpuint (m->window_index, ==, windows);
    g_assert_true (gst_structure_get_uint64 (s, "window-index", &index));
    g_assert_cmpuint (index, ==, windows);
    g_assert_cmpstr (gst_structure_get_string (s, "dtype"), ==, "bf16");
    fields = g_value_get_boxed (gst_structure_get_value (s, "fields"));
    g_assert_cmpuint (g_bytes_get_size (fields), ==,
        m->n_patches * CPS_PATCH_N_FIELDS * sizeof (gint64));
    g_assert_cmpint (memcmp (g_bytes_get_data (fields, NULL), m->fields,
            g_bytes_get_size (fields)), ==, 0);
    g_assert_cmpuint (m->sequence_length, ==, 2);
    g_assert_cmpuint (m->k, ==, 8);
    g_remove (name);
    g_free (name);
    gst_sample_unref (sample);
    windows++;
  }
  g_assert_cmpuint (windows, ==, 3);    /* 2 + 2 + 1 at EOS */
  g_assert_cmpint (g_rmdir (dir), ==, 0);       /* nothing else was left */
  gst_object_unref (sink);
  gst_harness_teardown (h);
  g_free (desc);
  g_free (dir);
}

static GError *
start_patchsink_expecting_error (const gchar * location)
{
  GstElement *sink = gst_element_factory_make ("cpspatchsink", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  g_object_set (sink, "location", location, NULL);
  gst_element_set_bus (sink, bus);
  g_assert_cmpint (gst_element_set_state (sink, GST_STATE_PAUSED), ==,
      GST_STATE_CHANGE_FAILURE);
  msg = pop_error (bus);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &err, NULL);
  gst_message_unref (msg);
  gst_element_set_state (sink, GST_STATE_NULL);
  gst_element_set_bus (sink, NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  return err;
}

/* Each refused pattern is told the rule it breaks: %99d and %.3d hold
 * one integer conversion, and the message must not claim otherwise. */
static void
test_patchsink_location_errors (void)
{
  const struct {
    const gchar *pattern, *says;
  } bad[] = {
    {"out/window.safetensors", "holds no integer conversion"},
    {"w-%d-%d", "holds more than one conversion"},
    {"w-%s", "only the integer conversions d, i, u, x and X"},
    {"o/%99d.st", "field width is above 32"},
    {"o/%.3d.st", "a precision (as in %.3d) is not supported"},
  };
  GstHarness *h;
  GError *err;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    err = start_patchsink_expecting_error (bad[i].pattern);
    g_assert_true (g_error_matches (err, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_SETTINGS));
    g_assert_nonnull (strstr (err->message, bad[i].says));
    g_assert_null (strstr (err->message, "exactly one"));
    g_error_free (err);
  }
  /* a directory that does not exist: the first window fails, clearly */
  h = gst_harness_new_parse ("cpsmotion motion-model=reference ! cpstopk sequence-length=1 k=4 "
      "input-size=56 ! cpspatchsink location=/nonexistent-cps/w-%d.st");
  err = push_expecting_error (h, i420_caps, GST_FLOW_ERROR);
  g_assert_true (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_WRITE));
  g_assert_true (g_str_has_prefix (err->message,
          "could not write \"/nonexistent-cps/w-0.st\": "));
  g_assert_nonnull (strstr (err->message, "No such file"));
  g_error_free (err);
  gst_harness_teardown (h);
}

static void
push_flush_and_segment (GstHarness * h)
{
  GstSegment segment;

  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
}

static guint64
pull_frame_id (GstHarness * h)
{
  GstBuffer *out = gst_harness_pull (h);
  guint64 id = cps_buffer_get_motion_meta (out)->frame_id;

  gst_buffer_unref (out);
  return id;
}

/* frame_id across lost frames and flushing seeks, at 25 fps */
static void
test_motion_frame_id_gaps_and_seeks (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference");
  const guint pts_frames[] = { 0, 1, 2, 5, 6 };

  gst_harness_set_src_caps_str (h, i420_caps);
  for (guint i = 0; i < G_N_ELEMENTS (pts_frames); i++) {
    gst_harness_push (h, make_frame (-1, 0, pts_frames[i]));
    g_assert_cmpuint (pull_frame_id (h), ==, pts_frames[i]);
  }
  push_flush_and_segment (h);
  gst_harness_push (h, make_frame (-1, 0, 40));
  g_assert_cmpuint (pull_frame_id (h), ==, 40);
  push_flush_and_segment (h);
  gst_harness_push (h, make_frame (-1, 0, 3));
  g_assert_cmpuint (pull_frame_id (h), ==, 3);
  gst_harness_teardown (h);
}

/* Variable frame rate and missing timestamps: PTS are carried exactly,
 * NONE where a frame had none; ids count frames. */
static void
test_topk_vfr_and_missing_pts (void)
{
  GstHarness *h = gst_harness_new_parse ("cpsmotion motion-model=reference ! cpstopk "
      "sequence-length=4 k=8 input-size=56");
  const GstClockTime pts[] = { 0, 33 * GST_MSECOND, GST_CLOCK_TIME_NONE,
    101 * GST_MSECOND
  };
  GstBuffer *out;
  CpsPatchMeta *m;

  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=64,"
      "height=64,framerate=0/1");
  for (guint i = 0; i < 4; i++) {
    GstBuffer *b = make_frame (8 * i, 8, i);

    GST_BUFFER_PTS (b) = pts[i];
    GST_BUFFER_DURATION (b) = GST_CLOCK_TIME_NONE;
    gst_harness_push (h, b);
  }
  out = gst_harness_pull (h);
  m = cps_buffer_get_patch_meta (out);
  for (guint t = 0; t < 4; t++) {
    g_assert_cmpuint (m->frame_pts[t], ==, pts[t]);
    g_assert_cmpint (m->frame_ids[t], ==, t);
  }
  g_assert_cmpuint (GST_BUFFER_PTS (out), ==, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* EOS with 0, 1 and T-1 frames in the window: nothing, a 1-frame window,
 * a (T-1)-frame window; sequence-length=1 gives a window per frame; a
 * stream without key frames gets the first-frame rule. */
static void
test_topk_eos_partial_windows (void)
{
  const struct {
    guint sequence_length, frames;
    guint expect_windows, last_frames;
  } cases[] = {
    {4, 0, 0, 0}, {4, 1, 1, 1}, {4, 3, 1, 3}, {4, 8, 2, 4}, {4, 7, 2, 3},
    {1, 3, 3, 1},
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    gchar *props = g_strdup_printf ("sequence-length=%u k=8 input-size=56",
        cases[c].sequence_length);
    GstHarness *h = topk_harness (props);
    GstBuffer *out = NULL;

    for (guint i = 0; i < cases[c].frames; i++)
      gst_harness_push (h, make_frame (4 * i, 8, i));
    gst_harness_push_event (h, gst_event_new_eos ());
    g_assert_cmpuint (gst_harness_buffers_received (h), ==,
        cases[c].expect_windows);
    for (guint w = 0; w < cases[c].expect_windows; w++) {
      CpsPatchMeta *m;

      gst_clear_buffer (&out);
      out = gst_harness_pull (h);
      m = cps_buffer_get_patch_meta (out);
      /* no key frames from a raw source: frame 0 of each window is I */
      g_assert_cmpuint (m->frame_is_i[0], ==, 1);
      for (guint t = 1; t < m->n_frames; t++)
        g_assert_cmpuint (m->frame_is_i[t], ==, 0);
    }
    if (out)
      g_assert_cmpuint (cps_buffer_get_patch_meta (out)->n_frames, ==,
          cases[c].last_frames);
    gst_clear_buffer (&out);
    gst_harness_teardown (h);
    g_free (props);
  }
}

/* A flushing seek mid-window discards the partial window; the next window
 * starts cleanly at the new position. */
static void
test_topk_flush_discards_partial_window (void)
{
  GstHarness *h = topk_harness ("sequence-length=4 k=8 input-size=56");
  GstBuffer *out;
  CpsPatchMeta *m;

  for (guint i = 0; i < 6; i++)
    gst_harness_push (h, make_frame (4 * i, 8, i));
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 1);
  gst_buffer_unref (gst_harness_pull (h));
  push_flush_and_segment (h);
  for (guint i = 60; i < 64; i++)
    gst_harness_push (h, make_frame (4 * (i - 60), 8, i));
  out = gst_harness_pull (h);
  m = cps_buffer_get_patch_meta (out);
  g_assert_cmpuint (m->n_frames, ==, 4);
  g_assert_cmpuint (m->window_index, ==, 1);
  for (guint t = 0; t < 4; t++)
    g_assert_cmpint (m->frame_ids[t], ==, 60 + t);
  gst_buffer_unref (out);
  gst_harness_push_event (h, gst_event_new_eos ());
  g_assert_null (gst_harness_try_pull (h));
  gst_harness_teardown (h);
}

/* cpstopk adds a window's span to the latency: from the caps' rate at
 * first, then as measured on a full window (here the frames come every
 * 100 ms although the caps claim 25 fps, as with sampling), announced by a
 * latency message. */
static void
test_topk_latency (void)
{
  GstHarness *h = topk_harness ("sequence-length=4 k=8 input-size=56");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
  g_assert_cmpuint (gst_harness_query_latency (h), ==,
      10 * GST_MSECOND + 3 * FRAME_DURATION);
  for (guint i = 0; i < 4; i++) {
    GstBuffer *b = make_frame (4 * i, 8, i);

    GST_BUFFER_PTS (b) = i * 100 * GST_MSECOND;
    gst_harness_push (h, b);
  }
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY);
  g_assert_nonnull (msg);
  gst_message_unref (msg);
  g_assert_cmpuint (gst_harness_query_latency (h), ==,
      10 * GST_MSECOND + 300 * GST_MSECOND);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

/* The header of a safetensors file, as text. */
static gchar *
read_header (const gchar * path)
{
  gchar *data, *header;
  gsize size;
  guint64 len = 0;

  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  for (gint i = 7; i >= 0; i--)
    len = len << 8 | (guint8) data[i];
  g_assert_cmpuint (8 + len, <=, size);
  header = g_strndup (data + 8, len);
  g_free (data);
  return header;
}

static void
assert_contains (const gchar * text, const gchar * part)
{
  if (!strstr (text, part))
    g_error ("\"%s\" not in %s", part, text);
}

/* The elements recorded in a window file are the values that window was
 * computed with: k changed while the window filled applies from the next
 * window, and the file says so; derived values are resolved (search
 * radius 0 = the rule, min/max-pixels 0 = input-size^2). */
static void
test_patchsink_records_window_settings (void)
{
  gchar *dir = g_dir_make_tmp ("cps-sink-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("cpsmotion motion-model=reference ! cpsenergy percentile=90 ! "
      "cpstopk sequence-length=2 k=8 input-size=56 ! cpspatchsink "
      "location=%s/w-%%d.st", dir);
  GstHarness *h = gst_harness_new_parse (desc);
  GstElement *topk = gst_harness_find_element (h, "cpstopk");
  gchar *path[2], *header[2];

  gst_harness_set_src_caps_str (h, i420_caps);
  gst_harness_push (h, make_frame (8, 8, 0));
  g_object_set (topk, "k", 4, NULL);
  gst_harness_push (h, make_frame (12, 8, 1));
  gst_harness_push (h, make_frame (16, 8, 2));
  gst_harness_push (h, make_frame (20, 8, 3));
  for (guint w = 0; w < 2; w++) {
    path[w] = g_strdup_printf ("%s/w-%u.st", dir, w);
    header[w] = read_header (path[w]);
  }
  assert_contains (header[0], "\"k\":\"8\"");
  assert_contains (header[0], "\"elements\":\"cpsmotion downscale=4 "
      "search-radius=4 sampling=all sampling-frames=16 sampling-rate=1 "
      "cuda-device-id=-1 ! cpsenergy percentile=90 motion-weight=0.5 "
      "residual-weight=0.5 cuda-device-id=-1 ! cpstopk sequence-length=2 "
      "k=8 input-size=56 min-pixels=3136 max-pixels=3136 patch-size=14 "
      "dtype=bf16 selection-unit=patch static-fallback=true "
      "static-abs-thresh=2 static-rel-thresh=0.15 static-uniform-frames=4 "
      "cuda-device-id=-1\"");
  assert_contains (header[1], "\"k\":\"4\"");
  assert_contains (header[1], " ! cpstopk sequence-length=2 k=4 ");
  /* the source's rate; no duration upstream of a harness */
  assert_contains (header[0], "\"source_fps\":\"25/1\"");
  assert_contains (header[0], "\"source_duration_ns\":\"-1\"");
  for (guint w = 0; w < 2; w++) {
    g_remove (path[w]);
    g_free (path[w]);
    g_free (header[w]);
  }
  g_rmdir (dir);
  gst_object_unref (topk);
  gst_harness_teardown (h);
  g_free (desc);
  g_free (dir);
}

#define PAN_SIDE 448

/* A random level per node of a lattice of @cell pixels (a hash of the
 * node), so the texture needs no table and no libm. */
static gdouble
lattice_level (gint i, gint j, guint seed)
{
  guint32 h = (guint32) i * 73856093u ^ (guint32) j * 19349663u ^ seed;

  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return h & 0xff;
}

/* Value noise: the lattice levels, smoothly interpolated. */
static gdouble
value_noise (gint x, gint y, gint cell, guint seed)
{
  gint i = x / cell, j = y / cell;
  gdouble fx = (gdouble) (x % cell) / cell, fy = (gdouble) (y % cell) / cell;
  gdouble sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
  gdouble top = lattice_level (i, j, seed) * (1 - sx) +
      lattice_level (i + 1, j, seed) * sx;
  gdouble bottom = lattice_level (i, j + 1, seed) * (1 - sx) +
      lattice_level (i + 1, j + 1, seed) * sx;

  return top * (1 - sy) + bottom * sy;
}

/* Frame @index of a camera panning so that the content moves by
 * (pan_x, pan_y) source pixels per frame: a texture with detail at the
 * scales of the camera model's coarse-to-fine search (64- and 16-pixel
 * cells), and a checkered square moving on its own, as in
 * test_motion_model.c. */
static GstBuffer *
make_pan_frame (guint index, gint pan_x, gint pan_y)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      PAN_SIDE * PAN_SIDE * 3 / 2, NULL);
  GstMapInfo map;
  gint ox = 200 + 12 * (gint) index, oy = 120 + 8 * (gint) index;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gint y = 0; y < PAN_SIDE; y++)
    for (gint x = 0; x < PAN_SIDE; x++) {
      /* source coordinates, kept positive for the lattice's division */
      gint bx = 1024 + x - pan_x * (gint) index;
      gint by = 1024 + y - pan_y * (gint) index;
      gdouble v = 0.6 * value_noise (bx, by, 64, 1) +
          0.4 * value_noise (bx, by, 16, 2);

      if (x >= ox && x < ox + 64 && y >= oy && y < oy + 64)
        v = (((x - ox) / 8 + (y - oy) / 8) & 1) ? 240 : 16;
      map.data[y * PAN_SIDE + x] = (guint8) v;
    }
  memset (map.data + PAN_SIDE * PAN_SIDE, 128, PAN_SIDE * PAN_SIDE / 2);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = index * FRAME_DURATION;
  GST_BUFFER_DURATION (buf) = FRAME_DURATION;
  return buf;
}

/* Runs 4 frames of a (−8, 4) pan through cpsmotion motion-model=@model
 * into one window file; returns the window's sample, and sets @data to
 * the file's contents and @header to its header. */
static GstSample *
run_pan_window (const gchar * model, gchar ** data, gchar ** header)
{
  gchar *dir = g_dir_make_tmp ("cps-sink-XXXXXX", NULL);
  gchar *path = g_strdup_printf ("%s/w-0.st", dir);
  gchar *desc = g_strdup_printf ("cpsmotion motion-model=%s ! cpstopk "
      "sequence-length=4 k=64 input-size=224 patch-size=14 ! cpspatchsink "
      "name=s location=%s/w-%%d.st", model, dir);
  GstHarness *h = gst_harness_new_parse (desc);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (h->element), "s");
  GstSample *sample;

  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=448,"
      "height=448,framerate=25/1");
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (gst_harness_push (h, make_pan_frame (i, -8, 4)), ==,
        GST_FLOW_OK);
  /* the camera model holds the last frame until the stream ends */
  gst_harness_push_event (h, gst_event_new_eos ());
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0);
  g_assert_nonnull (sample);
  *header = read_header (path);
  g_assert_true (g_file_get_contents (path, data, NULL, NULL));
  g_remove (path);
  g_rmdir (dir);
  gst_object_unref (sink);
  gst_harness_teardown (h);
  g_free (desc);
  g_free (path);
  g_free (dir);
  return sample;
}

/* The data of tensor @name in a file read whole, checking its entry. */
static gconstpointer
tensor_data (const gchar * data, const gchar * header, const gchar * name,
    const gchar * dtype_and_shape)
{
  gchar *key = g_strdup_printf ("\"%s\":{%s,\"data_offsets\":[", name,
      dtype_and_shape);
  const gchar *entry = strstr (header, key);
  guint64 header_len = 0, begin;

  if (!entry)
    g_error ("%s not in %s", key, header);
  begin = g_ascii_strtoull (entry + strlen (key), NULL, 10);
  for (gint i = 7; i >= 0; i--)
    header_len = header_len << 8 | (guint8) data[i];
  g_free (key);
  return data + 8 + header_len + begin;
}

/* With motion-model=camera the window file carries each frame's camera
 * motion and class, and the window's class; so do both metas.  The first
 * frame after the start has no previous frame: static, no motion. */
static void
test_patchsink_camera_motion (void)
{
  gchar *data, *header;
  GstSample *sample = run_pan_window ("camera", &data, &header);
  GstBuffer *buf = gst_sample_get_buffer (sample);
  CpsPatchMeta *m = cps_buffer_get_patch_meta (buf);
  const GstStructure *s = gst_custom_meta_get_structure
      (gst_buffer_get_custom_meta (buf, CPS_PATCH_INFO_META_NAME));
  const gfloat *motion = tensor_data (data, header, "camera_motion",
      "\"dtype\":\"F32\",\"shape\":[4,4]");
  const guint8 *classes = tensor_data (data, header, "camera_classes",
      "\"dtype\":\"U8\",\"shape\":[4]");
  GBytes *bytes;

  assert_contains (header, "\"motion_model\":\"camera\"");
  assert_contains (header, "\"camera_class\":\"pan\"");
  assert_contains (header,
      "\"camera_motion_columns\":\"dx,dy,scale,rotation\"");
  assert_contains (header,
      "\"camera_classes_names\":\"static,pan,zoom,complex\"");
  g_assert_cmpint (classes[0], ==, CPS_CAMERA_MOTION_STATIC);
  g_assert_cmpfloat (motion[0], ==, 0.0f);
  g_assert_cmpfloat (motion[2], ==, 1.0f);
  for (guint t = 1; t < 4; t++) {
    g_test_message ("frame %u: camera (%g, %g) scale %g rotation %g", t,
        motion[4 * t], motion[4 * t + 1], motion[4 * t + 2],
        motion[4 * t + 3]);
    g_assert_cmpint (classes[t], ==, CPS_CAMERA_MOTION_PAN);
    g_assert_cmpfloat_with_epsilon (motion[4 * t], -8.0f, 0.1f);
    g_assert_cmpfloat_with_epsilon (motion[4 * t + 1], 4.0f, 0.1f);
  }
  /* the same values in the typed meta and in the custom meta */
  g_assert_cmpuint (m->motion_model, ==, 1);
  g_assert_cmpuint (m->window_camera_class, ==, CPS_CAMERA_MOTION_PAN);
  g_assert_cmpint (memcmp (m->camera_motion, motion, 16 * sizeof (gfloat)),
      ==, 0);
  g_assert_cmpint (memcmp (m->camera_class, classes, 4), ==, 0);
  g_assert_cmpstr (gst_structure_get_string (s, "motion-model"), ==,
      "camera");
  g_assert_cmpstr (gst_structure_get_string (s, "camera-class"), ==, "pan");
  bytes = g_value_get_boxed (gst_structure_get_value (s, "camera-motion"));
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 16 * sizeof (gfloat));
  g_assert_cmpint (memcmp (g_bytes_get_data (bytes, NULL), motion,
          16 * sizeof (gfloat)), ==, 0);
  bytes = g_value_get_boxed (gst_structure_get_value (s, "camera-classes"));
  g_assert_cmpint (memcmp (g_bytes_get_data (bytes, NULL), classes, 4), ==,
      0);
  gst_sample_unref (sample);
  g_free (header);
  g_free (data);
}

/* The reference model measures no camera motion: its files name the model
 * and hold neither the camera tensors nor a camera class, so a reader
 * does not take "not measured" for a still camera. */
static void
test_patchsink_reference_has_no_camera_motion (void)
{
  gchar *data, *header;
  GstSample *sample = run_pan_window ("reference", &data, &header);
  const GstStructure *s = gst_custom_meta_get_structure
      (gst_buffer_get_custom_meta (gst_sample_get_buffer (sample),
          CPS_PATCH_INFO_META_NAME));

  assert_contains (header, "\"motion_model\":\"reference\"");
  g_assert_null (strstr (header, "camera"));
  g_assert_cmpstr (gst_structure_get_string (s, "motion-model"), ==,
      "reference");
  gst_sample_unref (sample);
  g_free (header);
  g_free (data);
}

static guint
pull_all (GstElement * sink, guint64 * last_index)
{
  GstSample *sample;
  guint n = 0;

  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
    *last_index = cps_buffer_get_patch_meta (gst_sample_get_buffer
        (sample))->window_index;
    gst_sample_unref (sample);
    n++;
  }
  return n;
}

/* With location set and nobody pulling (a gst-launch-1.0 line), memory
 * stays bounded: one window waits at most, every file is written.  An
 * application that sets max-buffers gets every window. */
static void
test_patchsink_bounded_without_consumer (void)
{
  const gchar *extra[] = { "", "max-buffers=0" };
  const guint expect[] = { 1, 5 };

  for (guint c = 0; c < G_N_ELEMENTS (extra); c++) {
    gchar *dir = g_dir_make_tmp ("cps-sink-XXXXXX", NULL);
    gchar *desc = g_strdup_printf ("cpsmotion motion-model=reference ! cpstopk sequence-length=1 "
        "k=4 input-size=56 ! cpspatchsink name=s location=%s/w-%%d.st %s",
        dir, extra[c]);
    GstHarness *h = gst_harness_new_parse (desc);
    GstElement *sink = gst_harness_find_element (h, "cpspatchsink");
    guint64 last = 0;

    gst_harness_set_src_caps_str (h, i420_caps);
    for (guint i = 0; i < 5; i++)
      g_assert_cmpint (gst_harness_push (h, make_frame (4 * i, 8, i)), ==,
          GST_FLOW_OK);
    gst_harness_push_event (h, gst_event_new_eos ());
    g_assert_cmpuint (pull_all (sink, &last), ==, expect[c]);
    g_assert_cmpuint (last, ==, 4);     /* the newest is the one kept */
    for (guint i = 0; i < 5; i++) {
      gchar *path = g_strdup_printf ("%s/w-%u.st", dir, i);

      g_assert_cmpint (g_remove (path), ==, 0);
      g_free (path);
    }
    g_assert_cmpint (g_rmdir (dir), ==, 0);
    gst_object_unref (sink);
    gst_harness_teardown (h);
    g_free (desc);
    g_free (dir);
  }
}

/* Motion maps describe the frame they were measured on: after videoflip
 * or videocrop they describe another frame, and the element reading them
 * says so instead of fusing them with the wrong pixels. */
static void
test_meta_on_transformed_frame_is_refused (void)
{
  const struct {
    const gchar *launch, *says;
  } cases[] = {
    {"cpsmotion motion-model=reference ! videoflip video-direction=90r ! cpstopk",
        "measured on 64x48 frames but arrives on 48x64 frames"},
    {"cpsmotion motion-model=reference ! videocrop left=8 ! cpstopk",
        "measured on 64x48 frames but arrives on 56x48 frames"},
    {"cpsmotion motion-model=reference ! videocrop top=8 ! cpsenergy",
        "measured on 64x48 frames but arrives on 64x40 frames"},
    {"cpsmotion motion-model=reference ! cpsenergy ! videoflip video-direction=90r ! cpstopk",
        "measured on 64x48 frames but arrives on 48x64 frames"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstHarness *h = gst_harness_new_parse (cases[i].launch);
    GstBus *bus = gst_bus_new ();
    GstMessage *msg;
    GError *err = NULL;

    gst_element_set_bus (h->element, bus);
    gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=64,"
        "height=48,framerate=25/1");
    g_assert_cmpint (gst_harness_push (h, make_sized_frame (64, 48, 8, 8,
                0)), ==, GST_FLOW_ERROR);
    msg = pop_error (bus);
    g_assert_nonnull (msg);
    gst_message_parse_error (msg, &err, NULL);
    g_assert_true (g_error_matches (err, GST_STREAM_ERROR,
            GST_STREAM_ERROR_FORMAT));
    assert_contains (err->message, cases[i].says);
    g_error_free (err);
    gst_message_unref (msg);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
}

/* Every enum and base class the elements expose is documented plugin
 * API, the klass says what comes out, and the origin is not a made-up
 * URL. */
static void
test_plugin_metadata (void)
{
  const gchar *enums[] = { "GstCpsDtype", "GstCpsSelectionUnit",
    "GstCpsSampling"
  };
  GstElementFactory *topk = gst_element_factory_find ("cpstopk");
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "cps");
  GstElement *motion = gst_element_factory_make ("cpsmotion", NULL);
  GstElement *topk_element = gst_element_factory_create (topk, NULL);

  /* the classes, initialised above, register their enums */
  for (guint i = 0; i < G_N_ELEMENTS (enums); i++) {
    GType t = g_type_from_name (enums[i]);

    g_assert_true (t != 0);
    g_assert_true (gst_type_is_plugin_api (t, NULL));
  }
  g_assert_cmpstr (gst_element_factory_get_metadata (topk,
          GST_ELEMENT_METADATA_KLASS), ==, "Filter/Converter/Video/Tensor");
  g_assert_null (strstr (gst_plugin_get_origin (plugin), "example"));
  g_assert_false (g_str_has_prefix (gst_plugin_get_origin (plugin), "http"));
  gst_object_unref (topk_element);
  gst_object_unref (motion);
  gst_object_unref (plugin);
  gst_object_unref (topk);
}

/* Every property of every element has a documentation comment,
 * "GstCpsTopK:k:", in its element's source. */
static void
test_properties_documented (void)
{
  const struct {
    const gchar *factory, *type, *file;
  } elements[] = {
    {"cpsmotion", "GstCpsMotion", "gstcpsmotion.c"},
    {"cpsenergy", "GstCpsEnergy", "gstcpsenergy.c"},
    {"cpstopk", "GstCpsTopK", "gstcpstopk.c"},
    {"cpspatchsink", "GstCpsPatchSink", "gstcpspatchsink.c"},
  };
  gchar *here = g_path_is_absolute (__FILE__) ? g_strdup (__FILE__) :
      g_build_filename (g_getenv ("BUILDDIR"), __FILE__, NULL);
  gchar *tests = g_path_get_dirname (here);

  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    gchar *path = g_build_filename (tests, "..", "gst", elements[i].file,
        NULL), *source;
    GstElement *e = gst_element_factory_make (elements[i].factory, NULL);
    guint n;
    GParamSpec **props =
        g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &n);

    if (!g_file_get_contents (path, &source, NULL, NULL)) {
      g_test_skip ("the sources are not beside the test");
      g_free (props);
      gst_object_unref (e);
      g_free (path);
      break;
    }
    for (guint p = 0; p < n; p++) {
      gchar *tag;

      if (props[p]->owner_type != G_OBJECT_TYPE (e))
        continue;
      tag = g_strdup_printf ("%s:%s:", elements[i].type, props[p]->name);
      assert_contains (source, tag);
      g_free (tag);
    }
    g_free (props);
    g_free (source);
    gst_object_unref (e);
    g_free (path);
  }
  g_free (tests);
  g_free (here);
}

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/elements/motion-passthrough-meta",
      test_motion_passthrough_meta);
  g_test_add_func ("/elements/motion-key-unit-meta", test_motion_key_unit_meta);
  g_test_add_func ("/elements/motion-sampling-uniform-needs-duration",
      test_motion_sampling_uniform_needs_duration);
  g_test_add_func ("/elements/motion-sampling-rate", test_motion_sampling_rate);
  g_test_add_func ("/elements/motion-sampling-rate-after-flush",
      test_motion_sampling_rate_after_flush);
  g_test_add_func ("/elements/caps-refused-with-message",
      test_caps_refused_with_message);
  g_test_add_func ("/elements/patchsink-refuses-video",
      test_patchsink_refuses_video);
  g_test_add_func ("/elements/topk-windows-and-timestamps",
      test_topk_windows_and_timestamps);
  g_test_add_func ("/elements/topk-resolution-change",
      test_topk_resolution_change);
  g_test_add_func ("/elements/topk-motion-model-change-ends-window",
      test_topk_motion_model_change_ends_window);
  g_test_add_func ("/elements/topk-selects-moving-patch",
      test_topk_selects_moving_patch);
  g_test_add_func ("/elements/topk-block2x2-needs-k-divisible",
      test_topk_block2x2_needs_k_divisible);
  g_test_add_func ("/elements/topk-needs-motion", test_topk_needs_motion);
  g_test_add_func ("/elements/topk-caps-refused-downstream",
      test_topk_caps_refused_downstream);
  g_test_add_func ("/elements/topk-property-change-mid-window",
      test_topk_property_change_mid_window);
  g_test_add_func ("/elements/topk-default-fusion-matches-cpsenergy",
      test_topk_default_fusion_matches_cpsenergy);
  g_test_add_func ("/elements/property-ranges", test_property_ranges);
  g_test_add_func ("/elements/energy-meta-and-weights",
      test_energy_meta_and_weights);
  g_test_add_func ("/elements/patchsink-pull-samples",
      test_patchsink_pull_samples);
  g_test_add_func ("/elements/patchsink-eos-without-pull",
      test_patchsink_eos_without_pull);
  g_test_add_func ("/elements/meta-copy", test_meta_copy);
  g_test_add_func ("/elements/motion-frame-id-gaps-and-seeks",
      test_motion_frame_id_gaps_and_seeks);
  g_test_add_func ("/elements/topk-vfr-and-missing-pts",
      test_topk_vfr_and_missing_pts);
  g_test_add_func ("/elements/topk-eos-partial-windows",
      test_topk_eos_partial_windows);
  g_test_add_func ("/elements/topk-flush-discards-partial-window",
      test_topk_flush_discards_partial_window);
  g_test_add_func ("/elements/topk-latency", test_topk_latency);
  g_test_add_func ("/elements/viz-canvas", test_viz_canvas);
  g_test_add_func ("/elements/viz-needs-patch-meta",
      test_viz_needs_patch_meta);
  g_test_add_func ("/elements/patchsink-location", test_patchsink_location);
  g_test_add_func ("/elements/patchsink-location-errors",
      test_patchsink_location_errors);
  g_test_add_func ("/elements/patchsink-records-window-settings",
      test_patchsink_records_window_settings);
  g_test_add_func ("/elements/patchsink-camera-motion",
      test_patchsink_camera_motion);
  g_test_add_func ("/elements/patchsink-reference-has-no-camera-motion",
      test_patchsink_reference_has_no_camera_motion);
  g_test_add_func ("/elements/patchsink-bounded-without-consumer",
      test_patchsink_bounded_without_consumer);
  g_test_add_func ("/elements/meta-on-transformed-frame-is-refused",
      test_meta_on_transformed_frame_is_refused);
  g_test_add_func ("/elements/plugin-metadata", test_plugin_metadata);
  g_test_add_func ("/elements/properties-documented",
      test_properties_documented);
  {
    int ret = g_test_run ();

    /* lets GST_TRACERS=leaks report what is still alive */
    gst_deinit ();
    return ret;
  }
}
