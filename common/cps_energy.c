/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 5 (normalisation and fusion).
 */
#include "cps_energy.h"
#include "cps_inline.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Floats as unsigned keys in the same order (IEEE, -0 before +0; the
 * maps hold no NaN), so that selection can count on their bits. */
static inline uint32_t
float_key (float v)
{
  uint32_t b;

  memcpy (&b, &v, sizeof b);
  return b ^ ((uint32_t) ((int32_t) b >> 31) | 0x80000000u);
}

static inline float
key_float (uint32_t k)
{
  uint32_t b = k & 0x80000000u ? k ^ 0x80000000u : ~k;
  float v;

  memcpy (&v, &b, sizeof v);
  return v;
}

#define DIGIT_BITS 11
#define DIGITS (1 << DIGIT_BITS)

/* The k-th smallest of @m keys (reordered): MSD radix selection.  Each
 * round counts one 11-bit digit, starting at the highest bit in which the
 * remaining keys differ, and keeps only the keys of the digit holding rank
 * k: at most three rounds, and one or none for the few distinct values
 * typical of motion maps.  Four counters per digit, one for each key of
 * four in a row: equal neighbours (runs of one value) would otherwise
 * wait on each other's increments. */
static uint32_t
radix_select (uint32_t *keys, size_t m, size_t k)
{
  for (;;) {
    uint32_t count[4][DIGITS], first = keys[0], diff = 0;
    size_t below = 0, kept = 0, i;
    int shift, d;

    for (i = 0; i < m; i++)
      diff |= keys[i] ^ first;
    if (!diff)
      return first;
    shift = 31 - __builtin_clz (diff) - (DIGIT_BITS - 1);
    shift = shift > 0 ? shift : 0;
    /* the bits above the digit are the same in every key */
    memset (count, 0, sizeof count);
    for (i = 0; i + 4 <= m; i += 4)
      for (int j = 0; j < 4; j++)
        count[j][(keys[i + j] >> shift) & (DIGITS - 1)]++;
    for (; i < m; i++)
      count[0][(keys[i] >> shift) & (DIGITS - 1)]++;
    for (d = 0; d < DIGITS; d++)
      count[0][d] += count[1][d] + count[2][d] + count[3][d];
    for (d = 0; below + count[0][d] <= k; d++)
      below += count[0][d];
    for (i = 0; i < m; i++) {
      keys[kept] = keys[i];
      kept += ((keys[i] >> shift) & (DIGITS - 1)) == (uint32_t) d;
    }
    m = kept;
    k -= below;
  }
}

/* Counts the values below @lo and writes the keys of those in [lo, hi]
 * to @keys (room for n), returning how many. */
static size_t
bracket_scalar (const float *values, size_t n, float lo, float hi,
    uint32_t *keys, size_t *below)
{
  size_t m = 0, b = 0;

  for (size_t i = 0; i < n; i++) {
    float v = values[i];

    b += v < lo;
    keys[m] = float_key (v);
    m += (v >= lo) & (v <= hi);
  }
  *below = b;
  return m;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_BRACKET_AVX2 1

/* The same, eight values a step: the in-bracket lanes are packed to the
 * left by a permutation looked up from their mask (a table of 4-bit lane
 * indices, built per call: 256 entries, next to nothing against n).
 * Each store writes eight keys at @keys + m <= i, inside the n of room. */
__attribute__((target ("avx2,popcnt")))
static size_t
bracket_avx2 (const float *values, size_t n, float lo, float hi,
    uint32_t *keys, size_t *below)
{
  uint32_t perm[256];
  __m256 vlo = _mm256_set1_ps (lo), vhi = _mm256_set1_ps (hi);
  __m256i nibble = _mm256_setr_epi32 (0, 4, 8, 12, 16, 20, 24, 28);
  __m256i sign = _mm256_set1_epi32 ((int) 0x80000000u), counts =
      _mm256_setzero_si256 ();
  size_t m = 0, i = 0, b = 0, rest;
  int32_t lanes[8];

  for (int mask = 0; mask < 256; mask++) {
    uint32_t p = 0;

    for (int lane = 0, j = 0; lane < 8; lane++)
      if (mask >> lane & 1)
        p |= (uint32_t) lane << (4 * j++);
    perm[mask] = p;
  }
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps (values + i);
    __m256i bits = _mm256_castps_si256 (v), key, idx;
    int mask = _mm256_movemask_ps (_mm256_and_ps (_mm256_cmp_ps (v, vlo,
                _CMP_GE_OQ), _mm256_cmp_ps (v, vhi, _CMP_LE_OQ)));

    counts = _mm256_sub_epi32 (counts, _mm256_castps_si256 (_mm256_cmp_ps (v,
                vlo, _CMP_LT_OQ)));
    key = _mm256_xor_si256 (bits, _mm256_or_si256 (_mm256_srai_epi32 (bits,
                31), sign));
    idx = _mm256_and_si256 (_mm256_srlv_epi32 (_mm256_set1_epi32 ((int)
                perm[mask]), nibble), _mm256_set1_epi32 (15));
    _mm256_storeu_si256 ((__m256i *) (keys + m),
        _mm256_permutevar8x32_epi32 (key, idx));
    m += (size_t) __builtin_popcount ((unsigned) mask);
  }
  _mm256_storeu_si256 ((__m256i *) lanes, counts);
  for (int lane = 0; lane < 8; lane++)
    b += (size_t) lanes[lane];
  m += bracket_scalar (values + i, n - i, lo, hi, keys + m, &rest);
  *below = b + rest;
  return m;
}
#endif

static size_t
bracket (const float *values, size_t n, float lo, float hi, uint32_t *keys,
    size_t *below)
{
#ifdef HAVE_BRACKET_AVX2
  if (__builtin_cpu_supports ("avx2"))
    return bracket_avx2 (values, n, lo, hi, keys, below);
#endif
  return bracket_scalar (values, n, lo, hi, keys, below);
}

static float
select_all (const float *values, size_t n, size_t k, uint32_t *keys)
{
  for (size_t i = 0; i < n; i++)
    keys[i] = float_key (values[i]);
  return key_float (radix_select (keys, n, k));
}

#define SAMPLE 1024
#define SAMPLE_MARGIN 48

/* Exact k-th smallest (Floyd–Rivest style): a strided sample of 1024
 * values brackets rank k; one pass counts the values below the bracket
 * and keeps the keys inside it; only those are selected.  When the
 * bracket misses k (rare), all values are.  Runs of equal values, common
 * in motion maps, collapse the bracket to one value and end the search at
 * once.  The keys live in @scratch (as many bytes as n floats). */
float
cps_percentile (const float *values, size_t n, double fraction,
    float *scratch)
{
  size_t k = (size_t) rint (fraction * (double) (n - 1)), below, m;
  uint32_t *keys = (uint32_t *) scratch, sample[SAMPLE], tmp[SAMPLE];
  ptrdiff_t ks, a, b;
  float lo, hi;

  if (n <= 4 * SAMPLE)
    return select_all (values, n, k, keys);
  for (size_t j = 0; j < SAMPLE; j++)
    sample[j] = float_key (values[j * (n / SAMPLE)]);
  ks = (ptrdiff_t) ((double) k * SAMPLE / n);
  a = ks - SAMPLE_MARGIN > 0 ? ks - SAMPLE_MARGIN : 0;
  b = ks + SAMPLE_MARGIN < SAMPLE - 1 ? ks + SAMPLE_MARGIN : SAMPLE - 1;
  memcpy (tmp, sample, sizeof (tmp));
  lo = key_float (radix_select (tmp, SAMPLE, (size_t) a));
  memcpy (tmp, sample, sizeof (tmp));
  hi = key_float (radix_select (tmp, SAMPLE, (size_t) b));

  m = bracket (values, n, lo, hi, keys, &below);
  if (k >= below && k < below + m)
    return lo == hi ? lo : key_float (radix_select (keys, m, k - below));
  return select_all (values, n, k, keys);
}

float
cps_normaliser (const float *values, size_t n, double fraction,
    float *scratch)
{
  float p;

  if (fraction < 0.0)
    return 1.0f;
  p = cps_percentile (values, n, fraction, scratch);
  return p > CPS_PERCENTILE_FLOOR ? p : CPS_PERCENTILE_FLOOR;
}

double
cps_energy_fraction_for_model (CpsMotionModel model,
    double percentile_fraction)
{
  return model == CPS_MOTION_MODEL_CAMERA ? -1.0 : percentile_fraction;
}

static inline float
fuse_one (float m, float r, float pm, float pr, float wm, float wr)
{
  float e;

  m = m / pm;
  r = r / pr;
  m = m < 1.0f ? m : 1.0f;
  r = r < 1.0f ? r : 1.0f;
  e = wm * m + wr * r;
  return e < 1.0f ? e : 1.0f;
}

/* fuse_one is written so that the compiler vectorizes it, 16 lanes in the
 * AVX-512 clone. */
CPS_HOT512 void
cps_energy_fuse (const float *motion, const float *residual, size_t n,
    double percentile_fraction, float motion_weight, float residual_weight,
    float *scratch, float *energy)
{
  float pm = cps_normaliser (motion, n, percentile_fraction, scratch);
  float pr = cps_normaliser (residual, n, percentile_fraction, scratch);

  for (size_t i = 0; i < n; i++)
    energy[i] = fuse_one (motion[i], residual[i], pm, pr, motion_weight,
        residual_weight);
}
