/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The selection algorithm of docs/algorithm.md in plain C: no GStreamer
 * or GLib types, so it can be unit-tested alone and mirrored by the CUDA
 * path.
 *
 * "round" in docs/algorithm.md rounds half to even; every rounding here
 * uses rint() under the default rounding mode for that reason.
 */
#ifndef CPS_ALGO_H
#define CPS_ALGO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hot loops get an AVX2 clone, picked at load time where the CPU has it;
 * the default clone keeps the code runnable on any CPU. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CPS_HOT __attribute__((target_clones ("avx2", "default")))
#else
#define CPS_HOT
#endif

/* Every helper of a CPS_HOT function that takes, returns or computes
 * 32-byte vectors is CPS_ALWAYS_INLINE.  An out-of-line helper is compiled
 * once, for the default target, which passes such vectors in memory, while
 * the avx2 clone calling it passes them in %ymm registers: the call reads
 * garbage (and one that only computes vectors runs without AVX2).  -O2 and
 * -O3 happen to inline the helpers, but -Os left select8 and the block
 * matchers out of line and -O0 inlines nothing unless told: those builds
 * crashed on every input.  GCC and clang honour always_inline at every
 * optimisation level, and a helper they cannot inline is a compile error
 * rather than a mismatched call.  The helpers cannot take the callers'
 * target instead: target ("avx2") would put AVX2 code in the default
 * clone, and GCC 12 crashes compiling a target_clones function that
 * returns a vector. */
#if defined(__GNUC__)
#define CPS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CPS_ALWAYS_INLINE inline
#endif

#define CPS_DEFAULT_DOWNSCALE 4
#define CPS_MIN_LOWRES_SIDE 32
#define CPS_MAX_AUTO_RADIUS 4
#define CPS_MAX_RADIUS 16
#define CPS_PERCENTILE_FLOOR 1e-6f

/* One output sample of a 1-D bilinear resize with half-pixel centres and
 * no antialiasing: out = (1 - w1) * in[i0] + w1 * in[i1]. */
typedef struct {
  int i0, i1;
  float w1;
} CpsTap;

void cps_bilinear_taps (int in_len, int out_len, CpsTap * taps);

/* The tap at source coordinate @c (clamped to [0, len − 1]); the rule
 * cps_bilinear_taps applies at (o + 0.5) · in/out − 0.5. */
CpsTap cps_tap_at (double c, int len);

/* docs/algorithm.md step 3: the low-resolution size, side / factor
 * clamped to [32, side]. */
void cps_lowres_size (int width, int height, int factor,
    int *lowres_width, int *lowres_height);

/* docs/algorithm.md step 4: r = clamp(min(hs, ws) / 2, 1, 4). */
int cps_default_radius (int lowres_width, int lowres_height);

/* The two halves of a separable bilinear resize: @out = (1 − w1)·r0 +
 * w1·r1 over @n bytes, then @n samples of a float row whose pixels are
 * @step elements apart. */
void cps_lerp_rows (const uint8_t * r0, const uint8_t * r1, float w1, int n,
    float *out);
void cps_gather_row (const float *row, int step, const CpsTap * xtaps, int n,
    float *out);

/* Resizes an 8-bit plane to a float map of lw × lh.  @row_scratch holds
 * in_width floats. */
void cps_downscale_plane (const uint8_t * plane, int stride, int width,
    const CpsTap * ytaps, const CpsTap * xtaps, int lw, int lh,
    float *row_scratch, float *out);

/* docs/algorithm.md step 4: per-pixel block matching of @cur against
 * @prev, both w × h, displacements in [-r, r]².  Writes the displacement
 * magnitude of the first best match (scan order dy, then dx, from -r) to
 * @motion and the smallest absolute difference to @residual. */
/* √(dx² + dy²) of every candidate displacement within ±@r, in the scan
 * order of the matchers (dy, then dx, from −r): (2r + 1)² floats. */
void cps_match_magnitudes (int r, float *mags);

void cps_motion_residual (const float *prev, const float *cur, int w, int h,
    int r, float *motion, float *residual);

/* The same with @prev already padded: (w + 2r) × (h + 2r) floats of row
 * stride @ps, the frame at (r, r), the border written by cps_pad_frame.
 * No allocation: the form for per-frame use. */
void cps_motion_residual_padded (const float *prev_padded, int ps,
    const float *cur, int w, int h, int r, float *motion, float *residual);
void cps_pad_frame (const float *frame, int w, int h, int r, float *padded);

/* Exact integer form of the above, used when every tap weight is 0 or 0.5
 * (cps_taps_are_halves on both axes): planes hold 4 × the low-res value
 * (int16, <= 1020); residuals come out as floats identical to the float
 * form's.  Requires w >= 16. */
int cps_taps_are_halves (const CpsTap * taps, int n);
void cps_downscale_plane_q2 (const uint8_t * plane, int stride, int width,
    const CpsTap * ytaps, const CpsTap * xtaps, int lw, int lh,
    uint16_t * row_scratch, int16_t * out);
void cps_motion_residual_q2_padded (const int16_t * prev_padded, int ps,
    const int16_t * cur, int w, int h, int r, float *motion,
    float *residual);
void cps_pad_frame_q2 (const int16_t * frame, int w, int h, int r,
    int16_t * padded);

/* The element of 0-based rank rint(fraction * (n - 1)) of @values in
 * ascending order (n >= 1).  @scratch holds n floats; @values is not
 * modified. */
float cps_percentile (const float *values, size_t n, double fraction,
    float *scratch);

/* What docs/algorithm.md step 5 divides a map by: its percentile,
 * floored at 1e-6.  @scratch holds n floats. */
float cps_normaliser (const float *values, size_t n, double fraction,
    float *scratch);

/* docs/algorithm.md step 5: divides each map by its percentile (floored
 * at 1e-6), clamps to [0, 1] and writes
 * clamp(wm * motion + wr * residual, 0, 1).  @scratch holds n floats. */
void cps_energy_fuse (const float *motion, const float *residual, size_t n,
    double percentile_fraction, float motion_weight, float residual_weight,
    float *scratch, float *energy);

/* docs/algorithm.md step 6 (smart resize).  @min_pixels / @max_pixels of 0 mean
 * input_size². */
void cps_smart_resize (int width, int height, int patch_size,
    long input_size, long min_pixels, long max_pixels,
    int *target_width, int *target_height);

/* Composite weights taking a low-resolution map straight to per-patch
 * sums: low-res → source size → target size (two bilinear resizes) → sum
 * over P×P.  Because every step is linear, a patch score is
 * Σ_i Σ_j rows[ph][i] · E[i][j] · cols[pw][j].  Each weight vector is
 * non-zero on one contiguous range, which is all that is stored. */
typedef struct {
  int first, count;             /* non-zero range of the low-res axis */
  double *w;                    /* count weights */
} CpsPatchWeights;

typedef struct {
  int lowres_width, lowres_height;
  int grid_width, grid_height;
  CpsPatchWeights *rows;        /* grid_height */
  CpsPatchWeights *cols;        /* grid_width */
  double *tmp;                  /* lowres_height × grid_width */
} CpsScorePlan;

CpsScorePlan *cps_score_plan_new (int lowres_width, int lowres_height,
    int source_width, int source_height, int target_width, int target_height,
    int patch_size);
void cps_score_plan_free (CpsScorePlan * plan);

/* Writes grid_height × grid_width patch scores of a low-res energy map. */
void cps_score_plan_apply (CpsScorePlan * plan, const float *energy,
    float *scores);

/* docs/algorithm.md step 1: if no frame is an I-frame, frame 0 becomes one. */
void cps_resolve_is_i (uint8_t * is_i, int n_frames);

typedef enum {
  CPS_UNIT_PATCH = 0,
  CPS_UNIT_BLOCK2X2 = 1,
} CpsUnit;

typedef struct {
  CpsUnit unit;
  int static_fallback;
  double static_abs_thresh;
  double static_rel_thresh;
  int static_uniform_frames;
} CpsSelectParams;

void cps_select_params_init (CpsSelectParams * params);

/* Whether the static fallback fires for these per-unit scores
 * (docs/algorithm.md step 9); @unit_pixels is P² (patch) or 4·P² (2×2
 * block). */
int cps_scores_are_static (const float *scores, size_t n, double unit_pixels,
    double abs_thresh, double rel_thresh, float *scratch);

/* docs/algorithm.md steps 8–10.  @scores holds n_frames × hb × wb patch
 * scores, @is_i one resolved flag per frame.  Writes the selected patch linear
 * indices in output order to @out (room for min(k, n) entries) and returns
 * how many.  Returns -1 if the 2×2 unit is asked for with odd hb/wb or k not
 * divisible by 4. */
long cps_select (const float *scores, const uint8_t * is_i, int n_frames,
    int hb, int wb, int patch_size, long k, const CpsSelectParams * params,
    int64_t * out);

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

/* Output element types of patch data (docs/algorithm.md step 11). */
typedef enum {
  CPS_DTYPE_BF16 = 0,
  CPS_DTYPE_FP16 = 1,
  CPS_DTYPE_FP32 = 2,
  CPS_DTYPE_U8 = 3,
} CpsDtype;

size_t cps_dtype_size (CpsDtype dtype);
const char *cps_dtype_name (CpsDtype dtype);
uint16_t cps_float_to_bf16 (float f);
uint16_t cps_float_to_fp16 (float f);
float cps_bf16_to_float (uint16_t h);
float cps_fp16_to_float (uint16_t h);

/* Writes @n floats as @dtype (u8 rounds to nearest and saturates). */
void cps_convert_floats (const float *in, size_t n, CpsDtype dtype, void *out);

#ifdef __cplusplus
}
#endif
#endif /* CPS_ALGO_H */
