/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Walking a pipeline upstream from a sink pad.
 */
#ifndef __CPS_UPSTREAM_H__
#define __CPS_UPSTREAM_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Return FALSE to stop the walk. */
typedef gboolean (*CpsUpstreamVisitor) (GstElement * element,
    gpointer user_data);

/* Calls @visit on the elements feeding @sinkpad, nearest first, looking
 * through ghost pads into and out of bins, and continuing only through
 * elements with a single sink pad (converters, queues, parsers): at most
 * 32 elements. */
void cps_walk_upstream (GstPad * sinkpad, CpsUpstreamVisitor visit,
    gpointer user_data);

G_END_DECLS
#endif
