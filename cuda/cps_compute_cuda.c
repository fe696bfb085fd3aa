/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The compute interface (common/cps_compute.h) over device memory: image
 * planes, maps, energy and extracted patches are device pointers (a
 * CUdeviceptr in a pointer), and the geometries' @device is the CpsCuda.
 * What crosses to the host: the two maps once per frame for their
 * percentiles, and the window's patch scores once per window for top-k,
 * as the selection of docs/algorithm.md needs them there.  Every launch
 * is on the default stream, and host copies synchronise with it.
 */
#include "cps_cuda.h"
#include "cps_compute.h"

#include <stdlib.h>
#include <string.h>

#define DEV(p) ((CUdeviceptr) (uintptr_t) (p))

static CUdeviceptr
upload_new (CpsCuda * cuda, const void *data, size_t size)
{
  CUdeviceptr d = cps_cuda_alloc (cuda, size);

  if (d)
    cps_cuda_upload (cuda, d, data, size);
  return d;
}

/* ---- the camera model's per-pixel stage --------------------------------- */

struct _CpsCudaCamera {
  CpsCuda *cuda;
  int fw, fh, lw, lh;
  CUdeviceptr full[3];          /* the slots: packed fw × fh luma */
  CUdeviceptr diff;             /* fw × fh bytes */
  CUdeviceptr counts;           /* 256 histogram bins, then the marked cells */
  CUdeviceptr tmp;              /* 2 × lw × lh floats: the closing's rows */
  uint32_t zero_counts[257];
  uint32_t hist[256];
  float *zeros;                 /* host, lw × lh */
};

CpsCudaCamera *
cps_cuda_camera_new (CpsCuda * cuda, int fw, int fh, int lw, int lh)
{
  CpsCudaCamera *c = calloc (1, sizeof (CpsCudaCamera));

  c->cuda = cuda;
  c->fw = fw;
  c->fh = fh;
  c->lw = lw;
  c->lh = lh;
  for (int i = 0; i < 3; i++)
    c->full[i] = cps_cuda_alloc (cuda, (size_t) fw * fh);
  c->diff = cps_cuda_alloc (cuda, (size_t) fw * fh);
  c->counts = cps_cuda_alloc (cuda, sizeof (uint32_t) * 257);
  c->tmp = cps_cuda_alloc (cuda, sizeof (float) * 2 * lw * lh);
  c->zeros = calloc ((size_t) lw * lh, sizeof (float));
  return c;
}

void
cps_cuda_camera_free (CpsCudaCamera * c)
{
  if (!c)
    return;
  for (int i = 0; i < 3; i++)
    cps_cuda_free (c->cuda, c->full[i]);
  cps_cuda_free (c->cuda, c->diff);
  cps_cuda_free (c->cuda, c->counts);
  cps_cuda_free (c->cuda, c->tmp);
  free (c->zeros);
  free (c);
}

/* store(): the frame's Y plane (device memory, pitched) into a slot */
static void
cuda_camera_store (void *impl, int slot, const uint8_t * plane, int stride)
{
  CpsCudaCamera *c = impl;

  cps_cuda_copy_2d (c->cuda, c->full[slot], c->fw, DEV (plane), stride,
      c->fw, c->fh);
}

/* One 5 × 5 dilation (@dilate) or erosion of both maps: rows into tmp,
 * then columns back, as square_max / square_min. */
static void
camera_square (CpsCudaCamera * c, CUdeviceptr motion, CUdeviceptr residual,
    int dilate)
{
  CUdeviceptr t0 = c->tmp, t1 = c->tmp + sizeof (float) * c->lw * c->lh;
  int lw = c->lw, lh = c->lh, horizontal = 0, vertical = 1;
  void *rows[] = { &residual, &motion, &t0, &t1, &lw, &lh, &horizontal,
    &dilate
  };
  void *cols[] = { &t0, &t1, &residual, &motion, &lw, &lh, &vertical,
    &dilate
  };

  cps_cuda_launch (c->cuda, CPS_KERNEL_CAMERA_SQUARE, lw, lh, NULL, rows);
  cps_cuda_launch (c->cuda, CPS_KERNEL_CAMERA_SQUARE, lw, lh, NULL, cols);
}

/* maps(): cps_camera_differences, cps_camera_noise_level (on the host,
 * from the downloaded histogram), cps_camera_cell_maps and
 * cps_camera_close_maps, as cpu_maps of common/cps_motion_camera.c. */
static float
cuda_camera_maps (void *impl, int held, const int *slots,
    const CpsCameraWarp * warps, int n_sides, float *motion, float *residual)
{
  CpsCudaCamera *c = impl;
  CUdeviceptr m = DEV (motion), r = DEV (residual), hist = c->counts;
  CUdeviceptr marked_count = c->counts + sizeof (uint32_t) * 256;
  CUdeviceptr dheld, side0, side1;
  CpsCameraWarp w0, w1;
  int fw = c->fw, fh = c->fh, lw = c->lw, lh = c->lh, n = n_sides, tau;
  size_t cells = (size_t) lw * lh;
  uint32_t marked;

  if (n_sides == 0) {
    /* a stream of one frame: nothing to compare with */
    cps_cuda_upload (c->cuda, m, c->zeros, sizeof (float) * cells);
    cps_cuda_upload (c->cuda, r, c->zeros, sizeof (float) * cells);
    return 0.0f;
  }
  dheld = c->full[held];
  side0 = c->full[slots[0]];
  side1 = c->full[slots[n_sides > 1 ? 1 : 0]];
  w0 = warps[0];
  w1 = warps[n_sides > 1 ? 1 : 0];
  cps_cuda_upload (c->cuda, c->counts, c->zero_counts,
      sizeof c->zero_counts);
  {
    void *args[] = { &dheld, &side0, &side1, &w0, &w1, &n, &fw, &fh,
      &c->diff, &hist
    };

    cps_cuda_launch (c->cuda, CPS_KERNEL_CAMERA_DIFFERENCES, fw, fh, NULL,
        args);
  }
  cps_cuda_download (c->cuda, c->hist, hist, sizeof c->hist);
  tau = cps_camera_noise_level (c->hist);
  {
    void *args[] = { &c->diff, &fw, &fh, &lw, &lh, &tau, &m, &r,
      &marked_count
    };

    cps_cuda_launch (c->cuda, CPS_KERNEL_CAMERA_CELL_MAPS, lw, lh, NULL,
        args);
  }
  cps_cuda_download (c->cuda, &marked, marked_count, sizeof marked);
  /* the decision of cps_camera_close_maps, same types */
  if (cps_camera_closing_applies (marked, cells)) {
    for (int k = 0; k < CPS_CAMERA_CLOSING_PASSES; k++)
      camera_square (c, m, r, 1);
    for (int k = 0; k < CPS_CAMERA_CLOSING_PASSES; k++)
      camera_square (c, m, r, 0);
  }
  return tau / 2.0f;
}

const CpsCameraPixels cps_cuda_camera_pixels = {
  cuda_camera_store, cuda_camera_maps
};

/* ---- motion ------------------------------------------------------------ */

struct CpsMotionState {
  CpsMotionGeometry g;
  CpsCuda *cuda;
  CUdeviceptr ytaps, xtaps, mags;
  CUdeviceptr cur, prev;        /* low-res luma, swapped every frame */
  float *zeros;                 /* host, lw × lh: the first frame's maps */
  int have_prev;
  /* motion-model=camera: the model (host state machine and estimate) over
   * the device stage; its low-res luma is computed in cur and copied to
   * host_luma for the estimate */
  CpsCameraModel *camera;
  CpsCudaCamera *pixels;
  float *host_luma;
};

static CpsMotionState *
cuda_motion_new (const CpsMotionGeometry * g)
{
  CpsMotionState *s = calloc (1, sizeof (CpsMotionState));
  int lw = g->lowres_width, lh = g->lowres_height, r = g->radius;
  CpsTap *yt = malloc (sizeof (CpsTap) * lh), *xt = malloc (sizeof (CpsTap) * lw);
  float mags[(2 * CPS_MAX_RADIUS + 1) * (2 * CPS_MAX_RADIUS + 1)];

  s->g = *g;
  s->cuda = g->device;
  if (g->model == CPS_MOTION_MODEL_CAMERA) {
    s->cur = cps_cuda_alloc (s->cuda, sizeof (float) * lw * lh);
    s->host_luma = calloc ((size_t) lw * lh, sizeof (float));
    s->pixels = cps_cuda_camera_new (s->cuda, g->width, g->height, lw, lh);
    s->camera = cps_camera_model_new_with_pixels (g->width, g->height, lw,
        lh, &cps_cuda_camera_pixels, s->pixels);
    free (yt);
    free (xt);
    return s;
  }
  cps_bilinear_taps (g->height, lh, yt);
  cps_bilinear_taps (g->width, lw, xt);
  cps_match_magnitudes (r, mags);
  s->ytaps = upload_new (s->cuda, yt, sizeof (CpsTap) * lh);
  s->xtaps = upload_new (s->cuda, xt, sizeof (CpsTap) * lw);
  s->mags = upload_new (s->cuda, mags, sizeof (float) * (2 * r + 1) *
      (2 * r + 1));
  s->cur = cps_cuda_alloc (s->cuda, sizeof (float) * lw * lh);
  s->prev = cps_cuda_alloc (s->cuda, sizeof (float) * lw * lh);
  s->zeros = calloc ((size_t) lw * lh, sizeof (float));
  free (yt);
  free (xt);
  return s;
}

static int
cuda_motion_process (CpsMotionState * s, const CpsImage * frame,
    float *motion, float *residual)
{
  const CpsMotionGeometry *g = &s->g;
  int lw = g->lowres_width, lh = g->lowres_height, r = g->radius;
  size_t bytes = sizeof (float) * lw * lh;
  CUdeviceptr m = DEV (motion), res = DEV (residual), swap;
  /* the reference luma reads Y, U and V (I420, or NV12's U, V pairs) */
  CUdeviceptr py = DEV (frame->planes[0]), pu = DEV (frame->planes[1]);
  CUdeviceptr pv = frame->uv_interleaved ? pu + 1 : DEV (frame->planes[2]);
  int sy = frame->strides[0], sc = frame->strides[1];
  int cstep = frame->uv_interleaved ? 2 : 1;
  int xshift = frame->chroma_x_shift, yshift = frame->chroma_y_shift;
  void *down[] = { &py, &sy, &pu, &pv, &sc, &cstep, &xshift, &yshift,
    &s->ytaps, &s->xtaps, &lw, &lh, &s->cur
  };
  void *match[] = { &s->prev, &s->cur, &lw, &lh, &r, &s->mags, &m, &res };

  if (s->camera) {
    /* the box-mean luma on the device, one copy of it to the host for the
     * estimate; the model stores the Y plane and writes the held frame's
     * maps with the kernels */
    int w = g->width, h = g->height;
    void *box[] = { &py, &sy, &w, &h, &lw, &lh, &s->cur };
    int done;

    cps_cuda_launch (s->cuda, CPS_KERNEL_CAMERA_DOWNSCALE, lw, lh, NULL, box);
    cps_cuda_download (s->cuda, s->host_luma, s->cur, bytes);
    done = cps_camera_model_process (s->camera, s->host_luma,
        frame->planes[0], sy, motion, residual, NULL);
    /* the slot's copy of the plane is done before the frame goes */
    cps_cuda_synchronize (s->cuda, NULL);
    return done;
  }
  cps_cuda_launch (s->cuda, CPS_KERNEL_DOWNSCALE_LUMA, lw, lh, NULL, down);
  if (!s->have_prev) {
    cps_cuda_upload (s->cuda, m, s->zeros, bytes);
    cps_cuda_upload (s->cuda, res, s->zeros, bytes);
  } else {
    cps_cuda_launch (s->cuda, CPS_KERNEL_MOTION_RESIDUAL, lw, lh, NULL,
        match);
  }
  /* the current frame becomes the previous one */
  swap = s->prev;
  s->prev = s->cur;
  s->cur = swap;
  s->have_prev = 1;
  return 1;
}

/* The reference model answers at once: nothing is ever held; the camera
 * model holds one frame. */
static int
cuda_motion_drain (CpsMotionState * s, float *motion, float *residual)
{
  return s->camera ? cps_camera_model_drain (s->camera, motion, residual,
      NULL) : 0;
}

static void
cuda_motion_reset (CpsMotionState * s)
{
  s->have_prev = 0;
  if (s->camera)
    cps_camera_model_reset (s->camera);
}

static void
cuda_motion_camera (const CpsMotionState * s, CpsCameraMotion * camera)
{
  if (s->camera) {
    *camera = *cps_camera_model_last (s->camera);
  } else {
    memset (camera, 0, sizeof *camera);
    camera->scale = 1.0f;
  }
}

static void
cuda_motion_free (CpsMotionState * s)
{
  if (!s)
    return;
  cps_cuda_free (s->cuda, s->ytaps);
  cps_cuda_free (s->cuda, s->xtaps);
  cps_cuda_free (s->cuda, s->mags);
  cps_cuda_free (s->cuda, s->cur);
  cps_cuda_free (s->cuda, s->prev);
  free (s->zeros);
  cps_camera_model_free (s->camera);
  cps_cuda_camera_free (s->pixels);
  free (s->host_luma);
  free (s);
}

/* ---- energy ------------------------------------------------------------ */

/* The percentiles on a host copy of the maps (an exact selection over a
 * few hundred thousand floats), the fusion on the device. */
static void
cuda_energy_fuse (void *device, const float *motion, const float *residual,
    size_t n, double fraction, float wm, float wr, float *scratch,
    float *energy)
{
  CpsCuda *cuda = device;
  float *host = malloc (sizeof (float) * n), pm, pr;
  CUdeviceptr dm = DEV (motion), dr = DEV (residual), de = DEV (energy);
  int count = (int) n;
  void *args[] = { &dm, &dr, &count, &pm, &pr, &wm, &wr, &de };

  cps_cuda_download (cuda, host, dm, sizeof (float) * n);
  pm = cps_normaliser (host, n, fraction, scratch);
  cps_cuda_download (cuda, host, dr, sizeof (float) * n);
  pr = cps_normaliser (host, n, fraction, scratch);
  free (host);
  cps_cuda_launch (cuda, CPS_KERNEL_ENERGY_FUSE, count, 1, NULL, args);
}

/* ---- window ------------------------------------------------------------ */

/* One axis of the score plan, flattened for the kernels. */
typedef struct {
  CUdeviceptr first, count, offset, w;
} DeviceWeights;

struct CpsWindow {
  CpsWindowGeometry g;
  CpsCuda *cuda;
  int grid_width, grid_height, count;
  CUdeviceptr taps[4];          /* luma rows, columns; chroma rows, columns */
  DeviceWeights rows, cols;
  CUdeviceptr matrix;           /* 3×3 then 3 offsets */
  CUdeviceptr rgb;              /* capacity × 3 × th × tw */
  CUdeviceptr scores;           /* capacity × gh × gw */
  CUdeviceptr tmp;              /* lowres_height × gw doubles */
  CUdeviceptr indices;          /* capacity × gh × gw */
  float *host_scores;
  float *zeros;                 /* gh × gw, host */
};

static DeviceWeights
upload_weights (CpsCuda * cuda, const CpsPatchWeights * pw, int n)
{
  int *first = malloc (sizeof (int) * n), *count = malloc (sizeof (int) * n);
  int *offset = malloc (sizeof (int) * n), total = 0;
  double *w;
  DeviceWeights d;

  for (int i = 0; i < n; i++)
    total += pw[i].count;
  w = malloc (sizeof (double) * (total ? total : 1));
  total = 0;
  for (int i = 0; i < n; i++) {
    first[i] = pw[i].first;
    count[i] = pw[i].count;
    offset[i] = total;
    memcpy (w + total, pw[i].w, sizeof (double) * pw[i].count);
    total += pw[i].count;
  }
  d.first = upload_new (cuda, first, sizeof (int) * n);
  d.count = upload_new (cuda, count, sizeof (int) * n);
  d.offset = upload_new (cuda, offset, sizeof (int) * n);
  d.w = upload_new (cuda, w, sizeof (double) * (total ? total : 1));
  free (first);
  free (count);
  free (offset);
  free (w);
  return d;
}

static void
free_weights (CpsCuda * cuda, DeviceWeights * d)
{
  cps_cuda_free (cuda, d->first);
  cps_cuda_free (cuda, d->count);
  cps_cuda_free (cuda, d->offset);
  cps_cuda_free (cuda, d->w);
}

static CpsWindow *
cuda_window_new (const CpsWindowGeometry * g)
{
  CpsWindow *w = calloc (1, sizeof (CpsWindow));
  int th = g->target_height, tw = g->target_width;
  size_t per_frame;
  CpsTap *taps[4];
  CpsScorePlan *plan;

  w->g = *g;
  w->cuda = g->device;
  w->grid_width = tw / g->patch_size;
  w->grid_height = th / g->patch_size;
  per_frame = (size_t) w->grid_width * w->grid_height;
  for (int i = 0; i < 4; i++)
    taps[i] = malloc (sizeof (CpsTap) * (i % 2 ? tw : th));
  cps_window_taps (g, taps[0], taps[1], taps[2], taps[3]);
  for (int i = 0; i < 4; i++) {
    w->taps[i] = upload_new (w->cuda, taps[i],
        sizeof (CpsTap) * (i % 2 ? tw : th));
    free (taps[i]);
  }
  plan = cps_score_plan_new (g->lowres_width, g->lowres_height,
      g->source_width, g->source_height, tw, th, g->patch_size);
  w->rows = upload_weights (w->cuda, plan->rows, plan->grid_height);
  w->cols = upload_weights (w->cuda, plan->cols, plan->grid_width);
  cps_score_plan_free (plan);
  w->matrix = cps_cuda_alloc (w->cuda, sizeof (float) * 12);
  w->rgb = cps_cuda_alloc (w->cuda,
      sizeof (float) * 3 * th * tw * g->capacity);
  w->scores = cps_cuda_alloc (w->cuda, sizeof (float) * per_frame *
      g->capacity);
  w->tmp = cps_cuda_alloc (w->cuda, sizeof (double) * g->lowres_height *
      w->grid_width);
  w->indices = cps_cuda_alloc (w->cuda, sizeof (int64_t) * per_frame *
      g->capacity);
  w->host_scores = malloc (sizeof (float) * per_frame * g->capacity);
  w->zeros = calloc (per_frame, sizeof (float));
  return w;
}

static void
cuda_window_add (CpsWindow * w, const CpsImage * f, const CpsColorMatrix * cm,
    const float *energy)
{
  int th = w->g.target_height, tw = w->g.target_width;
  int gw = w->grid_width, gh = w->grid_height;
  int lw = w->g.lowres_width, lh = w->g.lowres_height;
  size_t per_frame = (size_t) gw * gh;
  CUdeviceptr py = DEV (f->planes[0]), pu = DEV (f->planes[1]);
  CUdeviceptr pv = f->uv_interleaved ? pu : DEV (f->planes[2]);
  CUdeviceptr rgb = w->rgb + sizeof (float) * 3 * th * tw * w->count;
  CUdeviceptr scores = w->scores + sizeof (float) * per_frame * w->count;
  CUdeviceptr e = DEV (energy);
  int sy = f->strides[0], su = f->strides[1];
  int sv = f->uv_interleaved ? su : f->strides[2], inter = f->uv_interleaved;
  float m[12];
  void *resize[] = { &py, &sy, &pu, &su, &pv, &sv, &inter, &w->taps[0],
    &w->taps[1], &w->taps[2], &w->taps[3], &tw, &th, &w->matrix, &rgb
  };
  void *columns[] = { &e, &lw, &lh, &gw, &w->cols.first, &w->cols.count,
    &w->cols.offset, &w->cols.w, &w->tmp
  };
  void *rows[] = { &w->tmp, &gw, &gh, &w->rows.first, &w->rows.count,
    &w->rows.offset, &w->rows.w, &scores
  };

  for (int c = 0; c < 3; c++) {
    memcpy (m + 3 * c, cm->m[c], sizeof (float) * 3);
    m[9 + c] = cm->offset[c];
  }
  cps_cuda_upload (w->cuda, w->matrix, m, sizeof m);
  cps_cuda_launch (w->cuda, CPS_KERNEL_RESIZE_TO_RGB, tw, th, NULL, resize);
  if (energy) {
    cps_cuda_launch (w->cuda, CPS_KERNEL_SCORES_COLUMNS, gw, lh, NULL,
        columns);
    cps_cuda_launch (w->cuda, CPS_KERNEL_SCORES_ROWS, gw, gh, NULL, rows);
  } else {
    cps_cuda_upload (w->cuda, scores, w->zeros, sizeof (float) * per_frame);
  }
  w->count++;
}

static int
cuda_window_count (const CpsWindow * w)
{
  return w->count;
}

/* One device → host copy of the window's scores, for the selection. */
static const float *
cuda_window_scores (const CpsWindow * cw)
{
  CpsWindow *w = (CpsWindow *) cw;

  cps_cuda_download (w->cuda, w->host_scores, w->scores, sizeof (float) *
      w->grid_width * w->grid_height * w->count);
  return w->host_scores;
}

static void
cuda_window_extract (const CpsWindow * w, const int64_t * indices, size_t n,
    CpsDtype dtype, void *out)
{
  int tw = w->g.target_width, th = w->g.target_height, p = w->g.patch_size;
  int gw = w->grid_width, gh = w->grid_height, count = (int) n;
  int type = (int) dtype;
  CUdeviceptr rgb = w->rgb, idx = w->indices, dst = DEV (out);
  void *args[] = { &rgb, &tw, &th, &p, &gw, &gh, &idx, &count, &type, &dst };

  cps_cuda_upload (w->cuda, w->indices, indices, sizeof (int64_t) * n);
  cps_cuda_launch (w->cuda, CPS_KERNEL_EXTRACT_PATCHES,
      (guint) (n * 3 * p * p), 1, NULL, args);
}

static void
cuda_window_reset (CpsWindow * w)
{
  w->count = 0;
}

static void
cuda_window_free (CpsWindow * w)
{
  if (!w)
    return;
  for (int i = 0; i < 4; i++)
    cps_cuda_free (w->cuda, w->taps[i]);
  free_weights (w->cuda, &w->rows);
  free_weights (w->cuda, &w->cols);
  cps_cuda_free (w->cuda, w->matrix);
  cps_cuda_free (w->cuda, w->rgb);
  cps_cuda_free (w->cuda, w->scores);
  cps_cuda_free (w->cuda, w->tmp);
  cps_cuda_free (w->cuda, w->indices);
  free (w->host_scores);
  free (w->zeros);
  free (w);
}

const CpsComputeOps cps_compute_cuda = {
  .name = "cuda",
  .motion_new = cuda_motion_new,
  .motion_process = cuda_motion_process,
  .motion_drain = cuda_motion_drain,
  .motion_reset = cuda_motion_reset,
  .motion_free = cuda_motion_free,
  .motion_camera = cuda_motion_camera,
  .energy_fuse = cuda_energy_fuse,
  .window_new = cuda_window_new,
  .window_add = cuda_window_add,
  .window_count = cuda_window_count,
  .window_scores = cuda_window_scores,
  .window_extract = cuda_window_extract,
  .window_reset = cuda_window_reset,
  .window_free = cuda_window_free,
};
