/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * cps-extract's preview: a bin of cpsviz, encodebin and filesink that may
 * fail on its own.  Its input pads never return an error upstream, and
 * after an error it is cut off, so the dataset is written regardless.
 */
#ifndef __EXTRACT_PREVIEW_H__
#define __EXTRACT_PREVIEW_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _ExtractPreview ExtractPreview;

/* Checks that @path names a format with an installed encoder and muxer.
 * The video is written to @path.partial and renamed at the end. */
ExtractPreview *extract_preview_new (const gchar * path, gchar ** error);
void extract_preview_free (ExtractPreview * preview);

/* The bin, with sink pads "sink" (cpstopk's patch buffers) and, with
 * @frames, "video" (cpsmotion's frames, in system memory); NULL with a
 * message when it cannot be built. */
GstElement *extract_preview_make_bin (ExtractPreview * preview,
    gboolean frames, gchar ** error);

const gchar *extract_preview_partial (ExtractPreview * preview);

/* Whether @object is the bin or lies inside it. */
gboolean extract_preview_contains (ExtractPreview * preview,
    GstObject * object);

/* Takes the bin out of @pipeline after an error: nothing more reaches it
 * and the pipeline no longer waits for its EOS. */
void extract_preview_abandon (ExtractPreview * preview, GstBin * pipeline);
gboolean extract_preview_abandoned (ExtractPreview * preview);

/* Renames the .partial file into place when @keep and the preview was not
 * abandoned, otherwise removes it.  FALSE with a message if renaming
 * failed. */
gboolean extract_preview_finish (ExtractPreview * preview, gboolean keep,
    gchar ** error);

G_END_DECLS
#endif
