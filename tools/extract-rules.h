/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __EXTRACT_RULES_H__
#define __EXTRACT_RULES_H__

#include "extract-options.h"

G_BEGIN_DECLS

/* Refuses selection options that would be silently without effect, with
 * the reason.  Rules between properties that the elements enforce
 * themselves (selection-unit=block2x2 needs k divisible by 4, min-pixels
 * not above max-pixels) are left to them: cps-extract reports their
 * errors before it changes anything on disk.  @on_gpu: whether the
 * elements run on CUDA. */
gboolean extract_check_option_effects (ExtractOptions * options,
    gboolean on_gpu, gchar ** error);

G_END_DECLS
#endif
