/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The selection algorithm of docs/algorithm.md in plain C: no GStreamer
 * or GLib types, so it can be unit-tested alone and mirrored by the CUDA
 * path.  One header per stage; this one includes them all.
 *
 * "round" in docs/algorithm.md rounds half to even; every rounding here
 * uses rint() under the default rounding mode for that reason.
 */
#ifndef CPS_ALGO_H
#define CPS_ALGO_H

#include "cps_inline.h"
#include "cps_frames.h"         /* step 1 */
#include "cps_sampling.h"       /* sampling */
#include "cps_resize.h"         /* steps 3 and 6 */
#include "cps_reference_luma.h" /* step 3, the reference model's luma */
#include "cps_motion_reference.h"       /* step 4 */
#include "cps_energy.h"         /* step 5 */
#include "cps_scores.h"         /* step 7 */
#include "cps_select.h"         /* steps 8–10 */
#include "cps_dtype.h"          /* step 11 */

#endif /* CPS_ALGO_H */
