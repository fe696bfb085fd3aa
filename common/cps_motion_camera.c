/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera motion model, on the low-resolution luma of each frame:
 *
 *   1. textured blocks of the current frame, spread over it, are each
 *      matched against the previous frame within ±range (zero preferred);
 *   2. the most common block vector (the mode), refined to sub-pixel
 *      precision, is the camera's translation when enough blocks agree;
 *      otherwise a similarity (translation, zoom, rotation) is fitted to
 *      the block vectors by iterated least squares;
 *   3. the previous frame is warped by that motion (Catmull-Rom for a
 *      translation, bilinear for a zoom), and the per-pixel
 *      difference to it is thresholded by the frame's own noise level
 *      (4.5 times its median, clamped), lone pixels above it dropped;
 *      both maps get a 5 × 5 grey closing unless much of the frame is
 *      marked;
 *   4. pixels left above the threshold are matched locally (±radius,
 *      zero preferred) for their motion relative to the camera.
 *
 * Between identical frames every difference is 0, so every map is 0; on
 * flat content no block is textured, so the camera is static and nothing
 * is above the threshold.
 */
#include "cps_motion_camera.h"

#include <math.h>
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
/* The noise threshold: NOISE_FACTOR × median difference, clamped. */
#define NOISE_FACTOR 4.5f
#define MIN_NOISE 2.0f
#define MAX_NOISE 12.0f
#define NOISE_BINS_PER_LEVEL 4
/* A pixel above the threshold counts only with this many of its 8
 * neighbours above it too. */
#define MIN_NEIGHBOURS 2
#define NOISE_BINS (256 * NOISE_BINS_PER_LEVEL)
/* Both maps get a 5 × 5 grey closing (CLOSING_RADIUS 2) when at most this
 * fraction of the frame is marked: it fills the gaps between the marked
 * edges of an object.  Where much more is marked, the compensation has
 * failed (a zoom it does not model) and a closing would grow the
 * background's residual. */
#define CLOSING_RADIUS 2
#if CLOSING_RADIUS != 2
#error "square_max and square_min unroll a radius of 2"
#endif
#define CLOSING_MAX_MARKED 0.15f

typedef struct {
  int dx, dy;
} Offset;

/* A neighbouring frame warped onto the held one. */
typedef struct {
  float *warped;
  uint8_t *valid;               /* where the warp sampled inside the frame */
  int present;                  /* the neighbour exists */
  int subpixel;                 /* the warp samples between pixels */
} Side;

struct CpsCameraModel {
  int w, h, radius, range, block;
  /* three luma frames: the previous, the held one whose maps come when
   * the next arrives, and the next */
  float *frames[3];
  int prev_slot, held_slot;
  int have_prev, have_held;
  CpsCameraMotion held_motion;  /* previous → held */
  const float *ref;             /* the frame the estimate compares with */
  Side sides[2];                /* the previous and the next frame */
  float *tmp;                   /* the first pass of separable filters */
  uint8_t *above;
  CpsCameraMotion last;
  Offset *global_order, *local_order;
  int n_global, n_local;
  int *block_x, *block_y;       /* chosen blocks, top-left corners */
  Offset *vectors;              /* their displacements */
  int n_blocks;
  int *votes;                   /* (2 range + 1)² */
  uint32_t *noise_hist;
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

CpsCameraModel *
cps_camera_model_new (int width, int height, int radius)
{
  CpsCameraModel *m = calloc (1, sizeof (CpsCameraModel));
  int side = width < height ? width : height;
  size_t n = (size_t) width * height;

  m->w = width;
  m->h = height;
  m->radius = radius < 1 ? 1 : radius;
  m->block = side >= 16 + 2 * (CPS_CAMERA_RANGE + 1) + 16 ? 16 : 8;
  m->range = (side - m->block) / 2 - 1;
  if (m->range > CPS_CAMERA_RANGE)
    m->range = CPS_CAMERA_RANGE;
  if (m->range < 0)
    m->range = 0;
  for (int i = 0; i < 3; i++)
    m->frames[i] = calloc (n, sizeof (float));
  for (int k = 0; k < 2; k++) {
    m->sides[k].warped = calloc (n, sizeof (float));
    m->sides[k].valid = calloc (n, 1);
  }
  m->above = calloc (n, 1);
  m->tmp = calloc (n, sizeof (float));
  m->global_order = offsets_by_length (m->range, &m->n_global);
  m->local_order = offsets_by_length (m->radius, &m->n_local);
  m->block_x = malloc (sizeof (int) * (n / 64 + 1));
  m->block_y = malloc (sizeof (int) * (n / 64 + 1));
  m->vectors = malloc (sizeof (Offset) * MAX_BLOCKS);
  m->votes = malloc (sizeof (int) * (2 * m->range + 1) * (2 * m->range + 1));
  m->noise_hist = malloc (sizeof (uint32_t) * NOISE_BINS);
  cps_camera_model_reset (m);
  return m;
}

void
cps_camera_model_free (CpsCameraModel * m)
{
  if (!m)
    return;
  for (int i = 0; i < 3; i++)
    free (m->frames[i]);
  for (int k = 0; k < 2; k++) {
    free (m->sides[k].warped);
    free (m->sides[k].valid);
  }
  free (m->above);
  free (m->tmp);
  free (m->global_order);
  free (m->local_order);
  free (m->block_x);
  free (m->block_y);
  free (m->vectors);
  free (m->votes);
  free (m->noise_hist);
  free (m);
}

static void
still_camera (CpsCameraMotion * c)
{
  memset (c, 0, sizeof *c);
  c->scale = 1.0f;
  c->cls = CPS_CAMERA_STATIC;
}

void
cps_camera_model_reset (CpsCameraModel * m)
{
  m->have_prev = m->have_held = 0;
  m->prev_slot = 0;
  m->held_slot = 1;
  still_camera (&m->last);
}

const CpsCameraMotion *
cps_camera_model_last (const CpsCameraModel * m)
{
  return &m->last;
}

/* ---- 0. the low-resolution luma --------------------------------------- */

void
cps_camera_downscale (const uint8_t * plane, int stride, int width,
    int height, int lw, int lh, uint32_t * column_sums, float *out)
{
  for (int j = 0; j < lh; j++) {
    int y0 = (int) ((long) j * height / lh);
    int y1 = (int) ((long) (j + 1) * height / lh);

    y1 = y1 > y0 ? y1 : y0 + 1;
    memset (column_sums, 0, sizeof (uint32_t) * width);
    for (int y = y0; y < y1; y++) {
      const uint8_t *row = plane + (size_t) y * stride;

      for (int x = 0; x < width; x++)
        column_sums[x] += row[x];
    }
    for (int i = 0; i < lw; i++) {
      int x0 = (int) ((long) i * width / lw);
      int x1 = (int) ((long) (i + 1) * width / lw);
      uint32_t sum = 0;

      x1 = x1 > x0 ? x1 : x0 + 1;
      for (int x = x0; x < x1; x++)
        sum += column_sums[x];
      out[(size_t) j * lw + i] = (float) sum / (float) ((x1 - x0) * (y1 - y0));
    }
  }
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
choose_blocks (CpsCameraModel * m, const float *cur)
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
    int b, int dx, int dy, float limit)
{
  float lanes[16] = { 0 }, sum = 0.0f;

  for (int y = y0; y < y0 + b; y++) {
    const float *c = cur + (size_t) y * w + x0;
    const float *p = prev + (size_t) (y - dy) * w + x0 - dx;

    for (int x = 0; x < 16; x++)
      lanes[x] += x < b ? fabsf (c[x] - p[x]) : 0.0f;
    if ((y & 3) == 3) {
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

static Offset
block_vector (const CpsCameraModel * m, const float *cur, int x0, int y0)
{
  float bias = ZERO_BIAS * m->block * m->block, best = INFINITY;
  Offset v = { 0, 0 };

  for (int i = 0; i < m->n_global; i++) {
    Offset o = m->global_order[i];
    float extra = o.dx || o.dy ? bias : 0.0f;
    float cost = block_sad (cur, m->ref, m->w, x0, y0, m->block, o.dx, o.dy,
        best - extra) + extra;

    if (cost < best) {
      best = cost;
      v = o;
    }
  }
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
vote_mode (CpsCameraModel * m, float *support)
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
translation_step (const CpsCameraModel * m, const float *cur, Offset mode,
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
refine_translation (const CpsCameraModel * m, const float *cur, Offset mode,
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
          m->block, mode.dx, mode.dy, 0.0f) == 0.0f;
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
similarity_at (const CpsCameraModel * m, const double p[4], int i,
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
fit_similarity (const CpsCameraModel * m, double p[4])
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
zoom_shift (const CpsCameraModel * m, float scale_minus_1, float rotation)
{
  return hypotf (m->w / 2.0f, m->h / 2.0f) * hypotf (scale_minus_1, rotation);
}

static void
estimate_camera (CpsCameraModel * m, const float *cur, CpsCameraMotion * c)
{
  float support;
  Offset mode;

  still_camera (c);
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

/* ---- 3. compensation and the noise threshold ------------------------- */

/* The translation-only warp: the same integer offset and the same
 * bilinear weights for every pixel, so rows are plain weighted sums. */
static void
shift_frame (const CpsCameraModel * m, const float *src, float dx, float dy,
    Side * out)
{
  int w = m->w, h = m->h;
  int ix = (int) floorf (dx), iy = (int) floorf (dy);
  float fx = dx - ix, fy = dy - iy;
  /* warped(x) = prev(x − d): between source columns x − ix − 1 and x − ix,
   * weight fx on the first */
  float w00 = (1.0f - fx) * (1.0f - fy), w01 = fx * (1.0f - fy);
  float w10 = (1.0f - fx) * fy, w11 = fx * fy;
  int x_lo = ix + (fx > 0.0f), x_hi = w - 1 + ix;       /* valid columns */
  int y_lo = iy + (fy > 0.0f), y_hi = h - 1 + iy;

  x_lo = x_lo < 0 ? 0 : x_lo;
  x_hi = x_hi > w - 1 ? w - 1 : x_hi;
  memset (out->valid, 0, (size_t) w * h);
  memset (out->warped, 0, sizeof (float) * w * h);
  for (int y = y_lo < 0 ? 0 : y_lo; y <= y_hi && y < h; y++) {
    const float *r0 = src + (size_t) (y - iy) * w - ix;
    const float *r1 = fy > 0.0f ? r0 - w : r0;
    float *row = out->warped + (size_t) y * w;

    if (fx == 0.0f && fy == 0.0f) {     /* whole pixels: exact copies */
      memcpy (row + x_lo, r0 + x_lo, sizeof (float) * (x_hi - x_lo + 1));
    } else {
      for (int x = x_lo; x <= x_hi; x++) {
        const float *q0 = r0 + x, *q1 = r1 + x;
        float left = fx > 0.0f ? q0[-1] : q0[0];
        float up_left = fx > 0.0f ? q1[-1] : q1[0];

        row[x] = w00 * q0[0] + w01 * left + w10 * q1[0] + w11 * up_left;
      }
    }
    memset (out->valid + (size_t) y * w + x_lo, 1, x_hi - x_lo + 1);
  }
}

/* Catmull-Rom weights of the samples at −1, 0, 1, 2 for position t in
 * [0, 1) between samples 0 and 1. */
static void
cubic_weights (float t, float w[4])
{
  float t2 = t * t, t3 = t2 * t;

  w[0] = 0.5f * (-t3 + 2.0f * t2 - t);
  w[1] = 0.5f * (3.0f * t3 - 5.0f * t2 + 2.0f);
  w[2] = 0.5f * (-3.0f * t3 + 4.0f * t2 + t);
  w[3] = 0.5f * (t3 - t2);
}

static inline int
clampi (int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* The translation-only warp with Catmull-Rom interpolation, separable:
 * warped(x) = prev(x − d); valid where the bilinear warp's is (the taps
 * beyond the frame are clamped to its edge).  A bilinear warp by half a
 * pixel is a low-pass filter the current frame has not been through, and
 * leaves residual on every textured edge; the cubic one much less
 * (tests/bench/quality: +0.01 to +0.02 R-precision under pans, +0.05
 * under shake). */
static void
shift_frame_cubic (const CpsCameraModel * m, const float *src, float dx,
    float dy, Side * side)
{
  int w = m->w, h = m->h;
  int sx0 = (int) floorf (-dx), sy0 = (int) floorf (-dy);
  float tx = -dx - sx0, ty = -dy - sy0, wx[4], wy[4];
  float *hor = m->tmp;

  shift_frame (m, src, dx, dy, side);   /* the valid map, whole-pixel copies */
  if (tx == 0.0f && ty == 0.0f)
    return;
  cubic_weights (tx, wx);
  cubic_weights (ty, wy);
  for (int y = 0; y < h; y++) {
    const float *r = src + (size_t) y * w;
    float *out = hor + (size_t) y * w;

    for (int x = 0; x < w; x++) {
      int s = x + sx0;

      if (tx == 0.0f) {
        out[x] = r[clampi (s, 0, w - 1)];
        continue;
      }
      out[x] = wx[0] * r[clampi (s - 1, 0, w - 1)] +
          wx[1] * r[clampi (s, 0, w - 1)] +
          wx[2] * r[clampi (s + 1, 0, w - 1)] +
          wx[3] * r[clampi (s + 2, 0, w - 1)];
    }
  }
  for (int y = 0; y < h; y++) {
    int s = y + sy0;
    float *out = side->warped + (size_t) y * w;
    const uint8_t *valid = side->valid + (size_t) y * w;
    const float *r0, *r1, *r2, *r3;

    if (ty == 0.0f) {
      r1 = hor + (size_t) clampi (s, 0, h - 1) * w;
      for (int x = 0; x < w; x++)
        out[x] = valid[x] ? r1[x] : 0.0f;
      continue;
    }
    r0 = hor + (size_t) clampi (s - 1, 0, h - 1) * w;
    r1 = hor + (size_t) clampi (s, 0, h - 1) * w;
    r2 = hor + (size_t) clampi (s + 1, 0, h - 1) * w;
    r3 = hor + (size_t) clampi (s + 2, 0, h - 1) * w;
    for (int x = 0; x < w; x++)
      out[x] = valid[x] ?
          wy[0] * r0[x] + wy[1] * r1[x] + wy[2] * r2[x] + wy[3] * r3[x] : 0.0f;
  }
}

/* side->warped(x) = src(x − v(x)), bilinear; valid where x − v(x) lies
 * inside @src (the strip the camera uncovered is not). */
static void
warp_frame (const CpsCameraModel * m, const float *src,
    const CpsCameraMotion * c, Side * side)
{
  if (c->scale == 1.0f && c->rotation == 0.0f) {
    shift_frame_cubic (m, src, c->dx, c->dy, side);
    return;
  }

  int w = m->w, h = m->h;
  double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
  double s = c->scale - 1.0, r = c->rotation;

  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      double rx = x - cx, ry = y - cy;
      double sx = x - (c->dx + s * rx - r * ry);
      double sy = y - (c->dy + s * ry + r * rx);
      size_t o = (size_t) y * w + x;
      int x0, y0, x1, y1;
      float fx, fy, top, bottom;

      if (sx < -1e-4 || sy < -1e-4 || sx > w - 1 + 1e-4 || sy > h - 1 + 1e-4) {
        side->valid[o] = 0;
        side->warped[o] = 0.0f;
        continue;
      }
      x0 = (int) floor (sx + 1e-4);
      y0 = (int) floor (sy + 1e-4);
      x0 = x0 > w - 1 ? w - 1 : x0;
      y0 = y0 > h - 1 ? h - 1 : y0;
      fx = (float) (sx - x0);
      fy = (float) (sy - y0);
      fx = fx < 0.0f ? 0.0f : fx;
      fy = fy < 0.0f ? 0.0f : fy;
      x1 = x0 + 1 < w ? x0 + 1 : x0;
      y1 = y0 + 1 < h ? y0 + 1 : y0;
      top = src[(size_t) y0 * w + x0] * (1.0f - fx) +
          src[(size_t) y0 * w + x1] * fx;
      bottom = src[(size_t) y1 * w + x0] * (1.0f - fx) +
          src[(size_t) y1 * w + x1] * fx;
      if (fy == 0.0f)           /* exact where the shift is whole */
        side->warped[o] = fx == 0.0f ? src[(size_t) y0 * w + x0] : top;
      else
        side->warped[o] = top * (1.0f - fy) + bottom * fy;
      side->valid[o] = 1;
    }
  }
}

static float half_pixel_distance (const CpsCameraModel * m,
    const Side * side, size_t o, int x, int y, float v);

/* The compensated difference of pixel o of @cur to one neighbouring frame
 * warped onto it; with @tau ≥ 0 and a sub-pixel warp, a difference above
 * tau is forgiven down to the half-pixel range (Birchfield–Tomasi). */
static float
side_difference (const CpsCameraModel * m, const Side * side,
    const float *cur, float tau, int x, int y)
{
  size_t o = (size_t) y * m->w + x;
  float d = fabsf (cur[o] - side->warped[o]);

  /* never more than the plain difference: only worth it above tau */
  if (tau >= 0.0f && side->subpixel && d > tau)
    d = half_pixel_distance (m, side, o, x, y, cur[o]);
  return d;
}

/* What pixel (x, y) of @cur shows that neither neighbouring frame explains:
 * the smaller of its compensated differences to the previous and to the
 * next frame.  The background an object uncovers differs from the previous
 * frame only, the background it is about to cover from the next one only:
 * the minimum keeps just the object.  Where a present side has no valid
 * pixel (the strip a pan brings in or takes out) nothing is measured, and
 * *measured says so. */
static float
combined_difference (const CpsCameraModel * m, const float *cur, float tau,
    int x, int y, int *measured)
{
  size_t o = (size_t) y * m->w + x;
  float d = INFINITY;

  *measured = 0;
  for (int k = 0; k < 2; k++) {
    const Side *side = &m->sides[k];
    float dk;

    if (!side->present)
      continue;
    if (!side->valid[o])
      return 0.0f;
    dk = side_difference (m, side, cur, tau, x, y);
    d = dk < d ? dk : d;
  }
  *measured = d != INFINITY;
  return *measured ? d : 0.0f;
}

/* NOISE_FACTOR × the median compensated difference over the measured
 * pixels, clamped to [MIN_NOISE, MAX_NOISE]: on a still scene the median
 * pixel is background, so its difference is the frame's noise. */
static float
noise_threshold (CpsCameraModel * m, const float *cur)
{
  size_t count = 0, seen = 0;
  float median = 0.0f, tau;

  /* every other row and column: the median hardly moves, the cost halves
   * twice */
  memset (m->noise_hist, 0, sizeof (uint32_t) * NOISE_BINS);
  for (int y = 0; y < m->h; y += 2) {
    for (int x = 0; x < m->w; x += 2) {
      int measured, bin;
      float d = combined_difference (m, cur, -1.0f, x, y, &measured);

      if (!measured)
        continue;
      bin = (int) (d * NOISE_BINS_PER_LEVEL);
      m->noise_hist[bin < NOISE_BINS ? bin : NOISE_BINS - 1]++;
      count++;
    }
  }
  for (int b = 0; b < NOISE_BINS && count; b++) {
    seen += m->noise_hist[b];
    if (2 * seen >= count) {
      median = (b + 0.5f) / NOISE_BINS_PER_LEVEL;
      break;
    }
  }
  tau = NOISE_FACTOR * median;
  return tau < MIN_NOISE ? MIN_NOISE : tau > MAX_NOISE ? MAX_NOISE : tau;
}

/* ---- 4. residual and local motion ------------------------------------- */

/* The length of the shortest displacement at which pixel (x, y) matches
 * the warped neighbouring frame within the noise threshold @tau, or, where
 * none does, of the best match (shortest among equals).  Within the
 * noise, matches cannot be told apart, and stopping at the first keeps
 * the cost down on busy frames (a third less time on a 1080p pan; the
 * benchmark's R-precision moved by −0.03 to +0.01 against a full search). */
static float
local_motion (const CpsCameraModel * m, const Side * side, const float *cur,
    int x, int y, float tau)
{
  float v = cur[(size_t) y * m->w + x], best = INFINITY;
  Offset bo = { 0, 0 };

  for (int i = 0; i < m->n_local; i++) {
    Offset o = m->local_order[i];
    int sx = x - o.dx, sy = y - o.dy;
    size_t s;
    float d;

    if (sx < 0 || sy < 0 || sx >= m->w || sy >= m->h)
      continue;
    s = (size_t) sy * m->w + sx;
    if (!side->valid[s])
      continue;
    d = fabsf (v - side->warped[s]);
    if (d < best) {
      best = d;
      bo = o;
      if (d <= tau)
        break;
    }
  }
  return sqrtf ((float) (bo.dx * bo.dx + bo.dy * bo.dy));
}

/* The distance from @v to the range the warped frame spans within half a
 * pixel of @o (Birchfield–Tomasi): a sub-pixel warp blurs what it
 * interpolates, and this forgives that blur, not a real change. */
static float
half_pixel_distance (const CpsCameraModel * m, const Side * side, size_t o,
    int x, int y, float v)
{
  float c = side->warped[o], lo = c, hi = c;
  const int step[4][2] = { {-1, 0}, {1, 0}, {0, -1}, {0, 1} };

  for (int k = 0; k < 4; k++) {
    int nx = x + step[k][0], ny = y + step[k][1];
    size_t n;
    float half;

    if (nx < 0 || ny < 0 || nx >= m->w || ny >= m->h)
      continue;
    n = (size_t) ny * m->w + nx;
    if (!side->valid[n])
      continue;
    half = 0.5f * (c + side->warped[n]);
    lo = half < lo ? half : lo;
    hi = half > hi ? half : hi;
  }
  return v < lo ? lo - v : v > hi ? v - hi : 0.0f;
}

/* Whether the warp samples between pixels anywhere. */
static int
warp_is_subpixel (const CpsCameraMotion * c)
{
  return c->dx != floorf (c->dx) || c->dy != floorf (c->dy) ||
      c->scale != 1.0f || c->rotation != 0.0f;
}

/* Whether at least MIN_NEIGHBOURS of the 8 neighbours of (x, y) are
 * above the threshold too: a lone pixel above it is the noise's tail, a
 * moving object covers neighbourhoods. */
static int
has_company (const CpsCameraModel * m, int x, int y)
{
  int count = 0;

  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++) {
      int nx = x + dx, ny = y + dy;

      if ((dx || dy) && nx >= 0 && ny >= 0 && nx < m->w && ny < m->h)
        count += m->above[(size_t) ny * m->w + nx];
    }
  return count >= MIN_NEIGHBOURS;
}

/* out = the maximum (square_max) or minimum (square_min) of @in over the
 * (2 CLOSING_RADIUS + 1)² square around each pixel, within the frame;
 * separable, rows into @tmp, then columns.  @out may be @in.  Branch-free
 * inner loops, so the compiler vectorises them. */
#define SQUARE_EXTREME(name, op)                                            \
static void                                                                 \
name (const float *in, float *out, float *tmp, int w, int h)                \
{                                                                           \
  const int r = CLOSING_RADIUS;                                             \
                                                                            \
  for (int y = 0; y < h; y++) {                                             \
    const float *row = in + (size_t) y * w;                                 \
    float *t = tmp + (size_t) y * w;                                        \
                                                                            \
    for (int x = 0; x < w; x++) {                                           \
      if (x == r && w - r > r) {                                            \
        for (; x < w - r; x++) {                                            \
          float e = op (row[x - 2], row[x - 1]);                            \
          e = op (e, row[x]);                                               \
          e = op (e, row[x + 1]);                                           \
          t[x] = op (e, row[x + 2]);                                        \
        }                                                                   \
        if (x >= w)                                                         \
          break;                                                            \
      }                                                                     \
      float e = row[x];                                                     \
      for (int k = x - r < 0 ? 0 : x - r; k <= x + r && k < w; k++)        \
        e = op (e, row[k]);                                                 \
      t[x] = e;                                                             \
    }                                                                       \
  }                                                                         \
  for (int y = 0; y < h; y++) {                                             \
    float *o = out + (size_t) y * w;                                        \
    int y0 = y - r < 0 ? 0 : y - r, y1 = y + r < h ? y + r : h - 1;         \
                                                                            \
    memcpy (o, tmp + (size_t) y0 * w, sizeof (float) * w);                  \
    for (int k = y0 + 1; k <= y1; k++) {                                    \
      const float *t = tmp + (size_t) k * w;                                \
                                                                            \
      for (int x = 0; x < w; x++)                                           \
        o[x] = op (o[x], t[x]);                                             \
    }                                                                       \
  }                                                                         \
}

#define MAX_OF(a, b) ((a) > (b) ? (a) : (b))
#define MIN_OF(a, b) ((a) < (b) ? (a) : (b))
SQUARE_EXTREME (square_max, MAX_OF)
SQUARE_EXTREME (square_min, MIN_OF)

/* Grey closing of both maps, unless nothing or too much is marked. */
static void
close_maps (CpsCameraModel * m, float *motion, float *residual)
{
  size_t n = (size_t) m->w * m->h, marked = 0;

  for (size_t i = 0; i < n; i++)
    marked += residual[i] > 0.0f || motion[i] > 0.0f;
  if (marked == 0 || marked > CLOSING_MAX_MARKED * n)
    return;
  square_max (residual, residual, m->tmp, m->w, m->h);
  square_min (residual, residual, m->tmp, m->w, m->h);
  square_max (motion, motion, m->tmp, m->w, m->h);
  square_min (motion, motion, m->tmp, m->w, m->h);
}

static void
measure_maps (CpsCameraModel * m, const float *cur, float tau, float *motion,
    float *residual)
{
  /* local motion is measured against the previous frame where there is
   * one (at the start of a stream, against the next) */
  const Side *local = m->sides[0].present ? &m->sides[0] : &m->sides[1];

  for (int y = 0; y < m->h; y++)
    for (int x = 0; x < m->w; x++) {
      size_t o = (size_t) y * m->w + x;
      int measured;
      float d = combined_difference (m, cur, tau, x, y, &measured);

      residual[o] = d > tau ? d - tau : 0.0f;
      m->above[o] = d > tau;
    }
  for (int y = 0; y < m->h; y++)
    for (int x = 0; x < m->w; x++) {
      size_t o = (size_t) y * m->w + x;

      if (m->above[o] && has_company (m, x, y)) {
        motion[o] = local_motion (m, local, cur, x, y, tau);
      } else {
        motion[o] = residual[o] = 0.0f;
      }
    }
  close_maps (m, motion, residual);
}

/* The camera motion that undoes @c to first order: the next frame warped
 * by it lands on the current one. */
static CpsCameraMotion
inverse_motion (const CpsCameraMotion * c)
{
  CpsCameraMotion inv = *c;

  inv.dx = -c->dx;
  inv.dy = -c->dy;
  inv.scale = 2.0f - c->scale;
  inv.rotation = -c->rotation;
  return inv;
}

static void
prepare_side (CpsCameraModel * m, Side * side, const float *src,
    const CpsCameraMotion * c)
{
  side->present = src != NULL;
  if (!src)
    return;
  warp_frame (m, src, c, side);
  side->subpixel = warp_is_subpixel (c);
}

/* The maps of the held frame, against the frames on either side of it
 * that exist (@next is NULL at the end of a stream). */
static void
held_frame_maps (CpsCameraModel * m, const float *next,
    const CpsCameraMotion * to_next, float *motion, float *residual)
{
  size_t n = (size_t) m->w * m->h;
  CpsCameraMotion back = m->held_motion;

  if (next) {
    CpsCameraMotion fwd = inverse_motion (to_next);
    prepare_side (m, &m->sides[1], next, &fwd);
  } else {
    m->sides[1].present = 0;
  }
  prepare_side (m, &m->sides[0], m->have_prev ? m->frames[m->prev_slot] :
      NULL, &back);
  m->last = back;
  if (!m->sides[0].present && !m->sides[1].present) {
    memset (motion, 0, sizeof (float) * n);
    memset (residual, 0, sizeof (float) * n);
    return;
  }
  m->last.noise = noise_threshold (m, m->frames[m->held_slot]);
  measure_maps (m, m->frames[m->held_slot], m->last.noise, motion, residual);
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

int
cps_camera_model_process (CpsCameraModel * m, const float *luma,
    float *motion, float *residual, CpsCameraMotion * camera)
{
  size_t n = (size_t) m->w * m->h;
  int next_slot = 3 - m->prev_slot - m->held_slot;
  CpsCameraMotion to_next;

  memcpy (m->frames[next_slot], luma, sizeof (float) * n);
  if (!m->have_held) {
    /* the first frame after a drain is compared with the one before it;
     * after new() or reset() with nothing */
    if (m->have_prev) {
      m->ref = m->frames[m->prev_slot];
      estimate_camera (m, luma, &m->held_motion);
    } else {
      still_camera (&m->held_motion);
    }
    m->held_slot = next_slot;
    m->have_held = 1;
    return 0;
  }
  m->ref = m->frames[m->held_slot];
  estimate_camera (m, luma, &to_next);
  held_frame_maps (m, luma, &to_next, motion, residual);
  if (camera)
    *camera = m->last;
  release_held (m);
  m->held_slot = next_slot;
  m->held_motion = to_next;
  m->have_held = 1;
  return 1;
}

int
cps_camera_model_drain (CpsCameraModel * m, float *motion, float *residual,
    CpsCameraMotion * camera)
{
  if (!m->have_held)
    return 0;
  held_frame_maps (m, NULL, NULL, motion, residual);
  if (camera)
    *camera = m->last;
  release_held (m);
  return 1;
}
