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
 * and @elements as header metadata.  Atomic (temporary file + rename).
 * Returns FALSE with @error set on failure. */
gboolean cps_dataset_write_window (const gchar * path, GstBuffer * patches,
    const CpsPatchMeta * meta, const gchar * source, const gchar * elements,
    GError ** error);

/* The cps elements upstream of @pad with their properties, in gst-launch
 * syntax ("cpsmotion search-radius=4 … ! cpsenergy … ! cpstopk k=512 …"),
 * found by walking peer pads up through single-input elements.  Empty when
 * there are none.  Free with g_free(). */
gchar *cps_dataset_describe_upstream (GstPad * pad);

G_END_DECLS
#endif
