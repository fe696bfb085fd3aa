/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the stage files of common/ share: the attributes of the hot loops,
 * the eight-lane vectors of their AVX2 clones, and clampi.
 */
#ifndef CPS_INLINE_H
#define CPS_INLINE_H

#include <string.h>

/* Hot loops get an AVX2 clone, picked at load time where the CPU has it;
 * the default clone keeps the code runnable on any CPU. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CPS_HOT __attribute__((target_clones ("avx2", "default")))
/* Loops the compiler vectorizes that also run faster with AVX-512's 16
 * lanes (measured per function) get a third clone. */
#define CPS_HOT512 __attribute__((target_clones ("arch=x86-64-v4", "avx2", \
        "default")))
#else
#define CPS_HOT
#define CPS_HOT512
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

/* Eight floats; GCC and Clang lower the arithmetic to AVX2 in the avx2
 * clone and to pairs of SSE registers otherwise. */
typedef float v8f __attribute__ ((vector_size (32)));
typedef int v8i __attribute__ ((vector_size (32)));

static CPS_ALWAYS_INLINE v8f
load8 (const float *p)
{
  v8f v;

  memcpy (&v, p, sizeof (v));
  return v;
}

static CPS_ALWAYS_INLINE v8f
select8 (v8i mask, v8f a, v8f b)
{
  return (v8f) ((mask & (v8i) a) | (~mask & (v8i) b));
}

static inline int
clampi (int v, int lo, int hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

#endif /* CPS_INLINE_H */
