/* cps — unit tests of the camera motion model (common/cps_motion_camera.c)
 * on constructed low-resolution luma with known camera and object motion.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cps_algo.h"
#include "cps_compute.h"
#include "cps_motion_camera.h"

#define W 96
#define H 64
#define N (W * H)
#define PATCH 8

/* A smooth but rich texture (sums of sines at unrelated frequencies), so
 * bilinear warps of it stay close to the truth, sampled at (x, y) of a
 * plane that can be shifted by any amount. */
static float
texture_at (double x, double y, int seed)
{
  double v = 128.0 + 40.0 * sin (0.71 * x + 0.3 * seed) +
      30.0 * sin (0.53 * y + 1.1 * seed) +
      25.0 * sin (0.37 * (x + y) + 0.7) + 20.0 * sin (0.91 * (x - 0.6 * y));

  return (float) v;
}

/* A frame as the model receives it: the source luma at four times the
 * low-resolution size, and its low-resolution box mean. */
#define FW (4 * W)
#define FH (4 * H)
typedef struct {
  uint8_t plane[FW * FH];
  float luma[N];
  uint32_t sums[FW + W + 1];    /* cps_camera_cell_scratch (FW, W) */
} Frame;

static uint8_t
to_u8 (double v)
{
  return (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : lrint (v));
}

/* The background as seen by a camera whose view moved by (−dx, −dy)
 * low-resolution pixels: the content appears shifted by (dx, dy). */
static void
fill_background (Frame * f, double dx, double dy, int seed)
{
  for (int y = 0; y < FH; y++)
    for (int x = 0; x < FW; x++)
      f->plane[y * FW + x] = to_u8 (texture_at (x / 4.0 - dx, y / 4.0 - dy,
              seed));
}

/* A textured square object of side @side low-resolution pixels with its
 * top-left corner at (ox, oy), its own texture moving with it. */
static void
paint_object (Frame * f, int ox, int oy, int side)
{
  for (int y = 4 * oy; y < 4 * (oy + side); y++)
    for (int x = 4 * ox; x < 4 * (ox + side); x++)
      if (x >= 0 && y >= 0 && x < FW && y < FH)
        f->plane[y * FW + x] = ((x / 4 - ox) * 37 + (y / 4 - oy) * 91) % 7 <
            3 ? 20 : 235;
}

/* The low-resolution luma, once the plane is drawn. */
static Frame *
finish (Frame * f)
{
  cps_camera_downscale (f->plane, FW, FW, FH, W, H, f->sums, f->luma);
  return f;
}

static CpsCameraModel *
new_model (void)
{
  return cps_camera_model_new (FW, FH, W, H);
}

static int
process (CpsCameraModel * m, Frame * f, float *mo, float *re,
    CpsCameraMotion * c)
{
  return cps_camera_model_process (m, finish (f)->luma, f->plane, FW, mo, re,
      c);
}

static float
max_of (const float *v, size_t n)
{
  float m = 0.0f;

  for (size_t i = 0; i < n; i++)
    m = v[i] > m ? v[i] : m;
  return m;
}

/* The maps of @b measured after @a, with no frame after it: process()
 * holds each frame until the next arrives, drain() gives the last one. */
static void
measure_pair (CpsCameraModel * m, Frame * a, Frame * b, float *mo,
    float *re, CpsCameraMotion * c)
{
  g_assert_cmpint (process (m, a, mo, re, c), ==, 0);
  g_assert_cmpint (process (m, b, mo, re, c), ==, 1);
  g_assert_cmpint (cps_camera_model_drain (m, mo, re, c), ==, 1);
  g_assert_cmpint (cps_camera_model_drain (m, mo, re, c), ==, 0);
}

static void
test_identical_frames_zero (void)
{
  CpsCameraModel *m = new_model ();
  Frame *a = g_new (Frame, 1);
  float *mo = g_new (float, N), *re = g_new (float, N);
  CpsCameraMotion c;

  fill_background (a, 0, 0, 1);
  paint_object (a, 30, 20, 12);
  g_assert_cmpint (process (m, a, mo, re, &c), ==, 0);
  for (int i = 0; i < 4; i++) {
    if (i < 3)
      g_assert_cmpint (process (m, a, mo, re, &c), ==, 1);
    else
      g_assert_cmpint (cps_camera_model_drain (m, mo, re, &c), ==, 1);
    g_assert_cmpfloat (max_of (mo, N), ==, 0.0f);
    g_assert_cmpfloat (max_of (re, N), ==, 0.0f);
    g_assert_cmpfloat (c.dx, ==, 0.0f);
    g_assert_cmpfloat (c.dy, ==, 0.0f);
    g_assert_cmpint (c.cls, ==, CPS_CAMERA_STATIC);
  }
  cps_camera_model_free (m);
  g_free (a);
  g_free (mo);
  g_free (re);
}

/* Flat frames, and a flat frame whose level flickers by less than the
 * noise floor: no texture tells a motion, so none is reported (the
 * reference's matcher reports r·√2 here). */
static void
test_flat_zero (void)
{
  CpsCameraModel *m = new_model ();
  Frame *a = g_new (Frame, 1);
  float *mo = g_new (float, N), *re = g_new (float, N);
  CpsCameraMotion c;

  memset (a->plane, 100, sizeof a->plane);
  process (m, a, mo, re, &c);
  memset (a->plane, 101, sizeof a->plane);
  process (m, a, mo, re, &c);
  g_assert_cmpfloat (max_of (mo, N), ==, 0.0f);
  g_assert_cmpfloat (max_of (re, N), ==, 0.0f);
  cps_camera_model_drain (m, mo, re, &c);
  g_assert_cmpfloat (max_of (mo, N), ==, 0.0f);
  g_assert_cmpfloat (max_of (re, N), ==, 0.0f);
  g_assert_cmpint (c.cls, ==, CPS_CAMERA_STATIC);

  /* the reference model on the same identical flat pair: not zero */
  {
    float *mr = g_new (float, N), *rr = g_new (float, N);

    cps_motion_residual (a->luma, a->luma, W, H, 4, mr, rr);
    g_assert_cmpfloat (max_of (mr, N), >, 5.0f);
    g_free (mr);
    g_free (rr);
  }
  cps_camera_model_free (m);
  g_free (a);
  g_free (mo);
  g_free (re);
}

static void
check_translation (double dx, double dy, double tolerance)
{
  CpsCameraModel *m = new_model ();
  Frame *a = g_new (Frame, 1), *b = g_new (Frame, 1);
  float *mo = g_new (float, N), *re = g_new (float, N);
  int border = (int) ceil (MAX (fabs (dx), fabs (dy))) + 1, left = 0;
  CpsCameraMotion c;

  fill_background (a, 0, 0, 2);
  fill_background (b, dx, dy, 2);
  measure_pair (m, a, b, mo, re, &c);
  g_test_message ("shift (%g, %g): estimated (%g, %g), class %s, support "
      "%g, tau %g", dx, dy, c.dx, c.dy, cps_camera_class_name (c.cls),
      c.support, c.noise);
  g_assert_cmpfloat (fabs (c.dx - dx), <=, tolerance);
  g_assert_cmpfloat (fabs (c.dy - dy), <=, tolerance);
  g_assert_cmpint (c.cls, ==, CPS_CAMERA_PAN);
  /* compensated: away from the strip the camera uncovered, nothing is
   * left after a whole-pixel shift; after a sub-pixel one, only the
   * bilinear warp's own error, on under 1% of the pixels and small */
  for (int y = border; y < H - border; y++)
    for (int x = border; x < W - border; x++) {
      if (re[y * W + x] > 0.0f || mo[y * W + x] > 0.0f)
        left++;
      g_assert_cmpfloat (re[y * W + x], <=, tolerance < 1e-3 ? 0.0 : 2.0);
    }
  g_test_message ("%d pixels left above the noise threshold", left);
  if (tolerance < 1e-3)
    g_assert_cmpint (left, ==, 0);
  else
    g_assert_cmpint (left, <, N / 100);
  cps_camera_model_free (m);
  g_free (a);
  g_free (b);
  g_free (mo);
  g_free (re);
}

static void
test_translation_whole (void)
{
  check_translation (3, -2, 1e-6);
  check_translation (-5, 0, 1e-6);
  check_translation (0, 4, 1e-6);
}

static void
test_translation_subpixel (void)
{
  check_translation (2.5, 1.0, 0.2);
  check_translation (-1.3, -0.6, 0.2);
}

/* Patch scores through the element's own chain: fusion (step 5) and the
 * score plan (step 7), as cpsenergy and cpstopk compute them. */
static void
patch_scores (const float *motion, const float *residual, float *scores,
    int *gw, int *gh)
{
  float *scratch = g_new (float, N), *energy = g_new (float, N);
  CpsScorePlan *plan;

  /* a 4W × 4H source cut at W × H into patches of PATCH: one patch covers
   * PATCH × PATCH low-resolution pixels */
  plan = cps_score_plan_new (W, H, 4 * W, 4 * H, W, H, PATCH);
  cps_energy_fuse (motion, residual, N, 0.95, 0.5f, 0.5f, scratch, energy);
  cps_score_plan_apply (plan, energy, scores);
  *gw = plan->grid_width;
  *gh = plan->grid_height;
  cps_score_plan_free (plan);
  g_free (scratch);
  g_free (energy);
}

/* The length of [a, a + la) ∩ [b, b + lb). */
static int
overlap (int a, int la, int b, int lb)
{
  int lo = MAX (a, b), hi = MIN (a + la, b + lb);

  return hi > lo ? hi - lo : 0;
}

/* A textured object moving over a panning textured background: the
 * object's patches rank first with the camera model (the reference model,
 * on the same frames, spreads its budget over the background). */
static void
test_object_over_pan_ranks_first (void)
{
  CpsCameraModel *m = new_model ();
  Frame *a = g_new (Frame, 1), *b = g_new (Frame, 1);
  float *mo = g_new (float, N), *re = g_new (float, N);
  float scores[N];
  int gw, gh, ox = 40, oy = 24, side = 16, odx = 3, ody = 2;
  CpsCameraMotion c;
  int object_patches = 0;

  fill_background (a, 0, 0, 3);
  paint_object (a, ox, oy, side);
  fill_background (b, -4, 1, 3);        /* camera pans: content moves by (−4, 1) */
  paint_object (b, ox + odx, oy + ody, side);
  measure_pair (m, a, b, mo, re, &c);
  g_test_message ("pan estimated (%g, %g) class %s", c.dx, c.dy,
      cps_camera_class_name (c.cls));
  g_assert_cmpfloat (fabs (c.dx + 4), <=, 1e-6);
  g_assert_cmpfloat (fabs (c.dy - 1), <=, 1e-6);
  g_assert_cmpint (c.cls, ==, CPS_CAMERA_PAN);

  patch_scores (mo, re, scores, &gw, &gh);
  /* patches mostly on the object (a quarter of their area, before or
   * after its move) against those well away from it (two low-res pixels:
   * the bilinear resizes of step 7 spread energy that far) */
  {
    int n = gw * gh;
    float lowest_object = INFINITY, highest_background = 0.0f;

    for (int i = 0; i < n; i++) {
      int px = (i % gw) * PATCH, py = (i / gw) * PATCH;
      int cover = overlap (px, PATCH, ox, side + odx) *
          overlap (py, PATCH, oy, side + ody);
      int near = overlap (px, PATCH, ox - 2, side + odx + 4) *
          overlap (py, PATCH, oy - 2, side + ody + 4);

      if (4 * cover >= PATCH * PATCH) {
        object_patches++;
        lowest_object = MIN (lowest_object, scores[i]);
      } else if (!near) {
        highest_background = MAX (highest_background, scores[i]);
      }
    }
    g_test_message ("%d object patches, lowest score %g; highest score "
        "away from the object %g", object_patches, lowest_object,
        highest_background);
    g_assert_cmpint (object_patches, >, 0);
    g_assert_cmpfloat (lowest_object, >, highest_background);
    g_assert_cmpfloat (highest_background, ==, 0.0f);
  }

  /* the reference model on the same pair scores the background too */
  {
    float *mr = g_new (float, N), *rr = g_new (float, N);
    float ref_scores[N];
    int background_scored = 0;

    cps_motion_residual (a->luma, b->luma, W, H, 4, mr, rr);
    patch_scores (mr, rr, ref_scores, &gw, &gh);
    for (int i = 0; i < gw * gh; i++) {
      int px = (i % gw) * PATCH, py = (i / gw) * PATCH;

      if (overlap (px, PATCH, ox - 2, side + odx + 4) == 0 ||
          overlap (py, PATCH, oy - 2, side + ody + 4) == 0)
        background_scored += ref_scores[i] > 0.0f;
    }
    g_test_message ("reference: %d background patches scored",
        background_scored);
    g_assert_cmpint (background_scored, >, 0);
    g_free (mr);
    g_free (rr);
  }
  cps_camera_model_free (m);
  g_free (a);
  g_free (b);
  g_free (mo);
  g_free (re);
}

/* A moving object over a still background: static camera, the object's
 * pixels carry motion and residual, the background none. */
static void
test_object_static_camera (void)
{
  CpsCameraModel *m = new_model ();
  Frame *a = g_new (Frame, 1), *b = g_new (Frame, 1);
  float *mo = g_new (float, N), *re = g_new (float, N);
  CpsCameraMotion c;

  fill_background (a, 0, 0, 4);
  paint_object (a, 20, 20, 12);
  fill_background (b, 0, 0, 4);
  paint_object (b, 22, 21, 12);
  measure_pair (m, a, b, mo, re, &c);
  g_assert_cmpint (c.cls, ==, CPS_CAMERA_STATIC);
  g_assert_cmpfloat (c.dx, ==, 0.0f);
  g_assert_cmpfloat (c.dy, ==, 0.0f);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      gboolean near = x >= 20 && x < 34 && y >= 20 && y < 33;

      if (!near) {
        g_assert_cmpfloat (re[y * W + x], ==, 0.0f);
        g_assert_cmpfloat (mo[y * W + x], ==, 0.0f);
      }
    }
  g_assert_cmpfloat (max_of (re, N), >, 0.0f);
  cps_camera_model_free (m);
  g_free (a);
  g_free (b);
  g_free (mo);
  g_free (re);
}

/* An object moving over a still background, three frames: the middle
 * frame's background where the object was (uncovered) and where it goes
 * (about to be covered) differs from one neighbour only, so comparing
 * with both leaves just the object's own pixels; comparing with the
 * previous frame alone (the last frame of a stream) also marks the
 * uncovered strip. */
static void
test_uncovered_background (void)
{
  CpsCameraModel *m = new_model ();
  Frame *f[3];
  float *mo = g_new (float, N), *re = g_new (float, N);
  int ox[3] = { 20, 28, 36 }, oy = 20, side = 12;
  size_t outside = 0, behind = 0;
  CpsCameraMotion c;

  for (int t = 0; t < 3; t++) {
    f[t] = g_new (Frame, 1);
    fill_background (f[t], 0, 0, 4);
    paint_object (f[t], ox[t], oy, side);
  }
  g_assert_cmpint (process (m, f[0], mo, re, &c), ==, 0);
  g_assert_cmpint (process (m, f[1], mo, re, &c), ==, 1);
  g_assert_cmpint (process (m, f[2], mo, re, &c), ==, 1);
  /* maps of f[1]: nothing outside the object's box at 28..39 (the 5 × 5
   * closing may reach two pixels past it) */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      if (re[y * W + x] > 0.0f && (x < ox[1] - 2 || x >= ox[1] + side + 2 ||
              y < oy - 2 || y >= oy + side + 2))
        outside++;
  g_assert_cmpuint (outside, ==, 0);
  g_assert_cmpfloat (max_of (re, N), >, 0.0f);
  /* maps of f[2] against f[1] alone: the strip f[1]'s object uncovered */
  g_assert_cmpint (cps_camera_model_drain (m, mo, re, &c), ==, 1);
  for (int y = oy; y < oy + side; y++)
    for (int x = ox[1]; x < ox[2]; x++)
      behind += re[y * W + x] > 0.0f;
  g_test_message ("backward only: %zu of %d uncovered pixels marked", behind,
      side * (ox[2] - ox[1]));
  g_assert_cmpuint (behind, >, 0);
  cps_camera_model_free (m);
  for (int t = 0; t < 3; t++)
    g_free (f[t]);
  g_free (mo);
  g_free (re);
}

/* Sensor noise on a still scene: thresholded by the frame's own noise
 * level, nothing is left. */
static void
test_noise_still (void)
{
  CpsCameraModel *m = new_model ();
  Frame *a = g_new (Frame, 1);
  float *mo = g_new (float, N), *re = g_new (float, N);
  CpsCameraMotion c;
  GRand *rand = g_rand_new_with_seed (7);
  size_t nonzero = 0;

  for (int f = 0; f < 4; f++) {
    fill_background (a, 0, 0, 5);
    for (int i = 0; i < FW * FH; i++)
      a->plane[i] = to_u8 (a->plane[i] + g_rand_double_range (rand, -3.0,
              3.0));
    process (m, a, mo, re, &c);
  }
  /* the maps of the third frame, between the second and the fourth */
  for (int i = 0; i < N; i++)
    nonzero += re[i] > 0.0f || mo[i] > 0.0f;
  g_test_message ("noise: tau %g, %zu pixels above it", c.noise, nonzero);
  g_assert_cmpint (c.cls, ==, CPS_CAMERA_STATIC);
  g_assert_cmpuint (nonzero, <, N / 100);
  g_rand_free (rand);
  cps_camera_model_free (m);
  g_free (a);
  g_free (mo);
  g_free (re);
}

/* A zoom about the centre: classified as such, scale estimated. */
static void
test_zoom (void)
{
  CpsCameraModel *m = new_model ();
  Frame *a = g_new (Frame, 1), *b = g_new (Frame, 1);
  float *mo = g_new (float, N), *re = g_new (float, N);
  double cx = (W - 1) / 2.0, cy = (H - 1) / 2.0, s = 1.06;
  CpsCameraMotion c;

  for (int y = 0; y < FH; y++)
    for (int x = 0; x < FW; x++) {
      double lx = (x + 0.5) / 4 - 0.5, ly = (y + 0.5) / 4 - 0.5;

      a->plane[y * FW + x] = to_u8 (texture_at (lx, ly, 6));
      b->plane[y * FW + x] = to_u8 (texture_at (cx + (lx - cx) / s,
              cy + (ly - cy) / s, 6));
    }
  measure_pair (m, a, b, mo, re, &c);
  g_test_message ("zoom: class %s scale %g rotation %g t (%g, %g) support "
      "%g", cps_camera_class_name (c.cls), c.scale, c.rotation, c.dx, c.dy,
      c.support);
  g_assert_cmpint (c.cls, ==, CPS_CAMERA_ZOOM);
  g_assert_cmpfloat (fabs (c.scale - s), <, 0.02);
  cps_camera_model_free (m);
  g_free (a);
  g_free (b);
  g_free (mo);
  g_free (re);
}

/* cps_camera_differences against its definition, computed pixel by pixel:
 * on random luma, zooms and rotations (whose rows run in whole-pixel
 * shifts, computed a run at a time), tiny and half-pixel ones (long runs,
 * coordinates near the rounding's ties), warps reaching past the frame's
 * edges (the unmeasured border), translations, one side and two. */
static int
defined_difference (const uint8_t * side, int w, int h,
    const CpsCameraWarp * wp, int x, int y, int v)
{
  const uint8_t *p;
  int sx, sy, c, lo, hi, d;

  if (wp->scale == 1.0f && wp->rotation == 0.0f) {
    sx = x - (int) lrintf (wp->dx);
    sy = y - (int) lrintf (wp->dy);
  } else {
    double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0, rx = x - cx, ry = y - cy;
    double s = wp->scale - 1.0, r = wp->rotation;

    sx = (int) lrint (x - (wp->dx + s * rx - r * ry));
    sy = (int) lrint (y - (wp->dy + s * ry + r * rx));
  }
  if (sx < 0 || sy < 0 || sx >= w || sy >= h)
    return CPS_CAMERA_UNMEASURED;
  p = side + (size_t) sy * w + sx;
  c = p[0];
  lo = hi = 2 * c;
  if (wp->tolerant) {
    int n[4] = { sx > 0 ? p[-1] : c, sx < w - 1 ? p[1] : c,
      sy > 0 ? p[-w] : c, sy < h - 1 ? p[w] : c
    };

    for (int k = 0; k < 4; k++) {
      lo = MIN (lo, c + n[k]);
      hi = MAX (hi, c + n[k]);
    }
  }
  d = 2 * v > hi ? 2 * v - hi : 2 * v < lo ? lo - 2 * v : 0;
  return MIN (d, 254);
}

static void
test_differences_definition (void)
{
  static const CpsCameraWarp warps[] = {
    {3.3f, -2.7f, 1.02f, 0.01f, 1}, {-1.5f, 0.5f, 0.97f, -0.02f, 1},
    {0.5f, 0.5f, 1.0000001f, 0.0f, 1}, {0.0f, 0.0f, 1.0f, 1e-7f, 1},
    {0.5f, -0.5f, 1.0f, 0.0f, 1}, {-2.5f, 1.5f, 1.0f, 0.0f, 0},
    {12.0f, -9.0f, 1.3f, 0.2f, 1}, {-40.0f, 30.0f, 0.8f, -0.3f, 1},
    {0.25f, 0.0f, 1.004f, 0.0f, 1}, {0.0f, 0.0f, 0.9999f, 0.0003f, 0},
    {200.0f, 0.0f, 1.01f, 0.0f, 1}, {1.0f, 2.0f, 1.05f, 0.05f, 0},
  };
  const int sizes[][2] = { {97, 61}, {256, 40}, {33, 130} };
  GRand *rand = g_rand_new_with_seed (7);

  for (size_t z = 0; z < G_N_ELEMENTS (sizes); z++) {
    int w = sizes[z][0], h = sizes[z][1];
    size_t n = (size_t) w * h;
    uint8_t *planes = g_malloc (3 * n), *diff = g_malloc (n);
    uint8_t *scratch = g_malloc (w);
    uint32_t hist[256], want_hist[256];

    for (size_t i = 0; i < 3 * n; i++)
      planes[i] = (uint8_t) g_rand_int_range (rand, 0, 256);
    for (size_t k = 0; k < G_N_ELEMENTS (warps); k++) {
      CpsCameraWarp pair[2] = { warps[k],
        warps[(k + 5) % G_N_ELEMENTS (warps)]
      };
      const uint8_t *sides[2] = { planes + n, planes + 2 * n };

      for (int n_sides = 1; n_sides <= 2; n_sides++) {
        cps_camera_differences (planes, sides, pair, n_sides, w, h, scratch,
            diff, hist);
        memset (want_hist, 0, sizeof (want_hist));
        for (int y = 0; y < h; y++)
          for (int x = 0; x < w; x++) {
            int v = planes[(size_t) y * w + x];
            int d = defined_difference (sides[0], w, h, &pair[0], x, y, v);

            if (n_sides > 1 && d != CPS_CAMERA_UNMEASURED &&
                d >= CPS_CAMERA_SECOND_SIDE_FROM)
              d = MIN (d, defined_difference (sides[1], w, h, &pair[1], x,
                      y, v));
            if (diff[(size_t) y * w + x] != d)
              g_error ("%dx%d warp %zu, %d sides: (%d, %d) is %d, not %d",
                  w, h, k, n_sides, x, y, diff[(size_t) y * w + x], d);
            if (!(y & 3) && !(x & 3))
              want_hist[d]++;
          }
        g_assert_cmpmem (hist, sizeof (hist), want_hist, sizeof (want_hist));
      }
    }
    g_free (planes);
    g_free (diff);
    g_free (scratch);
  }
  g_rand_free (rand);
}

/* The CPU's fused pass (cps_camera_difference_maps) gives the threshold
 * and maps of the three separate steps the CUDA kernels mirror
 * (differences, noise level, cell maps), for cells of 4 columns and of
 * other widths, with one and two sides. */
static void
test_fused_maps_same (void)
{
  static const CpsCameraWarp warps[] = {
    {2.0f, -1.0f, 1.0f, 0.0f, 1}, {-1.5f, 0.5f, 0.97f, -0.02f, 1},
  };
  const int sizes[][4] = { {96, 64, 24, 16}, {97, 61, 32, 20} };
  GRand *rand = g_rand_new_with_seed (11);

  for (size_t z = 0; z < G_N_ELEMENTS (sizes); z++) {
    int w = sizes[z][0], h = sizes[z][1], lw = sizes[z][2], lh = sizes[z][3];
    size_t n = (size_t) w * h, cells = (size_t) lw * lh;
    uint8_t *planes = g_malloc (3 * n), *diff = g_malloc (n);
    uint8_t *scratch = g_malloc (2 * w);
    uint8_t *sampled = g_malloc (cps_camera_sampled_rows (h) * w);
    uint32_t *columns = g_new (uint32_t, cps_camera_cell_scratch (w, lw));
    float *mo = g_new (float, cells), *re = g_new (float, cells);
    float *fmo = g_new (float, cells), *fre = g_new (float, cells);
    const uint8_t *sides[2] = { planes + n, planes + 2 * n };
    uint32_t hist[256];

    /* a smooth scene with noise, and a block that differs: some cells
     * above the threshold, most below */
    for (size_t i = 0; i < 3 * n; i++)
      planes[i] = (uint8_t) (100 + (i % w) / 4 + g_rand_int_range (rand, 0,
              6));
    for (int y = h / 4; y < h / 2; y++)
      memset (planes + (size_t) y * w + w / 4, 230, w / 4);
    for (int n_sides = 1; n_sides <= 2; n_sides++) {
      int tau, fused;

      cps_camera_differences (planes, sides, warps, n_sides, w, h, scratch,
          diff, hist);
      tau = cps_camera_noise_level (hist);
      cps_camera_cell_maps (diff, w, h, lw, lh, tau, columns, mo, re);
      fused = cps_camera_difference_maps (planes, sides, warps, n_sides, w,
          h, lw, lh, scratch, sampled, hist, columns, fmo, fre);
      g_assert_cmpint (fused, ==, tau);
      g_assert_cmpmem (fmo, cells * sizeof (float), mo, cells * sizeof (float));
      g_assert_cmpmem (fre, cells * sizeof (float), re, cells * sizeof (float));
      g_assert_cmpfloat (max_of (mo, cells), >, 0.0f);
    }
    g_free (planes);
    g_free (diff);
    g_free (scratch);
    g_free (sampled);
    g_free (columns);
    g_free (mo);
    g_free (re);
    g_free (fmo);
    g_free (fre);
  }
  g_rand_free (rand);
}

/* The closing against its definition: the maximum of each cell's 21 × 21
 * window cut to the map, then the minimum, on sparse random maps of odd
 * sizes; and nothing when too much of the map is marked. */
static void
test_closing (void)
{
  /* marks spread over the map, and marks in one small patch of a larger
   * map (the closing then works on a rectangle around them) */
  const int sizes[][3] = { {37, 23, 0}, {5, 61, 0}, {96, 64, 0}, {120, 90, 1},
    {120, 90, 2}
  };
  GRand *rand = g_rand_new_with_seed (11);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
    int w = sizes[s][0], h = sizes[s][1], n = w * h;
    float *mo = g_new0 (float, n), *re = g_new0 (float, n);
    float *a = g_new (float, n), *b = g_new (float, n);
    float *tmp = g_new (float, cps_camera_close_scratch (w, h));

    for (int i = 0; i < n / 20; i++) {
      int at = g_rand_int_range (rand, 0, n);

      if (sizes[s][2]) {
        /* within 12 × 9 cells, near the middle or the top-left corner */
        int x0 = sizes[s][2] == 1 ? 50 : 3, y0 = sizes[s][2] == 1 ? 40 : 2;

        at = (y0 + g_rand_int_range (rand, 0, 9)) * w + x0 +
            g_rand_int_range (rand, 0, 12);
        if (i > n / 200)
          break;
      }
      re[at] = (float) g_rand_double (rand);
      mo[at] = (float) g_rand_double (rand);
    }
    for (int pass = 0; pass < 2; pass++) {
      const float *src = pass ? (const float *) a : re;
      float *dst = pass ? b : a;

      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
          float e = pass ? INFINITY : -INFINITY;

          for (int yy = MAX (0, y - 10); yy <= MIN (h - 1, y + 10); yy++)
            for (int xx = MAX (0, x - 10); xx <= MIN (w - 1, x + 10); xx++)
              e = pass ? MIN (e, src[yy * w + xx]) : MAX (e, src[yy * w + xx]);
          dst[y * w + x] = e;
        }
    }
    cps_camera_close_maps (mo, re, w, h, tmp);
    g_assert_cmpint (memcmp (re, b, sizeof (float) * n), ==, 0);
    g_free (mo);
    g_free (re);
    g_free (a);
    g_free (b);
    g_free (tmp);
  }
  {
    /* a fifth of the map marked: left as it is */
    float m[100] = { 0 }, r[100] = { 0 }, copy[100];
    float *tmp = g_new (float, cps_camera_close_scratch (10, 10));

    for (int i = 0; i < 100; i += 5)
      r[i] = 1.0f;
    memcpy (copy, r, sizeof r);
    cps_camera_close_maps (m, r, 10, 10, tmp);
    g_assert_cmpint (memcmp (r, copy, sizeof r), ==, 0);
    g_free (tmp);
  }
  g_rand_free (rand);
}

/* The CPU compute table picks the model from the geometry; with the
 * reference model its maps are those of the reference functions. */
static void
test_compute_table_models (void)
{
  int fw = 4 * W, fh = 4 * H;
  uint8_t *plane = g_new (uint8_t, fw * fh);
  float *mo = g_new (float, N), *re = g_new (float, N);
  CpsMotionGeometry g = { fw, fh, W, H, 4, NULL, CPS_MOTION_MODEL_CAMERA };
  CpsImage img = { {plane, NULL, NULL}, {fw, 0, 0}, fw, fh, 1, 1, 0, 0, 0 };
  CpsMotionState *s;
  CpsCameraMotion c;

  for (int i = 0; i < fw * fh; i++)
    plane[i] = (uint8_t) (texture_at (i % fw / 4.0, i / fw / 4.0, 8));
  s = cps_compute_cpu.motion_new (&g);
  g_assert_cmpint (cps_compute_cpu.motion_process (s, &img, mo, re), ==, 0);
  g_assert_cmpint (cps_compute_cpu.motion_process (s, &img, mo, re), ==, 1);
  cps_compute_cpu.motion_camera (s, &c);
  g_assert_cmpfloat (max_of (mo, N), ==, 0.0f);
  g_assert_cmpfloat (max_of (re, N), ==, 0.0f);
  g_assert_cmpint (c.cls, ==, CPS_CAMERA_STATIC);
  cps_compute_cpu.motion_reset (s);
  cps_compute_cpu.motion_free (s);
  g_free (plane);
  g_free (mo);
  g_free (re);
}

/* process_plane() (the CPU path: the downscale copies the plane as it
 * reads it) gives exactly the maps of process() (a low-resolution luma and
 * a plane handed over separately, as the CUDA path does), frame by frame
 * and at the drain, over a pan with a moving object and a stride wider
 * than the frame. */
static void
test_process_plane_same (void)
{
  int stride = FW + 24;
  CpsCameraModel *a = new_model (), *b = new_model ();
  Frame *f = g_new0 (Frame, 1);
  uint8_t *padded = g_new0 (uint8_t, (size_t) stride * FH);
  float *mo_a = g_new (float, N), *re_a = g_new (float, N);
  float *mo_b = g_new (float, N), *re_b = g_new (float, N);
  CpsCameraMotion ca, cb;
  int outputs = 0;

  for (int t = 0; t < 6; t++) {
    int ra, rb;

    fill_background (f, 1.5 * t, 0.5 * t, 3);
    paint_object (f, 5 + 3 * t, 6, 6);
    for (int y = 0; y < FH; y++)
      memcpy (padded + (size_t) y * stride, f->plane + (size_t) y * FW, FW);
    ra = process (a, f, mo_a, re_a, &ca);
    rb = cps_camera_model_process_plane (b, padded, stride, mo_b, re_b, &cb);
    g_assert_cmpint (ra, ==, rb);
    if (ra) {
      outputs++;
      g_assert_cmpmem (mo_a, sizeof (float) * N, mo_b, sizeof (float) * N);
      g_assert_cmpmem (re_a, sizeof (float) * N, re_b, sizeof (float) * N);
      g_assert_cmpmem (&ca, sizeof ca, &cb, sizeof cb);
    }
  }
  g_assert_cmpint (outputs, ==, 5);
  g_assert_cmpint (cps_camera_model_drain (a, mo_a, re_a, &ca), ==, 1);
  g_assert_cmpint (cps_camera_model_drain (b, mo_b, re_b, &cb), ==, 1);
  g_assert_cmpmem (mo_a, sizeof (float) * N, mo_b, sizeof (float) * N);
  g_assert_cmpmem (re_a, sizeof (float) * N, re_b, sizeof (float) * N);
  g_assert_cmpfloat (max_of (mo_a, N), >, 0.0f);
  cps_camera_model_free (a);
  cps_camera_model_free (b);
  g_free (f);
  g_free (padded);
  g_free (mo_a);
  g_free (re_a);
  g_free (mo_b);
  g_free (re_b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/camera/identical-frames-zero", test_identical_frames_zero);
  g_test_add_func ("/camera/flat-zero", test_flat_zero);
  g_test_add_func ("/camera/translation-whole", test_translation_whole);
  g_test_add_func ("/camera/translation-subpixel", test_translation_subpixel);
  g_test_add_func ("/camera/object-over-pan-ranks-first",
      test_object_over_pan_ranks_first);
  g_test_add_func ("/camera/object-static-camera", test_object_static_camera);
  g_test_add_func ("/camera/uncovered-background",
      test_uncovered_background);
  g_test_add_func ("/camera/noise-still", test_noise_still);
  g_test_add_func ("/camera/zoom", test_zoom);
  g_test_add_func ("/camera/differences-definition",
      test_differences_definition);
  g_test_add_func ("/camera/fused-maps-same", test_fused_maps_same);
  g_test_add_func ("/camera/closing", test_closing);
  g_test_add_func ("/camera/compute-table-models", test_compute_table_models);
  g_test_add_func ("/camera/process-plane-same", test_process_plane_same);
  return g_test_run ();
}
