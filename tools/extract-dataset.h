/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * cps-extract's dataset mode: many inputs (a manifest, several arguments),
 * each extracted by a child cps-extract into OUT/<id>, resumable, sharded,
 * with an index and a record of the failures (docs/formats.md).
 */
#ifndef __EXTRACT_DATASET_H__
#define __EXTRACT_DATASET_H__

#include <glib.h>

G_BEGIN_DECLS

/* The hidden option that makes cps-extract a dataset run's child: it
 * reports "linked" (the video was found) and "frames N" lines on stdout
 * instead of progress and a summary, and stops at once on SIGTERM. */
#define EXTRACT_DATASET_CHILD_OPTION "dataset-child"

typedef struct {
  const gchar *output_dir;
  gchar **inputs;               /* the positional ones, in order */
  const gchar *manifest;        /* a file, "-" for stdin, or NULL */
  gint jobs;                    /* 0: the default */
  const gchar *shard;           /* "I/N", or NULL */
  gboolean retry_failed, overwrite, quiet;
  gboolean wds;                 /* --format wds */
  guint64 tar_bytes;            /* --tar-size */
  gdouble progress_interval;
  const gchar *options;         /* the canonical option string */
  GPtrArray *child_args;        /* a child's selection options */
} ExtractDatasetConfig;

/* Checks "I/N": 0 <= I < N. */
gboolean extract_dataset_parse_shard (const gchar * shard, guint * index,
    guint * count, gchar ** error);

/* The output directory name of @input (docs/formats.md). */
gchar *extract_dataset_input_id (const gchar * input);

/* Runs the dataset; returns the exit status (0, 1 if an input failed, 2
 * for usage errors, 130 when interrupted). */
gint extract_dataset_run (const ExtractDatasetConfig * config);

G_END_DECLS
#endif
