/* cps — cpsviz: the drawing arithmetic (common/cps_viz.c) on known images,
 * and the element with GstHarness on constructed frames and windows.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cpsmeta.h"
#include "cps_viz.h"

/* ------------------------------------------------------------------ */
/* common/cps_viz.c                                                     */

/* Scaled down to max-width with the shape kept, never enlarged, sides
 * even. */
static void
test_output_size (void)
{
  const int cases[][5] = {
    /* source w, h, max-width, expected w, h */
    {1920, 1080, 960, 960, 540},
    {352, 288, 960, 352, 288},
    {1280, 720, 640, 640, 360},
    {641, 361, 960, 640, 360},
    {720, 576, 500, 500, 400},
    {1, 1, 960, 1, 1},
    {3000, 2, 960, 960, 1},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    int w, h;

    cps_viz_output_size (cases[i][0], cases[i][1], cases[i][2], &w, &h);
    g_assert_cmpint (w, ==, cases[i][3]);
    g_assert_cmpint (h, ==, cases[i][4]);
  }
}

/* The cells of a 22 × 12 grid of 14-pixel patches (308 × 168) tile a
 * 960 × 540 output exactly, each where its part of the frame is. */
static void
test_cell_rects_tile (void)
{
  CpsVizGrid g = { 22, 12, 14, 308, 168, 960, 540 };
  CpsVizRect r, next;

  for (int row = 0; row < g.grid_height; row++)
    for (int col = 0; col < g.grid_width; col++) {
      cps_viz_cell_rect (&g, row, col, &r);
      g_assert_cmpint (r.x1 - r.x0, >=, 43);
      g_assert_cmpint (r.x1 - r.x0, <=, 44);
      if (col == 0)
        g_assert_cmpint (r.x0, ==, 0);
      if (col + 1 == g.grid_width)
        g_assert_cmpint (r.x1, ==, 960);
      else {
        cps_viz_cell_rect (&g, row, col + 1, &next);
        g_assert_cmpint (next.x0, ==, r.x1);
      }
      if (row + 1 == g.grid_height)
        g_assert_cmpint (r.y1, ==, 540);
      else {
        cps_viz_cell_rect (&g, row + 1, col, &next);
        g_assert_cmpint (next.y0, ==, r.y1);
      }
    }
  /* column 11 starts at 11 · 14 / 308 of the width */
  cps_viz_cell_rect (&g, 0, 11, &r);
  g_assert_cmpint (r.x0, ==, 480);
}

static const guint8 *
px (const guint8 * img, gsize stride, int x, int y)
{
  return img + (gsize) y * stride + (gsize) x * 3;
}

static void
assert_px (const guint8 * img, gsize stride, int x, int y, guint8 r,
    guint8 g, guint8 b)
{
  const guint8 *p = px (img, stride, x, y);

  g_assert_cmpuint (p[0], ==, r);
  g_assert_cmpuint (p[1], ==, g);
  g_assert_cmpuint (p[2], ==, b);
}

/* Rectangles copy, patches scale by nearest neighbour, dimming rounds. */
static void
test_copy_paint_dim (void)
{
  guint8 src[8 * 4 * 3], dst[8 * 4 * 3];
  const guint8 patch[3 * 2 * 2] = {
    10, 11, 12, 13,             /* R of a 2 × 2 patch */
    20, 21, 22, 23,             /* G */
    30, 31, 32, 33,             /* B */
  };
  CpsVizRect r = { 2, 1, 5, 3 }, big = { 4, 0, 8, 4 };

  for (guint i = 0; i < sizeof src; i++)
    src[i] = (guint8) i;
  memset (dst, 0, sizeof dst);
  cps_viz_copy_rect (src, dst, 24, &r);
  g_assert_cmpmem (px (dst, 24, 2, 1), 9, px (src, 24, 2, 1), 9);
  g_assert_cmpmem (px (dst, 24, 2, 2), 9, px (src, 24, 2, 2), 9);
  assert_px (dst, 24, 1, 1, 0, 0, 0);
  assert_px (dst, 24, 5, 1, 0, 0, 0);
  assert_px (dst, 24, 2, 0, 0, 0, 0);
  assert_px (dst, 24, 2, 3, 0, 0, 0);

  /* each patch pixel becomes a 2 × 2 block */
  cps_viz_paint_patch_scaled (patch, CPS_DTYPE_U8, 2, dst, 24, &big);
  assert_px (dst, 24, 4, 0, 10, 20, 30);
  assert_px (dst, 24, 5, 1, 10, 20, 30);
  assert_px (dst, 24, 6, 0, 11, 21, 31);
  assert_px (dst, 24, 4, 2, 12, 22, 32);
  assert_px (dst, 24, 7, 3, 13, 23, 33);

  {
    const guint8 in[4] = { 0, 1, 100, 255 };
    guint8 out[4];

    cps_viz_dim (in, out, 4, 0.5f);
    g_assert_cmpuint (out[0], ==, 0);
    g_assert_cmpuint (out[1], ==, 1);   /* 0.5 rounds up */
    g_assert_cmpuint (out[2], ==, 50);
    g_assert_cmpuint (out[3], ==, 128);
  }
}

/* The outline runs inside the selected cells, along the sides that face
 * unselected cells or the frame's edge; inner sides stay clear. */
static void
test_outline (void)
{
  /* 3 × 2 grid of 2-pixel patches drawn 12 × 8 (cells 4 × 4) */
  CpsVizGrid g = { 3, 2, 2, 6, 4, 12, 8 };
  const guint8 mask[6] = { 0, 1, 1, 0, 0, 0 };
  const guint8 amber[3] = { 255, 200, 0 };
  guint8 img[12 * 8 * 3];

  memset (img, 9, sizeof img);
  cps_viz_outline (img, 36, &g, mask, 1, amber);
  assert_px (img, 36, 4, 0, 255, 200, 0);       /* top edge of the frame */
  assert_px (img, 36, 4, 2, 255, 200, 0);       /* left, facing cell 0 */
  assert_px (img, 36, 6, 3, 255, 200, 0);       /* bottom, facing row 1 */
  assert_px (img, 36, 11, 1, 255, 200, 0);      /* the frame's right edge */
  assert_px (img, 36, 7, 1, 9, 9, 9);   /* between cells 1 and 2: inside */
  assert_px (img, 36, 8, 1, 9, 9, 9);
  assert_px (img, 36, 5, 1, 9, 9, 9);   /* the cell's interior */
  assert_px (img, 36, 3, 1, 9, 9, 9);   /* unselected cell 0 */
  assert_px (img, 36, 4, 4, 9, 9, 9);   /* row 1 */
}

/* The caption's words, and white 5 × 7 glyphs over a darkened box that
 * is left out when it does not fit. */
static void
test_caption (void)
{
  gchar text[96];
  guint8 img[200 * 30 * 3], copy[sizeof img];
  int w, h;

  cps_viz_caption_text (text, sizeof text, 3, 52, 0, 17, 0);
  g_assert_cmpstr (text, ==, "WINDOW 3  FRAME 52  P  17 PATCHES");
  cps_viz_caption_text (text, sizeof text, 0, 0, 1, 264, 1);
  g_assert_cmpstr (text, ==, "WINDOW 0  FRAME 0  I  ALL 264 PATCHES");
  cps_viz_caption_text (text, sizeof text, 1, 16, 0, 1, 0);
  g_assert_cmpstr (text, ==, "WINDOW 1  FRAME 16  P  1 PATCH");
  g_assert_cmpint (cps_viz_caption_scale (308), ==, 1);
  g_assert_cmpint (cps_viz_caption_scale (960), ==, 2);
  g_assert_cmpint (cps_viz_caption_scale (1920), ==, 3);

  /* "I1": 2 glyphs, 11 columns + margins of 2 */
  cps_viz_caption_size ("I1", 1, &w, &h);
  g_assert_cmpint (w, ==, 15);
  g_assert_cmpint (h, ==, 11);
  memset (img, 100, sizeof img);
  g_assert_true (cps_viz_draw_caption (img, 600, 200, 30, "I1", 1));
  assert_px (img, 600, 0, 0, 25, 25, 25);       /* the box, darkened */
  assert_px (img, 600, 14, 10, 25, 25, 25);
  assert_px (img, 600, 15, 0, 100, 100, 100);   /* right of the box */
  assert_px (img, 600, 0, 11, 100, 100, 100);   /* below it */
  /* I: top bar at columns 1–3 of row 0; 1: its stem at column 2 */
  assert_px (img, 600, 2 + 1, 2, 255, 255, 255);
  assert_px (img, 600, 2 + 0, 2, 25, 25, 25);
  assert_px (img, 600, 2 + 6 + 2, 2 + 3, 255, 255, 255);
  assert_px (img, 600, 2 + 6 + 0, 2 + 3, 25, 25, 25);

  /* at scale 2 each font pixel is 2 × 2 */
  memset (img, 100, sizeof img);
  g_assert_true (cps_viz_draw_caption (img, 600, 200, 30, "I", 2));
  assert_px (img, 600, 4 + 2, 4, 255, 255, 255);
  assert_px (img, 600, 4 + 3, 5, 255, 255, 255);
  assert_px (img, 600, 4 + 1, 4, 25, 25, 25);

  /* too small: nothing drawn */
  memset (img, 100, sizeof img);
  memcpy (copy, img, sizeof img);
  g_assert_false (cps_viz_draw_caption (img, 600, 14, 30, "I1", 1));
  g_assert_false (cps_viz_draw_caption (img, 600, 200, 10, "I1", 1));
  g_assert_cmpmem (img, sizeof img, copy, sizeof copy);
}

/* ------------------------------------------------------------------ */
/* the element                                                          */

#define SRC_W 128
#define SRC_H 64
#define OUT_W 64                /* max-width in these tests */
#define OUT_H 32
#define P 8                     /* 4 × 2 grid of a 32 × 16 resized frame */
#define GRID_W 4
#define GRID_H 2

static const gchar *patch_caps =
    CPS_PATCH_CAPS_NAME ",patch-size=8,channels=3,dtype=u8";

/* An I420 frame whose content depends on @seed, with the CpsMotionMeta
 * cpsmotion would attach. */
static GstBuffer *
make_video_frame (gint w, gint h, guint64 frame_id, guint seed)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, w * h * 3 / 2, NULL);
  GstBuffer *maps = gst_buffer_new_allocate (NULL, 2 * sizeof (gfloat), NULL);
  CpsMotionMeta *m;
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++)
      map.data[y * w + x] = (guint8) (16 + (x * 3 + y * 2 + seed * 40) % 220);
  for (gint i = 0; i < w * h / 2; i++)
    map.data[w * h + i] = (guint8) (64 + (i * 7 + seed * 13) % 128);
  gst_buffer_unmap (buf, &map);
  gst_buffer_memset (maps, 0, 0, 2 * sizeof (gfloat));
  m = cps_buffer_add_motion_meta (buf, maps, 1, 1);
  m->frame_id = frame_id;
  gst_buffer_unref (maps);
  return buf;
}

typedef struct
{
  guint t, row, col;
} Cell;

/* A window of @n_frames frames (ids @first_id…) of the 4 × 2 grid of a
 * 32 × 16 resized frame of SRC_W × SRC_H, selecting @cells; patch i is
 * filled with (10·(i+1), 20·(i+1), 30·(i+1)) modulo 256.  No PTS anywhere if
 * @timed is FALSE, else 40 ms a frame from the first id. */
static GstBuffer *
make_window (guint64 index, gint64 first_id, guint n_frames,
    const Cell * cells, guint n_cells, gboolean timed)
{
  gsize patch_bytes = 3 * P * P;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, n_cells * patch_bytes,
      NULL);
  CpsPatchMeta *m = cps_buffer_add_patch_meta (buf, n_cells, n_frames);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint i = 0; i < n_cells; i++) {
    gint64 *row = m->fields + i * CPS_PATCH_N_FIELDS;

    for (guint ch = 0; ch < 3; ch++)
      memset (map.data + i * patch_bytes + ch * P * P, 10 * (ch + 1) * (i + 1),
          P * P);
    row[CPS_PATCH_FIELD_SEQ_POS] = cells[i].t;
    row[CPS_PATCH_FIELD_FRAME_ID] = first_id + cells[i].t;
    row[CPS_PATCH_FIELD_IS_I] = cells[i].t == 0;
    row[CPS_PATCH_FIELD_LINEAR_IDX] = (cells[i].t * GRID_H + cells[i].row) *
        GRID_W + cells[i].col;
    row[CPS_PATCH_FIELD_H_IDX] = cells[i].row;
    row[CPS_PATCH_FIELD_W_IDX] = cells[i].col;
  }
  gst_buffer_unmap (buf, &map);
  m->patch_size = P;
  m->channels = 3;
  m->dtype = CPS_PATCH_DTYPE_U8;
  m->grid_height = GRID_H;
  m->grid_width = GRID_W;
  m->target_height = GRID_H * P;
  m->target_width = GRID_W * P;
  m->source_height = SRC_H;
  m->source_width = SRC_W;
  m->window_index = index;
  m->sequence_length = n_frames;
  m->k = n_cells;
  for (guint t = 0; t < n_frames; t++) {
    m->frame_ids[t] = first_id + t;
    m->frame_pts[t] = timed ? (GstClockTime) (first_id + t) * 40 * GST_MSECOND :
        GST_CLOCK_TIME_NONE;
    m->frame_is_i[t] = t == 0;
  }
  if (timed) {
    GST_BUFFER_PTS (buf) = m->frame_pts[0];
    GST_BUFFER_DURATION (buf) = n_frames * 40 * GST_MSECOND;
  }
  return buf;
}

typedef struct
{
  GstHarness *h;                /* "sink" → "src": patches in, RGB out */
  GstHarness *hv;               /* "video" */
} Viz;

static gchar *
video_caps (gint w, gint h, gint fps)
{
  return g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,"
      "framerate=%d/1", w, h, fps);
}

/* cpsviz with @props ("name=value …"). */
static GstElement *
make_viz (const gchar * props)
{
  GstElement *viz = gst_element_factory_make ("cpsviz", NULL);
  gchar **args = g_strsplit (props, " ", -1);

  for (gchar ** a = args; *a; a++) {
    gchar **kv = g_strsplit (*a, "=", 2);

    if (kv[0] && kv[1])
      gst_util_set_object_arg (G_OBJECT (viz), kv[0], kv[1]);
    g_strfreev (kv);
  }
  g_strfreev (args);
  return viz;
}

/* cpsviz with max-width=OUT_W and @props, its video pad requested and
 * given SRC_W × SRC_H I420 at @fps. */
static void
viz_new (Viz * v, const gchar * props, gint fps)
{
  GstElement *viz = make_viz (props);
  gchar *caps = video_caps (SRC_W, SRC_H, fps);

  g_object_set (viz, "max-width", OUT_W, NULL);
  v->h = gst_harness_new_with_element (viz, "sink", "src");
  gst_harness_set_src_caps_str (v->h, patch_caps);
  v->hv = gst_harness_new_with_element (viz, "video", NULL);
  gst_harness_set_src_caps_str (v->hv, caps);
  gst_object_unref (viz);
  g_free (caps);
}

static void
viz_free (Viz * v)
{
  gst_harness_teardown (v->hv);
  gst_harness_teardown (v->h);
}

static void
push_frames (Viz * v, guint64 first_id, guint n, guint seed)
{
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (gst_harness_push (v->hv, make_video_frame (SRC_W, SRC_H,
                first_id + i, seed + i)), ==, GST_FLOW_OK);
}

static void
out_info (Viz * v, GstVideoInfo * info)
{
  GstCaps *caps = gst_pad_get_current_caps (v->h->sinkpad);

  g_assert_nonnull (caps);
  g_assert_true (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
}

static const Cell two_frames[] = {
  {0, 0, 1}, {0, 1, 3}, {1, 1, 0},
};

/* What the element draws with dim-level=1, no outline and no caption:
 * the scaled source frames, to compare with. */
static void
reference_frames (GstBuffer ** ref, guint n, gint64 first_id, guint seed)
{
  Viz v;

  viz_new (&v, "dim-level=1 outline=false caption=false", 25);
  push_frames (&v, first_id, n, seed);
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, first_id, n,
              two_frames, G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  for (guint t = 0; t < n; t++)
    ref[t] = gst_harness_pull (v.h);
  viz_free (&v);
}

static gboolean
cell_selected (const Cell * cells, guint n, guint t, gint x, gint y)
{
  /* cells are 16 × 16 output pixels here */
  for (guint i = 0; i < n; i++)
    if (cells[i].t == t && cells[i].col == (guint) x / 16 &&
        cells[i].row == (guint) y / 16)
      return TRUE;
  return FALSE;
}

/* Selected areas are the source pixels, the rest exactly dim-level of
 * them, at the output size, without outline and caption. */
static void
test_overlay_pixels (void)
{
  GstBuffer *ref[2], *out;
  GstVideoInfo info;
  GstMapInfo a, b;
  Viz v;

  reference_frames (ref, 2, 0, 0);
  viz_new (&v, "dim-level=0.5 outline=false caption=false", 25);
  push_frames (&v, 0, 2, 0);
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  out_info (&v, &info);
  g_assert_cmpint (GST_VIDEO_INFO_FORMAT (&info), ==, GST_VIDEO_FORMAT_RGB);
  g_assert_cmpint (info.width, ==, OUT_W);
  g_assert_cmpint (info.height, ==, OUT_H);
  g_assert_cmpint (info.fps_n, ==, 25);
  for (guint t = 0; t < 2; t++) {
    out = gst_harness_pull (v.h);
    g_assert_cmpuint (gst_buffer_get_size (out), ==, info.size);
    g_assert_cmpuint (GST_BUFFER_PTS (out), ==, t * 40 * GST_MSECOND);
    g_assert_cmpuint (GST_BUFFER_DURATION (out), ==, 40 * GST_MSECOND);
    gst_buffer_map (out, &a, GST_MAP_READ);
    gst_buffer_map (ref[t], &b, GST_MAP_READ);
    for (gint y = 0; y < OUT_H; y++)
      for (gint x = 0; x < OUT_W; x++) {
        const guint8 *o = px (a.data, info.stride[0], x, y);
        const guint8 *s = px (b.data, info.stride[0], x, y);

        for (gint c = 0; c < 3; c++) {
          if (cell_selected (two_frames, G_N_ELEMENTS (two_frames), t, x, y))
            g_assert_cmpuint (o[c], ==, s[c]);
          else
            g_assert_cmpuint (o[c], ==, (guint8) (s[c] * 0.5f + 0.5f));
        }
      }
    gst_buffer_unmap (ref[t], &b);
    gst_buffer_unmap (out, &a);
    gst_buffer_unref (out);
    gst_buffer_unref (ref[t]);
  }
  viz_free (&v);
}

/* With unselected=black the rest is black; the outline (amber) runs
 * round the selected cells. */
static void
test_overlay_black_and_outline (void)
{
  GstVideoInfo info;
  GstMapInfo a;
  GstBuffer *out;
  Viz v;

  viz_new (&v, "unselected=black caption=false", 25);
  push_frames (&v, 0, 2, 0);
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  out_info (&v, &info);
  out = gst_harness_pull (v.h);
  gst_buffer_map (out, &a, GST_MAP_READ);
  assert_px (a.data, info.stride[0], 0, 0, 0, 0, 0);
  assert_px (a.data, info.stride[0], 40, 8, 0, 0, 0);
  /* cell (0, 1) spans x 16–31, y 0–15 */
  assert_px (a.data, info.stride[0], 16, 5, 255, 200, 0);
  assert_px (a.data, info.stride[0], 20, 0, 255, 200, 0);
  assert_px (a.data, info.stride[0], 31, 5, 255, 200, 0);
  assert_px (a.data, info.stride[0], 20, 15, 255, 200, 0);
  g_assert_cmpuint (px (a.data, info.stride[0], 20, 5)[0], >, 0);
  gst_buffer_unmap (out, &a);
  gst_buffer_unref (out);
  gst_buffer_unref (gst_harness_pull (v.h));
  viz_free (&v);
}

/* Item 6: frames without PTS get frame_id / caps rate, and 1/25 s a
 * frame without a rate; every frame has a duration. */
static void
test_timestamps_without_pts (void)
{
  const gint rates[] = { 30, 0 };

  for (guint r = 0; r < G_N_ELEMENTS (rates); r++) {
    gint rate = rates[r] ? rates[r] : 25;
    GstBuffer *out;
    Viz v;

    viz_new (&v, "", rates[r]);
    push_frames (&v, 5, 2, 0);
    g_assert_cmpint (gst_harness_push (v.h, make_window (0, 5, 2, two_frames,
                G_N_ELEMENTS (two_frames), FALSE)), ==, GST_FLOW_OK);
    for (guint t = 0; t < 2; t++) {
      out = gst_harness_pull (v.h);
      g_assert_cmpuint (GST_BUFFER_PTS (out), ==,
          gst_util_uint64_scale_int (5 + t, GST_SECOND, rate));
      g_assert_cmpuint (GST_BUFFER_DURATION (out), ==,
          gst_util_uint64_scale_int (6 + t, GST_SECOND, rate) -
          gst_util_uint64_scale_int (5 + t, GST_SECOND, rate));
      gst_buffer_unref (out);
    }
    viz_free (&v);
  }
}

static guint
eos_events (GstHarness * h)
{
  GstEvent *e;
  guint n = 0;

  while ((e = gst_harness_try_pull_event (h))) {
    n += GST_EVENT_TYPE (e) == GST_EVENT_EOS;
    gst_event_unref (e);
  }
  return n;
}

/* EOS goes downstream once, when both pads have it, in either order. */
static void
test_eos_both_pads (void)
{
  for (guint video_first = 0; video_first < 2; video_first++) {
    Viz v;

    viz_new (&v, "", 25);
    push_frames (&v, 0, 2, 0);
    g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, two_frames,
                G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
    g_assert_true (gst_harness_push_event (video_first ? v.hv : v.h,
            gst_event_new_eos ()));
    g_assert_cmpuint (eos_events (v.h), ==, 0);
    g_assert_true (gst_harness_push_event (video_first ? v.h : v.hv,
            gst_event_new_eos ()));
    g_assert_cmpuint (eos_events (v.h), ==, 1);
    g_assert_cmpuint (gst_harness_buffers_received (v.h), ==, 2);
    viz_free (&v);
  }
}

/* A frame that never came is drawn as its patches on black; the others
 * come from the source; the store does not hold the window up. */
static void
test_missing_frame (void)
{
  GstVideoInfo info;
  GstBuffer *out;
  GstMapInfo a;
  Viz v;

  viz_new (&v, "caption=false outline=false", 25);
  push_frames (&v, 0, 1, 0);
  push_frames (&v, 2, 1, 0);    /* past frame 1: it will not come */
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (v.h), ==, 2);
  out_info (&v, &info);
  out = gst_harness_pull (v.h);
  gst_buffer_map (out, &a, GST_MAP_READ);
  g_assert_cmpuint (px (a.data, info.stride[0], 40, 30)[0], >, 0);
  gst_buffer_unmap (out, &a);
  gst_buffer_unref (out);
  out = gst_harness_pull (v.h);
  g_assert_cmpuint (GST_BUFFER_PTS (out), ==, 40 * GST_MSECOND);
  gst_buffer_map (out, &a, GST_MAP_READ);
  /* frame 1's patch (the window's third, colour 30, 60, 90) at cell
   * (1, 0), black elsewhere */
  assert_px (a.data, info.stride[0], 0, 16, 30, 60, 90);
  assert_px (a.data, info.stride[0], 15, 31, 30, 60, 90);
  assert_px (a.data, info.stride[0], 16, 16, 0, 0, 0);
  assert_px (a.data, info.stride[0], 0, 15, 0, 0, 0);
  gst_buffer_unmap (out, &a);
  gst_buffer_unref (out);
  viz_free (&v);
}

/* A flushing seek as a pad sees it: flush, then a new segment. */
static void
flush (GstHarness * h)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  g_assert_true (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_assert_true (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  g_assert_true (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

static guint8
first_sample (GstBuffer * buf)
{
  GstMapInfo map;
  guint8 v;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  v = map.data[16 * 3];         /* inside cell (0, 1), selected at t = 0 */
  gst_buffer_unmap (buf, &map);
  return v;
}

/* Each window frame is drawn from the frame with its frame_id, frames
 * stored ahead wait for their window, and a window after a video-pad
 * flush uses the frames that came after it. */
static void
test_frames_by_id_and_flush (void)
{
  guint8 want[4];
  GstBuffer *out;
  Viz v;

  for (guint s = 0; s < 4; s++) {
    GstBuffer *ref[2];

    reference_frames (ref, 2, 0, s);
    want[s] = first_sample (ref[0]);
    gst_buffer_unref (ref[0]);
    gst_buffer_unref (ref[1]);
  }
  g_assert_cmpuint (want[0], !=, want[2]);
  viz_new (&v, "caption=false outline=false", 25);
  push_frames (&v, 0, 4, 0);    /* frame i has seed i */
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_harness_push (v.h, make_window (1, 2, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  out = gst_harness_pull (v.h);
  g_assert_cmpuint (first_sample (out), ==, want[0]);
  gst_buffer_unref (out);
  gst_buffer_unref (gst_harness_pull (v.h));
  out = gst_harness_pull (v.h);
  g_assert_cmpuint (first_sample (out), ==, want[2]);
  gst_buffer_unref (out);
  gst_buffer_unref (gst_harness_pull (v.h));

  /* a seek: both pads flush, frames 0… come again with other content */
  push_frames (&v, 4, 2, 0);
  flush (v.hv);
  flush (v.h);
  push_frames (&v, 0, 2, 2);
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  out = gst_harness_pull (v.h);
  g_assert_cmpuint (first_sample (out), ==, want[2]);
  gst_buffer_unref (out);
  gst_buffer_unref (gst_harness_pull (v.h));
  viz_free (&v);
}

static gpointer
push_window_thread (gpointer data)
{
  GstHarness *h = data;

  return GINT_TO_POINTER (gst_harness_push (h, make_window (0, 0, 2,
              two_frames, G_N_ELEMENTS (two_frames), TRUE)));
}

/* A window waiting for its frames lets go on a flush of the patch pad. */
static void
test_flush_wakes_waiting_window (void)
{
  GThread *thread;
  Viz v;

  viz_new (&v, "", 25);
  push_frames (&v, 0, 1, 0);    /* frame 1 is still to come */
  thread = g_thread_new ("window", push_window_thread, v.h);
  g_usleep (50 * 1000);
  g_assert_cmpuint (gst_harness_buffers_received (v.h), ==, 0);
  g_assert_true (gst_harness_push_event (v.h, gst_event_new_flush_start ()));
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==,
      GST_FLOW_FLUSHING);
  g_assert_cmpuint (gst_harness_buffers_received (v.h), ==, 0);
  g_assert_true (gst_harness_push_event (v.h,
          gst_event_new_flush_stop (TRUE)));
  viz_free (&v);
}

/* A window waiting for its frames is drawn when the last one arrives. */
static void
test_window_waits_for_frames (void)
{
  GThread *thread;
  Viz v;

  viz_new (&v, "", 25);
  push_frames (&v, 0, 1, 0);
  thread = g_thread_new ("window", push_window_thread, v.h);
  g_usleep (50 * 1000);
  g_assert_cmpuint (gst_harness_buffers_received (v.h), ==, 0);
  push_frames (&v, 1, 1, 1);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==,
      GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (v.h), ==, 2);
  viz_free (&v);
}

/* New video caps mid-stream (another resolution): the next window's
 * frames come out at the new size, with new caps. */
static void
test_resolution_change (void)
{
  gchar *caps = video_caps (48, 96, 25);
  GstVideoInfo info;
  GstBuffer *out;
  Viz v;

  viz_new (&v, "", 25);
  push_frames (&v, 0, 2, 0);
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  gst_harness_set_src_caps_str (v.hv, caps);
  for (guint i = 2; i < 4; i++)
    g_assert_cmpint (gst_harness_push (v.hv, make_video_frame (48, 96, i, i)),
        ==, GST_FLOW_OK);
  g_assert_cmpint (gst_harness_push (v.h, make_window (1, 2, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  out_info (&v, &info);
  g_assert_cmpint (info.width, ==, 48);
  g_assert_cmpint (info.height, ==, 96);
  for (guint t = 0; t < 4; t++) {
    out = gst_harness_pull (v.h);
    g_assert_cmpuint (gst_buffer_get_size (out), ==, t < 2 ?
        (gsize) OUT_W * 3 * OUT_H : info.size);
    gst_buffer_unref (out);
  }
  g_free (caps);
  viz_free (&v);
}

/* An I-frame selected whole is drawn dimmed in both modes, not as a full
 * bright frame at every window start. */
static void
test_whole_frame_dimmed (void)
{
  Cell cells[GRID_W * GRID_H + 1];
  GstHarness *h;
  GstMapInfo a;
  GstBuffer *out;
  guint n = 0;
  Viz v;

  for (guint r = 0; r < GRID_H; r++)
    for (guint c = 0; c < GRID_W; c++)
      cells[n++] = (Cell) {
      0, r, c};
  cells[n++] = (Cell) {
  1, 0, 0};

  /* canvas: patch i is (10(i+1), 20(i+1), 30(i+1)), dim-level 0.5 */
  h = gst_harness_new_with_element (make_viz ("dim-level=0.5 caption=false"),
      "sink", "src");
  gst_object_unref (h->element);
  gst_harness_set_src_caps_str (h, patch_caps);
  g_assert_cmpint (gst_harness_push (h, make_window (0, 0, 2, cells, n,
              TRUE)), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  gst_buffer_map (out, &a, GST_MAP_READ);
  assert_px (a.data, 32 * 3, 0, 0, 5, 10, 15);
  assert_px (a.data, 32 * 3, 31, 15, 40, 80, 120);
  gst_buffer_unmap (out, &a);
  gst_buffer_unref (out);
  /* the next frame: its patch bright, the I-frame remembered, dimmed */
  out = gst_harness_pull (h);
  gst_buffer_map (out, &a, GST_MAP_READ);
  assert_px (a.data, 32 * 3, 0, 0, 90, 180, 270 % 256);
  assert_px (a.data, 32 * 3, 31, 15, 40, 80, 120);
  gst_buffer_unmap (out, &a);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  /* over the source: the same as nothing selected at dim-level=1 ... */
  viz_new (&v, "dim-level=0.5 caption=false outline=false", 25);
  push_frames (&v, 0, 2, 0);
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, cells, n,
              TRUE)), ==, GST_FLOW_OK);
  {
    GstBuffer *ref[2];
    GstMapInfo b;

    reference_frames (ref, 2, 0, 0);
    out = gst_harness_pull (v.h);
    gst_buffer_map (out, &a, GST_MAP_READ);
    gst_buffer_map (ref[0], &b, GST_MAP_READ);
    for (gsize i = 0; i < a.size; i++)
      g_assert_cmpuint (a.data[i], ==, (guint8) (b.data[i] * 0.5f + 0.5f));
    gst_buffer_unmap (ref[0], &b);
    gst_buffer_unmap (out, &a);
    gst_buffer_unref (out);
    gst_buffer_unref (ref[0]);
    gst_buffer_unref (ref[1]);
  }
  gst_buffer_unref (gst_harness_pull (v.h));
  viz_free (&v);

  /* ... and, without the source frame, its patches at the dim level */
  viz_new (&v, "dim-level=0.5 caption=false outline=false", 25);
  g_assert_true (gst_harness_push_event (v.hv, gst_event_new_eos ()));
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, cells, n,
              TRUE)), ==, GST_FLOW_OK);
  out = gst_harness_pull (v.h);
  gst_buffer_map (out, &a, GST_MAP_READ);
  assert_px (a.data, OUT_W * 3, 0, 0, 5, 10, 15);
  assert_px (a.data, OUT_W * 3, 63, 31, 40, 80, 120);
  gst_buffer_unmap (out, &a);
  gst_buffer_unref (out);
  gst_buffer_unref (gst_harness_pull (v.h));
  viz_free (&v);
}

typedef struct
{
  GstHarness *hv;
  guint64 first, n;
  gint pushed;                  /* atomic */
} Pusher;

static gpointer
push_frames_thread (gpointer data)
{
  Pusher *p = data;

  for (guint64 i = 0; i < p->n; i++) {
    if (gst_harness_push (p->hv, make_video_frame (SRC_W, SRC_H,
                p->first + i, 0)) != GST_FLOW_OK)
      break;
    g_atomic_int_inc (&p->pushed);
  }
  return NULL;
}

/* Waits until @p has pushed @n frames and then no more for 50 ms. */
static void
assert_pusher_stops_at (Pusher * p, gint n)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (g_atomic_int_get (&p->pushed) < n && g_get_monotonic_time () < end)
    g_usleep (1000);
  g_usleep (50 * 1000);
  g_assert_cmpint (g_atomic_int_get (&p->pushed), ==, n);
}

static GstPadProbeReturn
note_blocked (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_set ((gint *) data, 1);
  return GST_PAD_PROBE_OK;
}

/* Blocks cpsviz's output (an encoder that cannot keep up), returns the
 * probe id once a window is stuck there. */
static gulong
block_output (Viz * v, gint * blocked)
{
  GstPad *src = gst_element_get_static_pad (v->h->element, "src");
  gulong id = gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BLOCK |
      GST_PAD_PROBE_TYPE_BUFFER, note_blocked, blocked, NULL);

  gst_object_unref (src);
  return id;
}

static void
unblock_output (Viz * v, gulong id)
{
  GstPad *src = gst_element_get_static_pad (v->h->element, "src");

  gst_pad_remove_probe (src, id);
  gst_object_unref (src);
}

static gpointer
push_window_of_2_thread (gpointer data)
{
  return GINT_TO_POINTER (gst_harness_push (data, make_window (0, 0, 2,
              two_frames, G_N_ELEMENTS (two_frames), TRUE)));
}

/* Frames 0 and 1 and a window of them whose output is held downstream;
 * then @p pushes frames from 2 on until the full store (128 frames) makes
 * the video pad wait.  Returns the probe holding the output. */
static gulong
stick_window_and_fill_store (Viz * v, Pusher * p, GThread ** window,
    GThread ** frames)
{
  gint blocked = 0;
  gulong probe;

  p->hv = v->hv;
  push_frames (v, 0, 2, 0);
  probe = block_output (v, &blocked);
  *window = g_thread_new ("window", push_window_of_2_thread, v->h);
  while (!g_atomic_int_get (&blocked))
    g_usleep (1000);
  *frames = g_thread_new ("frames", push_frames_thread, p);
  assert_pusher_stops_at (p, 128);
  return probe;
}

/* A window is stuck downstream: the video pad takes 128 frames, then
 * waits (nothing lost, memory bounded) until the window is out. */
static void
test_store_bounded_while_drawing (void)
{
  Pusher p = { NULL, 2, 198, 0 };
  GThread *window, *frames;
  gulong probe;
  Viz v;

  viz_new (&v, "", 25);
  probe = stick_window_and_fill_store (&v, &p, &window, &frames);
  unblock_output (&v, probe);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (window)), ==,
      GST_FLOW_OK);
  /* between windows the store takes every frame */
  g_thread_join (frames);
  g_assert_cmpint (p.pushed, ==, 198);
  g_assert_cmpuint (gst_harness_buffers_received (v.h), ==, 2);
  viz_free (&v);
}

static gpointer
push_long_window_thread (gpointer data)
{
  const Cell cells[2] = { {0, 0, 1}, {199, 0, 1} };

  return GINT_TO_POINTER (gst_harness_push (data, make_window (0, 0, 200,
              cells, 2, TRUE)));
}

/* A window longer than the store (sequence-length 200): the frames it
 * needs are all taken, with the window waiting for them or not yet sent,
 * and it is drawn from the source. */
static void
test_window_longer_than_store (void)
{
  for (guint window_first = 0; window_first < 2; window_first++) {
    Pusher p = { NULL, 0, 200, 0 };
    GstVideoInfo info;
    GThread *window = NULL, *frames;
    GstBuffer *out;
    GstMapInfo a;
    Viz v;

    viz_new (&v, "caption=false outline=false", 25);
    p.hv = v.hv;
    if (window_first)
      window = g_thread_new ("window", push_long_window_thread, v.h);
    frames = g_thread_new ("frames", push_frames_thread, &p);
    g_thread_join (frames);
    g_assert_cmpint (p.pushed, ==, 200);
    if (window_first)
      g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (window)), ==,
          GST_FLOW_OK);
    else
      g_assert_cmpint (GPOINTER_TO_INT (push_long_window_thread (v.h)), ==,
          GST_FLOW_OK);
    out_info (&v, &info);
    for (guint t = 0; t < 200; t++) {
      out = gst_harness_pull (v.h);
      gst_buffer_map (out, &a, GST_MAP_READ);
      /* an unselected pixel: the source, dimmed, not black */
      g_assert_cmpuint (px (a.data, info.stride[0], 40, 8)[0], >, 0);
      gst_buffer_unmap (out, &a);
      gst_buffer_unref (out);
    }
    viz_free (&v);
  }
}

/* A flush of the video pad lets a frame waiting on a full store go. */
static void
test_flush_wakes_waiting_frame (void)
{
  Pusher p = { NULL, 2, 300, 0 };
  GThread *window, *frames;
  gulong probe;
  Viz v;

  viz_new (&v, "", 25);
  probe = stick_window_and_fill_store (&v, &p, &window, &frames);
  g_assert_true (gst_harness_push_event (v.hv,
          gst_event_new_flush_start ()));
  g_thread_join (frames);
  g_assert_cmpint (p.pushed, ==, 128);
  unblock_output (&v, probe);
  g_thread_join (window);
  g_assert_true (gst_harness_push_event (v.hv,
          gst_event_new_flush_stop (TRUE)));
  viz_free (&v);
}

/* A requested video pad that nothing is linked to holds nothing up: the
 * window is drawn from its patches and EOS goes on. */
static void
test_unlinked_video_pad (void)
{
  GstElement *viz = make_viz ("");
  GstPad *video = gst_element_request_pad_simple (viz, "video");
  GstHarness *h = gst_harness_new_with_element (viz, "sink", "src");

  gst_harness_set_src_caps_str (h, patch_caps);
  g_assert_cmpint (gst_harness_push (h, make_window (0, 0, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 2);
  g_assert_true (gst_harness_push_event (h, gst_event_new_eos ()));
  g_assert_cmpuint (eos_events (h), ==, 1);
  gst_harness_teardown (h);
  gst_element_release_request_pad (viz, video);
  gst_object_unref (video);
  gst_object_unref (viz);
}

/* Only cpsmotion's display window of the frame is drawn (the patch grid
 * covers it, not the part a decoder left uncropped): a 64 × 32 window
 * at (32, 16) of a 128 × 64 frame, white in a black frame. */
static void
test_display_window (void)
{
  GstVideoInfo info;
  GstBuffer *out;
  GstMapInfo a;
  Viz v;

  viz_new (&v, "dim-level=1 caption=false outline=false", 25);
  for (guint64 id = 0; id < 2; id++) {
    GstBuffer *buf = make_video_frame (SRC_W, SRC_H, id, 0);
    CpsMotionMeta *mm = cps_buffer_get_motion_meta (buf);
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    memset (map.data, 16, SRC_W * SRC_H);
    memset (map.data + SRC_W * SRC_H, 128, SRC_W * SRC_H / 2);
    for (gint y = 16; y < 48; y++)
      memset (map.data + y * SRC_W + 32, 235, 64);
    gst_buffer_unmap (buf, &map);
    mm->region_x = 32;
    mm->region_y = 16;
    mm->region_width = 64;
    mm->region_height = 32;
    g_assert_cmpint (gst_harness_push (v.hv, buf), ==, GST_FLOW_OK);
  }
  g_assert_cmpint (gst_harness_push (v.h, make_window (0, 0, 2, two_frames,
              G_N_ELEMENTS (two_frames), TRUE)), ==, GST_FLOW_OK);
  out_info (&v, &info);
  g_assert_cmpint (info.width, ==, 64);
  g_assert_cmpint (info.height, ==, 32);
  out = gst_harness_pull (v.h);
  gst_buffer_map (out, &a, GST_MAP_READ);
  for (gint y = 0; y < 32; y++)
    for (gint x = 0; x < 64; x++)
      g_assert_cmpuint (px (a.data, info.stride[0], x, y)[1], >=, 250);
  gst_buffer_unmap (out, &a);
  gst_buffer_unref (out);
  gst_buffer_unref (gst_harness_pull (v.h));
  viz_free (&v);
}

/* One video pad: a second request is refused; the pad can be released. */
static void
test_one_video_pad (void)
{
  GstElement *viz = gst_element_factory_make ("cpsviz", NULL);
  GstPad *pad = gst_element_request_pad_simple (viz, "video");

  g_assert_nonnull (pad);
  g_assert_cmpstr (GST_PAD_NAME (pad), ==, "video");
  g_assert_null (gst_element_request_pad (viz,
          gst_element_get_pad_template (viz, "video"), NULL, NULL));
  gst_element_release_request_pad (viz, pad);
  gst_object_unref (pad);
  pad = gst_element_request_pad_simple (viz, "video");
  g_assert_nonnull (pad);
  gst_object_unref (pad);
  gst_object_unref (viz);
}

static gboolean
media_file (const gchar * name, gchar ** path)
{
  const gchar *dir = g_getenv ("CPS_MEDIA_DIR");

  *path = g_build_filename (dir ? dir : ".", name, NULL);
  if (g_file_test (*path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_free (*path);
  return FALSE;
}

/* counts[0]: buffers, counts[1]: those without PTS or duration,
 * counts[2]: those darker than 100 on average */
static GstPadProbeReturn
count_untimed (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  guint *counts = data;
  guint64 sum = 0;
  GstMapInfo map;

  counts[0]++;
  if (!GST_BUFFER_PTS_IS_VALID (buf) || !GST_BUFFER_DURATION_IS_VALID (buf))
    counts[1]++;
  gst_buffer_map (buf, &map, GST_MAP_READ);
  for (gsize i = 0; i < map.size; i++)
    sum += map.data[i];
  gst_buffer_unmap (buf, &map);
  counts[2] += sum < 100 * map.size;
  return GST_PAD_PROBE_OK;
}

/* Item 6: an Annex-B stream without timing, through the overlay to
 * x264enc and mp4mux, makes a file ("Buffer has no PTS" before).  The
 * encoder is slower than the selection: no frame may be lost on the way
 * (drawn at dim-level=1, a lost frame would be dark: patches on black). */
static void
test_untimed_stream_to_mp4 (void)
{
  gchar *media, *desc, *dir, *out;
  GstElement *pipe, *viz, *motion;
  GstMessage *msg;
  GstBus *bus;
  GstPad *src, *frames;
  guint counts[3] = { 0, 0, 0 }, processed[3] = { 0, 0, 0 };
  GStatBuf st;

  if (!media_file ("talkinghead_foreman_cif.h264", &media)) {
    g_test_skip ("no talkinghead_foreman_cif.h264 in CPS_MEDIA_DIR");
    return;
  }
  if (!gst_registry_check_feature_version (gst_registry_get (), "x264enc",
          1, 0, 0)) {
    g_test_skip ("no x264enc");
    g_free (media);
    return;
  }
  dir = g_dir_make_tmp ("cps-viz-XXXXXX", NULL);
  out = g_build_filename (dir, "preview.mp4", NULL);
  desc = g_strdup_printf ("filesrc location=\"%s\" ! h264parse ! avdec_h264 "
      "! cpsmotion name=motion ! tee name=frames ! queue ! cpsenergy ! "
      "cpstopk ! queue ! viz.sink  frames. ! queue ! viz.video  "
      "cpsviz name=viz dim-level=1 "
      "outline=false caption=false ! videoconvert ! video/x-raw,format=I420 ! "
      "x264enc ! mp4mux ! "
      "filesink location=\"%s\"", media, out);
  pipe = gst_parse_launch (desc, NULL);
  g_assert_nonnull (pipe);
  viz = gst_bin_get_by_name (GST_BIN (pipe), "viz");
  src = gst_element_get_static_pad (viz, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, count_untimed, counts,
      NULL);
  motion = gst_bin_get_by_name (GST_BIN (pipe), "motion");
  frames = gst_element_get_static_pad (motion, "src");
  gst_pad_add_probe (frames, GST_PAD_PROBE_TYPE_BUFFER, count_untimed,
      processed, NULL);
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  /* every processed frame drawn, each with a PTS and a duration, from
   * frames without */
  g_assert_cmpuint (processed[0], ==, 299);
  g_assert_cmpuint (processed[1], ==, 299);
  g_assert_cmpuint (counts[0], ==, 299);
  g_assert_cmpuint (counts[1], ==, 0);
  g_assert_cmpuint (counts[2], ==, 0);
  g_assert_cmpint (g_stat (out, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 10000);
  g_unlink (out);
  g_rmdir (dir);
  gst_object_unref (frames);
  gst_object_unref (motion);
  gst_object_unref (src);
  gst_object_unref (viz);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (out);
  g_free (dir);
  g_free (media);
}

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/viz/output-size", test_output_size);
  g_test_add_func ("/viz/cell-rects-tile", test_cell_rects_tile);
  g_test_add_func ("/viz/copy-paint-dim", test_copy_paint_dim);
  g_test_add_func ("/viz/outline", test_outline);
  g_test_add_func ("/viz/caption", test_caption);
  g_test_add_func ("/viz/overlay-pixels", test_overlay_pixels);
  g_test_add_func ("/viz/overlay-black-and-outline",
      test_overlay_black_and_outline);
  g_test_add_func ("/viz/timestamps-without-pts",
      test_timestamps_without_pts);
  g_test_add_func ("/viz/eos-both-pads", test_eos_both_pads);
  g_test_add_func ("/viz/missing-frame", test_missing_frame);
  g_test_add_func ("/viz/frames-by-id-and-flush",
      test_frames_by_id_and_flush);
  g_test_add_func ("/viz/flush-wakes-waiting-window",
      test_flush_wakes_waiting_window);
  g_test_add_func ("/viz/window-waits-for-frames",
      test_window_waits_for_frames);
  g_test_add_func ("/viz/resolution-change", test_resolution_change);
  g_test_add_func ("/viz/whole-frame-dimmed", test_whole_frame_dimmed);
  g_test_add_func ("/viz/store-bounded-while-drawing",
      test_store_bounded_while_drawing);
  g_test_add_func ("/viz/window-longer-than-store",
      test_window_longer_than_store);
  g_test_add_func ("/viz/flush-wakes-waiting-frame",
      test_flush_wakes_waiting_frame);
  g_test_add_func ("/viz/display-window", test_display_window);
  g_test_add_func ("/viz/unlinked-video-pad", test_unlinked_video_pad);
  g_test_add_func ("/viz/one-video-pad", test_one_video_pad);
  g_test_add_func ("/viz/untimed-stream-to-mp4", test_untimed_stream_to_mp4);
  {
    int ret = g_test_run ();

    /* lets GST_TRACERS=leaks report what is still alive */
    gst_deinit ();
    return ret;
  }
}
