/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md, sampling.
 */
#include "cps_sampling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
floor_by (uint64_t x, uint32_t f)
{
  return f > 1 ? x / f * f : x;
}

static uint64_t
ceil_by (uint64_t x, uint32_t f)
{
  return f > 1 ? (x + f - 1) / f * f : x;
}

uint64_t
cps_fps_frame_count (const CpsSampleParams * p, uint64_t count,
    double duration_s)
{
  uint32_t f = p->factor ? p->factor : 1;
  uint64_t lo = ceil_by (p->min_frames, f);
  uint64_t hi = floor_by (p->max_frames < count ? p->max_frames : count, f);
  double want = duration_s > 0 ? duration_s * p->fps : 0;
  double n;
  uint64_t r;

  if (count == 0)
    return 0;
  n = want < (double) lo ? (double) lo : want;
  if (n > (double) hi)
    n = (double) hi;
  if (n > (double) count)
    n = (double) count;
  /* floor_by_factor of a real number, as Qwen's math.floor(n / f) * f */
  r = (uint64_t) floor (n / f) * f;
  if (r == 0)
    r = count < f ? count : f;
  return r > count ? count : r;
}

uint64_t
cps_sample_count (const CpsSampleParams * p, uint64_t count,
    double duration_s)
{
  switch (p->mode) {
    case CPS_SAMPLE_UNIFORM:
      return p->frames < count ? p->frames : count;
    case CPS_SAMPLE_FPS:
      return cps_fps_frame_count (p, count, duration_s);
    case CPS_SAMPLE_RATE:
      return 0;
    default:
      return count;
  }
}

uint64_t
cps_sample_ids (const CpsSampleParams * p, uint64_t first, uint64_t count,
    double duration_s, uint64_t * out)
{
  uint64_t n = cps_sample_count (p, count, duration_s), k = 0;

  if (n == 0)
    return 0;
  if (n == count || n == 1) {
    /* every frame (T >= count, or a dense fps) or the first alone */
    for (uint64_t i = 0; i < n; i++)
      out[i] = first + i;
    return n;
  }
  for (uint64_t i = 0; i < n; i++) {
    uint64_t id;

    if (p->mode == CPS_SAMPLE_UNIFORM) {
      /* floor(i·(count−1)/(T−1)), exact in 128 bits */
      id = (uint64_t) ((unsigned __int128) i * (count - 1) / (n - 1));
    } else {
      /* round(linspace(0, count−1, n)), half to even */
      id = (uint64_t) rint ((double) i * (double) (count - 1) /
          (double) (n - 1));
    }
    if (k == 0 || first + id > out[k - 1])
      out[k++] = first + id;
  }
  return k;
}

int
cps_parse_range_bound (const char *text, double *value, int *is_frames)
{
  char *end;
  double v;

  if (!text || !*text)
    return 0;
  v = strtod (text, &end);
  if (end == text || !isfinite (v) || v < 0)
    return 0;
  *is_frames = 0;
  if (*end == 'f') {
    if (v != floor (v))
      return 0;
    *is_frames = 1;
    end++;
  } else if (*end == 's') {
    end++;
  }
  if (*end)
    return 0;
  *value = v;
  return 1;
}
