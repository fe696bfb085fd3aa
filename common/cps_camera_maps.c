/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The camera model's per-pixel stage: see cps_camera_maps.h.  Everything
 * here is integer arithmetic on 8-bit luma until the cell means, so a
 * device implementation reproduces it exactly.
 */
#include "cps_camera_maps.h"
#include "cps_inline.h"

#include <math.h>
#include <string.h>

#define MAX_DIFFERENCE 254
#define NOISE_FACTOR 3
/* half levels; never below CPS_CAMERA_SECOND_SIDE_FROM (cps_camera_maps.h) */
#define MIN_NOISE 12
_Static_assert (MIN_NOISE >= CPS_CAMERA_SECOND_SIDE_FROM, "the second side");
#define MAX_NOISE 40
/* a cell counts when at least 1 / MIN_CELL_SHARE of its pixels are above
 * the threshold */
#define MIN_CELL_SHARE 4
#define CLOSING_PASSES CPS_CAMERA_CLOSING_PASSES
#define CLOSING_MAX_MARKED 0.15f

/* The difference, in half levels, between @v and the neighbour's pixel
 * (sx, sy). */
static inline int
pixel_difference (const uint8_t * side, int width, int height, int sx,
    int sy, int v, int tolerant)
{
  const uint8_t *p = side + (size_t) sy * width + sx;
  int c = p[0], v2 = 2 * v, lo, hi, d;

  if (!tolerant) {
    d = v2 - 2 * c;
    d = d < 0 ? -d : d;
  } else {
    /* the midpoints c + n are in half levels too */
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
  return d > MAX_DIFFERENCE ? MAX_DIFFERENCE : d;
}

/* a - b and a + b, saturated to [0, 255]: 8-bit lanes that the compiler
 * vectorises (max then subtract, min with the room then add) */
static CPS_ALWAYS_INLINE uint8_t
sub_sat (uint8_t a, uint8_t b)
{
  return (uint8_t) ((a > b ? a : b) - b);
}

static CPS_ALWAYS_INLINE uint8_t
add_sat (uint8_t a, uint8_t b)
{
  uint8_t room = (uint8_t) ~a;

  return (uint8_t) (a + (b < room ? b : room));
}

/* pixel_difference over @n pixels whose source pixels s[0..n) have both
 * horizontal neighbours inside the row; @up and @down are the source rows
 * above and below (the row itself at the frame's edge, which gives the
 * same range as leaving the neighbour out).  Branch-free in 8-bit lanes,
 * so the compiler vectorises it 32 pixels at a time: with mn and mx the
 * extremes of the pixel and its neighbours, the range is [c + mn, c + mx]
 * and the difference the one positive (mn ≤ c ≤ mx) of
 * 2v − c − mx = (v − c) + (v − mx) and c + mn − 2v = (c − v) + (mn − v),
 * each summed with saturation: at 255 it is cut to MAX_DIFFERENCE anyway
 * (an exhaustive check over v, c, mn and mx agreed with pixel_difference). */
static CPS_ALWAYS_INLINE void
tolerant_pixel (const uint8_t * row, const uint8_t * s, const uint8_t * up,
    const uint8_t * down, int i, uint8_t * out)
{
  uint8_t c = s[i], v = row[i], a = s[i - 1], b = s[i + 1];
  uint8_t mn = a < b ? a : b, mx = a > b ? a : b, above, below, d;

  mn = up[i] < mn ? up[i] : mn;
  mx = up[i] > mx ? up[i] : mx;
  mn = down[i] < mn ? down[i] : mn;
  mx = down[i] > mx ? down[i] : mx;
  mn = c < mn ? c : mn;
  mx = c > mx ? c : mx;
  above = sub_sat (add_sat (sub_sat (v, c), sub_sat (v, mx)),
      sub_sat (mx, v));
  below = sub_sat (add_sat (sub_sat (c, v), sub_sat (mn, v)),
      sub_sat (v, mn));
  d = above > below ? above : below;
  out[i] = d < MAX_DIFFERENCE ? d : MAX_DIFFERENCE;
}

/* The byte loops by hand where the CPU has AVX2 or AVX-512 (BW): GCC
 * does not find the saturating instructions in sub_sat and add_sat, and
 * spends several per lane on each. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CPS_X86_BYTES 1
#include <immintrin.h>

/* 0: neither, 1: AVX2, 2: AVX-512BW as well */
static int
byte_level (void)
{
  static int level = -1;

  if (level < 0) {
    __builtin_cpu_init ();
    level = __builtin_cpu_supports ("avx512bw") &&
        __builtin_cpu_supports ("avx512vl") ? 2 :
        __builtin_cpu_supports ("avx2") ? 1 : 0;
  }
  return level;
}

#define TOLERANT_BLOCK(T, P, L, MIN, MAX, ADDS, SUBS, SET1) \
  TOLERANT_BLOCK_LS (T, P ## loadu_si ## L, P ## storeu_si ## L, MIN, MAX, \
      ADDS, SUBS, SET1)
#define TOLERANT_BLOCK_LS(T, LOAD, STORE, MIN, MAX, ADDS, SUBS, SET1) \
  do { \
    T c_ = LOAD ((const void *) (s + k)); \
    T v_ = LOAD ((const void *) (row + k)); \
    T a_ = LOAD ((const void *) (s + k - 1)); \
    T b_ = LOAD ((const void *) (s + k + 1)); \
    T u_ = LOAD ((const void *) (up + k)); \
    T d_ = LOAD ((const void *) (down + k)); \
    T mn_ = MIN (MIN (MIN (a_, b_), MIN (u_, d_)), c_); \
    T mx_ = MAX (MAX (MAX (a_, b_), MAX (u_, d_)), c_); \
    T above_ = SUBS (ADDS (SUBS (v_, c_), SUBS (v_, mx_)), SUBS (mx_, v_)); \
    T below_ = SUBS (ADDS (SUBS (c_, v_), SUBS (mn_, v_)), SUBS (v_, mn_)); \
    STORE ((void *) (out + k), \
        MIN (MAX (above_, below_), SET1 ((char) MAX_DIFFERENCE))); \
  } while (0)

#define TOLERANT32 TOLERANT_BLOCK (__m256i, _mm256_, 256, _mm256_min_epu8, \
    _mm256_max_epu8, _mm256_adds_epu8, _mm256_subs_epu8, _mm256_set1_epi8)
#define TOLERANT64 TOLERANT_BLOCK (__m512i, _mm512_, 512, _mm512_min_epu8, \
    _mm512_max_epu8, _mm512_adds_epu8, _mm512_subs_epu8, _mm512_set1_epi8)

/* @n ≥ 32 */
__attribute__((target ("avx2"))) static void
tolerant_span_avx2 (const uint8_t * row, const uint8_t * s,
    const uint8_t * up, const uint8_t * down, int n, uint8_t * out)
{
  int k = 0;

  for (; k + 32 <= n; k += 32)
    TOLERANT32;
  if (k < n) {
    k = n - 32;
    TOLERANT32;
  }
}

/* @n < 32 pixels in one block of masked loads and stores (the lanes
 * beyond are neither read nor written) */
#define MASKED_LOAD(p) _mm256_maskz_loadu_epi8 (mask, (p))
#define MASKED_STORE(p, v) _mm256_mask_storeu_epi8 ((p), mask, (v))

__attribute__((target ("avx512bw,avx512vl"))) static void
tolerant_short_avx512 (const uint8_t * row, const uint8_t * s,
    const uint8_t * up, const uint8_t * down, int n, uint8_t * out)
{
  __mmask32 mask = (__mmask32) ((1u << n) - 1);
  int k = 0;

  TOLERANT_BLOCK_LS (__m256i, MASKED_LOAD, MASKED_STORE, _mm256_min_epu8,
      _mm256_max_epu8, _mm256_adds_epu8, _mm256_subs_epu8,
      _mm256_set1_epi8);
}

__attribute__((target ("avx512bw"))) static void
tolerant_span_avx512 (const uint8_t * row, const uint8_t * s,
    const uint8_t * up, const uint8_t * down, int n, uint8_t * out)
{
  int k = 0;

  for (; k + 64 <= n; k += 64)
    TOLERANT64;
  if (k + 32 <= n) {
    TOLERANT32;
    k += 32;
  }
  if (k < n) {
    k = n - 32;
    TOLERANT32;
  }
}

#define PLAIN_BLOCK(T, P, L, MIN, ADDS, SUBS, SET1) \
  PLAIN_BLOCK_LS (T, P ## loadu_si ## L, P ## storeu_si ## L, P ## or_si ## L, \
      MIN, ADDS, SUBS, SET1)
#define PLAIN_BLOCK_LS(T, LOAD, STORE, OR, MIN, ADDS, SUBS, SET1) \
  do { \
    T c_ = LOAD ((const void *) (s + k)); \
    T v_ = LOAD ((const void *) (row + k)); \
    T ad_ = OR (SUBS (v_, c_), SUBS (c_, v_)); \
    STORE ((void *) (out + k), \
        MIN (ADDS (ad_, ad_), SET1 ((char) MAX_DIFFERENCE))); \
  } while (0)

#define PLAIN32 PLAIN_BLOCK (__m256i, _mm256_, 256, _mm256_min_epu8, \
    _mm256_adds_epu8, _mm256_subs_epu8, _mm256_set1_epi8)
#define PLAIN64 PLAIN_BLOCK (__m512i, _mm512_, 512, _mm512_min_epu8, \
    _mm512_adds_epu8, _mm512_subs_epu8, _mm512_set1_epi8)

__attribute__((target ("avx2"))) static void
plain_span_avx2 (const uint8_t * row, const uint8_t * s, int n,
    uint8_t * out)
{
  int k = 0;

  for (; k + 32 <= n; k += 32)
    PLAIN32;
  if (k < n) {
    k = n - 32;
    PLAIN32;
  }
}

__attribute__((target ("avx512bw,avx512vl"))) static void
plain_short_avx512 (const uint8_t * row, const uint8_t * s, int n,
    uint8_t * out)
{
  __mmask32 mask = (__mmask32) ((1u << n) - 1);
  int k = 0;

  PLAIN_BLOCK_LS (__m256i, MASKED_LOAD, MASKED_STORE, _mm256_or_si256,
      _mm256_min_epu8, _mm256_adds_epu8, _mm256_subs_epu8,
      _mm256_set1_epi8);
}

__attribute__((target ("avx512bw"))) static void
plain_span_avx512 (const uint8_t * row, const uint8_t * s, int n,
    uint8_t * out)
{
  int k = 0;

  for (; k + 64 <= n; k += 64)
    PLAIN64;
  if (k + 32 <= n) {
    PLAIN32;
    k += 32;
  }
  if (k < n) {
    k = n - 32;
    PLAIN32;
  }
}
#endif

static void
tolerant_span (const uint8_t * row, const uint8_t * s, const uint8_t * up,
    const uint8_t * down, int n, uint8_t * out)
{
  int i = 0;

#ifdef CPS_X86_BYTES
  if (byte_level () == 2) {
    if (n < 32)
      tolerant_short_avx512 (row, s, up, down, n, out);
    else
      tolerant_span_avx512 (row, s, up, down, n, out);
    return;
  }
#endif
  if (n < 32) {
    for (; i < n; i++)
      tolerant_pixel (row, s, up, down, i, out);
    return;
  }
#ifdef CPS_X86_BYTES
  if (byte_level () == 1) {
    tolerant_span_avx2 (row, s, up, down, n, out);
    return;
  }
#endif
  /* blocks of 32, then the last 32 again rather than a scalar tail (the
   * same values): a zoom's runs are a few dozen pixels long */
  for (; i + 32 <= n; i += 32)
    for (int k = i; k < i + 32; k++)
      tolerant_pixel (row, s, up, down, k, out);
  if (i < n)
    for (int k = n - 32; k < n; k++)
      tolerant_pixel (row, s, up, down, k, out);
}

/* |2 v − 2 c| = 2 |v − c|, saturated, in 8-bit lanes */
static void
plain_span (const uint8_t * row, const uint8_t * s, int n, uint8_t * out)
{
#ifdef CPS_X86_BYTES
  if (byte_level () == 2) {
    if (n < 32)
      plain_short_avx512 (row, s, n, out);
    else
      plain_span_avx512 (row, s, n, out);
    return;
  }
  if (n >= 32 && byte_level () == 1) {
    plain_span_avx2 (row, s, n, out);
    return;
  }
#endif
  for (int i = 0; i < n; i++) {
    uint8_t ad = sub_sat (row[i], s[i]) | sub_sat (s[i], row[i]);
    uint8_t d = add_sat (ad, ad);

    out[i] = d < MAX_DIFFERENCE ? d : MAX_DIFFERENCE;
  }
}

/* Columns [a, b) of one row of @held against the side shifted by whole
 * pixels: held (x, y) against side (x - sx, sy); CPS_CAMERA_UNMEASURED
 * where the side has no pixel. */
static void
shifted_span (const uint8_t * row, const uint8_t * side, int width,
    int height, int sx, int sy, int tolerant, int a, int b, uint8_t * out)
{
  int x_lo = sx > a ? sx : a, x_hi = width + sx < b ? width + sx : b;

  if (sy < 0 || sy >= height || x_lo >= x_hi) {
    memset (out + a, CPS_CAMERA_UNMEASURED, b - a);
    return;
  }
  memset (out + a, CPS_CAMERA_UNMEASURED, x_lo - a);
  memset (out + x_hi, CPS_CAMERA_UNMEASURED, b - x_hi);
  if (!tolerant) {
    plain_span (row + x_lo, side + (size_t) sy * width + x_lo - sx,
        x_hi - x_lo, out + x_lo);
    return;
  }
  {
    /* the interior, where both horizontal neighbours exist, at once;
     * the first and last columns one by one */
    int in_lo = sx + 1 > x_lo ? sx + 1 : x_lo;
    int in_hi = width - 1 + sx < x_hi ? width - 1 + sx : x_hi;
    const uint8_t *src = side + (size_t) sy * width;

    for (int x = x_lo; x < x_hi && x < in_lo; x++)
      out[x] = (uint8_t) pixel_difference (side, width, height, x - sx, sy,
          row[x], 1);
    if (in_hi > in_lo)
      tolerant_span (row + in_lo, src + in_lo - sx,
          (sy > 0 ? src - width : src) + in_lo - sx,
          (sy < height - 1 ? src + width : src) + in_lo - sx,
          in_hi - in_lo, out + in_lo);
    for (int x = in_hi > in_lo ? in_hi : in_lo; x < x_hi; x++)
      out[x] = (uint8_t) pixel_difference (side, width, height, x - sx, sy,
          row[x], 1);
  }
}

/* Far more than the rounding error of the warp's coordinates (a few ulps
 * of values below 2^19, about 1e-9) and far less than the distance of a
 * coordinate to the next half pixel anywhere but near a run's end. */
#define RUN_MARGIN 1e-6

/* How many of the columns x, x + 1, ... (at most @limit) surely round to
 * @k, given the coordinate minus the column at x, @f (computed; the exact
 * value is within the margin), changing by @slope per column.  At least
 * 1: the caller computed column x exactly. */
static int
same_rounding (double f, double slope, int k, int limit)
{
  double room = (slope > 0 ? k + 0.5 - f : f - (k - 0.5)) - RUN_MARGIN, n;

  if (fabs (f - k) >= 0.5 - RUN_MARGIN)
    return 1;
  if (slope == 0.0)
    return limit;
  n = room / fabs (slope);
  return n >= limit - 1 ? limit : (int) n + 1;
}

/* Columns [a, b) of one row of @held against one side: out[x] = the
 * difference, or CPS_CAMERA_UNMEASURED where the side has no pixel. */
static void
side_span (const uint8_t * row, int y, const uint8_t * side,
    const CpsCameraWarp * w, int width, int height, int a, int b,
    uint8_t * out)
{
  if (w->scale == 1.0f && w->rotation == 0.0f) {
    /* a translation: one source row, one offset */
    shifted_span (row, side, width, height, (int) lrintf (w->dx),
        y - (int) lrintf (w->dy), w->tolerant, a, b, out);
    return;
  }
  {
    /* The source pixel of x is x - v(x) rounded, v affine in x with a
     * small slope (the zoom and the rotation), so a row splits into runs
     * of one whole-pixel shift.  Each run's first column is computed as
     * defined; the run goes on while the exact coordinates stay more than
     * RUN_MARGIN from the next half pixel (so the computed ones round the
     * same), and a shifted_span does the run.  Outside the bounds where
     * the margin covers the rounding error, every column is a run. */
    double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    double s = w->scale - 1.0, r = w->rotation, ry = y - cy;
    int bounded = fabs (w->dx) < 1e5 && fabs (w->dy) < 1e5 && fabs (s) < 1
        && fabs (r) < 1 && width < 65536 && height < 65536;

    for (int x = a, n; x < b; x += n) {
      double rx = x - cx;
      double fx = x - (w->dx + s * rx - r * ry);
      double fy = y - (w->dy + s * ry + r * rx);
      int sx = (int) lrint (fx), sy = (int) lrint (fy);

      n = 1;
      if (bounded) {
        int nx = same_rounding (fx - x, -s, sx - x, b - x);

        n = same_rounding (fy, -r, sy, nx);
      }
      shifted_span (row, side, width, height, x - sx, sy, w->tolerant, x,
          x + n, out);
    }
  }
}

/* Whether a difference to the first side calls for the second one. */
static inline int
needs_second_side (int d)
{
  return d != CPS_CAMERA_UNMEASURED && d >= CPS_CAMERA_SECOND_SIDE_FROM;
}

CPS_HOT512 static int
any_needs_second_side (const uint8_t * d, int n)
{
  int any = 0;

  for (int x = 0; x < n; x++)
    any |= needs_second_side (d[x]);
  return any;
}

#ifdef CPS_X86_BYTES
/* chunks_needing with a compare per 64 columns: d − FROM (wrapping) below
 * UNMEASURED − FROM is FROM ≤ d < UNMEASURED; the lanes past the row load
 * as 0, which does not need it */
__attribute__((target ("avx512bw"))) static int
chunks_needing_avx512 (const uint8_t * d, int width, uint8_t * need)
{
  const __m512i from = _mm512_set1_epi8 ((char) CPS_CAMERA_SECOND_SIDE_FROM);
  const __m512i span = _mm512_set1_epi8 ((char) (CPS_CAMERA_UNMEASURED -
          CPS_CAMERA_SECOND_SIDE_FROM));
  int count = 0;

  for (int a = 0, c = 0; a < width; a += 64, c++) {
    __mmask64 in = width - a >= 64 ? ~(__mmask64) 0 :
        (((__mmask64) 1) << (width - a)) - 1;
    __m512i v = _mm512_maskz_loadu_epi8 (in, d + a);

    need[c] = _mm512_cmplt_epu8_mask (_mm512_sub_epi8 (v, from), span) != 0;
    count += need[c];
  }
  return count;
}
#endif

/* Which chunks of 64 columns of a row of differences to the first side
 * call for the second one (@need, one flag per chunk), and how many. */
static int
chunks_needing (const uint8_t * d, int width, uint8_t * need)
{
  int count = 0;

#ifdef CPS_X86_BYTES
  if (byte_level () == 2)
    return chunks_needing_avx512 (d, width, need);
#endif
  for (int a = 0, c = 0; a < width; a += 64, c++) {
    need[c] = (uint8_t) any_needs_second_side (d + a, (a + 64 < width ?
            a + 64 : width) - a);
    count += need[c];
  }
  return count;
}

/* out = the smaller of out and other where out calls for the second side
 * and other measured it. */
CPS_HOT512 static void
combine_sides (uint8_t * out, const uint8_t * other, int n)
{
  for (int x = 0; x < n; x++) {
    int a = out[x], b = other[x];

    out[x] = (uint8_t) (needs_second_side (a) &&
        b != CPS_CAMERA_UNMEASURED && b < a ? b : a);
  }
}

/* Adds a row of differences to the per-column sums of min(d, tau) and of
 * d > tau (unmeasured pixels count as 0). */
CPS_HOT512 static void
accumulate_row (const uint8_t * d, int n, int tau, uint16_t * soft,
    uint16_t * above)
{
  for (int x = 0; x < n; x++) {
    uint8_t v = d[x] == CPS_CAMERA_UNMEASURED ? 0 : d[x];

    soft[x] = (uint16_t) (soft[x] + (v < tau ? v : tau));
    above[x] = (uint16_t) (above[x] + (v > tau));
  }
}

/* Row @y of the differences (cps_camera_differences without the
 * histogram) into @out. */
static void
difference_row (const uint8_t * held, const uint8_t * const *sides,
    const CpsCameraWarp * warps, int n_sides, int width, int height, int y,
    uint8_t * scratch, uint8_t * out)
{
  const uint8_t *row = held + (size_t) y * width;

  int n_chunks = (width + 63) / 64, needed;
  uint8_t need[n_chunks];

  side_span (row, y, sides[0], &warps[0], width, height, 0, width, out);
  if (n_sides < 2)
    return;
  /* the second side only where the first leaves a difference: in chunks
   * of 64 columns (a pixel below the lowest threshold keeps its first
   * difference whichever way); along the whole row where most chunks
   * need it, in one span (a zoom's runs are not cut at the chunks) */
  needed = chunks_needing (out, width, need);
  if (needed == 0)
    return;
  if (2 * needed > n_chunks) {
    side_span (row, y, sides[1], &warps[1], width, height, 0, width,
        scratch);
    combine_sides (out, scratch, width);
    return;
  }
  for (int a = 0, c = 0; a < width; a += 64, c++) {
    int b = a + 64 < width ? a + 64 : width;

    if (!need[c])
      continue;
    side_span (row, y, sides[1], &warps[1], width, height, a, b, scratch);
    combine_sides (out + a, scratch + a, b - a);
  }
}

static void
sample_row (const uint8_t * d, int width, uint32_t * hist)
{
  for (int x = 0; x < width; x += 4)
    hist[d[x]]++;
}

void
cps_camera_differences (const uint8_t * held,
    const uint8_t * const *sides, const CpsCameraWarp * warps, int n_sides,
    int width, int height, uint8_t * scratch, uint8_t * diff, uint32_t * hist)
{
  memset (hist, 0, sizeof (uint32_t) * 256);
  for (int y = 0; y < height; y++) {
    uint8_t *out = diff + (size_t) y * width;

    difference_row (held, sides, warps, n_sides, width, height, y, scratch,
        out);
    if ((y & 3) == 0)
      sample_row (out, width, hist);
  }
}

int
cps_camera_noise_level (const uint32_t * hist)
{
  uint32_t count = 0, seen = 0;
  int median = 0, tau;

  for (int b = 0; b < CPS_CAMERA_UNMEASURED; b++)
    count += hist[b];
  for (int b = 0; b < CPS_CAMERA_UNMEASURED && count; b++) {
    seen += hist[b];
    if (2 * seen >= count) {
      median = b;
      break;
    }
  }
  tau = NOISE_FACTOR * median;
  return tau < MIN_NOISE ? MIN_NOISE : tau > MAX_NOISE ? MAX_NOISE : tau;
}

/* The sums of the @n cells of a row of cells (columns [cell_x[i],
 * cell_x[i + 1])) from its column sums (finish_cells4 does the default
 * downscale's cells of 4 columns). */
CPS_HOT static void
cell_sums (const uint16_t * soft, const uint16_t * above, const int *cell_x,
    int n, uint32_t * s, uint32_t * a)
{
  for (int i = 0; i < n; i++) {
    s[i] = a[i] = 0;
    for (int x = cell_x[i]; x < cell_x[i + 1]; x++) {
      s[i] += soft[x];
      a[i] += above[x];
    }
  }
}

/* The cells' first columns, in @columns after the column sums (as
 * cps_camera_cell_maps lays them out). */
typedef struct {
  uint16_t *soft, *above;
  int *cell_x;
  uint32_t *cell_soft, *cell_above;
} CellScratch;

static CellScratch
cell_scratch (uint32_t * columns, int width, int lw)
{
  /* 16-bit column sums: a cell has at most 64 rows of at most MAX_NOISE;
   * the cells' first columns after them (lw + 1 of them), then the
   * cells' sums of a row of cells */
  CellScratch c;

  c.soft = (uint16_t *) columns;
  c.above = c.soft + width;
  c.cell_x = (int *) (c.above + width);
  c.cell_soft = (uint32_t *) (c.cell_x + lw + 1);
  c.cell_above = c.cell_soft + lw;
  for (int i = 0; i < lw; i++)
    cps_camera_cell (i, lw, width, &c.cell_x[i], &c.cell_x[i + 1]);
  return c;
}

/* Cells of 4 columns: the sums and the maps in one loop, without a
 * branch (the same divisions, so the same values), which vectorises. */
CPS_HOT static void
finish_cells4 (const uint16_t * soft, const uint16_t * above, int n,
    uint32_t area, int tau, float *mo, float *re)
{
  float farea = (float) area, fsoft = (float) (tau * area);

  for (int i = 0; i < n; i++) {
    uint32_t s = (uint32_t) soft[4 * i] + soft[4 * i + 1] + soft[4 * i + 2] +
        soft[4 * i + 3];
    uint32_t a = (uint32_t) above[4 * i] + above[4 * i + 1] +
        above[4 * i + 2] + above[4 * i + 3];
    int keep = !(MIN_CELL_SHARE * a < area);
    float m = (float) a / farea, r = (float) s / fsoft;

    mo[i] = keep ? m : 0.0f;
    re[i] = keep ? r : 0.0f;
  }
}

/* Row of cells @j (rows [y0, y1)) from the column sums in @c. */
static void
finish_cells (const CellScratch * c, int width, int lw, int y0, int y1,
    int tau, float *mo, float *re)
{
  if (width == 4 * lw) {
    finish_cells4 (c->soft, c->above, lw, (uint32_t) (4 * (y1 - y0)), tau,
        mo, re);
    return;
  }
  cell_sums (c->soft, c->above, c->cell_x, lw, c->cell_soft, c->cell_above);
  for (int i = 0; i < lw; i++) {
    uint32_t s = c->cell_soft[i], a = c->cell_above[i];
    uint32_t area = (uint32_t) ((c->cell_x[i + 1] - c->cell_x[i]) * (y1 - y0));

    if (MIN_CELL_SHARE * a < area) {
      mo[i] = re[i] = 0.0f;
    } else {
      mo[i] = (float) a / (float) area;
      re[i] = (float) s / (float) (tau * area);
    }
  }
}

void
cps_camera_cell_maps (const uint8_t * diff, int width, int height, int lw,
    int lh, int tau, uint32_t * columns, float *motion, float *residual)
{
  CellScratch c = cell_scratch (columns, width, lw);

  for (int j = 0; j < lh; j++) {
    int y0, y1;

    cps_camera_cell (j, lh, height, &y0, &y1);
    memset (columns, 0, sizeof (uint16_t) * 2 * width);
    for (int y = y0; y < y1; y++)
      accumulate_row (diff + (size_t) y * width, width, tau, c.soft,
          c.above);
    finish_cells (&c, width, lw, y0, y1, tau, motion + (size_t) j * lw,
        residual + (size_t) j * lw);
  }
}

size_t
cps_camera_sampled_rows (int height)
{
  return (size_t) (height + 3) / 4;
}

int
cps_camera_difference_maps (const uint8_t * held,
    const uint8_t * const *sides, const CpsCameraWarp * warps, int n_sides,
    int width, int height, int lw, int lh, uint8_t * scratch,
    uint8_t * sampled, uint32_t * hist, uint32_t * columns, float *motion,
    float *residual)
{
  CellScratch c;
  uint8_t *row = scratch + width;
  int tau;

  /* the rows the histogram samples first, kept: the threshold needs
   * them before any cell */
  memset (hist, 0, sizeof (uint32_t) * 256);
  for (int y = 0; y < height; y += 4) {
    uint8_t *out = sampled + (size_t) (y / 4) * width;

    difference_row (held, sides, warps, n_sides, width, height, y, scratch,
        out);
    sample_row (out, width, hist);
  }
  tau = cps_camera_noise_level (hist);
  c = cell_scratch (columns, width, lw);
  for (int j = 0; j < lh; j++) {
    int y0, y1;

    cps_camera_cell (j, lh, height, &y0, &y1);
    memset (columns, 0, sizeof (uint16_t) * 2 * width);
    for (int y = y0; y < y1; y++) {
      const uint8_t *d = sampled + (size_t) (y / 4) * width;

      if (y & 3) {
        difference_row (held, sides, warps, n_sides, width, height, y,
            scratch, row);
        d = row;
      }
      accumulate_row (d, width, tau, c.soft, c.above);
    }
    finish_cells (&c, width, lw, y0, y1, tau, motion + (size_t) j * lw,
        residual + (size_t) j * lw);
  }
  return tau;
}

/* The maximum (or, with @sign −1, the minimum) of each element of the
 * columns of a map over the window of ±CLOSING_RADIUS rows around it,
 * within the column, in O(1) per element (van Herk / Gil–Werman): blocks
 * of the window's length, with running extremes from each block's start
 * (@g) and end (@hh); the window at y spans the end of one block and the
 * start of the next, so its extreme is that of hh at its first row and g
 * at its last.  Whole rows at a time, so the inner loops run along rows
 * and vectorise: @g and @hh hold column_blocks (h) × 16 floats (or × w
 * for a narrower map). */
#define CLOSING_RADIUS (2 * CLOSING_PASSES)
static int
column_blocks (int h)
{
  const int k = 2 * CLOSING_RADIUS + 1;

  return (h + 2 * CLOSING_RADIUS + k - 1) / k * k;
}

/* Columns_extreme over strips of 16 columns, one at a time: a strip's g
 * and hh (rows of 16 floats) stay in the cache, where whole rows of them
 * did not.  The same comparisons per element (max8 is a > b ? a : b). */
#define CLOSING_STRIP 16

static CPS_ALWAYS_INLINE v8f
max8 (v8f a, v8f b)
{
  return select8 ((v8i) (a > b), a, b);
}

static CPS_ALWAYS_INLINE void
store8 (float *p, v8f v)
{
  memcpy (p, &v, sizeof (v));
}

/* Columns [0, 16) of @map; only columns from @from on are written back
 * (the last strip of a map overlaps the one before it). */
static CPS_ALWAYS_INLINE void
strip16_extreme (float *map, int h, int stride, float sign, float *g,
    float *hh, int from)
{
  const int r = CLOSING_RADIUS, k = 2 * CLOSING_RADIUS + 1;
  int len = column_blocks (h);
  v8f ninf = { -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY,
    -INFINITY, -INFINITY, -INFINITY
  };

  for (int b = 0; b < len; b += k) {
    v8f g0, g1, h0, h1;

    /* g forward from the block's start, stored; hh backward */
    for (int i = b; i < b + k; i++) {
      int y = i - r;
      v8f v0 = ninf, v1 = ninf;

      if (y >= 0 && y < h) {
        const float *row = map + (size_t) y * stride;

        v0 = sign * load8 (row);
        v1 = sign * load8 (row + 8);
      }
      if (i > b) {
        v0 = max8 (v0, g0);
        v1 = max8 (v1, g1);
      }
      g0 = v0;
      g1 = v1;
      store8 (g + (size_t) i * 16, g0);
      store8 (g + (size_t) i * 16 + 8, g1);
    }
    for (int i = b + k - 1; i >= b; i--) {
      int y = i - r;
      v8f v0 = ninf, v1 = ninf;

      if (y >= 0 && y < h) {
        const float *row = map + (size_t) y * stride;

        v0 = sign * load8 (row);
        v1 = sign * load8 (row + 8);
      }
      if (i < b + k - 1) {
        v0 = max8 (v0, h0);
        v1 = max8 (v1, h1);
      }
      h0 = v0;
      h1 = v1;
      store8 (hh + (size_t) i * 16, h0);
      store8 (hh + (size_t) i * 16 + 8, h1);
    }
  }
  for (int y = 0; y < h; y++) {
    const float *a = hh + (size_t) y * 16, *c = g + (size_t) (y + 2 * r) * 16;
    float *row = map + (size_t) y * stride;
    v8f o0 = sign * max8 (load8 (a), load8 (c));
    v8f o1 = sign * max8 (load8 (a + 8), load8 (c + 8));

    if (from == 0) {
      store8 (row, o0);
      store8 (row + 8, o1);
    } else {
      float o[16];

      store8 (o, o0);
      store8 (o + 8, o1);
      memcpy (row + from, o + from, sizeof (float) * (16 - from));
    }
  }
}

/* The general loop, for maps narrower than a strip */
static void
narrow_extreme (float *map, int w, int h, int stride, float sign, float *g,
    float *hh)
{
  const int r = CLOSING_RADIUS, k = 2 * CLOSING_RADIUS + 1;
  int len = column_blocks (h);

  for (int i = 0; i < len; i++) {
    float *gi = g + (size_t) i * w;
    int y = i - r;

    for (int x = 0; x < w; x++)
      gi[x] = y >= 0 && y < h ? sign * map[(size_t) y * stride + x] :
          -INFINITY;
  }
  for (int b = 0; b < len; b += k) {
    memcpy (hh + (size_t) (b + k - 1) * w, g + (size_t) (b + k - 1) * w,
        sizeof (float) * w);
    for (int i = b + k - 2; i >= b; i--)
      for (int x = 0; x < w; x++) {
        float gv = g[(size_t) i * w + x], hn = hh[(size_t) (i + 1) * w + x];

        hh[(size_t) i * w + x] = gv > hn ? gv : hn;
      }
    for (int i = b + 1; i < b + k; i++)
      for (int x = 0; x < w; x++) {
        float gv = g[(size_t) i * w + x], gp = g[(size_t) (i - 1) * w + x];

        g[(size_t) i * w + x] = gv > gp ? gv : gp;
      }
  }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float a = hh[(size_t) y * w + x], b = g[(size_t) (y + 2 * r) * w + x];

      map[(size_t) y * stride + x] = sign * (a > b ? a : b);
    }
}

CPS_HOT static void
columns_extreme (float *map, int w, int h, int stride, float sign, float *g,
    float *hh)
{
  int x0;

  if (w < CLOSING_STRIP) {
    narrow_extreme (map, w, h, stride, sign, g, hh);
    return;
  }
  /* the last strip first, from unchanged values, writing only what the
   * whole strips leave */
  if (w % CLOSING_STRIP)
    strip16_extreme (map + w - CLOSING_STRIP, h, stride, sign, g, hh,
        CLOSING_STRIP - w % CLOSING_STRIP);
  for (x0 = 0; x0 + CLOSING_STRIP <= w; x0 += CLOSING_STRIP)
    strip16_extreme (map + x0, h, stride, sign, g, hh, 0);
}

#ifdef CPS_X86_BYTES
/* the 8 × 8 tiles of transpose in AVX2 registers */
__attribute__((target ("avx2"))) static void
transpose_tiles_avx2 (const float *in, int w, int h, int in_stride,
    float *out, int out_stride)
{
  for (int y0 = 0; y0 + 8 <= h; y0 += 8)
    for (int x0 = 0; x0 + 8 <= w; x0 += 8) {
      const float *p = in + (size_t) y0 * in_stride + x0;
      float *q = out + (size_t) x0 * out_stride + y0;
      __m256 r0 = _mm256_loadu_ps (p), r1 = _mm256_loadu_ps (p + in_stride);
      __m256 r2 = _mm256_loadu_ps (p + 2 * in_stride);
      __m256 r3 = _mm256_loadu_ps (p + 3 * in_stride);
      __m256 r4 = _mm256_loadu_ps (p + 4 * in_stride);
      __m256 r5 = _mm256_loadu_ps (p + 5 * in_stride);
      __m256 r6 = _mm256_loadu_ps (p + 6 * in_stride);
      __m256 r7 = _mm256_loadu_ps (p + 7 * in_stride);
      __m256 t0 = _mm256_unpacklo_ps (r0, r1), t1 = _mm256_unpackhi_ps (r0, r1);
      __m256 t2 = _mm256_unpacklo_ps (r2, r3), t3 = _mm256_unpackhi_ps (r2, r3);
      __m256 t4 = _mm256_unpacklo_ps (r4, r5), t5 = _mm256_unpackhi_ps (r4, r5);
      __m256 t6 = _mm256_unpacklo_ps (r6, r7), t7 = _mm256_unpackhi_ps (r6, r7);
      __m256 u0 = _mm256_shuffle_ps (t0, t2, 0x44);
      __m256 u1 = _mm256_shuffle_ps (t0, t2, 0xee);
      __m256 u2 = _mm256_shuffle_ps (t1, t3, 0x44);
      __m256 u3 = _mm256_shuffle_ps (t1, t3, 0xee);
      __m256 u4 = _mm256_shuffle_ps (t4, t6, 0x44);
      __m256 u5 = _mm256_shuffle_ps (t4, t6, 0xee);
      __m256 u6 = _mm256_shuffle_ps (t5, t7, 0x44);
      __m256 u7 = _mm256_shuffle_ps (t5, t7, 0xee);

      _mm256_storeu_ps (q, _mm256_permute2f128_ps (u0, u4, 0x20));
      _mm256_storeu_ps (q + out_stride, _mm256_permute2f128_ps (u1, u5, 0x20));
      _mm256_storeu_ps (q + 2 * out_stride,
          _mm256_permute2f128_ps (u2, u6, 0x20));
      _mm256_storeu_ps (q + 3 * out_stride,
          _mm256_permute2f128_ps (u3, u7, 0x20));
      _mm256_storeu_ps (q + 4 * out_stride,
          _mm256_permute2f128_ps (u0, u4, 0x31));
      _mm256_storeu_ps (q + 5 * out_stride,
          _mm256_permute2f128_ps (u1, u5, 0x31));
      _mm256_storeu_ps (q + 6 * out_stride,
          _mm256_permute2f128_ps (u2, u6, 0x31));
      _mm256_storeu_ps (q + 7 * out_stride,
          _mm256_permute2f128_ps (u3, u7, 0x31));
    }
}
#endif

/* @h rows of @w floats at @in into @w rows of @h at @out (rows @in_stride
 * and @out_stride apart), in tiles that stay in the cache */
static void
transpose (const float *in, int w, int h, int in_stride, float *out,
    int out_stride)
{
  int y_done = 0, x_done = 0;

#ifdef CPS_X86_BYTES
  if (byte_level () >= 1) {
    transpose_tiles_avx2 (in, w, h, in_stride, out, out_stride);
    y_done = h & ~7;
    x_done = w & ~7;
  }
#endif
  /* what the tiles leave: the last rows, then the last columns */
  for (int y0 = y_done; y0 < h; y0 += 16)
    for (int x0 = 0; x0 < w; x0 += 16)
      for (int y = y0; y < h && y < y0 + 16; y++)
        for (int x = x0; x < w && x < x0 + 16; x++)
          out[(size_t) x * out_stride + y] = in[(size_t) y * in_stride + x];
  for (int y = 0; y < y_done; y++)
    for (int x = x_done; x < w; x++)
      out[(size_t) x * out_stride + y] = in[(size_t) y * in_stride + x];
}

/* A (2 CLOSING_RADIUS + 1)² maximum filter then minimum filter of the
 * @w × @h rectangle at @map (rows @stride apart), windows cut to it.  Each
 * filter is one along the columns and one along the rows, in either
 * order, so the two along the rows run back to back, on one transposed
 * copy, as the columns of that: the column filter vectorises and one
 * along a row does not.  @tmp as cps_camera_close_scratch. */
static void
close_map (float *map, int w, int h, int stride, float *tmp)
{
  float *t = tmp, *g = tmp + (size_t) w * h;
  size_t rows = (size_t) column_blocks (w) * h, columns =
      (size_t) column_blocks (h) * w;

  columns_extreme (map, w, h, stride, 1.0f, g, g + columns);
  transpose (map, w, h, stride, t, h);
  columns_extreme (t, h, w, h, 1.0f, g, g + rows);
  columns_extreme (t, h, w, h, -1.0f, g, g + rows);
  transpose (t, h, w, h, map, stride);
  columns_extreme (map, w, h, stride, -1.0f, g, g + columns);
}

/* How many cells of a row are marked (either map above 0) */
CPS_HOT static int
row_marked (const float *residual, const float *motion, int n)
{
  v8i counts = { 0 };
  v8f zero = { 0 };
  int count = 0, x = 0;

  /* lanes of −1 where marked */
  for (; x + 8 <= n; x += 8)
    counts += (load8 (residual + x) > zero) | (load8 (motion + x) > zero);
  for (int i = 0; i < 8; i++)
    count -= counts[i];
  for (; x < n; x++)
    count += (residual[x] > 0.0f) | (motion[x] > 0.0f);
  return count;
}

void
cps_camera_close_maps (float *motion, float *residual, int lw, int lh,
    float *tmp)
{
  size_t n = (size_t) lw * lh, marked = 0;
  int x0 = lw, x1 = -1, y0 = lh, y1 = -1, m = 2 * CLOSING_RADIUS;
  float *rm, *mm;

  for (int y = 0; y < lh; y++) {
    const float *r = residual + (size_t) y * lw, *mo = motion + (size_t) y * lw;
    int count = row_marked (r, mo, lw), a = 0, b = lw - 1;

    if (!count)
      continue;
    marked += count;
    while (!(r[a] > 0.0f || mo[a] > 0.0f))
      a++;
    while (!(r[b] > 0.0f || mo[b] > 0.0f))
      b--;
    x0 = a < x0 ? a : x0;
    x1 = b > x1 ? b : x1;
    y0 = y < y0 ? y : y0;
    y1 = y;
  }
  if (!cps_camera_closing_applies (marked, n))
    return;
  /* Only cells within 2 radii of a marked one can change, and windows cut
   * at that margin see the same values as windows cut at the map's edge
   * (the cells beyond are 0 after the maximum, and stay 0), so the
   * closing runs on that rectangle alone: its cost follows the movers. */
  x0 = x0 - m > 0 ? x0 - m : 0;
  y0 = y0 - m > 0 ? y0 - m : 0;
  x1 = x1 + m < lw - 1 ? x1 + m : lw - 1;
  y1 = y1 + m < lh - 1 ? y1 + m : lh - 1;
  rm = residual + (size_t) y0 * lw + x0;
  mm = motion + (size_t) y0 * lw + x0;
  close_map (rm, x1 - x0 + 1, y1 - y0 + 1, lw, tmp);
  close_map (mm, x1 - x0 + 1, y1 - y0 + 1, lw, tmp);
}

size_t
cps_camera_cell_scratch (int width, int lw)
{
  /* two 16-bit sums per column, lw + 1 ints, then two sums per cell */
  return (size_t) width + (size_t) lw + 1 + 2 * (size_t) lw;
}

int
cps_camera_closing_applies (size_t marked, size_t n)
{
  /* where much more is marked, the compensation has failed (a zoom it
   * does not model) and a closing would grow the background's share */
  return marked != 0 && !(marked > CLOSING_MAX_MARKED * n);
}

size_t
cps_camera_close_scratch (int lw, int lh)
{
  /* the transposed map, then g and h of columns_extreme along the
   * columns (column_blocks (lh) rows of lw) or the rows (column_blocks
   * (lw) rows of lh) */
  size_t rows = (size_t) column_blocks (lw) * lh;
  size_t columns = (size_t) column_blocks (lh) * lw;

  return (size_t) lw * lh + 2 * (rows > columns ? rows : columns);
}
