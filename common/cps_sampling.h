/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md, sampling: which source frames of a range of known
 * length are taken (uniform, and fps as Qwen2.5-VL's video preprocessing
 * does it).  Plain C, shared by cpsmotion and cps-extract so that both
 * pick the same frames.
 */
#ifndef CPS_SAMPLING_H
#define CPS_SAMPLING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  CPS_SAMPLE_ALL,
  CPS_SAMPLE_UNIFORM,
  CPS_SAMPLE_RATE,
  CPS_SAMPLE_FPS,
} CpsSampleMode;

typedef struct {
  CpsSampleMode mode;
  uint32_t frames;              /* uniform: T */
  double fps;                   /* fps: frames per second of video */
  uint32_t min_frames, max_frames, factor;      /* fps: clamp and rounding */
} CpsSampleParams;

/* fps sampling: how many frames a range of @count frames lasting
 * @duration_s seconds gives (Qwen2.5-VL's smart_nframes): duration × fps,
 * clamped to [ceil_by_factor (min), floor_by_factor (min (max, count))] and
 * to count, then floored to a multiple of factor; at least 1 when count > 0
 * (a range shorter than factor frames gives all its frames). */
uint64_t cps_fps_frame_count (const CpsSampleParams * p, uint64_t count,
    double duration_s);

/* The sampled ids of the range [@first, @first + @count), ascending and
 * distinct, written to @out (capacity: the return value of
 * cps_sample_count()).  uniform: first + floor(i·(count−1)/(T−1)), i < T
 * (every frame when T >= count); fps: round(linspace(first, last, n)),
 * half to even; all: every frame.  rate is decided per frame (0 here).
 * The work is bounded by @count, never by T. */
uint64_t cps_sample_count (const CpsSampleParams * p, uint64_t count,
    double duration_s);
uint64_t cps_sample_ids (const CpsSampleParams * p, uint64_t first,
    uint64_t count, double duration_s, uint64_t * out);

/* A time range bound as written in cpsmotion's start/end: "12.5" or
 * "12.5s" (seconds), "300f" (a frame number).  Returns 0 if @text is not
 * one; *is_frames tells which. */
int cps_parse_range_bound (const char *text, double *value, int *is_frames);

#ifdef __cplusplus
}
#endif
#endif /* CPS_SAMPLING_H */
