/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The CUDA kernels: the same contracts and the same floating-point
 * operations, in the same order, as common/ (compiled with -fmad=false so
 * that no multiply-add is fused), so CPU and GPU give bit-identical maps,
 * scores and patches.  Each kernel names the common/ function it mirrors;
 * tests/gpu/test_gpu_parity.c compares them.
 *
 * Built at build time by nvcc into a fatbin (sm_75 … sm_90 plus PTX) that
 * is embedded in the plugin and loaded with cuModuleLoadData through
 * libgstcuda's loader: GStreamer 1.22's runtime compiler cannot target
 * CUDA 13.
 */
#include <stdint.h>

/* CpsTap of common/cps_resize.h, same layout */
struct Tap {
  int i0, i1;
  float w1;
};

/* CpsDtype of common/cps_dtype.h */
enum { DTYPE_BF16 = 0, DTYPE_FP16 = 1, DTYPE_FP32 = 2, DTYPE_U8 = 3 };

/* cps_lerp_rows for one column */
__device__ static float
lerp_u8 (const uint8_t * r0, const uint8_t * r1, float w1, int i)
{
  float w0 = 1.0f - w1;

  return w0 * r0[i] + w1 * r1[i];
}

/* cps_row_resample after cps_lerp_rows, for one output sample */
__device__ static float
resample (const uint8_t * plane, int stride, int step, int offset, Tap ty,
    Tap tx)
{
  const uint8_t *r0 = plane + (size_t) ty.i0 * stride + offset;
  const uint8_t *r1 = plane + (size_t) ty.i1 * stride + offset;
  float a = lerp_u8 (r0, r1, ty.w1, tx.i0 * step);
  float b = lerp_u8 (r0, r1, ty.w1, tx.i1 * step);

  return (1.0f - tx.w1) * a + tx.w1 * b;
}

/* cps_sws_yuv_to_rgb and cps_rgb_luma (common/cps_reference_luma.h): the
 * reference luma of one pixel, libswscale's integer BT.601 conversion to
 * 8-bit RGB, then 0.299 R + 0.587 G + 0.114 B rounded left to right */
__device__ static int
clamp8 (int v)
{
  return v < 0 ? 0 : (v > 255 ? 255 : v);
}

__device__ static float
reference_luma (int y, int u, int v)
{
  int yy = ((y * 8 - 128) * 9539) >> 16;
  int uu = u * 8 - 1024, vv = v * 8 - 1024;
  int r = clamp8 (yy + ((vv * 13075) >> 16));
  int g = clamp8 (yy + ((uu * -3209) >> 16) + ((vv * -6660) >> 16));
  int b = clamp8 (yy + ((uu * 16525) >> 16));
  float l = 0.299f * (float) r;

  l = l + 0.587f * (float) g;
  return l + 0.114f * (float) b;
}

/* CpsYuvPlanes of common/cps_reference_luma.h: the luma at (x, y) */
__device__ static float
luma_at (const uint8_t * py, int sy, const uint8_t * pu, const uint8_t * pv,
    int sc, int cstep, int xshift, int yshift, int x, int y)
{
  size_t c = (size_t) (y >> yshift) * sc + (size_t) (x >> xshift) * cstep;

  return reference_luma (py[(size_t) y * sy + x], pu[c], pv[c]);
}

/* cps_reference_downscale: the reference luma of the 2 × 2 source pixels
 * each output's taps read, each row's columns first, then the rows.  NV12:
 * @pv = @pu + 1 and @cstep 2; I420: @cstep 1. */
extern "C" __global__ void
cpsk_downscale_luma (const uint8_t * py, int sy, const uint8_t * pu,
    const uint8_t * pv, int sc, int cstep, int xshift, int yshift,
    const Tap * ytaps, const Tap * xtaps, int lw, int lh, float *out)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  Tap ty, tx;
  float wx0, wy0, t0, t1;

  if (x >= lw || y >= lh)
    return;
  ty = ytaps[y];
  tx = xtaps[x];
  wx0 = 1.0f - tx.w1;
  wy0 = 1.0f - ty.w1;
  t0 = wx0 * luma_at (py, sy, pu, pv, sc, cstep, xshift, yshift, tx.i0,
      ty.i0) + tx.w1 * luma_at (py, sy, pu, pv, sc, cstep, xshift, yshift,
      tx.i1, ty.i0);
  t1 = wx0 * luma_at (py, sy, pu, pv, sc, cstep, xshift, yshift, tx.i0,
      ty.i1) + tx.w1 * luma_at (py, sy, pu, pv, sc, cstep, xshift, yshift,
      tx.i1, ty.i1);
  out[(size_t) y * lw + x] = wy0 * t0 + ty.w1 * t1;
}

/* cps_motion_residual: per pixel, the first best match within ±r in scan
 * order (dy, then dx, from −r) with a strict "<"; out-of-frame candidates
 * are skipped.  @mags: √(dx² + dy²) in scan order. */
extern "C" __global__ void
cpsk_motion_residual (const float *prev, const float *cur, int w, int h,
    int r, const float *mags, float *motion, float *residual)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  float c, best = __int_as_float (0x7f800000), m = 0.0f;
  int d = 0;

  if (x >= w || y >= h)
    return;
  c = cur[(size_t) y * w + x];
  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++, d++) {
      int py = y - dy, px = x - dx;
      float e;

      if (py < 0 || py >= h || px < 0 || px >= w)
        continue;
      e = fabsf (c - prev[(size_t) py * w + px]);
      if (e < best) {
        best = e;
        m = mags[d];
      }
    }
  residual[(size_t) y * w + x] = best;
  motion[(size_t) y * w + x] = m;
}

/* cps_energy_fuse once the two percentiles are known (floored already) */
extern "C" __global__ void
cpsk_energy_fuse (const float *motion, const float *residual, int n,
    float pm, float pr, float wm, float wr, float *energy)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  float m, r, e;

  if (i >= n)
    return;
  m = motion[i] / pm;
  r = residual[i] / pr;
  m = m < 1.0f ? m : 1.0f;
  r = r < 1.0f ? r : 1.0f;
  e = wm * m + wr * r;
  energy[i] = e < 1.0f ? e : 1.0f;
}

/* cps_score_plan_apply, first pass: tmp[i][pw] = Σ_j cols[pw] · E[i][·].
 * @first, @count, @offset describe each patch column's weights in @w. */
extern "C" __global__ void
cpsk_scores_columns (const float *energy, int lw, int lh, int gw,
    const int *first, const int *count, const int *offset, const double *w,
    double *tmp)
{
  int pw = blockIdx.x * blockDim.x + threadIdx.x;
  int i = blockIdx.y * blockDim.y + threadIdx.y;
  const float *row;
  double acc = 0.0;

  if (pw >= gw || i >= lh)
    return;
  row = energy + (size_t) i * lw;
  for (int j = 0; j < count[pw]; j++)
    acc += w[offset[pw] + j] * row[first[pw] + j];
  tmp[(size_t) i * gw + pw] = acc;
}

/* cps_score_plan_apply, second pass: scores[ph][pw] = Σ_i rows[ph] · tmp */
extern "C" __global__ void
cpsk_scores_rows (const double *tmp, int gw, int gh, const int *first,
    const int *count, const int *offset, const double *w, float *scores)
{
  int pw = blockIdx.x * blockDim.x + threadIdx.x;
  int ph = blockIdx.y * blockDim.y + threadIdx.y;
  double acc = 0.0;

  if (pw >= gw || ph >= gh)
    return;
  for (int i = 0; i < count[ph]; i++)
    acc += w[offset[ph] + i] * tmp[(size_t) (first[ph] + i) * gw + pw];
  scores[ph * gw + pw] = (float) acc;
}

__device__ static float
clamp255 (float v)
{
  return v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
}

/* The window store of cps_compute_cpu.c (resize_to_rgb): each YUV plane
 * resized to the target size, then the colour matrix, into planar float
 * RGB.  @uv_interleaved: NV12 (plane 1 holds U, V pairs).  @m: 3×3 matrix
 * then 3 offsets. */
extern "C" __global__ void
cpsk_resize_to_rgb (const uint8_t * py, int sy, const uint8_t * pu, int su,
    const uint8_t * pv, int sv, int uv_interleaved, const Tap * ytaps,
    const Tap * xtaps, const Tap * cytaps, const Tap * cxtaps, int tw,
    int th, const float *m, float *rgb)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  size_t plane = (size_t) th * tw, o;
  float yv, uv, vv;

  if (x >= tw || y >= th)
    return;
  o = (size_t) y * tw + x;
  yv = resample (py, sy, 1, 0, ytaps[y], xtaps[x]);
  if (uv_interleaved) {
    uv = resample (pu, su, 2, 0, cytaps[y], cxtaps[x]);
    vv = resample (pu, su, 2, 1, cytaps[y], cxtaps[x]);
  } else {
    uv = resample (pu, su, 1, 0, cytaps[y], cxtaps[x]);
    vv = resample (pv, sv, 1, 0, cytaps[y], cxtaps[x]);
  }
  for (int c = 0; c < 3; c++)
    rgb[c * plane + o] = clamp255 (m[c * 3] * yv + m[c * 3 + 1] * uv +
        m[c * 3 + 2] * vv + m[9 + c]);
}

/* cps_float_to_bf16 */
__device__ static uint16_t
to_bf16 (float f)
{
  uint32_t x = __float_as_uint (f);

  if ((x & 0x7fffffffu) > 0x7f800000u)
    return 0x7fc0;
  x += 0x7fffu + ((x >> 16) & 1u);
  return (uint16_t) (x >> 16);
}

/* cps_float_to_fp16 */
__device__ static uint16_t
to_fp16 (float f)
{
  uint32_t x = __float_as_uint (f);
  uint16_t sign = (uint16_t) ((x >> 16) & 0x8000u);

  x &= 0x7fffffffu;
  if (x >= 0x7f800000u)
    return sign | (x > 0x7f800000u ? 0x7e00 : 0x7c00);
  if (x >= 0x477ff000u)
    return sign | 0x7c00;
  if (x < 0x38800000u)
    return sign | (uint16_t) rintf (__uint_as_float (x) * 16777216.0f);
  x = x - 0x38000000u + 0x0fffu + ((x >> 13) & 1u);
  return sign | (uint16_t) (x >> 13);
}

/* cpu_window_extract + cps_convert_floats: the selected patches of the
 * window store, [N, 3, P, P] in @dtype.  @indices: linear patch indices. */
extern "C" __global__ void
cpsk_extract_patches (const float *rgb, int tw, int th, int p, int gw,
    int gh, const int64_t * indices, int n, int dtype, void *out)
{
  size_t per_patch = (size_t) 3 * p * p;
  size_t e = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
  size_t i, k, plane = (size_t) tw * th;
  int c, row, col, ph, pw;
  int64_t t, rem;
  float v;

  if (e >= per_patch * n)
    return;
  i = e / per_patch;
  k = e % per_patch;
  c = (int) (k / ((size_t) p * p));
  row = (int) (k / p % p);
  col = (int) (k % p);
  t = indices[i] / ((int64_t) gw * gh);
  rem = indices[i] % ((int64_t) gw * gh);
  ph = (int) (rem / gw);
  pw = (int) (rem % gw);
  v = rgb[(size_t) t * 3 * plane + c * plane + (size_t) (ph * p + row) * tw +
      pw * p + col];
  switch (dtype) {
    case DTYPE_BF16:
      ((uint16_t *) out)[e] = to_bf16 (v);
      break;
    case DTYPE_FP16:
      ((uint16_t *) out)[e] = to_fp16 (v);
      break;
    case DTYPE_FP32:
      ((float *) out)[e] = v;
      break;
    default:
      v = rintf (v);
      ((uint8_t *) out)[e] = (uint8_t) (v < 0.0f ? 0.0f : (v > 255.0f ?
              255.0f : v));
      break;
  }
}

/* ---- the camera motion model (common/cps_camera_maps.c) ----------------- */

/* CpsCameraWarp of common/cps_camera_maps.h, same layout */
struct Warp {
  float dx, dy, scale, rotation;
  int tolerant;
};

#define CAMERA_UNMEASURED 255   /* CPS_CAMERA_UNMEASURED */
#define CAMERA_SECOND_SIDE_FROM 12      /* CPS_CAMERA_SECOND_SIDE_FROM */
#define CAMERA_MAX_DIFFERENCE 254

/* The source pixels [*a, *b) of low-resolution cell @i of @n along a side
 * of @len pixels, as the box downscale and the cell maps of
 * cps_camera_maps.h cut them. */
__device__ static void
camera_cell (int i, int n, int len, int *a, int *b)
{
  *a = (int) ((long long) i * len / n);
  *b = (int) ((long long) (i + 1) * len / n);
  *b = *b > *a ? *b : *a + 1;
}

/* cps_camera_downscale: the mean of the source pixels of output (i, j)'s
 * cell, rows ⌊j·h/lh⌋ to ⌊(j+1)·h/lh⌋ − 1 and columns likewise; an
 * integer sum (exact in any order), then one float division */
extern "C" __global__ void
cpsk_camera_downscale (const uint8_t * plane, int stride, int width,
    int height, int lw, int lh, float *out)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int j = blockIdx.y * blockDim.y + threadIdx.y;
  int x0, x1, y0, y1;
  uint32_t sum = 0;

  if (i >= lw || j >= lh)
    return;
  camera_cell (i, lw, width, &x0, &x1);
  camera_cell (j, lh, height, &y0, &y1);
  for (int y = y0; y < y1; y++) {
    const uint8_t *row = plane + (size_t) y * stride;

    for (int x = x0; x < x1; x++)
      sum += row[x];
  }
  out[(size_t) j * lw + i] = (float) sum / (float) ((x1 - x0) * (y1 - y0));
}

/* pixel_difference of cps_camera_maps.c: half levels, at most 254 */
__device__ static int
camera_pixel_difference (const uint8_t * side, int width, int height, int sx,
    int sy, int v, int tolerant)
{
  const uint8_t *p = side + (size_t) sy * width + sx;
  int c = p[0], v2 = 2 * v, lo, hi, d;

  if (!tolerant) {
    d = v2 - 2 * c;
    d = d < 0 ? -d : d;
  } else {
    int n[4] = { sx > 0 ? p[-1] : c, sx < width - 1 ? p[1] : c,
      sy > 0 ? p[-width] : c, sy < height - 1 ? p[width] : c
    };

    lo = hi = 2 * c;
    for (int k = 0; k < 4; k++) {
      lo = c + n[k] < lo ? c + n[k] : lo;
      hi = c + n[k] > hi ? c + n[k] : hi;
    }
    d = v2 > hi ? v2 - hi : v2 < lo ? lo - v2 : 0;
  }
  return d > CAMERA_MAX_DIFFERENCE ? CAMERA_MAX_DIFFERENCE : d;
}

/* side_row of cps_camera_maps.c for one pixel: the translation path
 * (lrintf of the shift) when the warp has no scale or rotation, else the
 * similarity in double, rounded with lrint */
__device__ static int
camera_side_difference (const uint8_t * held, const uint8_t * side,
    Warp w, int width, int height, int x, int y)
{
  int v = held[(size_t) y * width + x], sx, sy;

  if (w.scale == 1.0f && w.rotation == 0.0f) {
    int ox = (int) lrintf (w.dx);

    sy = y - (int) lrintf (w.dy);
    sx = x - ox;
    if (sy < 0 || sy >= height || x < ox || x >= width + ox)
      return CAMERA_UNMEASURED;
  } else {
    double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    double s = w.scale - 1.0, r = w.rotation, ry = y - cy, rx = x - cx;

    sx = (int) lrint (x - (w.dx + s * rx - r * ry));
    sy = (int) lrint (y - (w.dy + s * ry + r * rx));
    if (sx < 0 || sy < 0 || sx >= width || sy >= height)
      return CAMERA_UNMEASURED;
  }
  return camera_pixel_difference (side, width, height, sx, sy, v,
      w.tolerant);
}

/* cps_camera_differences: per pixel of @held (packed, @width × @height),
 * the difference to the first warped neighbour (CAMERA_UNMEASURED where it
 * has no pixel) and, where that is at least CAMERA_SECOND_SIDE_FROM and
 * the second neighbour (@n_sides 2) has a pixel, the smaller of the two; @hist (256 uint32, zeroed
 * by the caller) counts every fourth pixel of every fourth row, with
 * atomics (integer counts: the order does not matter) */
extern "C" __global__ void
cpsk_camera_differences (const uint8_t * held, const uint8_t * side0,
    const uint8_t * side1, Warp w0, Warp w1, int n_sides, int width,
    int height, uint8_t * diff, uint32_t * hist)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  int d;

  if (x >= width || y >= height)
    return;
  d = camera_side_difference (held, side0, w0, width, height, x, y);
  if (n_sides > 1 && d != CAMERA_UNMEASURED && d >= CAMERA_SECOND_SIDE_FROM) {
    int b = camera_side_difference (held, side1, w1, width, height, x, y);

    d = b != CAMERA_UNMEASURED && b < d ? b : d;
  }
  diff[(size_t) y * width + x] = (uint8_t) d;
  if ((y & 3) == 0 && (x & 3) == 0)
    atomicAdd (&hist[d], 1u);
}

/* cps_camera_cell_maps for cell (i, j): integer sums over the cell, then
 * the same float divisions; @marked counts the cells left non-zero (what
 * cps_camera_close_maps counts before deciding to close) */
extern "C" __global__ void
cpsk_camera_cell_maps (const uint8_t * diff, int width, int height, int lw,
    int lh, int tau, float *motion, float *residual, uint32_t * marked)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int j = blockIdx.y * blockDim.y + threadIdx.y;
  int x0, x1, y0, y1;
  uint32_t s = 0, a = 0, area;
  size_t o;

  if (i >= lw || j >= lh)
    return;
  camera_cell (i, lw, width, &x0, &x1);
  camera_cell (j, lh, height, &y0, &y1);
  for (int y = y0; y < y1; y++) {
    const uint8_t *d = diff + (size_t) y * width;

    for (int x = x0; x < x1; x++) {
      int v = d[x] == CAMERA_UNMEASURED ? 0 : d[x];

      s += v < tau ? v : tau;
      a += v > tau;
    }
  }
  o = (size_t) j * lw + i;
  area = (uint32_t) ((x1 - x0) * (y1 - y0));
  /* MIN_CELL_SHARE: a cell counts from a quarter of its pixels */
  if (4 * a < area) {
    motion[o] = residual[o] = 0.0f;
  } else {
    motion[o] = (float) a / (float) area;
    residual[o] = (float) s / (float) (tau * area);
  }
  if (residual[o] > 0.0f || motion[o] > 0.0f)
    atomicAdd (marked, 1u);
}

/* One pass of square_max / square_min of cps_camera_close_maps over both
 * maps: the extreme of the 5 cells along a row (@vertical 0) or a column
 * (1) around each cell, within the map.  The maps hold no NaN and no −0,
 * so the extreme is the same in any order. */
extern "C" __global__ void
cpsk_camera_square (const float *in0, const float *in1, float *out0,
    float *out1, int w, int h, int vertical, int dilate)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  int lo, hi, step;
  size_t o;
  float e0, e1;

  if (x >= w || y >= h)
    return;
  o = (size_t) y * w + x;
  if (vertical) {
    lo = y - 2 < 0 ? 0 : y - 2;
    hi = y + 2 < h ? y + 2 : h - 1;
    step = w;
    lo = lo * w + x;
    hi = hi * w + x;
  } else {
    lo = x - 2 < 0 ? 0 : x - 2;
    hi = x + 2 < w ? x + 2 : w - 1;
    step = 1;
    lo += y * w;
    hi += y * w;
  }
  e0 = in0[lo];
  e1 = in1[lo];
  for (int k = lo + step; k <= hi; k += step) {
    if (dilate) {
      e0 = e0 > in0[k] ? e0 : in0[k];
      e1 = e1 > in1[k] ? e1 : in1[k];
    } else {
      e0 = e0 < in0[k] ? e0 : in0[k];
      e1 = e1 < in1[k] ? e1 : in1[k];
    }
  }
  out0[o] = e0;
  out1[o] = e1;
}
