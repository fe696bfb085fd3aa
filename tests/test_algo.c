/* cps — unit tests of common/ on constructed inputs with hand-derived
 * answers.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>

#include "cps_algo.h"
#include "cps_compute.h"
#include "cps_memory.h"
#include "cps_safetensors.h"
#include "cps_viz.h"

static void
test_taps_factor4 (void)
{
  CpsTap t[4];

  /* 8 -> 2: centre of output 0 is at (0.5)*4-0.5 = 1.5 */
  cps_bilinear_taps (8, 2, t);
  g_assert_cmpint (t[0].i0, ==, 1);
  g_assert_cmpint (t[0].i1, ==, 2);
  g_assert_cmpfloat (t[0].w1, ==, 0.5f);
  g_assert_cmpint (t[1].i0, ==, 5);
  /* 2 -> 4 upsampling: first centre clamps to 0, last to the edge */
  cps_bilinear_taps (2, 4, t);
  g_assert_cmpint (t[0].i0, ==, 0);
  g_assert_cmpfloat (t[0].w1, ==, 0.0f);
}

/* Whether this kernel maps pages on request (MADV_POPULATE_WRITE). */
static gboolean
kernel_populates (void)
{
#ifdef MADV_POPULATE_WRITE
  void *page = mmap (NULL, 4096, PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  gboolean ok = page != MAP_FAILED &&
      madvise (page, 4096, MADV_POPULATE_WRITE) == 0;

  if (page != MAP_FAILED)
    munmap (page, 4096);
  return ok;
#else
  return FALSE;
#endif
}

/* The pages wholly inside [p, p + n) not yet mapped. */
static size_t
pages_not_resident (void *p, size_t n)
{
  uintptr_t start = ((uintptr_t) p + 4095) & ~(uintptr_t) 4095;
  uintptr_t end = ((uintptr_t) p + n) & ~(uintptr_t) 4095;
  size_t pages, missing = 0;
  unsigned char *resident;

  if (end <= start)
    return 0;
  pages = (end - start) / 4096;
  resident = g_malloc0 (pages);
  g_assert_cmpint (mincore ((void *) start, end - start, resident), ==, 0);
  for (size_t i = 0; i < pages; i++)
    missing += !(resident[i] & 1);
  g_free (resident);
  return missing;
}

/* cps_alloc_large: zeroed like calloc (also when it reuses memory a
 * previous buffer dirtied), usable to its last byte, released by free(),
 * and where the kernel can, mapped before anything touches it. */
static void
test_alloc_large (void)
{
  static const size_t sizes[] = { 1, 4096, (1 << 20) - 1, 1920 * 1080,
    3 * 308 * 168 * 16 * sizeof (float) + 3
  };
  gboolean populates = kernel_populates ();

  if (!populates)
    g_test_message ("this kernel has no MADV_POPULATE_WRITE: residency "
        "not checked");
  for (int round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
      size_t n = sizes[i];
      unsigned char *p = cps_alloc_large (n);
      size_t nonzero = 0;

      g_assert_nonnull (p);
      if (populates)
        g_assert_cmpuint (pages_not_resident (p, n), ==, 0);
      for (size_t j = 0; j < n; j++)
        nonzero += p[j] != 0;
      g_assert_cmpuint (nonzero, ==, 0);
      /* dirty it, so that the second round sees reused memory zeroed */
      memset (p, 0xa5, n);
      free (p);
    }
}

/* cps_row_resample against (1 − w1)·row[i0·step] + w1·row[i1·step], bit
 * for bit, on downscales whose 8-output blocks fit one permute (640 → 308,
 * the chroma of 1080p) and that do not (1920 → 308), upscales, widths that
 * are not a multiple of 8, and interleaved rows (step 2, from either
 * sample of a pair). */
static void
test_row_resample (void)
{
  static const int cases[][3] = {
    {640, 308, 1}, {960, 308, 1}, {1920, 308, 1}, {320, 308, 2},
    {100, 308, 1}, {7, 5, 1}, {17, 13, 2}, {500, 3, 1}, {64, 64, 1},
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    int src = cases[c][0], n = cases[c][1], step = cases[c][2];
    int len = src * step + CPS_ROW_RESAMPLE_SLACK + 1;
    float *row = g_new (float, len), *out = g_new (float, n);
    CpsTap *taps = g_new (CpsTap, n);
    CpsRowResample *r;

    for (int i = 0; i < len; i++)
      row[i] = (float) ((i * 37) % 256) + 0.125f * (i % 5);
    cps_bilinear_taps (src, n, taps);
    r = cps_row_resample_new (taps, n, step);
    for (int first = 0; first < step; first++) {
      cps_row_resample (r, row + first, out);
      for (int x = 0; x < n; x++) {
        float want = (1.0f - taps[x].w1) * row[first + taps[x].i0 * step] +
            taps[x].w1 * row[first + taps[x].i1 * step];

        if (out[x] != want)
          g_error ("%d -> %d step %d from %d: output %d is %.9g, not %.9g",
              src, n, step, first, x, out[x], want);
      }
    }
    cps_row_resample_free (r);
    g_free (taps);
    g_free (out);
    g_free (row);
  }
}

static void
test_lowres_and_radius (void)
{
  int w, h;

  cps_lowres_size (1920, 1080, 4, &w, &h);
  g_assert_cmpint (w, ==, 480);
  g_assert_cmpint (h, ==, 270);
  cps_lowres_size (100, 20, 4, &w, &h);
  g_assert_cmpint (w, ==, 32);  /* 25 clamped up to 32 */
  g_assert_cmpint (h, ==, 20);  /* 32 clamped down to the side */
  g_assert_cmpint (cps_default_radius (480, 270), ==, 4);
  g_assert_cmpint (cps_default_radius (32, 5), ==, 2);
  g_assert_cmpint (cps_default_radius (3, 3), ==, 1);
}

/* A texture of distinct values, so one displacement matches exactly. */
static void
fill_texture (float *p, int w, int h)
{
  for (int i = 0; i < w * h; i++)
    p[i] = (float) ((i * 7919) % 10007);
}

static void
test_motion_shifted_pattern (void)
{
  enum { W = 24, H = 20, R = 4 };
  float prev[W * H], cur[W * H], mot[W * H], res[W * H];

  fill_texture (prev, W, H);
  /* content moved by dx = 2, dy = 1: cur(x, y) = prev(x - 2, y - 1) */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      cur[y * W + x] = (x >= 2 && y >= 1) ? prev[(y - 1) * W + x - 2] : -1e6f;
  cps_motion_residual (prev, cur, W, H, R, mot, res);
  for (int y = 1; y < H; y++) {
    for (int x = 2; x < W; x++) {
      g_assert_cmpfloat (res[y * W + x], ==, 0.0f);
      g_assert_cmpfloat_with_epsilon (mot[y * W + x], sqrtf (5.0f), 1e-6);
    }
  }
}

static void
test_motion_flat_tie_rule (void)
{
  enum { W = 16, H = 12, R = 4 };
  float a[W * H], mot[W * H], res[W * H];

  for (int i = 0; i < W * H; i++)
    a[i] = 50.0f;
  cps_motion_residual (a, a, W, H, R, mot, res);
  /* every displacement ties at 0; the first valid one in scan order wins */
  g_assert_cmpfloat_with_epsilon (mot[0], sqrtf (32.0f), 1e-6);   /* (-4,-4) */
  g_assert_cmpfloat_with_epsilon (mot[5 * W + 5], sqrtf (32.0f), 1e-6);
  g_assert_cmpfloat (mot[(H - 1) * W + W - 1], ==, 0.0f);       /* only dx,dy >= 0 */
  /* bottom row, x = 0: dy >= 0 and dx <= 0, first is (dx=-4, dy=0) */
  g_assert_cmpfloat (mot[(H - 1) * W], ==, 4.0f);
  for (int i = 0; i < W * H; i++)
    g_assert_cmpfloat (res[i], ==, 0.0f);
}

/* Every block form (the pixel form under 24 columns, 24-pixel blocks,
 * 64-pixel AVX-512 blocks where the CPU has them, each with an overlapping
 * last block) against the definition, on coarse values where many
 * displacements tie: the first best in scan order. */
static void
test_motion_matches_naive (void)
{
  static const int widths[] = { 5, 23, 24, 30, 63, 64, 100, 130 };
  enum { H = 9, R = 3 };
  GRand *rand = g_rand_new_with_seed (11);

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++) {
    int w = widths[i];
    float *prev = g_new (float, w * H), *cur = g_new (float, w * H);
    float *mot = g_new (float, w * H), *res = g_new (float, w * H);

    for (int k = 0; k < w * H; k++) {
      prev[k] = 0.5f * g_rand_int_range (rand, 0, 6);
      cur[k] = 0.5f * g_rand_int_range (rand, 0, 6);
    }
    cps_motion_residual (prev, cur, w, H, R, mot, res);
    for (int y = 0; y < H; y++)
      for (int x = 0; x < w; x++) {
        float best = INFINITY, m = 0.0f;

        for (int dy = -R; dy <= R; dy++)
          for (int dx = -R; dx <= R; dx++) {
            int py = y - dy, px = x - dx;
            float e;

            if (py < 0 || py >= H || px < 0 || px >= w)
              continue;
            e = fabsf (cur[y * w + x] - prev[py * w + px]);
            if (e < best) {
              best = e;
              m = sqrtf ((float) (dx * dx + dy * dy));
            }
          }
        g_assert_cmpfloat (res[y * w + x], ==, best);
        g_assert_cmpfloat (mot[y * w + x], ==, m);
      }
    g_free (prev);
    g_free (cur);
    g_free (mot);
    g_free (res);
  }
  g_rand_free (rand);
}

/* The reference luma of single pixels: RGB as libswscale 5.1 (x86)
 * converts a yuv420p frame whose 2 × 2 blocks hold these values to RGB24
 * at the same size with SWS_BILINEAR, and the float luma of that RGB as
 * numpy computes it in float32 ((0.299 R + 0.587 G) + 0.114 B). */
static void
test_reference_luma_pixels (void)
{
  static const struct {
    int y, u, v, r, g, b;
    float luma;
  } px[] = {
    {16, 128, 128, 0, 0, 0, 0.0f},
    {235, 128, 128, 255, 255, 255, 255.0f},
    {0, 128, 128, 0, 0, 0, 0.0f},
    {255, 128, 128, 255, 255, 255, 255.0f},
    {126, 128, 128, 128, 128, 128, 128.0f},
    {81, 90, 240, 253, 0, 0, 75.646996f},
    {145, 54, 34, 0, 254, 0, 149.098f},
    {41, 240, 110, 0, 0, 254, 28.956f},
    {200, 16, 16, 35, 255, 0, 160.15f},
    {60, 240, 240, 229, 0, 255, 97.541f},
    {100, 100, 160, 148, 80, 40, 95.771996f},
    {173, 173, 93, 126, 192, 255, 179.448f},
    {17, 129, 127, 0, 0, 3, 0.342f},
    {254, 0, 255, 255, 223, 18, 209.198f},
  };

  for (guint i = 0; i < G_N_ELEMENTS (px); i++) {
    int r, g, b;

    cps_sws_yuv_to_rgb (px[i].y, px[i].u, px[i].v, &r, &g, &b);
    g_assert_cmpint (r, ==, px[i].r);
    g_assert_cmpint (g, ==, px[i].g);
    g_assert_cmpint (b, ==, px[i].b);
    g_assert_cmpfloat (cps_rgb_luma (r, g, b), ==, px[i].luma);
    g_assert_cmpfloat (cps_reference_luma_pixel (px[i].y, px[i].u,
            px[i].v), ==, px[i].luma);
  }
}

/* The reference luma of an 8 × 8 frame at 2 × 2 (factor 4: the mean of
 * the pixels at rows and columns 1, 2 and 5, 6), in I420, NV12 and 4:2:2
 * layouts.  Expected: libswscale's RGB24 of the same yuv420p / yuv422p
 * frame, its float32 luma and torch's bilinear order (each row's columns,
 * then the rows) computed in numpy. */
static void
test_reference_downscale (void)
{
  static const float want420[4] = { 120.40350341796875f, 209.7237548828125f,
    103.38924407958984f, 210.72900390625f
  };
  static const float want422[4] = { 119.56299591064453f, 207.63726806640625f,
    100.9737548828125f, 200.4149932861328f
  };
  guint8 y[64], u[32], v[32], uv[64];
  CpsTap taps[2];
  float out[4];
  gpointer scratch = g_malloc (cps_reference_downscale_scratch (2));

  for (int r = 0; r < 8; r++)
    for (int c = 0; c < 8; c++)
      y[r * 8 + c] = 10 + (20 + 29 * c + 3 * r + 17 * (c * r % 5)) % 236;
  for (int r = 0; r < 8; r++)
    for (int c = 0; c < 4; c++) {
      u[r * 4 + c] = 40 + 50 * c + 7 * r;
      v[r * 4 + c] = 220 - 45 * c - 11 * r;
      uv[r * 8 + 2 * c] = u[r * 4 + c];
      uv[r * 8 + 2 * c + 1] = v[r * 4 + c];
    }
  cps_bilinear_taps (8, 2, taps);
  {
    /* I420: chroma rows 0-3 of u, v; NV12: the same, interleaved */
    CpsYuvPlanes i420 = { y, u, v, 8, 4, 1, 1, 1 };
    CpsYuvPlanes nv12 = { y, uv, uv + 1, 8, 8, 2, 1, 1 };
    CpsYuvPlanes y42b = { y, u, v, 8, 4, 1, 1, 0 };

    cps_reference_downscale (&i420, taps, taps, 2, 2, scratch, out);
    g_assert_cmpmem (out, sizeof out, want420, sizeof want420);
    cps_reference_downscale (&nv12, taps, taps, 2, 2, scratch, out);
    g_assert_cmpmem (out, sizeof out, want420, sizeof want420);
    cps_reference_downscale (&y42b, taps, taps, 2, 2, scratch, out);
    g_assert_cmpmem (out, sizeof out, want422, sizeof want422);
  }
  g_free (scratch);
}

/* cps_reference_downscale against its definition written out plainly
 * (the 2 × 2 pixels of each output's taps, each row's columns first), on
 * random I420 and NV12 frames with padded strides: an exact 4x size (the
 * vectorized form) and an odd one (the general form). */
static void
check_reference_downscale_plain (int w, int h, gboolean nv12)
{
  int lw, lh, cw = (w + 1) / 2, ch = (h + 1) / 2;
  int sy = w + 7, sc = (nv12 ? 2 * cw : cw) + 5;
  gsize ysize = (gsize) sy * h, csize = (gsize) sc * ch;
  guint8 *frame = g_malloc (ysize + 2 * csize);
  GRand *rand = g_rand_new_with_seed (w + nv12);
  CpsYuvPlanes p = { frame, frame + ysize, NULL, sy, sc, nv12 ? 2 : 1, 1, 1 };
  CpsTap *yt, *xt;
  float *got, *want;
  gpointer scratch;

  p.v = nv12 ? p.u + 1 : p.u + csize;
  for (gsize i = 0; i < ysize + 2 * csize; i++)
    frame[i] = (guint8) g_rand_int_range (rand, 0, 256);
  cps_lowres_size (w, h, 4, &lw, &lh);
  yt = g_new (CpsTap, lh);
  xt = g_new (CpsTap, lw);
  cps_bilinear_taps (h, lh, yt);
  cps_bilinear_taps (w, lw, xt);
  got = g_new (float, lw * lh);
  want = g_new (float, lw * lh);
  scratch = g_malloc (cps_reference_downscale_scratch (lw));
  cps_reference_downscale (&p, yt, xt, lw, lh, scratch, got);
  for (int oy = 0; oy < lh; oy++)
    for (int ox = 0; ox < lw; ox++) {
      float l[2][2], t[2];

      for (int k = 0; k < 2; k++)
        for (int c = 0; c < 2; c++) {
          int y = k ? yt[oy].i1 : yt[oy].i0, x = c ? xt[ox].i1 : xt[ox].i0;
          gsize co = (gsize) (y / 2) * sc + (gsize) (x / 2) * p.cstep;

          l[k][c] = cps_reference_luma_pixel (p.y[(gsize) y * sy + x],
              p.u[co], p.v[co]);
        }
      for (int k = 0; k < 2; k++)
        t[k] = (1.0f - xt[ox].w1) * l[k][0] + xt[ox].w1 * l[k][1];
      want[oy * lw + ox] = (1.0f - yt[oy].w1) * t[0] + yt[oy].w1 * t[1];
    }
  g_assert_cmpmem (got, sizeof (float) * lw * lh, want,
      sizeof (float) * lw * lh);
  g_rand_free (rand);
  g_free (frame);
  g_free (yt);
  g_free (xt);
  g_free (got);
  g_free (want);
  g_free (scratch);
}

static void
test_reference_downscale_plain (void)
{
  check_reference_downscale_plain (256, 128, FALSE);
  check_reference_downscale_plain (256, 128, TRUE);
  check_reference_downscale_plain (333, 187, FALSE);
  check_reference_downscale_plain (333, 187, TRUE);
  check_reference_downscale_plain (200, 96, FALSE);     /* 96 -> 32: weight 0 */
}

static void
test_percentile (void)
{
  float v[100], scratch[101], four[4] = { 40, 10, 30, 20 };

  for (int i = 0; i < 100; i++)
    v[i] = (float) ((i * 37) % 100);    /* a permutation of 0..99 */
  /* rank rint(0.95 * 99) = rint(94.05) = 94 */
  g_assert_cmpfloat (cps_percentile (v, 100, 0.95, scratch), ==, 94.0f);
  g_assert_cmpfloat (cps_percentile (v, 100, 0.0, scratch), ==, 0.0f);
  g_assert_cmpfloat (cps_percentile (v, 100, 1.0, scratch), ==, 99.0f);
  /* rank rint(0.5 * 3) = rint(1.5) = 2 (half to even) */
  g_assert_cmpfloat (cps_percentile (four, 4, 0.5, scratch), ==, 30.0f);
  g_assert_cmpfloat (four[0], ==, 40.0f);       /* input untouched */
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* Every rank of maps with negatives, zeros and heavy duplicates equals the
 * sorted order's element. */
static void
test_percentile_matches_sort (void)
{
  enum { N = 997 };
  float v[N], sorted[N], scratch[N + 1];
  GRand *rand = g_rand_new_with_seed (42);

  for (int i = 0; i < N; i++) {
    int kind = g_rand_int_range (rand, 0, 4);
    v[i] = kind == 0 ? sqrtf ((float) g_rand_int_range (rand, 0, 33)) :
        kind == 1 ? 0.0f : kind == 2 ? -(float) g_rand_double (rand) * 1e3f :
        (float) g_rand_double (rand) * 1e-7f;
  }
  memcpy (sorted, v, sizeof (v));
  qsort (sorted, N, sizeof (float), cmp_float);
  for (int r = 0; r < N; r++)
    g_assert_cmpfloat (cps_percentile (v, N, (double) r / (N - 1), scratch), ==,
        sorted[r]);
  g_rand_free (rand);
}

/* Maps large enough for the sampled bracket, against a sorted copy at the
 * edge ranks and every 997th: quarter steps (residuals), sqrt values with
 * heavy duplicates (motion), and a map whose strided sample positions all
 * hold an outlier, so the bracket misses rank k and the fallback answers. */
static void
test_percentile_large (void)
{
  enum { N = 130003 };
  float *v = g_new (float, N), *sorted = g_new (float, N);
  float *scratch = g_new (float, N);
  GRand *rand = g_rand_new_with_seed (7);

  for (int pass = 0; pass < 3; pass++) {
    for (int i = 0; i < N; i++)
      v[i] = pass == 0 ? 0.25f * g_rand_int_range (rand, 0, 1021) :
          pass == 1 ? sqrtf ((float) (g_rand_int_range (rand, 0, 3) ? 32 :
              g_rand_int_range (rand, 0, 33))) :
          (i % (N / 1024) == 0 ? 1e6f : (float) (i % 1000));
    memcpy (sorted, v, sizeof (float) * N);
    qsort (sorted, N, sizeof (float), cmp_float);
    for (int r = 0; r < N; r += (r < 50 || r > N - 50) ? 1 : 997)
      g_assert_cmpfloat (cps_percentile (v, N, (double) r / (N - 1),
              scratch), ==, sorted[r]);
    g_assert_cmpfloat (cps_percentile (v, N, 0.95, scratch), ==,
        sorted[(int) rint (0.95 * (N - 1))]);
  }
  g_free (v);
  g_free (sorted);
  g_free (scratch);
  g_rand_free (rand);
}

/* The selection against its definition, the element of rank
 * rint(fraction * (n - 1)) of a sorted copy, for every size class the
 * code treats apart (n = 1, the small form up to 4096, the sampled
 * bracket above; lengths that are not a multiple of 8), on random floats
 * of both signs and on quantised maps with long runs of ties (few values,
 * as motion maps; quarter steps with a dominant zero, as residuals), at
 * fractions 0 and 1, the default 0.95 and random ones. */
static void
test_percentile_definition (void)
{
  static const size_t sizes[] = { 1, 2, 3, 7, 64, 1001, 4096, 4097, 9999,
    129600, 130003
  };
  GRand *rand = g_rand_new_with_seed (2026);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
    size_t n = sizes[s];
    float *v = g_new (float, n), *sorted = g_new (float, n);
    float *scratch = g_new (float, n);

    for (int kind = 0; kind < 4; kind++) {
      for (size_t i = 0; i < n; i++)
        v[i] = kind == 0 ? (float) g_rand_double_range (rand, -1e4, 1e4) :
            kind == 1 ? sqrtf ((float) g_rand_int_range (rand, 0, 4) *
            g_rand_int_range (rand, 0, 9)) :
            kind == 2 ? (g_rand_int_range (rand, 0, 10) ? 0.0f :
            0.25f * g_rand_int_range (rand, 0, 1021)) :
            (float) (i % 3);      /* three values, in runs of one */
      memcpy (sorted, v, sizeof (float) * n);
      qsort (sorted, n, sizeof (float), cmp_float);
      for (int j = 0; j < 6; j++) {
        double f = j == 0 ? 0.0 : j == 1 ? 1.0 : j == 2 ? 0.95 :
            g_rand_double (rand);

        g_assert_cmpfloat (cps_percentile (v, n, f, scratch), ==,
            sorted[(size_t) rint (f * (double) (n - 1))]);
      }
    }
    g_free (v);
    g_free (sorted);
    g_free (scratch);
  }
  g_rand_free (rand);
}

static void
test_energy_fuse (void)
{
  float m[20], r[20], e[20], scratch[21];

  for (int i = 0; i < 20; i++) {
    m[i] = (float) i;
    r[i] = 0.0f;
  }
  /* motion p95 = rank rint(18.05) = 18; residual p95 = 0 floors at 1e-6 */
  cps_energy_fuse (m, r, 20, 0.95, 0.5f, 0.5f, scratch, e);
  g_assert_cmpfloat_with_epsilon (e[9], 0.25f, 1e-6);
  g_assert_cmpfloat (e[18], ==, 0.5f);
  g_assert_cmpfloat (e[19], ==, 0.5f);  /* clamped */
  g_assert_cmpfloat (e[0], ==, 0.0f);
  /* a non-zero residual below the floor still saturates */
  r[3] = 1e-3f;
  cps_energy_fuse (m, r, 20, 0.95, 0.5f, 0.5f, scratch, e);
  g_assert_cmpfloat_with_epsilon (e[3], 0.5f * 3.0f / 18.0f + 0.5f, 1e-6);
}

static void
check_resize (int w, int h, long input, int ew, int eh)
{
  int tw, th;

  cps_smart_resize (w, h, 14, input, 0, 0, &tw, &th);
  g_assert_cmpint (tw, ==, ew);
  g_assert_cmpint (th, ==, eh);
}

static void
test_smart_resize (void)
{
  check_resize (1920, 1080, 224, 308, 168);     /* 22 x 12 patches */
  check_resize (640, 360, 224, 308, 168);
  check_resize (16, 16, 224, 224, 224); /* tiny: scaled up */
  check_resize (7680, 4320, 224, 308, 168);     /* huge: scaled down */
  check_resize (4000, 10, 224, 4480, 28);       /* a side never below 2P */
  check_resize (224, 224, 224, 224, 224);       /* exact: scale 1 */
}

/* The naive path the reference takes: low-res energy -> full size ->
 * target size -> patch sums. */
static void
naive_scores (const float *e, int lw, int lh, int sw, int sh, int tw, int th,
    int p, float *out)
{
  CpsTap *ry = g_new (CpsTap, sh), *rx = g_new (CpsTap, sw);
  CpsTap *ty = g_new (CpsTap, th), *tx = g_new (CpsTap, tw);
  float *full = g_new (float, sw * sh), *tgt = g_new (float, tw * th);

  cps_bilinear_taps (lh, sh, ry);
  cps_bilinear_taps (lw, sw, rx);
  cps_bilinear_taps (sh, th, ty);
  cps_bilinear_taps (sw, tw, tx);
  for (int y = 0; y < sh; y++)
    for (int x = 0; x < sw; x++) {
      const CpsTap *a = &ry[y], *b = &rx[x];
      float top = (1 - b->w1) * e[a->i0 * lw + b->i0] + b->w1 * e[a->i0 * lw +
          b->i1];
      float bot = (1 - b->w1) * e[a->i1 * lw + b->i0] + b->w1 * e[a->i1 * lw +
          b->i1];
      full[y * sw + x] = (1 - a->w1) * top + a->w1 * bot;
    }
  for (int y = 0; y < th; y++)
    for (int x = 0; x < tw; x++) {
      const CpsTap *a = &ty[y], *b = &tx[x];
      float top = (1 - b->w1) * full[a->i0 * sw + b->i0] +
          b->w1 * full[a->i0 * sw + b->i1];
      float bot = (1 - b->w1) * full[a->i1 * sw + b->i0] +
          b->w1 * full[a->i1 * sw + b->i1];
      tgt[y * tw + x] = (1 - a->w1) * top + a->w1 * bot;
    }
  memset (out, 0, sizeof (float) * (tw / p) * (th / p));
  for (int y = 0; y < th; y++)
    for (int x = 0; x < tw; x++)
      out[(y / p) * (tw / p) + x / p] += tgt[y * tw + x];
  g_free (ry);
  g_free (rx);
  g_free (ty);
  g_free (tx);
  g_free (full);
  g_free (tgt);
}

static void
check_score_plan (int sw, int sh)
{
  int lw, lh, tw, th, p = 14;
  float *e, *fast, *slow;
  CpsScorePlan *plan;
  GRand *rand = g_rand_new_with_seed (sw * 7 + sh);

  cps_lowres_size (sw, sh, 4, &lw, &lh);
  cps_smart_resize (sw, sh, p, 224, 0, 0, &tw, &th);
  e = g_new (float, lw * lh);
  fast = g_new (float, (tw / p) * (th / p));
  slow = g_new (float, (tw / p) * (th / p));
  for (int i = 0; i < lw * lh; i++)
    e[i] = (float) g_rand_double (rand);
  plan = cps_score_plan_new (lw, lh, sw, sh, tw, th, p);
  cps_score_plan_apply (plan, e, fast);
  naive_scores (e, lw, lh, sw, sh, tw, th, p, slow);
  for (int i = 0; i < (tw / p) * (th / p); i++)
    g_assert_cmpfloat_with_epsilon (fast[i], slow[i], 1e-4 * slow[i] + 1e-4);
  cps_score_plan_free (plan);
  g_free (e);
  g_free (fast);
  g_free (slow);
  g_rand_free (rand);
}

static void
test_score_plan_matches_naive (void)
{
  check_score_plan (640, 360);  /* downscale */
  check_score_plan (352, 288);
  check_score_plan (100, 60);   /* upscale: low-res clamped to 32 */
}

/* T = 2 frames of a 2 x 2 grid. */
static const float scores8[8] = { 1, 5, 3, 2, 4, 9, 0, 7 };

static void
check_select (const float *scores, const guint8 * is_i, int t, int hb,
    int wb, long k, const CpsSelectParams * params, const gint64 * expect,
    long n_expect)
{
  gint64 out[64];
  long n = cps_select (scores, is_i, t, hb, wb, 14, k, params, out);

  g_assert_cmpint (n, ==, n_expect);
  for (long i = 0; i < n; i++)
    g_assert_cmpint (out[i], ==, expect[i]);
}

static void
test_select_priority (void)
{
  CpsSelectParams p;
  guint8 none[2] = { 0, 0 }, first[2] = { 1, 0 };

  cps_select_params_init (&p);
  /* no I patches: global top 3 = 9 (5), 7 (7), 5 (1), ascending */
  check_select (scores8, none, 2, 2, 2, 3, &p, (gint64[]) {
        1, 5, 7}, 3);
  /* I patches >= k: top 3 among frame 0 = 5 (1), 3 (2), 2 (3) */
  check_select (scores8, first, 2, 2, 2, 3, &p, (gint64[]) {
        1, 2, 3}, 3);
  /* every I patch plus the top 2 P patches */
  check_select (scores8, first, 2, 2, 2, 6, &p, (gint64[]) {
        0, 1, 2, 3, 5, 7}, 6);
  /* k beyond what is available: everything */
  check_select (scores8, first, 2, 2, 2, 100, &p, (gint64[]) {
        0, 1, 2, 3, 4, 5, 6, 7}, 8);
}

static void
test_select_ties (void)
{
  CpsSelectParams p;
  float flat[8] = { 2, 2, 2, 2, 2, 2, 2, 2 };
  guint8 none[2] = { 0, 0 }, first[2] = { 1, 0 };

  cps_select_params_init (&p);
  check_select (flat, none, 2, 2, 2, 3, &p, (gint64[]) {
        0, 1, 2}, 3);
  check_select (flat, first, 2, 2, 2, 5, &p, (gint64[]) {
        0, 1, 2, 3, 4}, 5);
}

/* The ranking of step 8 by its definition: higher score first, the lower
 * index among equals. */
static const float *oracle_scores;

static int
oracle_cmp (const void *pa, const void *pb)
{
  gint64 a = *(const gint64 *) pa, b = *(const gint64 *) pb;
  float sa = oracle_scores[a], sb = oracle_scores[b];

  if (sa != sb)
    return sa > sb ? -1 : 1;
  return a < b ? -1 : 1;
}

static int
index_cmp (const void *pa, const void *pb)
{
  gint64 a = *(const gint64 *) pa, b = *(const gint64 *) pb;

  return (a > b) - (a < b);
}

/* cps_select against sorting every candidate and taking the first k, on
 * windows the size of the defaults' (16 frames of 12 × 22 patches) and
 * smaller, with scores from continuous to a few distinct values (ties
 * everywhere), without I-frames and with more I patches than k. */
static void
test_select_random (void)
{
  GRand *rng = g_rand_new_with_seed (11);
  CpsSelectParams p;

  cps_select_params_init (&p);
  for (int trial = 0; trial < 300; trial++) {
    int t = g_rand_int_range (rng, 1, 17), hb = g_rand_int_range (rng, 1, 13);
    int wb = g_rand_int_range (rng, 1, 23), per = hb * wb, n = t * per;
    int levels = (int[]) { 2, 5, 50, 1 << 30 }[trial % 4];
    int with_i = trial % 3 == 0;
    float *scores = g_new (float, n);
    guint8 *is_i = g_new0 (guint8, t);
    gint64 *cand = g_new (gint64, n), *out = g_new (gint64, n);
    long k, m = 0, got;

    for (int i = 0; i < n; i++)
      scores[i] = (float) g_rand_int_range (rng, 0, levels) / 7.0f;
    /* with I-frames: frame 0 and maybe others, k within their patches */
    if (with_i)
      for (int f = 0; f < t; f++)
        is_i[f] = f == 0 || g_rand_boolean (rng);
    for (int i = 0; i < n; i++)
      if (!with_i || is_i[i / per])
        cand[m++] = i;
    k = g_rand_int_range (rng, 1, (gint32) m + 1);
    oracle_scores = scores;
    qsort (cand, m, sizeof (gint64), oracle_cmp);
    qsort (cand, k, sizeof (gint64), index_cmp);
    got = cps_select (scores, is_i, t, hb, wb, 14, k, &p, out);
    g_assert_cmpint (got, ==, k);
    for (long i = 0; i < k; i++)
      g_assert_cmpint (out[i], ==, cand[i]);
    g_free (scores);
    g_free (is_i);
    g_free (cand);
    g_free (out);
  }
  g_rand_free (rng);
}

static void
test_resolve_is_i (void)
{
  guint8 a[3] = { 0, 0, 0 }, b[3] = { 0, 1, 0 };

  cps_resolve_is_i (a, 3);
  g_assert_cmpint (a[0], ==, 1);
  cps_resolve_is_i (b, 3);
  g_assert_cmpint (b[0], ==, 0);
  g_assert_cmpint (b[1], ==, 1);
}

static void
test_select_block2x2 (void)
{
  CpsSelectParams p;
  /* T = 2, hb = 2, wb = 4: two blocks per frame; block 1 of frame 1 wins */
  float s[16] = { 1, 1, 0, 0, 1, 1, 0, 0,
    0, 0, 5, 5, 0, 0, 5, 5
  };
  guint8 none[2] = { 0, 0 };
  gint64 out[16];

  cps_select_params_init (&p);
  p.unit = CPS_UNIT_BLOCK2X2;
  /* expands top-left, top-right, bottom-left, bottom-right */
  check_select (s, none, 2, 2, 4, 4, &p, (gint64[]) {
        10, 11, 14, 15}, 4);
  check_select (s, none, 2, 2, 4, 8, &p, (gint64[]) {
        0, 1, 4, 5, 10, 11, 14, 15}, 8);
  g_assert_cmpint (cps_select (s, none, 2, 2, 4, 14, 6, &p, out), ==, -1);
  g_assert_cmpint (cps_select (s, none, 2, 3, 4, 14, 8, &p, out), ==, -1);
}

static void
test_static_fallback (void)
{
  CpsSelectParams p;
  /* T = 4, 2 x 2 grid; frame 0 is I; tiny energies: a static window */
  float s[16] = { 0.2f, 0.2f, 0.2f, 0.2f, 0, 0, 0, 0,
    1, 1, 1, 1, 0.5f, 0.5f, 0.5f, 0.5f
  };
  float busy[16];
  guint8 is_i[4] = { 1, 0, 0, 0 };

  cps_select_params_init (&p);
  /* off: I frame + frame 2, the highest P scores */
  check_select (s, is_i, 4, 2, 2, 8, &p, (gint64[]) {
        0, 1, 2, 3, 8, 9, 10, 11}, 8);
  /* on, one uniform frame: P frames [1,2,3], position 0 -> frame 1 */
  p.static_fallback = 1;
  p.static_uniform_frames = 1;
  check_select (s, is_i, 4, 2, 2, 8, &p, (gint64[]) {
        0, 1, 2, 3, 4, 5, 6, 7}, 8);
  /* two frames: positions 0 and floor(3/2) = 1 -> frames 1 and 2 */
  p.static_uniform_frames = 2;
  check_select (s, is_i, 4, 2, 2, 12, &p, (gint64[]) {
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 12);
  p.static_fallback = 0;
  check_select (s, is_i, 4, 2, 2, 12, &p, (gint64[]) {
        0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15}, 12);
  /* busy window (means near 1): the fallback does not fire */
  for (int i = 0; i < 16; i++)
    busy[i] = 196.0f * (0.5f + 0.03f * i);
  g_assert_false (cps_scores_are_static (busy, 16, 196, 2.0, 0.15,
          (float[17]) {
          0}));
  g_assert_true (cps_scores_are_static (s, 16, 196, 2.0, 0.15, (float[17]) {
          0}));
  p.static_fallback = 1;
  p.static_uniform_frames = 1;
  for (int i = 4; i < 8; i++)
    busy[i] = 0.0f;             /* frame 1 is the weakest */
  check_select (busy, is_i, 4, 2, 2, 8, &p, (gint64[]) {
        0, 1, 2, 3, 12, 13, 14, 15}, 8);
}

static void
test_dtypes (void)
{
  guint8 u8[4];

  g_assert_cmphex (cps_float_to_bf16 (1.0f), ==, 0x3f80);
  g_assert_cmphex (cps_float_to_bf16 (255.0f), ==, 0x437f);
  g_assert_cmphex (cps_float_to_bf16 (1.0f + 1.0f / 256), ==, 0x3f80);  /* tie: even */
  g_assert_cmphex (cps_float_to_bf16 (1.0f + 3.0f / 256), ==, 0x3f82);  /* tie: even */
  g_assert_cmpfloat (cps_bf16_to_float (0x437f), ==, 255.0f);
  g_assert_cmphex (cps_float_to_fp16 (1.0f), ==, 0x3c00);
  g_assert_cmphex (cps_float_to_fp16 (255.0f), ==, 0x5bf8);
  g_assert_cmphex (cps_float_to_fp16 (0.5f), ==, 0x3800);
  g_assert_cmphex (cps_float_to_fp16 (65504.0f), ==, 0x7bff);
  g_assert_cmphex (cps_float_to_fp16 (65520.0f), ==, 0x7c00);
  g_assert_cmphex (cps_float_to_fp16 (ldexpf (1.0f, -24)), ==, 0x0001);
  g_assert_cmphex (cps_float_to_fp16 (-2.0f), ==, 0xc000);
  g_assert_cmphex (cps_float_to_fp16 (1.0f + ldexpf (1.0f, -11)), ==, 0x3c00);  /* tie */
  g_assert_cmpfloat (cps_fp16_to_float (0x5bf8), ==, 255.0f);
  for (int i = 0; i <= 255 * 8; i++) {  /* every value cps emits, in 1/8 steps */
    float v = i / 8.0f;
    g_assert_cmpfloat (cps_fp16_to_float (cps_float_to_fp16 (v)), ==, v);
  }
  cps_convert_floats ((float[4]) {
      254.6f, -3.0f, 300.0f, 2.5f}, 4, CPS_DTYPE_U8, u8);
  g_assert_cmpint (u8[0], ==, 255);
  g_assert_cmpint (u8[1], ==, 0);
  g_assert_cmpint (u8[2], ==, 255);
  g_assert_cmpint (u8[3], ==, 2);       /* half to even */
}

/* The CPU window: resize to RGB, store scores, cut patches. */
static void
test_cpu_window (void)
{
  enum { W = 64, H = 64 };
  guint8 y[W * H], u[W * H / 4], v[W * H / 4];
  CpsImage img = { {y, u, v}, {W, W / 2, W / 2}, W, H, 1, 1, 0, 1, 0 };
  /* rgb = (Y, Y, Y): isolates the luma resize */
  CpsColorMatrix cm = { {{1, 0, 0}, {1, 0, 0}, {1, 0, 0}}, {0, 0, 0} };
  CpsWindowGeometry g = { W, H, 32, 32, 56, 56, 14, 2, 1, 1, 1, 0 };
  const CpsComputeOps *ops = &cps_compute_cpu;
  CpsWindow *win;
  float energy[32 * 32], patch[3 * 14 * 14];
  const float *rgb;
  gint64 idx = 16 + 1 * 4 + 2;  /* frame 1, row 1, column 2 */

  for (int i = 0; i < W * H; i++)
    y[i] = (guint8) (2 * (i % W));      /* horizontal ramp */
  memset (u, 128, sizeof (u));
  memset (v, 128, sizeof (v));
  for (int i = 0; i < 32 * 32; i++)
    energy[i] = 1.0f;

  win = ops->window_new (&g);
  ops->window_add (win, &img, &cm, NULL);
  ops->window_add (win, &img, &cm, energy);
  g_assert_cmpint (ops->window_count (win), ==, 2);
  /* frame 0 scores are zero; a full energy map sums to P² per patch */
  g_assert_cmpfloat (ops->window_scores (win)[0], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (ops->window_scores (win)[16 + 5], 196.0f,
      1e-3);
  rgb = cps_cpu_window_rgb (win, 1);
  /* a ramp stays a ramp: target x maps to source (x + 0.5)·64/56 − 0.5 */
  for (int x = 1; x < 55; x++)
    g_assert_cmpfloat_with_epsilon (rgb[10 * 56 + x],
        2.0f * ((x + 0.5f) * 64.0f / 56.0f - 0.5f), 1e-3);
  ops->window_extract (win, &idx, 1, CPS_DTYPE_FP32, patch);
  for (int c = 0; c < 3; c++)
    for (int r = 0; r < 14; r++)
      for (int x = 0; x < 14; x++)
        g_assert_cmpfloat (patch[(c * 14 + r) * 14 + x], ==,
            rgb[c * 56 * 56 + (14 + r) * 56 + 28 + x]);
  ops->window_reset (win);
  g_assert_cmpint (ops->window_count (win), ==, 0);
  ops->window_free (win);
}

/* One picture (luma ramp, constant U = 90, V = 160) stored as I420, NV12,
 * Y42B and Y444 gives the same RGB: every layout's planes are addressed
 * right, and U and V are not swapped. */
static void
test_cpu_window_layouts (void)
{
  enum { W = 64, H = 48 };
  static guint8 y[W * H], u[W * H], v[W * H], uv[W * H * 2];
  struct
  {
    int xs, ys, nv12;
  } layouts[] = { {1, 1, 0}, {1, 1, 1}, {1, 0, 0}, {0, 0, 0} };
  CpsColorMatrix cm = { {{1, 0, 1.5f}, {1, -0.3f, -0.7f}, {1, 1.8f, 0}},
  {-200, 100, -150}
  };
  const CpsComputeOps *ops = &cps_compute_cpu;
  float *first = g_new (float, 3 * 56 * 56);

  for (int i = 0; i < W * H; i++) {
    y[i] = (guint8) (3 * (i % W));
    u[i] = 90;
    v[i] = 160;
    uv[2 * i] = 90;
    uv[2 * i + 1] = 160;
  }
  for (guint l = 0; l < G_N_ELEMENTS (layouts); l++) {
    int cw = W >> layouts[l].xs;
    CpsImage img = { {y, layouts[l].nv12 ? uv : u, v}, {W,
            layouts[l].nv12 ? 2 * cw : cw, cw}, W, H, layouts[l].xs,
          layouts[l].ys, layouts[l].nv12, 1, 0 };
    CpsWindowGeometry g = { W, H, 32, 32, 56, 56, 14, 1, layouts[l].xs,
      layouts[l].ys, 1, 0
    };
    CpsWindow *win = ops->window_new (&g);
    const float *rgb;

    ops->window_add (win, &img, &cm, NULL);
    rgb = cps_cpu_window_rgb (win, 0);
    if (l == 0)
      memcpy (first, rgb, sizeof (float) * 3 * 56 * 56);
    for (int i = 0; i < 3 * 56 * 56; i++)
      g_assert_cmpfloat (rgb[i], ==, first[i]);
    /* red = Y + 1.5·160 − 200 at the first column of row 0 */
    g_assert_cmpfloat_with_epsilon (rgb[0], y[0] + 1.5f * 160 - 200 +
        3.0f * (0.5f * W / 56 - 0.5f), 1e-3);
    ops->window_free (win);
  }
  g_free (first);
}

/* The header is the JSON the format specifies, escaped, offsets back to
 * back, padded with spaces to 8 bytes. */
static void
test_safetensors_header (void)
{
  const float scores[2] = { 1.5f, 2.0f };
  const uint8_t flags[3] = { 1, 0, 0 };
  const CpsStTensor t[] = {
    {"scores", "F32", 1, {2}, scores, sizeof scores},
    {"is_i", "U8", 2, {1, 3}, flags, sizeof flags},
  };
  const CpsStMetadata md[] = { {"source", "a \"b\"\\c\n"} };
  const char *expect = "{\"__metadata__\":{\"source\":\"a \\\"b\\\"\\\\c"
      "\\n\"},\"scores\":{\"dtype\":\"F32\",\"shape\":[2],"
      "\"data_offsets\":[0,8]},\"is_i\":{\"dtype\":\"U8\",\"shape\":[1,3],"
      "\"data_offsets\":[8,11]}}";
  size_t len;
  char *h = cps_safetensors_header (t, 2, md, 1, &len);
  CpsStTensor wrong = t[0];

  g_assert_nonnull (h);
  g_assert_cmpuint (len % 8, ==, 0);
  g_assert_cmpuint (len, >=, strlen (expect));
  g_assert_cmpint (strncmp (h, expect, strlen (expect)), ==, 0);
  for (size_t i = strlen (expect); i < len; i++)
    g_assert_cmpint (h[i], ==, ' ');
  free (h);
  /* a byte count that does not match the shape is refused */
  wrong.n_bytes = 4;
  g_assert_null (cps_safetensors_header (&wrong, 1, NULL, 0, &len));
  wrong = t[0];
  wrong.dtype = "F128";
  g_assert_null (cps_safetensors_header (&wrong, 1, NULL, 0, &len));
}

/* The file is length + header + data, written under the final name only
 * when complete. */
static void
test_safetensors_file (void)
{
  const int64_t v[3] = { -1, 0, 1 };
  const CpsStTensor t = { "v", "I64", 1, {3}, v, sizeof v };
  gchar *dir = g_dir_make_tmp ("cps-st-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "w.safetensors", NULL);
  gchar *bad = g_build_filename (dir, "missing", "w.safetensors", NULL);
  gchar *data;
  gsize size;
  uint64_t header_len = 0;
  GError *error = NULL;

  g_assert_true (cps_safetensors_write_file (path, &t, 1, NULL, 0, NULL));
  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  for (int i = 7; i >= 0; i--)
    header_len = header_len << 8 | (uint8_t) data[i];
  g_assert_cmpuint (size, ==, 8 + header_len + sizeof v);
  g_assert_cmpint (memcmp (data + 8 + header_len, v, sizeof v), ==, 0);
  g_free (data);
  /* nothing but the file itself is left in the directory */
  {
    GDir *d = g_dir_open (dir, 0, NULL);
    g_assert_cmpstr (g_dir_read_name (d), ==, "w.safetensors");
    g_assert_null (g_dir_read_name (d));
    g_dir_close (d);
  }
  g_assert_false (cps_safetensors_write_file (bad, &t, 1, NULL, 0, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_remove (path);
  g_rmdir (dir);
  g_free (bad);
  g_free (path);
  g_free (dir);
}

static void
test_format_location (void)
{
  const struct {
    const char *pattern, *expect;
  } cases[] = {
    {"out/window-%05d.safetensors", "out/window-00042.safetensors"},
    {"w%d", "w42"}, {"w%u.st", "w42.st"}, {"w%lu", "w42"},
    {"w%llu", "w42"}, {"100%%-%x", "100%-2a"}, {"%3d", " 42"},
    {"w.safetensors", NULL}, {"%d-%d", NULL}, {"%s", NULL},
    {"%05.2f", NULL}, {"%lld%", NULL}, {"%", NULL}, {"%lllu", NULL},
    {"%032d", "00000000000000000000000000000042"}, {"%033d", NULL},
    {"%99999999d", NULL},
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *out = cps_format_location (cases[i].pattern, 42);

    g_assert_cmpstr (out, ==, cases[i].expect);
    free (out);
  }
  {
    char *big = cps_format_location ("%d", UINT64_MAX);
    g_assert_cmpstr (big, ==, "18446744073709551615");
    free (big);
  }
}

/* Patches land at their position, channels-first to packed RGB, rounded
 * and clamped from every dtype. */
static void
test_viz_paint (void)
{
  float patch[3 * 2 * 2];
  uint16_t bf16[12];
  uint8_t canvas[4 * 3 * 3];    /* 4 wide, 3 high, RGB */

  for (int i = 0; i < 12; i++) {
    patch[i] = i < 4 ? 10.4f + i : i < 8 ? 300.0f : -5.0f;
    bf16[i] = cps_float_to_bf16 (patch[i]);
  }
  memset (canvas, 7, sizeof canvas);
  cps_viz_paint_patch (patch, CPS_DTYPE_FP32, 2, canvas, 12, 2, 1);
  /* pixel (2,1) = R 10, G 255, B 0; pixel (3,2) = R 13 */
  g_assert_cmpuint (canvas[1 * 12 + 2 * 3 + 0], ==, 10);
  g_assert_cmpuint (canvas[1 * 12 + 2 * 3 + 1], ==, 255);
  g_assert_cmpuint (canvas[1 * 12 + 2 * 3 + 2], ==, 0);
  g_assert_cmpuint (canvas[2 * 12 + 3 * 3 + 0], ==, 13);
  /* untouched outside the patch */
  g_assert_cmpuint (canvas[0], ==, 7);
  g_assert_cmpuint (canvas[2 * 12 + 1 * 3 + 0], ==, 7);
  /* bf16 of 10.4 is 10.375: the same sample */
  g_assert_cmpuint (cps_viz_sample (bf16, 0, CPS_DTYPE_BF16), ==, 10);
  g_assert_cmpuint (cps_viz_sample (bf16, 4, CPS_DTYPE_BF16), ==, 255);
  {
    uint8_t src[3] = { 0, 100, 255 }, dst[3];
    cps_viz_dim (src, dst, 3, 0.3f);
    g_assert_cmpuint (dst[0], ==, 0);
    g_assert_cmpuint (dst[1], ==, 30);
    g_assert_cmpuint (dst[2], ==, 77);
  }
}

/* Ids count frames, skip the frames a PTS gap spans, and after a flush
 * come from the position; without a rate they only count. */
static void
test_frame_counter (void)
{
  const int64_t d = 40000000, b = 80000000;     /* 25 fps, from 80 ms */
  const int64_t ids_pts[][2] = {
    {0, b}, {1, b + d}, {2, b + 2 * d},
    {3, b + 3 * d + d / 5},     /* jitter is not a gap */
    {7, b + 7 * d},             /* frames 4-6 lost */
    {8, b + 8 * d},
  };
  CpsFrameCounter c;

  cps_frame_counter_reset (&c);
  for (size_t i = 0; i < G_N_ELEMENTS (ids_pts); i++)
    g_assert_cmpuint (cps_frame_counter_next (&c, ids_pts[i][1], d), ==,
        ids_pts[i][0]);
  /* flushing seeks forwards and backwards: the position */
  cps_frame_counter_flush (&c);
  g_assert_cmpuint (cps_frame_counter_next (&c, b + 50 * d, d), ==, 50);
  g_assert_cmpuint (cps_frame_counter_next (&c, b + 51 * d, d), ==, 51);
  cps_frame_counter_flush (&c);
  g_assert_cmpuint (cps_frame_counter_next (&c, b + 10 * d, d), ==, 10);
  /* a frame without PTS: counted */
  g_assert_cmpuint (cps_frame_counter_next (&c, -1, d), ==, 11);
  /* before frame 0's PTS after a seek: counted on */
  cps_frame_counter_flush (&c);
  g_assert_cmpuint (cps_frame_counter_next (&c, 0, d), ==, 12);

  /* no claimed rate (0/1 caps, RTP): the stream's own step stands for it */
  cps_frame_counter_reset (&c);
  for (uint64_t i = 0; i < 3; i++)
    g_assert_cmpuint (cps_frame_counter_next (&c, b + i * d, 0), ==, i);
  g_assert_cmpuint (cps_frame_counter_next (&c, b + 5 * d, 0), ==, 5);
  cps_frame_counter_flush (&c);
  g_assert_cmpuint (cps_frame_counter_next (&c, b + 30 * d, 0), ==, 30);
  /* variable steps: counted */
  cps_frame_counter_reset (&c);
  {
    const int64_t vfr[] = { 0, 33, 83, 116, 166, 300 };
    for (uint64_t i = 0; i < G_N_ELEMENTS (vfr); i++)
      g_assert_cmpuint (cps_frame_counter_next (&c, vfr[i] * 1000000, 0),
          ==, i);
  }

  /* a claimed rate the timestamps contradict (30000/1 caps on a 30 fps
   * stream) is never used */
  cps_frame_counter_reset (&c);
  for (uint64_t i = 0; i < 5; i++)
    g_assert_cmpuint (cps_frame_counter_next (&c, i * 33333333, 33333),
        ==, i);
  /* nor one that stops agreeing: an irregular step withdraws trust */
  cps_frame_counter_reset (&c);
  for (uint64_t i = 0; i < 3; i++)
    cps_frame_counter_next (&c, i * d, d);
  cps_frame_counter_next (&c, 2 * d + d / 2, d);
  g_assert_cmpuint (cps_frame_counter_next (&c, 9 * d, d), ==, 4);
}

/* docs/algorithm.md, sampling: uniform, fps (Qwen2.5-VL), range bounds. */
static void
test_sampling (void)
{
  CpsSampleParams u = { CPS_SAMPLE_UNIFORM, 4, 0, 0, 0, 0 };
  CpsSampleParams f = { CPS_SAMPLE_FPS, 0, 2.0, 4, 768, 2 };
  guint64 ids[16];
  gdouble v;
  gint frames;

  /* floor(i·(N−1)/(T−1)) */
  g_assert_cmpuint (cps_sample_ids (&u, 0, 54, 0, ids), ==, 4);
  g_assert_cmpuint (ids[1], ==, 17);
  g_assert_cmpuint (ids[3], ==, 53);
  /* T >= N: every frame, with work bounded by N */
  u.frames = G_MAXINT;
  g_assert_cmpuint (cps_sample_count (&u, 5, 0), ==, 5);
  g_assert_cmpuint (cps_sample_ids (&u, 10, 5, 0, ids), ==, 5);
  g_assert_cmpuint (ids[4], ==, 14);
  /* fps: 100 frames, 4 s: 8 at round(linspace(0, 99, 8)) */
  g_assert_cmpuint (cps_sample_ids (&f, 0, 100, 4.0, ids), ==, 8);
  g_assert_cmpuint (ids[1], ==, 14);
  g_assert_cmpuint (ids[4], ==, 57);
  g_assert_cmpuint (ids[7], ==, 99);
  /* 3.83 s × 2 = 7.67 → 6; 1 s → min 4; 1000 s → max 768 */
  g_assert_cmpuint (cps_fps_frame_count (&f, 115, 115 / 30.0), ==, 6);
  g_assert_cmpuint (cps_fps_frame_count (&f, 30, 1.0), ==, 4);
  g_assert_cmpuint (cps_fps_frame_count (&f, 30000, 1000.0), ==, 768);
  /* fewer frames than min-frames or the factor */
  g_assert_cmpuint (cps_fps_frame_count (&f, 3, 0.1), ==, 2);
  g_assert_cmpuint (cps_fps_frame_count (&f, 1, 0.1), ==, 1);
  /* half to even: linspace(0, 3, 3) = 0, 1.5, 3 → 0, 2, 3 */
  f.min_frames = 3;
  f.factor = 1;
  g_assert_cmpuint (cps_sample_ids (&f, 0, 4, 0.1, ids), ==, 3);
  g_assert_cmpuint (ids[1], ==, 2);

  g_assert_true (cps_parse_range_bound ("12.5", &v, &frames));
  g_assert_true (v == 12.5 && !frames);
  g_assert_true (cps_parse_range_bound ("3s", &v, &frames));
  g_assert_true (cps_parse_range_bound ("300f", &v, &frames));
  g_assert_true (v == 300 && frames);
  g_assert_false (cps_parse_range_bound ("1.5f", &v, &frames));
  g_assert_false (cps_parse_range_bound ("-1", &v, &frames));
  g_assert_false (cps_parse_range_bound ("12 s", &v, &frames));
  g_assert_false (cps_parse_range_bound ("", &v, &frames));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/algo/taps-factor4", test_taps_factor4);
  g_test_add_func ("/algo/row-resample", test_row_resample);
  g_test_add_func ("/algo/alloc-large", test_alloc_large);
  g_test_add_func ("/algo/select-random", test_select_random);
  g_test_add_func ("/algo/lowres-and-radius", test_lowres_and_radius);
  g_test_add_func ("/algo/motion-shifted-pattern", test_motion_shifted_pattern);
  g_test_add_func ("/algo/motion-flat-tie-rule", test_motion_flat_tie_rule);
  g_test_add_func ("/algo/reference-luma-pixels", test_reference_luma_pixels);
  g_test_add_func ("/algo/reference-downscale", test_reference_downscale);
  g_test_add_func ("/algo/reference-downscale-plain",
      test_reference_downscale_plain);
  g_test_add_func ("/algo/percentile", test_percentile);
  g_test_add_func ("/algo/motion-matches-naive", test_motion_matches_naive);
  g_test_add_func ("/algo/percentile-matches-sort",
      test_percentile_matches_sort);
  g_test_add_func ("/algo/percentile-large", test_percentile_large);
  g_test_add_func ("/algo/percentile-definition",
      test_percentile_definition);
  g_test_add_func ("/algo/energy-fuse", test_energy_fuse);
  g_test_add_func ("/algo/smart-resize", test_smart_resize);
  g_test_add_func ("/algo/score-plan-matches-naive",
      test_score_plan_matches_naive);
  g_test_add_func ("/algo/select-priority", test_select_priority);
  g_test_add_func ("/algo/select-ties", test_select_ties);
  g_test_add_func ("/algo/resolve-is-i", test_resolve_is_i);
  g_test_add_func ("/algo/select-block2x2", test_select_block2x2);
  g_test_add_func ("/algo/static-fallback", test_static_fallback);
  g_test_add_func ("/algo/dtypes", test_dtypes);
  g_test_add_func ("/algo/cpu-window", test_cpu_window);
  g_test_add_func ("/algo/cpu-window-layouts", test_cpu_window_layouts);
  g_test_add_func ("/algo/safetensors-header", test_safetensors_header);
  g_test_add_func ("/algo/safetensors-file", test_safetensors_file);
  g_test_add_func ("/algo/format-location", test_format_location);
  g_test_add_func ("/algo/viz-paint", test_viz_paint);
  g_test_add_func ("/algo/frame-counter", test_frame_counter);
  g_test_add_func ("/algo/sampling", test_sampling);
  return g_test_run ();
}
