/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/algorithm.md step 1: frame ids that stay truthful across gaps, and
 * a window's I-frames.
 */
#ifndef CPS_FRAMES_H
#define CPS_FRAMES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* docs/algorithm.md step 1: if no frame is an I-frame, frame 0 becomes one. */
void cps_resolve_is_i (uint8_t * is_i, int n_frames);

/* Source frame indices (frame_id) that stay truthful across gaps: frames
 * lost upstream (a PTS jump) and flushing seeks.  Timestamps are in ns, -1
 * where unknown; a frame duration of 0 means the rate is not claimed, and
 * then the smallest PTS step seen stands for it. */
typedef struct {
  uint64_t next_id;
  int64_t base_pts;             /* PTS of frame 0, -1 until known */
  int64_t last_pts;             /* PTS of the previous frame, -1 if none */
  uint64_t last_id;
  int resync;                   /* after a flush: place by PTS */
  int agreeing;                 /* recent PTS steps matching the rate */
  int64_t min_step;             /* smallest PTS step seen, 0 if none */
} CpsFrameCounter;

/* A new stream: the next frame is frame 0. */
void cps_frame_counter_reset (CpsFrameCounter * c);
/* After a flushing seek: the next frame's id comes from its PTS distance
 * to frame 0 when the rate is known. */
void cps_frame_counter_flush (CpsFrameCounter * c);
/* The id of the next frame: the previous id + 1, or, with a known
 * @frame_duration, the previous id + the frames its PTS gap spans when the
 * gap exceeds 1.5 frames (frames lost upstream).  After a flush it is the
 * PTS distance to frame 0 in frames (rounded), where both are known; else
 * counting goes on.  The rate is used only once two consecutive PTS steps
 * agree with it, and no longer after a step contradicts it (so a variable
 * rate stream is counted). */
uint64_t cps_frame_counter_next (CpsFrameCounter * c, int64_t pts,
    int64_t frame_duration);

#ifdef __cplusplus
}
#endif
#endif /* CPS_FRAMES_H */
