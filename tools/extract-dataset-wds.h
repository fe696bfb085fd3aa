/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A dataset run's tar shards (--format wds): the windows of each complete
 * input go into OUT/wds/<prefix>-NNNNNN.tar (extract-wds.c); an input is
 * committed (marker, index lines pointing into the shards) once every
 * shard holding its windows is sealed, and its window files, only a
 * staging copy, are removed then.
 */
#ifndef __EXTRACT_DATASET_WDS_H__
#define __EXTRACT_DATASET_WDS_H__

#include <glib.h>

#include "extract-catalog.h"

G_BEGIN_DECLS

typedef struct _ExtractDatasetWds ExtractDatasetWds;

/* Parses --tar-size: bytes, with an optional K, M or G (powers of 1024). */
gboolean extract_dataset_wds_parse_size (const gchar * arg, guint64 * bytes,
    gchar ** error);

/* Takes the shard prefix "s<I>of<N>" for this process (a second run with
 * the same prefix is refused), removes the .partial shards an earlier run
 * with it left, and opens the writer.  @options: the markers'. */
ExtractDatasetWds *extract_dataset_wds_open (ExtractCatalog * catalog,
    const gchar * out_dir, guint shard_index, guint shard_count,
    guint64 tar_bytes, const gchar * options, GError ** error);

/* Adds the windows of @input, whose child succeeded, to the shards;
 * commits the inputs whose shards got sealed. */
gboolean extract_dataset_wds_add (ExtractDatasetWds * wds,
    const gchar * input, const gchar * id, GError ** error);

/* Seals the shard being written and commits its inputs; frees @wds. */
gboolean extract_dataset_wds_finish (ExtractDatasetWds * wds,
    GError ** error);

G_END_DECLS
#endif
