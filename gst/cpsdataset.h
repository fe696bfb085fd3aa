/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Writing patch buffers as safetensors files (cpspatchsink location=).
 */
#ifndef __CPS_DATASET_H__
#define __CPS_DATASET_H__

#include <gst/gst.h>
#include "cpsmeta.h"

G_BEGIN_DECLS

/* Writes one window: @patches' data and @meta's arrays as tensors, @source
 * (the stream's URI) and @meta's settings as header metadata.  Atomic (a
 * temporary file renamed into place).  Returns FALSE with @error set on
 * failure. */
gboolean cps_dataset_write_window (const gchar * path, GstBuffer * patches,
    const CpsPatchMeta * meta, const gchar * source, GError ** error);

G_END_DECLS
#endif
