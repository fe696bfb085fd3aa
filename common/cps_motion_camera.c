/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera motion model (docs/algorithm.md, "The camera motion model"):
 * each frame is compared with the previous AND the next frame once the
 * camera's motion is compensated, so the model holds one frame until the
 * next arrives.  This file keeps the frames and the order of the work; the
 * camera's motion comes from cps_camera_estimate.c, the maps from the
 * per-pixel stage (cps_camera_maps.c on the CPU, kernels on a device).
 */
#include "cps_motion_camera.h"
#include "cps_inline.h"
#include "cps_memory.h"

#include <stdlib.h>
#include <string.h>

/* The CPU per-pixel stage: packed copies of the three frames' luma. */
typedef struct {
  int fw, fh, lw, lh;
  uint8_t *full[3];
  uint8_t *sampled, *scratch;
  uint32_t *columns, hist[256];
  float *tmp;
} CpuPixels;

struct CpsCameraModel {
  int w, h, fw, fh;
  /* three frames in slots: the previous, the held one whose maps come
   * when the next arrives, and the next */
  float *frames[3];             /* low-resolution luma, for the estimate */
  uint32_t *sums;               /* the downscale's column sums */
  int prev_slot, held_slot;
  int have_prev, have_held;
  CpsCameraMotion held_motion;  /* previous → held */
  CpsCameraMotion last;         /* of the frame whose maps came last */
  CpsCameraEstimator *estimator;
  const CpsCameraPixels *pixels;
  void *impl;
  CpuPixels *cpu;               /* the default per-pixel stage */
};

static void
cpu_store (void *impl, int slot, const uint8_t * plane, int stride)
{
  CpuPixels *p = impl;

  for (int y = 0; y < p->fh; y++)
    memcpy (p->full[slot] + (size_t) y * p->fw, plane + (size_t) y * stride,
        p->fw);
}

static float
cpu_maps (void *impl, int held, const int *slots, const CpsCameraWarp * warps,
    int n_sides, float *motion, float *residual)
{
  CpuPixels *p = impl;
  const uint8_t *sides[2];
  int tau;

  if (n_sides == 0) {
    /* a stream of one frame: nothing to compare with */
    memset (motion, 0, sizeof (float) * p->lw * p->lh);
    memset (residual, 0, sizeof (float) * p->lw * p->lh);
    return 0.0f;
  }
  for (int k = 0; k < n_sides; k++)
    sides[k] = p->full[slots[k]];
  tau = cps_camera_difference_maps (p->full[held], sides, warps, n_sides,
      p->fw, p->fh, p->lw, p->lh, p->scratch, p->sampled, p->hist,
      p->columns, motion, residual);
  cps_camera_close_maps (motion, residual, p->lw, p->lh, p->tmp);
  return tau / 2.0f;
}

static const CpsCameraPixels cpu_pixels = { cpu_store, cpu_maps };

static CpuPixels *
cpu_pixels_new (int fw, int fh, int lw, int lh)
{
  CpuPixels *p = calloc (1, sizeof (CpuPixels));

  p->fw = fw;
  p->fh = fh;
  p->lw = lw;
  p->lh = lh;
  for (int i = 0; i < 3; i++)
    p->full[i] = cps_alloc_large ((size_t) fw * fh);
  p->sampled = malloc (cps_camera_sampled_rows (fh) * fw);
  p->scratch = malloc (2 * (size_t) fw);
  p->columns = malloc (sizeof (uint32_t) * cps_camera_cell_scratch (fw, lw));
  p->tmp = malloc (sizeof (float) * cps_camera_close_scratch (lw, lh));
  return p;
}

static void
cpu_pixels_free (CpuPixels * p)
{
  if (!p)
    return;
  for (int i = 0; i < 3; i++)
    free (p->full[i]);
  free (p->sampled);
  free (p->scratch);
  free (p->columns);
  free (p->tmp);
  free (p);
}

CpsCameraModel *
cps_camera_model_new_with_pixels (int full_width, int full_height, int width,
    int height, const CpsCameraPixels * pixels, void *impl)
{
  CpsCameraModel *m = calloc (1, sizeof (CpsCameraModel));

  m->w = width;
  m->h = height;
  m->fw = full_width;
  m->fh = full_height;
  for (int i = 0; i < 3; i++)
    m->frames[i] = calloc ((size_t) width * height, sizeof (float));
  m->sums = malloc (sizeof (uint32_t) * cps_camera_cell_scratch (full_width,
          width));
  m->estimator = cps_camera_estimator_new (width, height);
  if (pixels) {
    m->pixels = pixels;
    m->impl = impl;
  } else {
    m->cpu = cpu_pixels_new (full_width, full_height, width, height);
    m->pixels = &cpu_pixels;
    m->impl = m->cpu;
  }
  cps_camera_model_reset (m);
  return m;
}

CpsCameraModel *
cps_camera_model_new (int full_width, int full_height, int width, int height)
{
  return cps_camera_model_new_with_pixels (full_width, full_height, width,
      height, NULL, NULL);
}

void
cps_camera_model_free (CpsCameraModel * m)
{
  if (!m)
    return;
  for (int i = 0; i < 3; i++)
    free (m->frames[i]);
  free (m->sums);
  cps_camera_estimator_free (m->estimator);
  cpu_pixels_free (m->cpu);
  free (m);
}

void
cps_camera_model_reset (CpsCameraModel * m)
{
  m->have_prev = m->have_held = 0;
  m->prev_slot = 0;
  m->held_slot = 1;
  cps_camera_still (&m->last);
}

const CpsCameraMotion *
cps_camera_model_last (const CpsCameraModel * m)
{
  return &m->last;
}

/* ---- 0. the low-resolution luma --------------------------------------- */

/* column_sums += row, 16-bit lanes (a cell has at most 257 rows of 255). */
CPS_HOT static void
add_row (const uint8_t * row, int n, uint16_t * sums)
{
  for (int x = 0; x < n; x++)
    sums[x] = (uint16_t) (sums[x] + row[x]);
}

/* add_row that copies the row to @copy as it reads it: the model's copy
 * of the plane without a second pass over it. */
CPS_HOT static void
add_row_copy (const uint8_t * restrict row, int n, uint16_t * restrict sums,
    uint8_t * restrict copy)
{
  for (int x = 0; x < n; x++) {
    uint8_t v = row[x];

    sums[x] = (uint16_t) (sums[x] + v);
    copy[x] = v;
  }
}

/* The means of a row of cells of 4 columns (the default downscale): the
 * same sums and divisions as the general loop, vectorised. */
CPS_HOT static void
cell_means4 (const uint16_t * sums, int n, float area, float *out)
{
  for (int i = 0; i < n; i++)
    out[i] = (float) ((uint32_t) sums[4 * i] + sums[4 * i + 1] +
        sums[4 * i + 2] + sums[4 * i + 3]) / area;
}

/* cps_camera_downscale; with @copy not NULL, the plane is also copied
 * there, packed (rows @width apart). */
static void
downscale (const uint8_t * plane, int stride, int width, int height, int lw,
    int lh, uint32_t * column_sums, float *out, uint8_t * copy)
{
  uint16_t *sums = (uint16_t *) column_sums;
  int *cell_x = (int *) (sums + width + (width & 1));

  for (int i = 0; i < lw; i++)
    cps_camera_cell (i, lw, width, &cell_x[i], &cell_x[i + 1]);
  for (int j = 0; j < lh; j++) {
    int y0, y1;

    cps_camera_cell (j, lh, height, &y0, &y1);
    memset (sums, 0, sizeof (uint16_t) * width);
    for (int y = y0; y < y1; y++) {
      if (copy)
        add_row_copy (plane + (size_t) y * stride, width, sums,
            copy + (size_t) y * width);
      else
        add_row (plane + (size_t) y * stride, width, sums);
    }
    if (width == 4 * lw) {
      cell_means4 (sums, lw, (float) (4 * (y1 - y0)), out + (size_t) j * lw);
      continue;
    }
    for (int i = 0; i < lw; i++) {
      int x0 = cell_x[i], x1 = cell_x[i + 1];
      uint32_t sum = 0;

      for (int x = x0; x < x1; x++)
        sum += sums[x];
      out[(size_t) j * lw + i] = (float) sum / (float) ((x1 - x0) * (y1 - y0));
    }
  }
}

void
cps_camera_downscale (const uint8_t * plane, int stride, int width,
    int height, int lw, int lh, uint32_t * column_sums, float *out)
{
  downscale (plane, stride, width, height, lw, lh, column_sums, out, NULL);
}

/* ---- the held frame's maps ------------------------------------------- */

/* The warp of a neighbour in full-resolution pixels; @inverse for the next
 * frame, whose motion maps the held frame onto it (undone to first
 * order).  The comparison forgives half a pixel where the camera moves. */
static CpsCameraWarp
full_warp (const CpsCameraModel * m, const CpsCameraMotion * c, int inverse)
{
  float sign = inverse ? -1.0f : 1.0f;
  CpsCameraWarp w;

  w.dx = sign * c->dx * m->fw / m->w;
  w.dy = sign * c->dy * m->fh / m->h;
  w.scale = 1.0f + sign * (c->scale - 1.0f);
  w.rotation = sign * c->rotation;
  w.tolerant = c->dx != 0.0f || c->dy != 0.0f || c->scale != 1.0f ||
      c->rotation != 0.0f;
  return w;
}

/* The maps of the held frame against the neighbours that exist (@to_next
 * is NULL at the end of a stream). */
static void
held_frame_maps (CpsCameraModel * m, int next_slot,
    const CpsCameraMotion * to_next, float *motion, float *residual)
{
  CpsCameraWarp warps[2];
  int slots[2], n = 0;

  m->last = m->held_motion;
  if (m->have_prev) {
    slots[n] = m->prev_slot;
    warps[n++] = full_warp (m, &m->held_motion, 0);
  }
  if (to_next) {
    slots[n] = next_slot;
    warps[n++] = full_warp (m, to_next, 1);
  }
  m->last.noise = m->pixels->maps (m->impl, m->held_slot, slots, warps, n,
      motion, residual);
}

/* The held frame becomes the previous one. */
static void
release_held (CpsCameraModel * m)
{
  int slot = m->prev_slot;

  m->prev_slot = m->held_slot;
  m->held_slot = slot;
  m->have_prev = 1;
  m->have_held = 0;
}

/* process() once the new frame is in @next_slot, both resolutions */
static int
process_slot (CpsCameraModel * m, int next_slot, float *motion,
    float *residual, CpsCameraMotion * camera)
{
  const float *luma = m->frames[next_slot];
  CpsCameraMotion to_next;

  if (!m->have_held) {
    /* the first frame after a drain is compared with the one before it;
     * after new() or reset() with nothing */
    if (m->have_prev)
      cps_camera_estimate (m->estimator, luma, m->frames[m->prev_slot],
          &m->held_motion);
    else
      cps_camera_still (&m->held_motion);
    m->held_slot = next_slot;
    m->have_held = 1;
    return 0;
  }
  cps_camera_estimate (m->estimator, luma, m->frames[m->held_slot],
      &to_next);
  held_frame_maps (m, next_slot, &to_next, motion, residual);
  if (camera)
    *camera = m->last;
  release_held (m);
  m->held_slot = next_slot;
  m->held_motion = to_next;
  m->have_held = 1;
  return 1;
}

int
cps_camera_model_process (CpsCameraModel * m, const float *luma,
    const uint8_t * plane, int stride, float *motion, float *residual,
    CpsCameraMotion * camera)
{
  int next_slot = 3 - m->prev_slot - m->held_slot;

  memcpy (m->frames[next_slot], luma, sizeof (float) * m->w * m->h);
  m->pixels->store (m->impl, next_slot, plane, stride);
  return process_slot (m, next_slot, motion, residual, camera);
}

int
cps_camera_model_process_plane (CpsCameraModel * m, const uint8_t * plane,
    int stride, float *motion, float *residual, CpsCameraMotion * camera)
{
  int next_slot = 3 - m->prev_slot - m->held_slot;
  /* the CPU stage's copy of the plane as the downscale reads it */
  uint8_t *copy = m->cpu ? m->cpu->full[next_slot] : NULL;

  downscale (plane, stride, m->fw, m->fh, m->w, m->h, m->sums,
      m->frames[next_slot], copy);
  if (!copy)
    m->pixels->store (m->impl, next_slot, plane, stride);
  return process_slot (m, next_slot, motion, residual, camera);
}

int
cps_camera_model_drain (CpsCameraModel * m, float *motion, float *residual,
    CpsCameraMotion * camera)
{
  if (!m->have_held)
    return 0;
  held_frame_maps (m, -1, NULL, motion, residual);
  if (camera)
    *camera = m->last;
  release_held (m);
  return 1;
}
