/* cps — the CUDA compute table (cuda/cps_compute_cuda.c) against the CPU
 * table on the same frame sequences: motion and residual maps, fused
 * energy, window scores, the selection made from them, and the extracted
 * patches in every dtype, all byte for byte.  I420 and NV12, an exact
 * 4x geometry (256×128) and one with fractional taps (130×66).  Built against the GPU and against the CPU emulation of
 * the kernels (CPS_KERNELS_EMULATED); on the GPU build every case skips,
 * with the reason, where there is no driver or device.  TAP (g_test).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <string.h>

#include "cps_algo.h"
#include "cps_compute.h"
#include "gpu-test.h"

enum { FRAMES = 5, P = 14 };

typedef struct {
  int width, height;
  gboolean nv12;
} Case;

/* Frame t: a random texture moving 2 px right and 1 down per frame, with
 * random chroma.  Planes back to back in @buf; @img points into it at
 * @base (host memory, or its device copy). */
static gsize
make_frame (const Case * c, int t, guint8 * buf, const guint8 * base,
    CpsImage * img)
{
  int w = c->width, h = c->height, cw = (w + 1) / 2, ch = (h + 1) / 2;
  GRand *r = g_rand_new_with_seed (7);
  guint8 *texture = g_malloc (2 * w * 2 * h);

  for (int i = 0; i < 4 * w * h; i++)
    texture[i] = (guint8) g_rand_int_range (r, 0, 256);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      buf[y * w + x] = texture[(y + h - t) * 2 * w + x + w - 2 * t];
  for (int i = 0; i < 2 * cw * ch; i++)
    buf[w * h + i] = (guint8) g_rand_int_range (r, 16, 240);
  g_rand_free (r);
  g_free (texture);
  memset (img, 0, sizeof *img);
  img->planes[0] = base;
  img->strides[0] = w;
  img->planes[1] = base + w * h;
  img->strides[1] = c->nv12 ? 2 * cw : cw;
  img->planes[2] = c->nv12 ? NULL : base + w * h + cw * ch;
  img->strides[2] = c->nv12 ? 0 : cw;
  img->width = w;
  img->height = h;
  img->chroma_x_shift = img->chroma_y_shift = 1;
  img->uv_interleaved = c->nv12;
  return (gsize) w * h + 2 * cw * ch;
}

static gpointer
device_alloc (gsize size)
{
  return (gpointer) (uintptr_t) cps_cuda_alloc (cuda, size);
}

static void
assert_device_equals (gconstpointer device, gconstpointer host, gsize size)
{
  gpointer copy = g_malloc (size);

  g_assert_true (cps_cuda_download (cuda, copy,
          (CUdeviceptr) (uintptr_t) device, size));
  g_assert_cmpmem (copy, size, host, size);
  g_free (copy);
}

static void
test_sequence (gconstpointer data)
{
  const Case *c = data;
  const CpsComputeOps *cpu = &cps_compute_cpu, *gpu = &cps_compute_cuda;
  CpsColorMatrix cm = { {{1.164f, 0, 1.793f}, {1.164f, -0.213f, -0.533f},
          {1.164f, 2.112f, 0}}, {-248.1f, 76.9f, -289.0f}
  };
  CpsMotionGeometry mg = { c->width, c->height, 0, 0, 0, NULL };
  CpsWindowGeometry wg = { 0 };
  CpsMotionState *cpu_motion, *gpu_motion;
  CpsWindow *cpu_window, *gpu_window;
  gsize n, frame_size = (gsize) c->width * c->height * 3;
  guint8 *host_frame = g_malloc (frame_size);
  gpointer dev_frame, dm, dr, de;
  float *m, *r, *e, *scratch;
  CpsSelectParams params;
  uint8_t is_i[FRAMES] = { 1, 0, 0, 0, 0 };
  int64_t idx[64];
  long k;

  if (!cuda) {
    g_test_skip (no_gpu_reason);
    g_free (host_frame);
    return;
  }
  cps_lowres_size (c->width, c->height, CPS_DEFAULT_DOWNSCALE,
      &mg.lowres_width, &mg.lowres_height);
  mg.radius = cps_default_radius (mg.lowres_width, mg.lowres_height);
  n = (gsize) mg.lowres_width * mg.lowres_height;
  wg.source_width = c->width;
  wg.source_height = c->height;
  wg.lowres_width = mg.lowres_width;
  wg.lowres_height = mg.lowres_height;
  cps_smart_resize (c->width, c->height, P, 112, 0, 0, &wg.target_width,
      &wg.target_height);
  wg.patch_size = P;
  wg.capacity = FRAMES;
  wg.chroma_x_shift = wg.chroma_y_shift = 1;

  cpu_motion = cpu->motion_new (&mg);
  cpu_window = cpu->window_new (&wg);
  mg.device = wg.device = cuda;
  gpu_motion = gpu->motion_new (&mg);
  gpu_window = gpu->window_new (&wg);
  m = g_new (float, n);
  r = g_new (float, n);
  e = g_new (float, n);
  scratch = g_new (float, n);
  dev_frame = device_alloc (frame_size);
  dm = device_alloc (sizeof (float) * n);
  dr = device_alloc (sizeof (float) * n);
  de = device_alloc (sizeof (float) * n);

  for (int t = 0; t < FRAMES; t++) {
    CpsImage host_img, dev_img;
    gsize size = make_frame (c, t, host_frame, host_frame, &host_img);

    make_frame (c, t, host_frame, dev_frame, &dev_img);
    g_assert_true (cps_cuda_upload (cuda, (CUdeviceptr) (uintptr_t)
            dev_frame, host_frame, size));
    cpu->motion_process (cpu_motion, &host_img, m, r);
    gpu->motion_process (gpu_motion, &dev_img, dm, dr);
    assert_device_equals (dm, m, sizeof (float) * n);
    assert_device_equals (dr, r, sizeof (float) * n);
    cpu->energy_fuse (NULL, m, r, n, 0.95, 0.5f, 0.5f, scratch, e);
    gpu->energy_fuse (cuda, dm, dr, n, 0.95, 0.5f, 0.5f, scratch, de);
    assert_device_equals (de, e, sizeof (float) * n);
    cpu->window_add (cpu_window, &host_img, &cm, t ? e : NULL);
    gpu->window_add (gpu_window, &dev_img, &cm, t ? de : NULL);
  }
  {
    int gw = wg.target_width / P, gh = wg.target_height / P;
    gsize scores = sizeof (float) * FRAMES * gw * gh;

    g_assert_cmpmem (gpu->window_scores (gpu_window), scores,
        cpu->window_scores (cpu_window), scores);
    cps_select_params_init (&params);
    k = cps_select (cpu->window_scores (cpu_window), is_i, FRAMES, gh, gw, P,
        G_N_ELEMENTS (idx), &params, idx);
    g_assert_cmpint (k, ==, G_N_ELEMENTS (idx));
  }
  for (int dtype = CPS_DTYPE_BF16; dtype <= CPS_DTYPE_U8; dtype++) {
    gsize size = (gsize) k * 3 * P * P * cps_dtype_size (dtype);
    guint8 *host = g_malloc (size);
    gpointer dev = device_alloc (size);

    cpu->window_extract (cpu_window, idx, k, dtype, host);
    gpu->window_extract (gpu_window, idx, k, dtype, dev);
    assert_device_equals (dev, host, size);
    cps_cuda_free (cuda, (CUdeviceptr) (uintptr_t) dev);
    g_free (host);
  }

  for (gpointer *p = (gpointer[]) { dev_frame, dm, dr, de, NULL }; *p; p++)
    cps_cuda_free (cuda, (CUdeviceptr) (uintptr_t) * p);
  cpu->motion_free (cpu_motion);
  gpu->motion_free (gpu_motion);
  cpu->window_free (cpu_window);
  gpu->window_free (gpu_window);
  g_free (m);
  g_free (r);
  g_free (e);
  g_free (scratch);
  g_free (host_frame);
}

/* ---- the camera model ---------------------------------------------------- */

typedef struct {
  int width, height, pad;       /* pad: bytes of pitch past the width */
  int frames;                   /* before the first drain; 1: a lone frame */
} CameraCase;

/* Frame t of a camera sequence, Y plane only (the model reads luma): a
 * texture panning 2 px right and 1 down per frame, and a block moving
 * 3 px left per frame over it. */
static void
camera_frame (const CameraCase * c, int t, guint8 * y_plane)
{
  int w = c->width, h = c->height, pitch = w + c->pad;
  GRand *r = g_rand_new_with_seed (9);
  guint8 *texture = g_malloc ((gsize) 2 * w * 2 * h);

  for (int i = 0; i < 4 * w * h; i++)
    texture[i] = (guint8) g_rand_int_range (r, 0, 256);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int u = x + w / 2 - 2 * t, v = y + h / 2 - t;
      int a = texture[v * 2 * w + u], b = texture[v * 2 * w + u + 1];
      int bx = w / 2 - 3 * t, by = h / 3;

      if (x >= bx && x < bx + 20 && y >= by && y < by + 16)
        a = b = texture[(y - by) * 2 * w + x - bx + 7 * w / 4];
      y_plane[(gsize) y * pitch + x] = (guint8) ((a + b) / 2);
    }
  g_rand_free (r);
  g_free (texture);
}

/* the answers whose camera was not static, in the current case */
static int camera_moved;

/* The maps a call wrote (when it says it wrote them) and the camera of
 * both tables agree. */
static void
assert_camera_step (const CpsComputeOps * cpu, CpsMotionState * cs,
    const CpsComputeOps * gpu, CpsMotionState * gs, int cpu_done,
    int gpu_done, const float *m, const float *r, gpointer dm, gpointer dr,
    gsize n, int *nonzero)
{
  CpsCameraMotion cc, gc;

  g_assert_cmpint (gpu_done, ==, cpu_done);
  if (cpu_done) {
    assert_device_equals (dm, m, sizeof (float) * n);
    assert_device_equals (dr, r, sizeof (float) * n);
    for (gsize i = 0; i < n; i++)
      *nonzero += m[i] > 0.0f;
  }
  cpu->motion_camera (cs, &cc);
  gpu->motion_camera (gs, &gc);
  g_assert_cmpmem (&gc, sizeof gc, &cc, sizeof cc);
  if (cpu_done && cc.cls != CPS_CAMERA_STATIC)
    camera_moved++;
}

/* The CUDA table with motion-model=camera against the CPU table: the
 * frame held back (no maps for the first frame, each later frame's maps
 * one call late), the drain at the end, a second sequence after the
 * drain (compared with the frame before it) and a reset. */
static void
test_camera_sequence (gconstpointer data)
{
  const CameraCase *c = data;
  const CpsComputeOps *cpu = &cps_compute_cpu, *gpu = &cps_compute_cuda;
  CpsMotionGeometry mg = { c->width, c->height, 0, 0, 0, NULL,
    CPS_MOTION_MODEL_CAMERA
  };
  CpsMotionState *cs, *gs;
  int pitch = c->width + c->pad, cw = (c->width + 1) / 2;
  int ch = (c->height + 1) / 2, nonzero = 0, cd, gd;
  gsize ysize = (gsize) pitch * c->height, size = ysize + 2 * cw * ch;
  guint8 *host = g_malloc0 (size);
  gpointer dev, dm, dr;
  float *m, *r;
  gsize n;

  if (!cuda) {
    g_test_skip (no_gpu_reason);
    g_free (host);
    return;
  }
  cps_lowres_size (c->width, c->height, CPS_DEFAULT_DOWNSCALE,
      &mg.lowres_width, &mg.lowres_height);
  mg.radius = cps_default_radius (mg.lowres_width, mg.lowres_height);
  n = (gsize) mg.lowres_width * mg.lowres_height;
  g_assert_nonnull (gpu->motion_camera);
  camera_moved = 0;
  cs = cpu->motion_new (&mg);
  mg.device = cuda;
  gs = gpu->motion_new (&mg);
  m = g_new (float, n);
  r = g_new (float, n);
  dev = device_alloc (size);
  dm = device_alloc (sizeof (float) * n);
  dr = device_alloc (sizeof (float) * n);
  memset (host + ysize, 128, 2 * cw * ch);

  /* frames 0 … frames − 1, a drain, two more, a drain, a reset, one more
   * and a last drain */
  for (int t = 0, step = 0; step < c->frames + 6; step++) {
    gboolean drain = step == c->frames || step == c->frames + 3 ||
        step == c->frames + 5;

    if (step == c->frames + 4) {
      cpu->motion_reset (cs);
      gpu->motion_reset (gs);
    }
    if (drain) {
      cd = cpu->motion_drain (cs, m, r);
      gd = gpu->motion_drain (gs, dm, dr);
      g_assert_cmpint (cd, ==, 1);
    } else {
      CpsImage hi = { 0 }, di = { 0 };

      camera_frame (c, t++, host);
      g_assert_true (cps_cuda_upload (cuda, (CUdeviceptr) (uintptr_t) dev,
              host, size));
      hi.planes[0] = host;
      di.planes[0] = dev;
      hi.planes[1] = host + ysize;
      di.planes[1] = (guint8 *) dev + ysize;
      hi.planes[2] = host + ysize + cw * ch;
      di.planes[2] = (guint8 *) dev + ysize + cw * ch;
      hi.strides[0] = di.strides[0] = pitch;
      hi.strides[1] = hi.strides[2] = di.strides[1] = di.strides[2] = cw;
      hi.width = di.width = c->width;
      hi.height = di.height = c->height;
      hi.chroma_x_shift = hi.chroma_y_shift = 1;
      di.chroma_x_shift = di.chroma_y_shift = 1;
      cd = cpu->motion_process (cs, &hi, m, r);
      gd = gpu->motion_process (gs, &di, dm, dr);
      /* the first frame of a sequence is held, not answered */
      if (step == 0 || step == c->frames + 1 || step == c->frames + 4)
        g_assert_cmpint (cd, ==, 0);
    }
    assert_camera_step (cpu, cs, gpu, gs, cd, gd, m, r, dm, dr, n, &nonzero);
  }
  /* nothing is held any more */
  g_assert_cmpint (cpu->motion_drain (cs, m, r), ==, 0);
  g_assert_cmpint (gpu->motion_drain (gs, dm, dr), ==, 0);
  {
    CpsCameraMotion last;

    cpu->motion_camera (cs, &last);
    g_test_message ("%d marked cells and %d moving cameras over the "
        "sequence; last camera %s", nonzero, camera_moved,
        cps_camera_class_name (last.cls));
  }
  /* a sequence longer than one frame shows its mover */
  if (c->frames > 1)
    g_assert_cmpint (nonzero, >, 0);

  for (gpointer *p = (gpointer[]) { dev, dm, dr, NULL }; *p; p++)
    cps_cuda_free (cuda, (CUdeviceptr) (uintptr_t) * p);
  cpu->motion_free (cs);
  gpu->motion_free (gs);
  g_free (m);
  g_free (r);
  g_free (host);
}

int
main (int argc, char **argv)
{
  static const Case cases[] = {
    {256, 128, FALSE}, {256, 128, TRUE}, {130, 66, FALSE}, {130, 66, TRUE},
  };
  int ret;

  g_test_init (&argc, &argv, NULL);
  gpu_test_open ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *name = g_strdup_printf (GPU_TEST_PREFIX "/compute-table/%dx%d-%s",
        cases[i].width, cases[i].height, cases[i].nv12 ? "nv12" : "i420");

    g_test_add_data_func (name, &cases[i], test_sequence);
    g_free (name);
  }
  {
    static const CameraCase camera_cases[] = {
      {256, 128, 0, 5}, {130, 66, 13, 5}, {130, 66, 13, 1},
    };

    for (guint i = 0; i < G_N_ELEMENTS (camera_cases); i++) {
      const CameraCase *c = &camera_cases[i];
      gchar *name = g_strdup_printf (GPU_TEST_PREFIX
          "/compute-table/camera-%dx%d-pitch%d-%s", c->width, c->height,
          c->width + c->pad, c->frames > 1 ? "sequence" : "lone-frame");

      g_test_add_data_func (name, c, test_camera_sequence);
      g_free (name);
    }
  }
  ret = g_test_run ();
  gpu_test_close ();
  return ret;
}
