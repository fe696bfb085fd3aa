/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera model's first stage: the camera's motion between two frames,
 * estimated on their low-resolution luma (docs/algorithm.md, "The camera
 * motion model", step 2):
 *
 *   1. textured blocks of the current frame, spread over it, are each
 *      matched against the reference frame within ±range (zero preferred);
 *   2. the most common block vector (the mode), refined to sub-pixel
 *      precision, is the camera's translation when enough blocks agree;
 *      otherwise a similarity (translation, zoom, rotation) is fitted to
 *      the block vectors by iterated least squares.
 *
 * On flat content no block is textured, so the camera is static.
 */
#include "cps_camera_estimate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Blocks whose mean horizontal and vertical gradients are both below this
 * (luma levels per pixel) cannot tell one displacement from another. */
#define MIN_TEXTURE 2.0f
#define MAX_BLOCKS 64
/* A block prefers zero displacement unless another one is better by this
 * many luma levels per pixel: still, noisy scenes get no false vectors. */
#define ZERO_BIAS 0.5f
/* Pixels differing by more than this (luma levels) after the current
 * estimate are left out of its refinement. */
#define OUTLIER_DIFFERENCE 24.0f
/* Fraction of blocks that must agree with a camera model. */
#define MIN_SUPPORT 0.5f
/* Block vectors within this distance (low-res pixels) of a model agree. */
#define INLIER_DISTANCE 1.0f
/* Below this translation (low-res pixels) the camera is still. */
#define STILL_TRANSLATION 0.25f
/* A scale or rotation that moves the frame's corners less than this
 * (low-res pixels) is not a zoom. */
#define MIN_ZOOM_SHIFT 1.0f

typedef struct {
  int dx, dy;
} Offset;

struct CpsCameraEstimator {
  int w, h, range, block;
  const float *ref;             /* the frame compared with */
  Offset *global_order;
  int n_global;
  /* coarse to fine: both frames at half size, searched within ±range/2 */
  int hw, hh, coarse_range, n_coarse;
  float *cur_half, *ref_half;
  Offset *coarse_order;
  int *block_x, *block_y;       /* chosen blocks, top-left corners */
  Offset *vectors;              /* their displacements */
  int n_blocks;
  int *votes;                   /* (2 range + 1)² */
};

const char *
cps_camera_class_name (CpsCameraClass cls)
{
  static const char *names[] = { "static", "pan", "zoom", "complex" };

  return (unsigned) cls < 4 ? names[cls] : "unknown";
}

static int
compare_offsets (const void *a, const void *b)
{
  const Offset *p = a, *q = b;
  int mp = p->dx * p->dx + p->dy * p->dy, mq = q->dx * q->dx + q->dy * q->dy;

  if (mp != mq)
    return mp - mq;
  if (p->dy != q->dy)
    return p->dy - q->dy;
  return p->dx - q->dx;
}

/* Every displacement within ±r, shortest first: scanning in this order
 * and replacing the best only when strictly better makes ties go to the
 * shortest displacement, zero first, never to the first one scanned. */
static Offset *
offsets_by_length (int r, int *n)
{
  Offset *o = malloc (sizeof (Offset) * (2 * r + 1) * (2 * r + 1));

  *n = 0;
  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++)
      o[(*n)++] = (Offset) {
      dx, dy};
  qsort (o, *n, sizeof (Offset), compare_offsets);
  return o;
}

CpsCameraEstimator *
cps_camera_estimator_new (int width, int height)
{
  CpsCameraEstimator *m = calloc (1, sizeof (CpsCameraEstimator));
  int side = width < height ? width : height;
  size_t n = (size_t) width * height;

  m->w = width;
  m->h = height;
  m->block = side >= 16 + 2 * (CPS_CAMERA_RANGE + 1) + 16 ? 16 : 8;
  m->range = (side - m->block) / 2 - 1;
  if (m->range > CPS_CAMERA_RANGE)
    m->range = CPS_CAMERA_RANGE;
  if (m->range < 0)
    m->range = 0;
  m->global_order = offsets_by_length (m->range, &m->n_global);
  if (m->block == 16) {
    m->hw = width / 2;
    m->hh = height / 2;
    m->coarse_range = (m->range + 1) / 2;
    m->coarse_order = offsets_by_length (m->coarse_range, &m->n_coarse);
    m->cur_half = malloc (sizeof (float) * m->hw * m->hh);
    m->ref_half = malloc (sizeof (float) * m->hw * m->hh);
  }
  m->block_x = malloc (sizeof (int) * (n / 64 + 1));
  m->block_y = malloc (sizeof (int) * (n / 64 + 1));
  m->vectors = malloc (sizeof (Offset) * MAX_BLOCKS);
  m->votes = malloc (sizeof (int) * (2 * m->range + 1) * (2 * m->range + 1));
  return m;
}

void
cps_camera_estimator_free (CpsCameraEstimator * m)
{
  if (!m)
    return;
  free (m->global_order);
  free (m->coarse_order);
  free (m->cur_half);
  free (m->ref_half);
  free (m->block_x);
  free (m->block_y);
  free (m->vectors);
  free (m->votes);
  free (m);
}

void
cps_camera_still (CpsCameraMotion * c)
{
  memset (c, 0, sizeof *c);
  c->scale = 1.0f;
  c->cls = CPS_CAMERA_STATIC;
}

/* ---- 1. textured blocks and their vectors ----------------------------- */

static float
block_texture (const float *img, int w, int x0, int y0, int b)
{
  double gx = 0, gy = 0;

  for (int y = y0; y < y0 + b; y++) {
    const float *row = img + (size_t) y * w;

    for (int x = x0; x < x0 + b; x++) {
      gx += fabsf (row[x + 1] - row[x]);
      gy += fabsf (row[x + w] - row[x]);
    }
  }
  return (float) ((gx < gy ? gx : gy) / (b * b));
}

/* The blocks whose every candidate (and its ±1 neighbours for the
 * sub-pixel step) lies inside the frame, textured in both directions;
 * at most MAX_BLOCKS, taken evenly from the textured ones. */
static void
choose_blocks (CpsCameraEstimator * m, const float *cur)
{
  int b = m->block, margin = m->range + 1, n = 0;

  for (int y = margin; y + b + margin <= m->h; y += b)
    for (int x = margin; x + b + margin <= m->w; x += b)
      if (block_texture (cur, m->w, x, y, b) >= MIN_TEXTURE) {
        m->block_x[n] = x;
        m->block_y[n] = y;
        n++;
      }
  if (n > MAX_BLOCKS) {
    for (int i = 0; i < MAX_BLOCKS; i++) {
      int j = (int) ((long) i * n / MAX_BLOCKS);

      m->block_x[i] = m->block_x[j];
      m->block_y[i] = m->block_y[j];
    }
    n = MAX_BLOCKS;
  }
  m->n_blocks = n;
}

/* Sum of |cur − prev| over the block, the previous frame displaced by
 * (dx, dy): the content at x came from x − d.  Stops once past @limit.
 * One accumulator per column, so the compiler vectorises the rows. */
static float
block_sad (const float *cur, const float *prev, int w, int x0, int y0,
    int b, int row_step, int dx, int dy, float limit)
{
  float lanes[16] = { 0 }, sum = 0.0f;

  for (int y = y0, k = 0; y < y0 + b; y += row_step, k++) {
    const float *c = cur + (size_t) y * w + x0;
    const float *p = prev + (size_t) (y - dy) * w + x0 - dx;

    for (int x = 0; x < 16; x++)
      lanes[x] += x < b ? fabsf (c[x] - p[x]) : 0.0f;
    if ((k & 3) == 3) {
      sum = 0.0f;
      for (int x = 0; x < 16; x++)
        sum += lanes[x];
      if (sum > limit)
        return sum;
    }
  }
  sum = 0.0f;
  for (int x = 0; x < 16; x++)
    sum += lanes[x];
  return sum;
}

/* The best of the @n displacements @order (shortest first) for the block
 * of side @b at (x0, y0), on every @row_step-th row, replacing the best
 * only when strictly better by more than the zero bias unless zero. */
static Offset
best_offset (const float *cur, const float *ref, int w, int x0, int y0,
    int b, int row_step, const Offset * order, int n)
{
  float bias = ZERO_BIAS * b * b / row_step, best = INFINITY;
  Offset v = { 0, 0 };

  for (int i = 0; i < n; i++) {
    Offset o = order[i];
    float extra = o.dx || o.dy ? bias : 0.0f;
    float cost = block_sad (cur, ref, w, x0, y0, b, row_step, o.dx, o.dy,
        best - extra) + extra;

    if (cost < best) {
      best = cost;
      v = o;
    }
  }
  return v;
}

static void
halve (const float *in, int w, int hw, int hh, float *out)
{
  for (int j = 0; j < hh; j++) {
    const float *a = in + (size_t) (2 * j) * w, *b = a + w;

    for (int i = 0; i < hw; i++)
      out[(size_t) j * hw + i] = 0.25f * (a[2 * i] + a[2 * i + 1] +
          b[2 * i] + b[2 * i + 1]);
  }
}

/* The block's displacement within ±range, coarse to fine where the blocks
 * are 16 pixels: the 8-pixel block at half size within ±range/2, then the
 * nine displacements around twice that (within ±range) on every other
 * row; a fifth of a full search's cost.  Small frames search every
 * displacement. */
static Offset
block_vector (const CpsCameraEstimator * m, const float *cur, int x0, int y0)
{
  Offset c, fine[9], v;
  int n = 0;

  if (!m->cur_half)
    return best_offset (cur, m->ref, m->w, x0, y0, m->block, 2,
        m->global_order, m->n_global);
  c = best_offset (m->cur_half, m->ref_half, m->hw, x0 / 2, y0 / 2,
      m->block / 2, 1, m->coarse_order, m->n_coarse);
  /* the nine candidates, shortest first as everywhere */
  for (int i = 0; i < m->n_global && n < 9; i++) {
    Offset o = m->global_order[i];

    if (abs (o.dx - 2 * c.dx) <= 1 && abs (o.dy - 2 * c.dy) <= 1)
      fine[n++] = o;
  }
  v = best_offset (cur, m->ref, m->w, x0, y0, m->block, 2, fine, n);
  return v;
}

/* ---- 2. the camera's motion ------------------------------------------- */

static int
near_offset (Offset a, Offset b)
{
  return abs (a.dx - b.dx) <= 1 && abs (a.dy - b.dy) <= 1;
}

/* The most common block vector, the shortest among equals; its support
 * is the fraction of blocks within one pixel of it. */
static Offset
vote_mode (CpsCameraEstimator * m, float *support)
{
  int side = 2 * m->range + 1, best = 0, agree = 0;
  Offset mode = { 0, 0 };

  memset (m->votes, 0, sizeof (int) * side * side);
  for (int i = 0; i < m->n_blocks; i++)
    m->votes[(m->vectors[i].dy + m->range) * side + m->vectors[i].dx +
        m->range]++;
  for (int i = 0; i < m->n_global; i++) {
    Offset o = m->global_order[i];
    int v = m->votes[(o.dy + m->range) * side + o.dx + m->range];

    if (v > best) {
      best = v;
      mode = o;
    }
  }
  for (int i = 0; i < m->n_blocks; i++)
    agree += near_offset (m->vectors[i], mode);
  *support = m->n_blocks ? (float) agree / m->n_blocks : 0.0f;
  return mode;
}

/* Bilinear sample of @img (w × h) at (x, y), inside the frame. */
static float
sample (const float *img, int w, int h, double x, double y)
{
  int x0 = (int) floor (x), y0 = (int) floor (y);
  float fx, fy;
  const float *p;

  x0 = x0 < 0 ? 0 : x0 > w - 2 ? w - 2 : x0;
  y0 = y0 < 0 ? 0 : y0 > h - 2 ? h - 2 : y0;
  fx = (float) (x - x0);
  fy = (float) (y - y0);
  p = img + (size_t) y0 * w + x0;
  return (p[0] * (1.0f - fx) + p[1] * fx) * (1.0f - fy) +
      (p[w] * (1.0f - fx) + p[w + 1] * fx) * fy;
}

/* One Gauss-Newton step of the translation d over the blocks that voted
 * for the mode: cur(x) ≈ prev(x − d − δ) ≈ prev(x − d) − ∇prev · δ.
 * Returns 0 where the blocks' gradients do not fix δ. */
static int
translation_step (const CpsCameraEstimator * m, const float *cur, Offset mode,
    double *dx, double *dy)
{
  double gxx = 0, gxy = 0, gyy = 0, bx = 0, by = 0, det;
  int w = m->w, h = m->h;

  for (int i = 0; i < m->n_blocks; i++) {
    if (m->vectors[i].dx != mode.dx || m->vectors[i].dy != mode.dy)
      continue;
    for (int y = m->block_y[i]; y < m->block_y[i] + m->block; y++)
      for (int x = m->block_x[i]; x < m->block_x[i] + m->block; x++) {
        const float *c = cur + (size_t) y * w + x;
        float p = sample (m->ref, w, h, x - *dx, y - *dy);
        /* ∇prev(x − d) ≈ ∇cur(x) where the model holds: computed once */
        float gx = 0.5f * (c[1] - c[-1]), gy = 0.5f * (c[w] - c[-w]);
        float e = c[0] - p;

        if (fabsf (e) > OUTLIER_DIFFERENCE)
          continue;             /* a mover's pixel, not the camera's */
        gxx += gx * gx;
        gxy += gx * gy;
        gyy += gy * gy;
        bx -= gx * e;
        by -= gy * e;
      }
  }
  det = gxx * gyy - gxy * gxy;
  if (det <= 1e-9 * (gxx + gyy) * (gxx + gyy) || det <= 0.0)
    return 0;
  *dx += (gyy * bx - gxy * by) / det;
  *dy += (gxx * by - gxy * bx) / det;
  return 1;
}

/* Sub-pixel refinement of the mode: a few Gauss-Newton steps, kept within
 * half a pixel of it.  An exact whole-pixel match stays exact. */
static void
refine_translation (const CpsCameraEstimator * m, const float *cur, Offset mode,
    float *dx, float *dy)
{
  double x = mode.dx, y = mode.dy;
  int voters = 0, exact = 0;

  *dx = (float) mode.dx;
  *dy = (float) mode.dy;
  for (int i = 0; i < m->n_blocks; i++)
    if (m->vectors[i].dx == mode.dx && m->vectors[i].dy == mode.dy) {
      voters++;
      exact += block_sad (cur, m->ref, m->w, m->block_x[i], m->block_y[i],
          m->block, 1, mode.dx, mode.dy, 0.0f) == 0.0f;
    }
  /* most of them match exactly (the others straddle a moving object) */
  if (2 * exact >= voters)
    return;
  for (int iter = 0; iter < 4; iter++) {
    double px = x, py = y;

    if (!translation_step (m, cur, mode, &x, &y))
      break;
    if (fabs (x - px) < 0.01 && fabs (y - py) < 0.01)
      break;
  }
  if (fabs (x - mode.dx) <= 1.0 && fabs (y - mode.dy) <= 1.0) {
    *dx = (float) x;
    *dy = (float) y;
  }
}

/* Solves the 4 × 4 system a·p = b by Gaussian elimination with partial
 * pivoting; returns 0 when it is singular. */
static int
solve4 (double a[4][4], double b[4], double p[4])
{
  for (int col = 0; col < 4; col++) {
    int piv = col;

    for (int r = col + 1; r < 4; r++)
      if (fabs (a[r][col]) > fabs (a[piv][col]))
        piv = r;
    if (fabs (a[piv][col]) < 1e-9)
      return 0;
    for (int k = 0; k < 4; k++) {
      double t = a[col][k];

      a[col][k] = a[piv][k];
      a[piv][k] = t;
    }
    {
      double t = b[col];

      b[col] = b[piv];
      b[piv] = t;
    }
    for (int r = col + 1; r < 4; r++) {
      double f = a[r][col] / a[col][col];

      for (int k = col; k < 4; k++)
        a[r][k] -= f * a[col][k];
      b[r] -= f * b[col];
    }
  }
  for (int r = 3; r >= 0; r--) {
    double s = b[r];

    for (int k = r + 1; k < 4; k++)
      s -= a[r][k] * p[k];
    p[r] = s / a[r][r];
  }
  return 1;
}

/* The similarity's displacement at block i: p = (tx, ty, scale − 1,
 * rotation), about the frame centre. */
static void
similarity_at (const CpsCameraEstimator * m, const double p[4], int i,
    double *vx, double *vy)
{
  double half = m->block / 2.0;
  double x = m->block_x[i] + half - 0.5 - (m->w - 1) / 2.0;
  double y = m->block_y[i] + half - 0.5 - (m->h - 1) / 2.0;

  *vx = p[0] + p[2] * x - p[3] * y;
  *vy = p[1] + p[2] * y + p[3] * x;
}

/* Least squares fit of a similarity to the block vectors, refitted twice
 * on the blocks it explains; returns the fraction it explains. */
static float
fit_similarity (const CpsCameraEstimator * m, double p[4])
{
  int inliers = m->n_blocks;
  uint8_t use[MAX_BLOCKS];

  memset (use, 1, sizeof use);
  memset (p, 0, sizeof (double) * 4);
  for (int iter = 0; iter < 3; iter++) {
    double a[4][4] = { {0} }, b[4] = { 0 };
    double half = m->block / 2.0;

    for (int i = 0; i < m->n_blocks; i++) {
      double x, y, rx[4], ry[4];

      if (!use[i])
        continue;
      x = m->block_x[i] + half - 0.5 - (m->w - 1) / 2.0;
      y = m->block_y[i] + half - 0.5 - (m->h - 1) / 2.0;
      /* vx = tx + s x − r y,  vy = ty + s y + r x */
      rx[0] = 1, rx[1] = 0, rx[2] = x, rx[3] = -y;
      ry[0] = 0, ry[1] = 1, ry[2] = y, ry[3] = x;
      for (int r = 0; r < 4; r++) {
        for (int c = 0; c < 4; c++)
          a[r][c] += rx[r] * rx[c] + ry[r] * ry[c];
        b[r] += rx[r] * m->vectors[i].dx + ry[r] * m->vectors[i].dy;
      }
    }
    if (inliers < 3 || !solve4 (a, b, p))
      return 0.0f;
    inliers = 0;
    for (int i = 0; i < m->n_blocks; i++) {
      double vx, vy;

      similarity_at (m, p, i, &vx, &vy);
      use[i] = hypot (vx - m->vectors[i].dx, vy - m->vectors[i].dy) <=
          INLIER_DISTANCE;
      inliers += use[i];
    }
  }
  return (float) inliers / m->n_blocks;
}

/* How far (low-res pixels) the scale and rotation move the corners. */
static float
zoom_shift (const CpsCameraEstimator * m, float scale_minus_1, float rotation)
{
  return hypotf (m->w / 2.0f, m->h / 2.0f) * hypotf (scale_minus_1, rotation);
}

/* The mean absolute difference over block i between @cur and the reference
 * displaced by the motion @c (bilinear samples), on every other row and
 * column: a decision between two motions, not a measurement. */
static float
block_cost (const CpsCameraEstimator * m, const float *cur, int i,
    const CpsCameraMotion * c)
{
  double cx = (m->w - 1) / 2.0, cy = (m->h - 1) / 2.0, sum = 0.0;
  double s = c->scale - 1.0, r = c->rotation;

  for (int y = m->block_y[i]; y < m->block_y[i] + m->block; y += 2)
    for (int x = m->block_x[i]; x < m->block_x[i] + m->block; x += 2) {
      double rx = x - cx, ry = y - cy;
      double sx = x - (c->dx + s * rx - r * ry);
      double sy = y - (c->dy + s * ry + r * rx);

      sum += fabsf (cur[(size_t) y * m->w + x] - sample (m->ref, m->w, m->h,
              sx, sy));
    }
  return (float) (4.0 * sum / (m->block * m->block));
}

static int
compare_floats (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* The median of block_cost over the blocks. */
static float
median_cost (const CpsCameraEstimator * m, const float *cur,
    const CpsCameraMotion * c)
{
  float costs[MAX_BLOCKS];

  for (int i = 0; i < m->n_blocks; i++)
    costs[i] = block_cost (m, cur, i, c);
  qsort (costs, m->n_blocks, sizeof (float), compare_floats);
  return costs[m->n_blocks / 2];
}

static void estimate_motion (CpsCameraEstimator * m, const float *cur,
    CpsCameraMotion * c);

void
cps_camera_estimate (CpsCameraEstimator * m, const float *cur,
    const float *ref, CpsCameraMotion * c)
{
  CpsCameraMotion still;

  m->ref = ref;
  if (m->cur_half) {
    halve (cur, m->w, m->hw, m->hh, m->cur_half);
    halve (ref, m->w, m->hw, m->hh, m->ref_half);
  }
  estimate_motion (m, cur, c);
  if (c->cls == CPS_CAMERA_STATIC)
    return;
  /* A motion must explain the blocks better than none: a moving object
   * over smooth background can own most textured blocks and vote for its
   * own motion (a false zoom or pan); the median block keeps the camera
   * still when the background still matches as it is. */
  cps_camera_still (&still);
  if (median_cost (m, cur, &still) <= median_cost (m, cur, c) + ZERO_BIAS) {
    still.support = c->support;
    *c = still;
  }
}

static void
estimate_motion (CpsCameraEstimator * m, const float *cur,
    CpsCameraMotion * c)
{
  float support;
  Offset mode;

  cps_camera_still (c);
  choose_blocks (m, cur);
  if (m->n_blocks == 0)
    return;                     /* flat: nothing tells a motion */
  for (int i = 0; i < m->n_blocks; i++)
    m->vectors[i] = block_vector (m, cur, m->block_x[i], m->block_y[i]);
  mode = vote_mode (m, &support);
  c->support = support;
  /* a zoom: the similarity moves the corners by a pixel or more and
   * explains at least as many blocks as the translation */
  {
    double p[4];
    float explained = fit_similarity (m, p);

    if (explained >= MIN_SUPPORT && explained >= support &&
        zoom_shift (m, (float) p[2], (float) p[3]) >= MIN_ZOOM_SHIFT) {
      c->support = explained;
      c->dx = (float) p[0];
      c->dy = (float) p[1];
      c->scale = (float) (1.0 + p[2]);
      c->rotation = (float) p[3];
      c->cls = CPS_CAMERA_ZOOM;
      return;
    }
    if (support < MIN_SUPPORT && explained >= MIN_SUPPORT) {
      /* a translation after all, once the outliers are left out */
      c->support = explained;
      mode = (Offset) {
      (int) lrint (p[0]), (int) lrint (p[1])};
    }
  }
  if (c->support < MIN_SUPPORT) {
    /* no camera model explains the blocks: compensate the most common
     * motion, the best guess at the background's */
    c->cls = CPS_CAMERA_COMPLEX;
    c->dx = (float) mode.dx;
    c->dy = (float) mode.dy;
    return;
  }
  refine_translation (m, cur, mode, &c->dx, &c->dy);
  if (hypotf (c->dx, c->dy) < STILL_TRANSLATION) {
    c->dx = c->dy = 0.0f;       /* still: compare with the frame as it is */
    c->cls = CPS_CAMERA_STATIC;
  } else {
    c->cls = CPS_CAMERA_PAN;
  }
}
