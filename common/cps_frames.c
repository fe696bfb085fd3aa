/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 1 (frames, their ids, and I-frames).
 */
#include "cps_frames.h"

#include <math.h>
#include <stdlib.h>

void
cps_resolve_is_i (uint8_t * is_i, int n_frames)
{
  for (int t = 0; t < n_frames; t++)
    if (is_i[t])
      return;
  if (n_frames > 0)
    is_i[0] = 1;
}

void
cps_frame_counter_reset (CpsFrameCounter * c)
{
  c->next_id = 0;
  c->base_pts = -1;
  c->last_pts = -1;
  c->last_id = 0;
  c->resync = 0;
  c->agreeing = 0;
  c->min_step = 0;
}

void
cps_frame_counter_flush (CpsFrameCounter * c)
{
  c->last_pts = -1;
  c->resync = 1;
}

/* @span ns in frames, rounded half to even like the rest of common/. */
static uint64_t
frames_in (int64_t span, int64_t frame_duration)
{
  return (uint64_t) rint ((double) span / (double) frame_duration);
}

uint64_t
cps_frame_counter_next (CpsFrameCounter * c, int64_t pts,
    int64_t frame_duration)
{
  uint64_t id = c->next_id;
  int64_t delta = pts >= 0 && c->last_pts >= 0 ? pts - c->last_pts : 0;
  int timed;

  /* Without a claimed rate, the smallest step seen stands for it: frames
   * lost only ever lengthen steps. */
  if (delta > 0 && (c->min_step == 0 || delta < c->min_step))
    c->min_step = delta;
  if (frame_duration <= 0)
    frame_duration = c->min_step;
  timed = pts >= 0 && frame_duration > 0;

  if (pts >= 0 && c->base_pts < 0 && c->next_id == 0)
    c->base_pts = pts;
  /* The rate is trusted only while the stream's own steps agree with it:
   * one frame, or a whole number of frames (lost ones), within a quarter
   * frame.  Any other step (a variable rate, a rate the caps claim but the
   * timestamps contradict) withdraws the trust. */
  if (timed && delta > 0) {
    uint64_t n = frames_in (delta, frame_duration);
    int whole = n >= 1 &&
        4 * llabs (delta - (int64_t) n * frame_duration) <= frame_duration;

    if (!whole)
      c->agreeing = 0;
    else if (n == 1 && c->agreeing < 1000)
      c->agreeing++;
    else if (n > 1 && c->agreeing >= 2)
      id = c->last_id + n;
  }
  if (timed && c->agreeing >= 2 && c->resync && c->base_pts >= 0 &&
      pts >= c->base_pts)
    id = frames_in (pts - c->base_pts, frame_duration);
  c->resync = 0;
  c->last_pts = pts;
  c->last_id = id;
  c->next_id = id + 1;
  return id;
}
