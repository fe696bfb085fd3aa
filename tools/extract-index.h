/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sampling a file by its packet index: one pass that demuxes and parses
 * (no decoding) records every packet the video decoder would receive; the
 * plan then gives each packet its source frame id and whether it is
 * sampled, and the run drops the GOPs that hold no sampled frame before
 * the decoder.
 */
#ifndef __EXTRACT_INDEX_H__
#define __EXTRACT_INDEX_H__

#include <gst/gst.h>
#include "cps_sampling.h"

G_BEGIN_DECLS

typedef struct _ExtractIndex ExtractIndex;

/* Called on every element a decodebin adds, in the index pass as in the
 * run, so that both plug the same elements. */
typedef void (*ExtractIndexSetup) (GstElement * uridecodebin,
    gpointer user_data);

/* Starts the index pass over @uri and the plan in a thread of their own,
 * so that the run's pipeline starts meanwhile; the run's probes wait for
 * the plan.  @start/@end as cpsmotion's properties (NULL: none);
 * @decode_all feeds every GOP to the decoder.  The plan's line (what will
 * be decoded and why) goes to stderr unless @quiet.  A pass that finds no
 * video or a bad range fails the run with an element error. */
ExtractIndex *extract_index_start (const gchar * uri,
    ExtractIndexSetup setup, gpointer user_data, const CpsSampleParams * p,
    const gchar * start, const gchar * end, gboolean decode_all,
    gboolean quiet);
/* Links @pad to a fakesink (no sync, no preroll) in @pipeline: a stream
 * that is not decoded ends there. */
void extract_end_pad (GstElement * pipeline, GstPad * pad);
/* Whether the plan is there (and good), without waiting. */
gboolean extract_index_ready (ExtractIndex * index);
/* The pass's or the plan's error once it is known, else NULL (owned by
 * @index). */
const gchar *extract_index_failure (ExtractIndex * index);
/* Joins the thread and frees. */
void extract_index_free (ExtractIndex * index);

/* The frames the decoder outputs: N. */
guint64 extract_index_frames (ExtractIndex * index);
/* The packets the plan feeds to the decoder. */
guint64 extract_index_fed (ExtractIndex * index);
/* Whether the plan gives frames their ids (every packet has a PTS); else
 * cpsmotion counts them and only N comes from the index. */
gboolean extract_index_has_ids (ExtractIndex * index);

/* The run: on the video decoder's sink pad, drops the packets of GOPs not
 * needed and tells cpsmotion (CpsKeyUnitMeta) each frame's id and whether
 * it is sampled; on cpsmotion's sink pad, answers the duration query in
 * frames with N. */
void extract_index_attach_decoder (ExtractIndex * index, GstElement * decoder);
void extract_index_attach_motion (ExtractIndex * index, GstElement * motion);

G_END_DECLS
#endif
