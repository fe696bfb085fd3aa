/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a dataset run of cps-extract records beside the window files
 * (docs/formats.md):
 *
 *   OUT/<id>/.cps-extract-done   the input's completion marker (JSON)
 *   OUT/index.jsonl              one line per window of the complete inputs
 *   OUT/failures.jsonl           one line per failed input
 *
 * The two .jsonl files are shared by every process writing into OUT (shards
 * of one manifest, Dask tasks): each change holds flock(OUT/.cps-index.lock)
 * and is one append or one rewrite-and-rename.
 */
#ifndef __EXTRACT_CATALOG_H__
#define __EXTRACT_CATALOG_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ExtractCatalog ExtractCatalog;

/* An input's completion marker, as read back. */
typedef struct {
  gchar *input;                 /* the input string it was made for */
  gchar *options;               /* the canonical option string */
} ExtractMarker;

/* Opens the catalog of dataset directory @out (created if needed). */
ExtractCatalog *extract_catalog_open (const gchar * out, GError ** error);
void extract_catalog_free (ExtractCatalog * catalog);

/* The marker of input @id, or NULL when it has none (or an unreadable
 * one, which counts as incomplete). */
ExtractMarker *extract_catalog_read_marker (ExtractCatalog * catalog,
    const gchar * id);
void extract_marker_free (ExtractMarker * marker);

/* Removes the marker of @id and its index lines (both the index's and
 * those kept beside the marker): the input is about to be redone. */
gboolean extract_catalog_forget (ExtractCatalog * catalog, const gchar * id,
    GError ** error);

/* What the index says of one window. */
typedef struct {
  guint64 window, frames, patches, tokens;
  gint64 frame_ids[2], pts_ns[2];       /* first and last */
} ExtractWindowInfo;

/* "<id>/window-NNNNN.safetensors", relative to the dataset directory. */
gchar *extract_catalog_window_file (const gchar * id, guint64 index);

/* The ExtractWindowInfo of input @id's window files, window-00000 on until
 * the first missing one; NULL when one cannot be read. */
GArray *extract_catalog_read_windows (ExtractCatalog * catalog,
    const gchar * id, GError ** error);

/* The index line (newline-terminated) of window @w of @input: pointing to
 * its window file, or @in_shard, to its key in tar shard @shard (relative
 * to the dataset directory; NULL leaves "shard" out: the window's own
 * .json member, inside the shard). */
gchar *extract_catalog_index_line (const gchar * input, const gchar * id,
    const ExtractWindowInfo * w, gboolean in_shard, const gchar * shard);

/* Input @id is complete with @windows: writes its marker (atomically) and
 * then appends its index lines, @lines or, when NULL, those pointing to
 * its window files.  Given @lines are also kept beside the marker, for
 * extract_catalog_repair(). */
gboolean extract_catalog_commit (ExtractCatalog * catalog,
    const gchar * input, const gchar * id, const gchar * options,
    GArray * windows, const gchar * lines, GError ** error);

/* Input @id is complete: reads its window files, writes its marker
 * (atomically) and then appends their index lines. */
gboolean extract_catalog_complete (ExtractCatalog * catalog,
    const gchar * input, const gchar * id, const gchar * options,
    GError ** error);

/* Brings the index in line with the markers of @complete (id -> input, the
 * complete inputs of this run): drops a line cut off by a kill, appends
 * the lines of complete inputs it lacks (killed between marker and
 * index). */
gboolean extract_catalog_repair (ExtractCatalog * catalog,
    GHashTable * complete, GError ** error);

/* The ids failures.jsonl records, as a set. */
GHashTable *extract_catalog_failed (ExtractCatalog * catalog);

/* Records that @input failed (replacing an earlier line of it), or with
 * @exit_class NULL, that it no longer has failed. */
gboolean extract_catalog_set_failure (ExtractCatalog * catalog,
    const gchar * input, const gchar * id, const gchar * error_message,
    const gchar * exit_class, GError ** error);

G_END_DECLS
#endif
