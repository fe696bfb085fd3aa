/* cps — every CUDA kernel against its common/ counterpart, on the same
 * constructed inputs: results must be bit-identical (the kernels are
 * compiled without fused multiply-add and repeat common/'s operations in
 * order).  Skips every case, saying why, on a host without a CUDA driver
 * or device.  TAP output (g_test).
 *
 * Built twice: against cuda/cps_cuda.c (the GPU), and with
 * CPS_KERNELS_EMULATED against tests/gpu/cuda_emulated.cc, which runs the
 * same kernel source on the CPU.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <string.h>

#include "cps_algo.h"
#include "cps_compute.h"
#include "gpu-test.h"

/* Deterministic pseudo-random bytes. */
static void
fill_random (guint8 * p, gsize n, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < n; i++)
    p[i] = (guint8) g_rand_int_range (r, 0, 256);
  g_rand_free (r);
}

static CUdeviceptr
upload (gconstpointer data, gsize size)
{
  CUdeviceptr d = cps_cuda_alloc (cuda, size);

  g_assert_true (d != 0);
  g_assert_true (cps_cuda_upload (cuda, d, data, size));
  return d;
}

static void
download (gpointer dst, CUdeviceptr src, gsize size)
{
  g_assert_true (cps_cuda_synchronize (cuda, NULL));
  g_assert_true (cps_cuda_download (cuda, dst, src, size));
}

#define NEED_GPU() G_STMT_START {                                    \
  if (!cuda) {                                                       \
    g_test_skip (no_gpu_reason);                                     \
    return;                                                          \
  }                                                                  \
} G_STMT_END

/* cpsk_downscale_luma vs cps_reference_downscale (the reference luma, Y,
 * U and V read): I420 and NV12, padded strides, an odd size and an exact
 * 4x one */
typedef struct {
  int w, h;
  gboolean nv12;
} DownscaleCase;

static void
test_downscale (gconstpointer data)
{
  const DownscaleCase *c = data;
  int lw, lh, cw = (c->w + 1) / 2, ch = (c->h + 1) / 2;
  int sy = c->w + 19, sc = (c->nv12 ? 2 * cw : cw) + 13;
  gsize ysize = (gsize) sy * c->h, csize = (gsize) sc * ch;
  guint8 *frame = g_malloc (ysize + 2 * csize);
  CpsTap *yt, *xt;
  CpsYuvPlanes planes = { frame, frame + ysize, NULL, sy, sc,
    c->nv12 ? 2 : 1, 1, 1
  };
  float *cpu, *gpu;
  gpointer scratch;
  CUdeviceptr dframe, dy, dx, dout;

  NEED_GPU ();
  fill_random (frame, ysize + 2 * csize, c->w + c->nv12);
  planes.v = c->nv12 ? planes.u + 1 : planes.u + csize;
  cps_lowres_size (c->w, c->h, 4, &lw, &lh);
  yt = g_new (CpsTap, lh);
  xt = g_new (CpsTap, lw);
  cps_bilinear_taps (c->h, lh, yt);
  cps_bilinear_taps (c->w, lw, xt);
  cpu = g_new (float, lw * lh);
  gpu = g_new (float, lw * lh);
  scratch = g_malloc (cps_reference_downscale_scratch (lw));
  cps_reference_downscale (&planes, yt, xt, lw, lh, scratch, cpu);

  dframe = upload (frame, ysize + 2 * csize);
  dy = upload (yt, sizeof (CpsTap) * lh);
  dx = upload (xt, sizeof (CpsTap) * lw);
  dout = cps_cuda_alloc (cuda, sizeof (float) * lw * lh);
  {
    CUdeviceptr pu = dframe + ysize, pv = c->nv12 ? pu + 1 : pu + csize;
    int cstep = planes.cstep, xshift = 1, yshift = 1;
    void *args[] = { &dframe, &sy, &pu, &pv, &sc, &cstep, &xshift, &yshift,
      &dy, &dx, &lw, &lh, &dout
    };
    g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_DOWNSCALE_LUMA, lw, lh,
            NULL, args));
  }
  download (gpu, dout, sizeof (float) * lw * lh);
  g_assert_cmpmem (gpu, sizeof (float) * lw * lh, cpu,
      sizeof (float) * lw * lh);
  for (CUdeviceptr *d = (CUdeviceptr[]) { dframe, dy, dx, dout, 0 }; *d; d++)
    cps_cuda_free (cuda, *d);
  g_free (frame);
  g_free (yt);
  g_free (xt);
  g_free (cpu);
  g_free (gpu);
  g_free (scratch);
}

/* cps_motion_residual vs the padded CPU form, radius 3 and 1 */
static void
test_motion (void)
{
  enum { W = 37, H = 21 };
  guint8 bytes[2 * W * H];
  float prev[W * H], cur[W * H];

  NEED_GPU ();
  fill_random (bytes, sizeof bytes, 2);
  for (int i = 0; i < W * H; i++) {
    prev[i] = bytes[i] * 0.25f;
    /* the current frame: the previous one shifted, plus noise */
    cur[i] = (i % W >= 2 ? prev[i - 2] : 0.0f) + (bytes[W * H + i] & 3);
  }
  for (int r = 1; r <= 3; r += 2) {
    int ps = W + 2 * r, n = W * H;
    float *padded = g_new (float, ps * (H + 2 * r));
    float cm[W * H], cr[W * H], gm[W * H], gr[W * H];
    float mags[(2 * CPS_MAX_RADIUS + 1) * (2 * CPS_MAX_RADIUS + 1)];
    CUdeviceptr dprev, dcur, dmags, dm, dr;
    int d = (2 * r + 1) * (2 * r + 1), w = W, h = H;

    cps_pad_frame (prev, W, H, r, padded);
    cps_motion_residual_padded (padded, ps, cur, W, H, r, cm, cr);
    cps_match_magnitudes (r, mags);
    dprev = upload (prev, sizeof prev);
    dcur = upload (cur, sizeof cur);
    dmags = upload (mags, sizeof (float) * d);
    dm = cps_cuda_alloc (cuda, sizeof gm);
    dr = cps_cuda_alloc (cuda, sizeof gr);
    {
      void *args[] = { &dprev, &dcur, &w, &h, &r, &dmags, &dm, &dr };
      g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_MOTION_RESIDUAL, W, H,
              NULL, args));
    }
    download (gm, dm, sizeof gm);
    download (gr, dr, sizeof gr);
    g_assert_cmpmem (gm, sizeof (float) * n, cm, sizeof (float) * n);
    g_assert_cmpmem (gr, sizeof (float) * n, cr, sizeof (float) * n);
    for (CUdeviceptr *p = (CUdeviceptr[]) { dprev, dcur, dmags, dm, dr, 0 };
        *p; p++)
      cps_cuda_free (cuda, *p);
    g_free (padded);
  }
}

/* cps_energy_fuse (percentiles on the host, fusion on the device) */
static void
test_energy (void)
{
  enum { N = 1000 };
  guint8 bytes[2 * N];
  float m[N], r[N], cpu[N], gpu[N], scratch[N];
  float pm, pr, wm = 0.3f, wr = 0.7f;
  CUdeviceptr dm, dr, de;
  int n = N;

  NEED_GPU ();
  fill_random (bytes, sizeof bytes, 3);
  for (int i = 0; i < N; i++) {
    m[i] = bytes[i] * 0.03f;
    r[i] = bytes[N + i] * 0.5f;
  }
  cps_energy_fuse (m, r, N, 0.9, wm, wr, scratch, cpu);
  pm = cps_normaliser (m, N, 0.9, scratch);
  pr = cps_normaliser (r, N, 0.9, scratch);
  dm = upload (m, sizeof m);
  dr = upload (r, sizeof r);
  de = cps_cuda_alloc (cuda, sizeof gpu);
  {
    void *args[] = { &dm, &dr, &n, &pm, &pr, &wm, &wr, &de };
    g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_ENERGY_FUSE, N, 1, NULL,
            args));
  }
  download (gpu, de, sizeof gpu);
  g_assert_cmpmem (gpu, sizeof gpu, cpu, sizeof cpu);
  cps_cuda_free (cuda, dm);
  cps_cuda_free (cuda, dr);
  cps_cuda_free (cuda, de);
}

/* The plan's weight vectors, flattened for the device. */
static void
flatten (const CpsPatchWeights * pw, int n, int *first, int *count,
    int *offset, GArray * w)
{
  for (int i = 0; i < n; i++) {
    first[i] = pw[i].first;
    count[i] = pw[i].count;
    offset[i] = (int) w->len;
    g_array_append_vals (w, pw[i].w, pw[i].count);
  }
}

/* cps_scores_columns + cps_scores_rows vs cps_score_plan_apply */
static void
test_scores (void)
{
  enum { LW = 160, LH = 90 };
  CpsScorePlan *plan = cps_score_plan_new (LW, LH, 640, 360, 308, 168, 14);
  int gw = plan->grid_width, gh = plan->grid_height, lw = LW, lh = LH;
  guint8 bytes[LW * LH];
  float energy[LW * LH], *cpu = g_new (float, gw * gh);
  float *gpu = g_new (float, gw * gh);
  int *cf = g_new (int, gw), *cc = g_new (int, gw), *co = g_new (int, gw);
  int *rf = g_new (int, gh), *rc = g_new (int, gh), *ro = g_new (int, gh);
  GArray *cw = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *rw = g_array_new (FALSE, FALSE, sizeof (double));
  CUdeviceptr de, dtmp, dout, d[8];

  NEED_GPU ();
  fill_random (bytes, sizeof bytes, 4);
  for (int i = 0; i < LW * LH; i++)
    energy[i] = bytes[i] / 255.0f;
  cps_score_plan_apply (plan, energy, cpu);
  flatten (plan->cols, gw, cf, cc, co, cw);
  flatten (plan->rows, gh, rf, rc, ro, rw);
  de = upload (energy, sizeof energy);
  d[0] = upload (cf, sizeof (int) * gw);
  d[1] = upload (cc, sizeof (int) * gw);
  d[2] = upload (co, sizeof (int) * gw);
  d[3] = upload (cw->data, sizeof (double) * cw->len);
  d[4] = upload (rf, sizeof (int) * gh);
  d[5] = upload (rc, sizeof (int) * gh);
  d[6] = upload (ro, sizeof (int) * gh);
  d[7] = upload (rw->data, sizeof (double) * rw->len);
  dtmp = cps_cuda_alloc (cuda, sizeof (double) * LH * gw);
  dout = cps_cuda_alloc (cuda, sizeof (float) * gw * gh);
  {
    void *a1[] = { &de, &lw, &lh, &gw, &d[0], &d[1], &d[2], &d[3], &dtmp };
    void *a2[] = { &dtmp, &gw, &gh, &d[4], &d[5], &d[6], &d[7], &dout };

    g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_SCORES_COLUMNS, gw, LH,
            NULL, a1));
    g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_SCORES_ROWS, gw, gh,
            NULL, a2));
  }
  download (gpu, dout, sizeof (float) * gw * gh);
  g_assert_cmpmem (gpu, sizeof (float) * gw * gh, cpu,
      sizeof (float) * gw * gh);
  for (int i = 0; i < 8; i++)
    cps_cuda_free (cuda, d[i]);
  cps_cuda_free (cuda, de);
  cps_cuda_free (cuda, dtmp);
  cps_cuda_free (cuda, dout);
  g_array_unref (cw);
  g_array_unref (rw);
  g_free (cf);
  g_free (cc);
  g_free (co);
  g_free (rf);
  g_free (rc);
  g_free (ro);
  g_free (cpu);
  g_free (gpu);
  cps_score_plan_free (plan);
}

/* cps_resize_to_rgb + cps_extract_patches vs the CPU window, for I420
 * and NV12 frames of an odd size and every dtype */
static void
test_window (gconstpointer data)
{
  enum { W = 150, H = 90, P = 14 };
  gboolean nv12 = GPOINTER_TO_INT (data);
  CpsWindowGeometry g = { W, H, 38, 23, 0, 0, P, 2, 1, 1, 0, 0 };
  CpsColorMatrix cm = { {{1.164f, 0, 1.596f}, {1.164f, -0.392f, -0.813f},
          {1.164f, 2.017f, 0}}, {-222.9f, 135.6f, -276.8f}
  };
  int cw = (W + 1) / 2, ch = (H + 1) / 2, tw, th, gw, gh;
  guint8 *frame = g_malloc (W * H + 2 * cw * ch);
  CpsImage img = { 0 };
  const CpsComputeOps *ops = &cps_compute_cpu;
  CpsWindow *win;
  CpsTap *taps[4];
  gint64 idx[] = { 0, 3, 17, 40, 41 };
  CUdeviceptr dframe, dt[4], dm, drgb, didx, dout;

  NEED_GPU ();
  cps_smart_resize (W, H, P, 112, 0, 0, &tw, &th);
  g.target_width = tw;
  g.target_height = th;
  gw = tw / P;
  gh = th / P;
  fill_random (frame, W * H + 2 * cw * ch, nv12 ? 5 : 6);
  img.planes[0] = frame;
  img.strides[0] = W;
  img.planes[1] = frame + W * H;
  img.strides[1] = nv12 ? 2 * cw : cw;
  img.planes[2] = nv12 ? NULL : frame + W * H + cw * ch;
  img.strides[2] = nv12 ? 0 : cw;
  img.width = W;
  img.height = H;
  img.chroma_x_shift = img.chroma_y_shift = 1;
  img.uv_interleaved = nv12;
  img.chroma_h_cosited = 1;
  win = ops->window_new (&g);
  ops->window_add (win, &img, &cm, NULL);
  ops->window_add (win, &img, &cm, NULL);
  g_assert_cmpint (idx[4], <, 2 * gw * gh);

  for (int i = 0; i < 4; i++)
    taps[i] = g_new (CpsTap, i % 2 ? tw : th);
  cps_window_taps (&g, taps[0], taps[1], taps[2], taps[3]);
  dframe = upload (frame, W * H + 2 * cw * ch);
  for (int i = 0; i < 4; i++)
    dt[i] = upload (taps[i], sizeof (CpsTap) * (i % 2 ? tw : th));
  {
    float m[12];

    for (int c = 0; c < 3; c++) {
      memcpy (m + 3 * c, cm.m[c], sizeof (float) * 3);
      m[9 + c] = cm.offset[c];
    }
    dm = upload (m, sizeof m);
  }
  drgb = cps_cuda_alloc (cuda, sizeof (float) * 2 * 3 * tw * th);
  for (int t = 0; t < 2; t++) {
    CUdeviceptr py = dframe, pu = dframe + W * H;
    CUdeviceptr pv = nv12 ? pu : dframe + W * H + cw * ch;
    CUdeviceptr out = drgb + sizeof (float) * t * 3 * tw * th;
    int sy = W, su = img.strides[1], sv = nv12 ? su : cw, inter = nv12;
    void *args[] = { &py, &sy, &pu, &su, &pv, &sv, &inter, &dt[0], &dt[1],
      &dt[2], &dt[3], &tw, &th, &dm, &out
    };
    g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_RESIZE_TO_RGB, tw, th,
            NULL, args));
  }
  /* the stored frames first, then the patches in each dtype */
  for (int t = 0; t < 2; t++) {
    gsize size = sizeof (float) * 3 * tw * th;
    float *gpu = g_malloc (size);

    download (gpu, drgb + size * t, size);
    g_assert_cmpmem (gpu, size, cps_cpu_window_rgb (win, t), size);
    g_free (gpu);
  }
  didx = upload (idx, sizeof idx);
  for (int dtype = CPS_DTYPE_BF16; dtype <= CPS_DTYPE_U8; dtype++) {
    int n = G_N_ELEMENTS (idx), p = P;
    gsize size = n * 3 * P * P * cps_dtype_size (dtype);
    guint8 *cpu = g_malloc (size), *gpu = g_malloc (size);
    void *args[] = { &drgb, &tw, &th, &p, &gw, &gh, &didx, &n, &dtype,
      &dout
    };

    dout = cps_cuda_alloc (cuda, size);
    ops->window_extract (win, idx, n, dtype, cpu);
    g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_EXTRACT_PATCHES,
            n * 3 * P * P, 1, NULL, args));
    download (gpu, dout, size);
    g_assert_cmpmem (gpu, size, cpu, size);
    cps_cuda_free (cuda, dout);
    g_free (cpu);
    g_free (gpu);
  }
  for (int i = 0; i < 4; i++) {
    cps_cuda_free (cuda, dt[i]);
    g_free (taps[i]);
  }
  cps_cuda_free (cuda, dframe);
  cps_cuda_free (cuda, dm);
  cps_cuda_free (cuda, drgb);
  cps_cuda_free (cuda, didx);
  ops->window_free (win);
  g_free (frame);
}

/* ---- the camera model ---------------------------------------------------- */

/* cpsk_camera_downscale vs cps_camera_downscale: padded pitches, an odd
 * size (fractional cells) and an exact 4x one */
static void
test_camera_downscale (gconstpointer data)
{
  const int *size = data;
  int w = size[0], h = size[1], stride = w + 19, lw, lh;
  gsize bytes = (gsize) stride * h;
  guint8 *plane = g_malloc (bytes);
  guint32 *columns;
  float *cpu, *gpu;
  CUdeviceptr dplane, dout;

  NEED_GPU ();
  fill_random (plane, bytes, 11 + w);
  cps_lowres_size (w, h, 4, &lw, &lh);
  columns = g_new (guint32, cps_camera_cell_scratch (w, lw));
  cpu = g_new (float, lw * lh);
  gpu = g_new (float, lw * lh);
  cps_camera_downscale (plane, stride, w, h, lw, lh, columns, cpu);
  dplane = upload (plane, bytes);
  dout = cps_cuda_alloc (cuda, sizeof (float) * lw * lh);
  {
    void *args[] = { &dplane, &stride, &w, &h, &lw, &lh, &dout };
    g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_CAMERA_DOWNSCALE, lw,
            lh, NULL, args));
  }
  download (gpu, dout, sizeof (float) * lw * lh);
  g_assert_cmpmem (gpu, sizeof (float) * lw * lh, cpu,
      sizeof (float) * lw * lh);
  cps_cuda_free (cuda, dplane);
  cps_cuda_free (cuda, dout);
  g_free (plane);
  g_free (columns);
  g_free (cpu);
  g_free (gpu);
}

/* Frames for the camera tests: a smooth random texture (so that tolerant
 * comparisons are not all zero nor all saturated), @side = it shifted by
 * (sx, sy) plus noise, a block of other content at (bx, by). */
static void
camera_texture (guint8 * out, int w, int h, int stride, int sx, int sy,
    guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  int tw = w + 64, th = h + 64;
  guint8 *t = g_malloc ((gsize) tw * th);

  for (int i = 0; i < tw * th; i++)
    t[i] = (guint8) g_rand_int_range (r, 0, 256);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int u = x + 32 - sx, v = y + 32 - sy;
      int a = t[v * tw + u], b = t[v * tw + u + 1], c = t[(v + 1) * tw + u];

      out[(gsize) y * stride + x] = (guint8) ((2 * a + b + c) / 4 +
          g_rand_int_range (r, 0, 3));
    }
  g_rand_free (r);
  g_free (t);
}

typedef struct {
  const char *name;
  int n_sides;
  CpsCameraWarp warps[2];
} DifferencesCase;

static const DifferencesCase differences_cases[] = {
  {"translation-tolerant", 1, {{2.6f, -1.4f, 1.0f, 0.0f, 1}}},
  {"still-exact", 1, {{0.0f, 0.0f, 1.0f, 0.0f, 0}}},
  {"translation-halves", 2, {{2.5f, 0.5f, 1.0f, 0.0f, 1},
          {-3.2f, 1.7f, 1.0f, 0.0f, 0}}},
  {"similarity-zoom", 1, {{1.2f, -0.7f, 1.03f, 0.0f, 1}}},
  {"similarity-both-sides", 2, {{0.4f, 0.9f, 0.98f, 0.02f, 1},
          {-0.4f, -0.9f, 1.02f, -0.02f, 0}}},
  {"rows-out", 1, {{0.0f, 80.0f, 1.0f, 0.0f, 1}}},
  {"columns-out", 2, {{-200.0f, 0.0f, 1.0f, 0.0f, 0},
          {1.0f, 0.0f, 1.0f, 0.0f, 1}}},
};

/* cpsk_camera_differences vs cps_camera_differences: the differences and
 * the histogram, an odd size, 1 and 2 sides, translations (with .5
 * shifts, which lrintf rounds to even) and similarities, tolerant on and
 * off, neighbours entirely out of the frame */
static void
test_camera_differences (gconstpointer data)
{
  const DifferencesCase *c = data;
  enum { W = 101, H = 67 };
  guint8 *held = g_malloc (W * H), *sides[2], *scratch = g_malloc (W);
  guint8 *cpu = g_malloc (W * H), *gpu = g_malloc (W * H);
  guint32 cpu_hist[256], gpu_hist[256] = { 0 };
  CUdeviceptr dheld, dsides[2], ddiff, dhist;
  CpsCameraWarp w0 = c->warps[0], w1 = c->warps[c->n_sides > 1];
  int n = c->n_sides, w = W, h = H;

  NEED_GPU ();
  camera_texture (held, W, H, W, 0, 0, 21);
  for (int k = 0; k < 2; k++) {
    sides[k] = g_malloc (W * H);
    camera_texture (sides[k], W, H, W, k ? -3 : 2, k ? 2 : -1, 21);
  }
  cps_camera_differences (held, (const guint8 * const *) sides, c->warps,
      c->n_sides, W, H, scratch, cpu, cpu_hist);
  dheld = upload (held, W * H);
  dsides[0] = upload (sides[0], W * H);
  dsides[1] = upload (sides[1], W * H);
  ddiff = cps_cuda_alloc (cuda, W * H);
  dhist = upload (gpu_hist, sizeof gpu_hist);
  {
    void *args[] = { &dheld, &dsides[0], &dsides[1], &w0, &w1, &n, &w, &h,
      &ddiff, &dhist
    };
    g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_CAMERA_DIFFERENCES, W,
            H, NULL, args));
  }
  download (gpu, ddiff, W * H);
  download (gpu_hist, dhist, sizeof gpu_hist);
  g_assert_cmpmem (gpu, W * H, cpu, W * H);
  g_assert_cmpmem (gpu_hist, sizeof gpu_hist, cpu_hist, sizeof cpu_hist);
  for (CUdeviceptr *d = (CUdeviceptr[]) { dheld, dsides[0], dsides[1], ddiff,
        dhist, 0 }; *d; d++)
    cps_cuda_free (cuda, *d);
  g_free (held);
  g_free (sides[0]);
  g_free (sides[1]);
  g_free (scratch);
  g_free (cpu);
  g_free (gpu);
}

/* cpsk_camera_cell_maps vs cps_camera_cell_maps, and its count of marked
 * cells vs the maps: fractional and exact cells, several thresholds */
static void
test_camera_cell_maps (void)
{
  enum { W = 101, H = 67 };
  guint8 *diff = g_malloc (W * H);
  GRand *r = g_rand_new_with_seed (31);
  static const int sizes[][2] = { {30, 17}, {25, 16}, {101, 67}, {7, 5} };
  static const int taus[] = { 12, 25, 40 };

  NEED_GPU ();
  /* mostly noise, some movers, unmeasured strips */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      diff[y * W + x] = x < 3 || y > H - 3 ? CPS_CAMERA_UNMEASURED :
          (guint8) (g_rand_int_range (r, 0, 4) ? g_rand_int_range (r, 0, 30) :
          g_rand_int_range (r, 0, 255));
  g_rand_free (r);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (guint t = 0; t < G_N_ELEMENTS (taus); t++) {
      int lw = sizes[i][0], lh = sizes[i][1], w = W, h = H, tau = taus[t];
      float *cm = g_new (float, lw * lh), *cr = g_new (float, lw * lh);
      float *gm = g_new (float, lw * lh), *gr = g_new (float, lw * lh);
      guint32 *columns = g_new (guint32, cps_camera_cell_scratch (W, lw)), marked = 0, gmarked = 0;
      CUdeviceptr ddiff = upload (diff, W * H), dm, dr, dmarked;
      void *args[] = { &ddiff, &w, &h, &lw, &lh, &tau, &dm, &dr, &dmarked };

      dm = cps_cuda_alloc (cuda, sizeof (float) * lw * lh);
      dr = cps_cuda_alloc (cuda, sizeof (float) * lw * lh);
      dmarked = upload (&gmarked, sizeof gmarked);
      cps_camera_cell_maps (diff, W, H, lw, lh, tau, columns, cm, cr);
      for (int k = 0; k < lw * lh; k++)
        marked += cr[k] > 0.0f || cm[k] > 0.0f;
      g_assert_true (cps_cuda_launch (cuda, CPS_KERNEL_CAMERA_CELL_MAPS, lw,
              lh, NULL, args));
      download (gm, dm, sizeof (float) * lw * lh);
      download (gr, dr, sizeof (float) * lw * lh);
      download (&gmarked, dmarked, sizeof gmarked);
      g_assert_cmpmem (gm, sizeof (float) * lw * lh, cm,
          sizeof (float) * lw * lh);
      g_assert_cmpmem (gr, sizeof (float) * lw * lh, cr,
          sizeof (float) * lw * lh);
      g_assert_cmpuint (gmarked, ==, marked);
      for (CUdeviceptr *d = (CUdeviceptr[]) { ddiff, dm, dr, dmarked, 0 }; *d;
          d++)
        cps_cuda_free (cuda, *d);
      g_free (cm);
      g_free (cr);
      g_free (gm);
      g_free (gr);
      g_free (columns);
    }
  g_free (diff);
}

/* The device stage (cps_cuda_camera_pixels: store, differences, noise
 * level, cell maps, closing) vs the CPU chain of cps_camera_maps.h, from
 * planes with padded pitches.  @kind: what differs between the frames. */
typedef enum {
  PIXELS_NO_SIDE,               /* a stream of one frame: zero maps */
  PIXELS_IDENTICAL,             /* no cell marked: no closing */
  PIXELS_MOVER,                 /* a few cells: closed */
  PIXELS_EVERYTHING,            /* unrelated frames: over 15%, not closed */
  PIXELS_MARKED_15,             /* exactly 15% of the cells: closed */
  PIXELS_MARKED_OVER_15,        /* one more: not closed */
} PixelsKind;

typedef struct {
  const char *name;
  PixelsKind kind;
  int n_sides;
  CpsCameraWarp warps[2];
  int shifts[2][2];             /* each side's content shift, pixels */
  int closes;                   /* 1: the closing changes the maps, 0: it
                                 * does not run, -1: either */
} PixelsCase;

static const PixelsCase pixels_cases[] = {
  {"no-side", PIXELS_NO_SIDE, 0, {{0}}, {{0}}, 0},
  {"identical-still", PIXELS_IDENTICAL, 1, {{0, 0, 1, 0, 0}}, {{0}}, 0},
  {"mover-one-side", PIXELS_MOVER, 1, {{0, 0, 1, 0, 0}}, {{0}}, 1},
  {"mover-two-sides-pan", PIXELS_MOVER, 2, {{2.4f, -1.1f, 1, 0, 1},
          {-2.4f, 1.1f, 1, 0, 1}}, {{-2, 1}, {2, -1}}, 1},
  {"mover-two-sides-zoom", PIXELS_MOVER, 2, {{0.5f, 0, 1.01f, 0.005f, 1},
          {-0.5f, 0, 0.99f, -0.005f, 0}}, {{0}}, -1},
  {"everything", PIXELS_EVERYTHING, 2, {{0, 0, 1, 0, 0}, {1, 1, 1, 0, 1}},
      {{0}}, 0},
  {"marked-15-percent", PIXELS_MARKED_15, 1, {{0, 0, 1, 0, 0}}, {{0}}, 1},
  {"marked-over-15-percent", PIXELS_MARKED_OVER_15, 1, {{0, 0, 1, 0, 0}},
      {{0}}, 0},
};

static void
test_camera_pixels (gconstpointer data)
{
  const PixelsCase *c = data;
  /* 80 × 40 in 4 × 4 cells: 200 cells, 15% of them is 30 */
  gboolean boundary = c->kind == PIXELS_MARKED_15 ||
      c->kind == PIXELS_MARKED_OVER_15;
  int fw = boundary ? 80 : 133, fh = boundary ? 40 : 75, pitch = fw + 7;
  int lw, lh, tau, slots[2] = { 0, 2 }, cells;
  guint8 *frames[3], *packed[3], *diff, *scratch;
  guint32 hist[256], *columns;
  float *cm, *cr, *raw, *tmp, *gm, *gr, cpu_noise = 0.0f, gpu_noise;
  CpsCudaCamera *camera;
  CUdeviceptr dframe, dm, dr;

  NEED_GPU ();
  if (boundary) {
    lw = 20;
    lh = 10;
  } else {
    cps_lowres_size (fw, fh, 4, &lw, &lh);
  }
  cells = lw * lh;
  for (int k = 0; k < 3; k++) {
    frames[k] = g_malloc0 ((gsize) pitch * fh);
    packed[k] = g_malloc ((gsize) fw * fh);
    if (c->kind == PIXELS_EVERYTHING)
      camera_texture (frames[k], fw, fh, pitch, 0, 0, 40 + k);
    else if (boundary)
      memset (frames[k], 90, (gsize) pitch * fh);
    else
      camera_texture (frames[k], fw, fh, pitch,
          k == 1 ? 0 : c->shifts[k / 2][0], k == 1 ? 0 : c->shifts[k / 2][1],
          41);
  }
  if (c->kind == PIXELS_MOVER) {
    /* two blocks of the held frame (slot 1) the neighbours do not have,
     * apart: the closing joins them */
    for (int y = 20; y < 32; y++)
      for (int x = 20; x < 36; x++)
        frames[1][y * pitch + x] = (guint8) (255 - frames[1][y * pitch + x]);
    for (int y = 40; y < 52; y++)
      for (int x = 64; x < 80; x++)
        frames[1][y * pitch + x] = (guint8) (255 - frames[1][y * pitch + x]);
  }
  if (boundary) {
    /* 30 or 31 whole cells of the held frame differ, spread out */
    int n = c->kind == PIXELS_MARKED_15 ? 30 : 31;

    for (int i = 0; i < n; i++) {
      int cell = (i * 37) % cells, cx = cell % lw * 4, cy = cell / lw * 4;

      for (int y = cy; y < cy + 4; y++)
        memset (frames[1] + y * pitch + cx, 250, 4);
    }
  }
  for (int k = 0; k < 3; k++)
    for (int y = 0; y < fh; y++)
      memcpy (packed[k] + y * fw, frames[k] + y * pitch, fw);

  /* the CPU chain, as cpu_maps of cps_motion_camera.c */
  diff = g_malloc ((gsize) fw * fh);
  scratch = g_malloc (fw);
  columns = g_new (guint32, cps_camera_cell_scratch (fw, lw));
  cm = g_new0 (float, cells);
  cr = g_new0 (float, cells);
  raw = g_new (float, cells);
  tmp = g_new (float, cps_camera_close_scratch (lw, lh));
  if (c->n_sides) {
    const guint8 *sides[2] = { packed[slots[0]], packed[slots[1]] };

    cps_camera_differences (packed[1], sides, c->warps, c->n_sides, fw, fh,
        scratch, diff, hist);
    tau = cps_camera_noise_level (hist);
    cps_camera_cell_maps (diff, fw, fh, lw, lh, tau, columns, cm, cr);
    memcpy (raw, cm, sizeof (float) * cells);
    cps_camera_close_maps (cm, cr, lw, lh, tmp);
    cpu_noise = tau / 2.0f;
    /* the case says whether the closing ran: check it did (or not) */
    if (c->closes == 1)
      g_assert_true (memcmp (raw, cm, sizeof (float) * cells) != 0);
    else if (c->closes == 0)
      g_assert_cmpmem (raw, sizeof (float) * cells, cm,
          sizeof (float) * cells);
  }

  /* the device stage, from pitched device planes */
  camera = cps_cuda_camera_new (cuda, fw, fh, lw, lh);
  dframe = cps_cuda_alloc (cuda, (gsize) pitch * fh);
  for (int k = 0; k < 3; k++) {
    g_assert_true (cps_cuda_upload (cuda, dframe, frames[k],
            (gsize) pitch * fh));
    cps_cuda_camera_pixels.store (camera, k,
        (const guint8 *) (uintptr_t) dframe, pitch);
  }
  dm = cps_cuda_alloc (cuda, sizeof (float) * cells);
  dr = cps_cuda_alloc (cuda, sizeof (float) * cells);
  gm = g_new (float, cells);
  gr = g_new (float, cells);
  gpu_noise = cps_cuda_camera_pixels.maps (camera, 1, slots, c->warps,
      c->n_sides, (float *) (uintptr_t) dm, (float *) (uintptr_t) dr);
  download (gm, dm, sizeof (float) * cells);
  download (gr, dr, sizeof (float) * cells);
  g_assert_cmpmem (gm, sizeof (float) * cells, cm, sizeof (float) * cells);
  g_assert_cmpmem (gr, sizeof (float) * cells, cr, sizeof (float) * cells);
  g_assert_cmpfloat (gpu_noise, ==, cpu_noise);

  cps_cuda_camera_free (camera);
  cps_cuda_free (cuda, dframe);
  cps_cuda_free (cuda, dm);
  cps_cuda_free (cuda, dr);
  for (int k = 0; k < 3; k++) {
    g_free (frames[k]);
    g_free (packed[k]);
  }
  g_free (diff);
  g_free (scratch);
  g_free (columns);
  g_free (cm);
  g_free (cr);
  g_free (raw);
  g_free (tmp);
  g_free (gm);
  g_free (gr);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gpu_test_open ();
  {
    static const DownscaleCase cases[] = {
      {333, 187, FALSE}, {333, 187, TRUE}, {256, 128, FALSE}, {256, 128, TRUE}
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
      gchar *name = g_strdup_printf (GPU_TEST_PREFIX "/downscale-luma/%dx%d-%s",
          cases[i].w, cases[i].h, cases[i].nv12 ? "nv12" : "i420");

      g_test_add_data_func (name, &cases[i], test_downscale);
      g_free (name);
    }
  }
  g_test_add_func (GPU_TEST_PREFIX "/motion-residual", test_motion);
  g_test_add_func (GPU_TEST_PREFIX "/energy-fuse", test_energy);
  g_test_add_func (GPU_TEST_PREFIX "/patch-scores", test_scores);
  g_test_add_data_func (GPU_TEST_PREFIX "/window-i420", GINT_TO_POINTER (0),
      test_window);
  g_test_add_data_func (GPU_TEST_PREFIX "/window-nv12", GINT_TO_POINTER (1),
      test_window);
  {
    static const int sizes[][2] = { {333, 187}, {256, 128} };

    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
      gchar *name = g_strdup_printf (GPU_TEST_PREFIX
          "/camera-downscale/%dx%d", sizes[i][0], sizes[i][1]);

      g_test_add_data_func (name, sizes[i], test_camera_downscale);
      g_free (name);
    }
  }
  for (guint i = 0; i < G_N_ELEMENTS (differences_cases); i++) {
    gchar *name = g_strdup_printf (GPU_TEST_PREFIX
        "/camera-differences/%s", differences_cases[i].name);

    g_test_add_data_func (name, &differences_cases[i],
        test_camera_differences);
    g_free (name);
  }
  g_test_add_func (GPU_TEST_PREFIX "/camera-cell-maps", test_camera_cell_maps);
  for (guint i = 0; i < G_N_ELEMENTS (pixels_cases); i++) {
    gchar *name = g_strdup_printf (GPU_TEST_PREFIX "/camera-pixels/%s",
        pixels_cases[i].name);

    g_test_add_data_func (name, &pixels_cases[i], test_camera_pixels);
    g_free (name);
  }
  ret = g_test_run ();
  gpu_test_close ();
  return ret;
}
