/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The CPU implementation of CpsComputeOps.
 */
#include "cps_compute.h"
#include "cps_memory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


struct CpsMotionState {
  CpsMotionGeometry g;
  CpsTap *ytaps, *xtaps;
  void *row_scratch;            /* one source row, or the reference luma's */
  float *cur;                   /* current low-res luma */
  float *prev_padded;           /* previous one, with a border of radius */
  int have_prev;
  CpsCameraModel *camera;       /* motion-model=camera: the whole model */
};

/* The reference luma's view of a frame's planes */
static void
image_yuv_planes (const CpsImage * f, CpsYuvPlanes * p)
{
  p->y = f->planes[0];
  p->u = f->planes[1];
  p->v = f->uv_interleaved ? f->planes[1] + 1 : f->planes[2];
  p->ystride = f->strides[0];
  p->cstride = f->strides[1];
  p->cstep = f->uv_interleaved ? 2 : 1;
  p->xshift = f->chroma_x_shift;
  p->yshift = f->chroma_y_shift;
}

static CpsMotionState *
cpu_motion_new (const CpsMotionGeometry * g)
{
  CpsMotionState *s = calloc (1, sizeof (CpsMotionState));
  int lw = g->lowres_width, lh = g->lowres_height, r = g->radius;

  s->g = *g;
  s->ytaps = malloc (sizeof (CpsTap) * lh);
  s->xtaps = malloc (sizeof (CpsTap) * lw);
  cps_bilinear_taps (g->height, lh, s->ytaps);
  cps_bilinear_taps (g->width, lw, s->xtaps);
  /* the camera model works on float luma of its own, a box mean (it warps
   * by sub-pixel shifts) */
  if (g->model == CPS_MOTION_MODEL_CAMERA) {
    s->camera = cps_camera_model_new (g->width, g->height, lw, lh);
    return s;
  }
  s->cur = calloc ((size_t) lw * lh, sizeof (float));
  s->row_scratch = malloc (cps_reference_downscale_scratch (lw));
  s->prev_padded = malloc (sizeof (float) * (lw + 2 * r) * (lh + 2 * r));
  cps_pad_frame (s->cur, lw, lh, r, s->prev_padded);
  return s;
}

static int
cpu_motion_process (CpsMotionState * s, const CpsImage * frame,
    float *motion, float *residual)
{
  const CpsMotionGeometry *g = &s->g;
  int lw = g->lowres_width, lh = g->lowres_height, r = g->radius;
  int ps = lw + 2 * r;
  CpsYuvPlanes planes;

  if (s->camera)
    return cps_camera_model_process_plane (s->camera, frame->planes[0],
        frame->strides[0], motion, residual, NULL);
  image_yuv_planes (frame, &planes);
  cps_reference_downscale (&planes, s->ytaps, s->xtaps, lw, lh,
      s->row_scratch, s->cur);

  if (!s->have_prev) {
    memset (motion, 0, sizeof (float) * lw * lh);
    memset (residual, 0, sizeof (float) * lw * lh);
  } else {
    cps_motion_residual_padded (s->prev_padded, ps, s->cur, lw, lh, r,
        motion, residual);
  }
  /* the current frame becomes the previous one, inside the border */
  for (int y = 0; y < lh; y++)
    memcpy (s->prev_padded + (size_t) (y + r) * ps + r,
        s->cur + (size_t) y * lw, sizeof (float) * lw);
  s->have_prev = 1;
  return 1;
}

static int
cpu_motion_drain (CpsMotionState * s, float *motion, float *residual)
{
  return s->camera ? cps_camera_model_drain (s->camera, motion, residual,
      NULL) : 0;
}

static void
cpu_motion_reset (CpsMotionState * s)
{
  s->have_prev = 0;
  if (s->camera)
    cps_camera_model_reset (s->camera);
}

static void
cpu_motion_camera (const CpsMotionState * s, CpsCameraMotion * camera)
{
  if (s->camera) {
    *camera = *cps_camera_model_last (s->camera);
  } else {
    memset (camera, 0, sizeof *camera);
    camera->scale = 1.0f;
  }
}

static void
cpu_motion_free (CpsMotionState * s)
{
  if (!s)
    return;
  free (s->ytaps);
  free (s->xtaps);
  free (s->row_scratch);
  free (s->cur);
  free (s->prev_padded);
  cps_camera_model_free (s->camera);
  free (s);
}

/* Chroma taps for the luma source coordinate of each target sample: a
 * co-sited chroma sample k sits on luma sample k << shift, a centred one
 * halfway between its luma samples. */
static void
chroma_taps (const CpsTap * luma, int n, int src_len, int shift,
    int cosited, CpsTap * out)
{
  int clen = (src_len + (1 << shift) - 1) >> shift;
  double f = (double) (1 << shift);

  for (int i = 0; i < n; i++) {
    double s = luma[i].i0 + luma[i].w1;
    double c = cosited ? s / f : (s + 0.5) / f - 0.5;
    out[i] = shift ? cps_tap_at (c, clen) : luma[i];
  }
}

void
cps_window_taps (const CpsWindowGeometry * g, CpsTap * ytaps, CpsTap * xtaps,
    CpsTap * cytaps, CpsTap * cxtaps)
{
  int th = g->target_height, tw = g->target_width;

  cps_bilinear_taps (g->source_height, th, ytaps);
  cps_bilinear_taps (g->source_width, tw, xtaps);
  chroma_taps (ytaps, th, g->source_height, g->chroma_y_shift,
      g->chroma_v_cosited, cytaps);
  chroma_taps (xtaps, tw, g->source_width, g->chroma_x_shift,
      g->chroma_h_cosited, cxtaps);
}

struct CpsWindow {
  CpsWindowGeometry g;
  int grid_width, grid_height, count;
  CpsTap *ytaps, *xtaps, *cytaps, *cxtaps;
  CpsRowResample *columns;      /* luma */
  CpsRowResample *chroma_columns[2];    /* planar, interleaved chroma */
  CpsScorePlan *plan;
  float *rgb;                   /* capacity × 3 × th × tw */
  float *scores;                /* capacity × gh × gw */
  float *rows;                  /* 3 × tw: one target row of Y, U, V */
  float *tmp;                   /* one source row, vertically resampled */
};

static CpsWindow *
cpu_window_new (const CpsWindowGeometry * g)
{
  CpsWindow *w = calloc (1, sizeof (CpsWindow));
  int th = g->target_height, tw = g->target_width;

  w->g = *g;
  w->grid_width = tw / g->patch_size;
  w->grid_height = th / g->patch_size;
  w->ytaps = malloc (sizeof (CpsTap) * th);
  w->xtaps = malloc (sizeof (CpsTap) * tw);
  w->cytaps = malloc (sizeof (CpsTap) * th);
  w->cxtaps = malloc (sizeof (CpsTap) * tw);
  cps_window_taps (g, w->ytaps, w->xtaps, w->cytaps, w->cxtaps);
  w->columns = cps_row_resample_new (w->xtaps, tw, 1);
  for (int step = 1; step <= 2; step++)
    w->chroma_columns[step - 1] = cps_row_resample_new (w->cxtaps, tw, step);
  w->plan = cps_score_plan_new (g->lowres_width, g->lowres_height,
      g->source_width, g->source_height, tw, th, g->patch_size);
  w->rgb = cps_alloc_large (sizeof (float) * 3 * th * tw * g->capacity);
  w->scores = malloc (sizeof (float) * w->grid_width * w->grid_height *
      g->capacity);
  w->rows = malloc (sizeof (float) * 3 * tw);
  /* a luma row, or an interleaved chroma row of up to width + 1 bytes,
   * and what cps_row_resample may read past it */
  w->tmp = calloc (g->source_width + 2 + CPS_ROW_RESAMPLE_SLACK,
      sizeof (float));
  return w;
}

static float
clamp255 (float v)
{
  return v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
}

CPS_HOT512 static void
convert_row (const float *y, const float *u, const float *v, int n,
    const CpsColorMatrix * cm, float *r, float *g, float *b)
{
  float *out[3] = { r, g, b };

  for (int c = 0; c < 3; c++) {
    float m0 = cm->m[c][0], m1 = cm->m[c][1], m2 = cm->m[c][2];
    float off = cm->offset[c];
    float *o = out[c];

    for (int x = 0; x < n; x++)
      o[x] = clamp255 (m0 * y[x] + m1 * u[x] + m2 * v[x] + off);
  }
}

/* Vertical then horizontal taps of one target row of a plane (of
 * @src_w samples @step bytes apart) into @out. */
static void
resample_row (const uint8_t * plane, int stride, int step, int src_w,
    const CpsTap * ty, const CpsRowResample * columns, float *tmp, float *out)
{
  cps_lerp_rows (plane + (size_t) ty->i0 * stride,
      plane + (size_t) ty->i1 * stride, ty->w1, src_w * step, tmp);
  cps_row_resample (columns, tmp, out);
}

/* Bilinear resize of each YUV plane to the target size, then conversion to
 * RGB: the conversion is affine, so this equals resizing the full-size RGB
 * frame up to the final clamp and the chroma upsampling filter. */
static void
resize_to_rgb (CpsWindow * w, const CpsImage * f, const CpsColorMatrix * cm,
    float *rgb)
{
  int th = w->g.target_height, tw = w->g.target_width;
  int cw = (f->width + (1 << f->chroma_x_shift) - 1) >> f->chroma_x_shift;
  size_t plane = (size_t) th * tw;
  float *yr = w->rows, *ur = w->rows + tw, *vr = w->rows + 2 * tw;

  for (int y = 0; y < th; y++) {
    const CpsTap *cy = &w->cytaps[y];
    size_t o = (size_t) y * tw;

    resample_row (f->planes[0], f->strides[0], 1, f->width, &w->ytaps[y],
        w->columns, w->tmp, yr);
    if (f->uv_interleaved) {    /* one vertical pass serves U and V */
      resample_row (f->planes[1], f->strides[1], 2, cw, cy,
          w->chroma_columns[1], w->tmp, ur);
      cps_row_resample (w->chroma_columns[1], w->tmp + 1, vr);
    } else {
      resample_row (f->planes[1], f->strides[1], 1, cw, cy,
          w->chroma_columns[0], w->tmp, ur);
      resample_row (f->planes[2], f->strides[2], 1, cw, cy,
          w->chroma_columns[0], w->tmp, vr);
    }
    convert_row (yr, ur, vr, tw, cm, rgb + o, rgb + plane + o,
        rgb + 2 * plane + o);
  }
}

static void
cpu_window_add (CpsWindow * w, const CpsImage * frame,
    const CpsColorMatrix * cm, const float *energy)
{
  size_t per_frame = (size_t) w->grid_width * w->grid_height;
  float *scores = w->scores + per_frame * w->count;

  resize_to_rgb (w, frame, cm, w->rgb + (size_t) 3 * w->g.target_height *
      w->g.target_width * w->count);
  if (energy)
    cps_score_plan_apply (w->plan, energy, scores);
  else
    memset (scores, 0, per_frame * sizeof (float));
  w->count++;
}

static int
cpu_window_count (const CpsWindow * w)
{
  return w->count;
}

static const float *
cpu_window_scores (const CpsWindow * w)
{
  return w->scores;
}

const float *
cps_cpu_window_rgb (const CpsWindow * w, int t)
{
  return w->rgb + (size_t) 3 * w->g.target_height * w->g.target_width * t;
}

/* The first value of channel @c of patch @index in the window's RGB. */
static const float *
patch_origin (const CpsWindow * w, int64_t index, int c)
{
  int p = w->g.patch_size, tw = w->g.target_width;
  size_t per_frame = (size_t) w->grid_width * w->grid_height;
  int64_t t = index / per_frame, rem = index % per_frame;
  int ph = (int) (rem / w->grid_width), pw = (int) (rem % w->grid_width);

  return cps_cpu_window_rgb (w, (int) t) + (size_t) c * w->g.target_height *
      tw + (size_t) ph * p * tw + (size_t) pw * p;
}

static void
cpu_window_extract (const CpsWindow * w, const int64_t * indices, size_t n,
    CpsDtype dtype, void *out)
{
  int p = w->g.patch_size, tw = w->g.target_width;
  size_t esize = cps_dtype_size (dtype);
  uint8_t *dst = out;

  for (size_t i = 0; i < n; i++) {
    /* The window's frames are long out of the caches, and a patch is 3p
     * short rows: fetching the next patch's rows while this one converts
     * overlaps their misses (512 bf16 patches of a 1080p window at the
     * defaults: 3.4 ms -> 0.64 ms). */
    if (i + 1 < n)
      for (int c = 0; c < 3; c++) {
        const float *next = patch_origin (w, indices[i + 1], c);

        for (int row = 0; row < p; row++) {
          __builtin_prefetch (next + (size_t) row * tw);
          __builtin_prefetch (next + (size_t) row * tw + p - 1);
        }
      }
    for (int c = 0; c < 3; c++) {
      const float *src = patch_origin (w, indices[i], c);

      for (int row = 0; row < p; row++) {
        cps_convert_floats (src + (size_t) row * tw, p, dtype, dst);
        dst += p * esize;
      }
    }
  }
}

static void
cpu_window_reset (CpsWindow * w)
{
  w->count = 0;
}

static void
cpu_window_free (CpsWindow * w)
{
  if (!w)
    return;
  free (w->ytaps);
  free (w->xtaps);
  free (w->cytaps);
  free (w->cxtaps);
  cps_row_resample_free (w->columns);
  cps_row_resample_free (w->chroma_columns[0]);
  cps_row_resample_free (w->chroma_columns[1]);
  cps_score_plan_free (w->plan);
  free (w->rgb);
  free (w->scores);
  free (w->rows);
  free (w->tmp);
  free (w);
}

static void
cpu_energy_fuse (void *device, const float *motion, const float *residual,
    size_t n, double percentile_fraction, float motion_weight,
    float residual_weight, float *scratch, float *energy)
{
  cps_energy_fuse (motion, residual, n, percentile_fraction, motion_weight,
      residual_weight, scratch, energy);
}

const CpsComputeOps cps_compute_cpu = {
  .name = "cpu",
  .motion_new = cpu_motion_new,
  .motion_process = cpu_motion_process,
  .motion_drain = cpu_motion_drain,
  .motion_reset = cpu_motion_reset,
  .motion_free = cpu_motion_free,
  .energy_fuse = cpu_energy_fuse,
  .window_new = cpu_window_new,
  .window_add = cpu_window_add,
  .window_count = cpu_window_count,
  .window_scores = cpu_window_scores,
  .window_extract = cpu_window_extract,
  .window_reset = cpu_window_reset,
  .window_free = cpu_window_free,
  .motion_camera = cpu_motion_camera,
};
