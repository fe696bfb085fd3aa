/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * WebDataset-style tar shards (cps-extract --format wds): DIR/PREFIX-NNNNNN.tar
 * holding, per window, "<key>.safetensors" (the window file's bytes) and
 * "<key>.json" next to each other, so that readers grouping members by key
 * (the member name up to the first dot of its last component) stream them.
 *
 * A shard is written as PREFIX-NNNNNN.tar.partial and renamed to
 * PREFIX-NNNNNN.tar (after fsync) when it reaches the target size or is
 * sealed; only then may the caller record the keys it holds (markers,
 * index), so a killed run leaves only .partial files, which
 * extract_wds_remove_partial() deletes on the next run.  Numbering
 * continues after the sealed shards of the prefix already in DIR: a rerun
 * never overwrites a sealed shard.
 *
 * The tar is reproducible: pax (restricted: plain ustar headers unless a
 * name needs more), regular files of mode 0644, mtime 0, uid/gid 0, no
 * user or group names, no padding to a record size; the same adds give
 * byte-identical shards.
 */
#ifndef __EXTRACT_WDS_H__
#define __EXTRACT_WDS_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ExtractWds ExtractWds;

/* Creates @dir (with its parents) if needed.  @prefix: the writer's unique
 * shard prefix, of [A-Za-z0-9._-] (e.g. "s0of2").  A shard is sealed once
 * it holds @target_bytes or more (0: one window per shard).  No file is
 * made before the first add. */
ExtractWds *extract_wds_open (const gchar * dir, const gchar * prefix,
    guint64 target_bytes, GError ** error);

/* Appends "<key>.safetensors" (the bytes of the file at @safetensors_path)
 * and "<key>.json" (@json) adjacent in the current shard, opening one if
 * none is.  *@shard (if not NULL) gets the shard's final name relative to
 * the parent of the directory, e.g. "wds/s0of1-000000.tar".  A window is
 * never split: when the shard reaches the target size with this window it
 * is sealed right away, and *@sealed_keys (if not NULL) gets the keys it
 * holds (as extract_wds_seal()); otherwise *@sealed_keys is set to NULL.
 * With @sealed_keys NULL, the caller learns of a sealing only by the
 * next add's shard name: pass it.
 *
 * @key: relative, '/'-separated, no empty, "." or ".." component, no dot
 * in its last component (the readers split there), not already in the
 * shard.  A refused key or a file that cannot be opened changes nothing;
 * a failure while writing discards the shard being written (its .partial
 * is removed, its keys were never reported) and the writer refuses any
 * further add. */
gboolean extract_wds_add (ExtractWds * w, const gchar * key,
    const gchar * safetensors_path, const gchar * json, gchar ** shard,
    GPtrArray ** sealed_keys, GError ** error);

/* Seals the shard being written (finishes the tar, fsyncs it, renames
 * .tar.partial to .tar without replacing anything, fsyncs the directory)
 * and sets *@sealed_keys to the keys it holds, in order (gchar *, freed
 * with the array), so the caller writes their markers and index lines
 * only now.  With no shard open, *@sealed_keys is an empty array. */
gboolean extract_wds_seal (ExtractWds * w, GPtrArray ** sealed_keys,
    GError ** error);

/* Seals what is open (a failure is logged with g_warning()) and frees. */
void extract_wds_close (ExtractWds * w);

/* Deletes @dir/@prefix-NNNNNN.tar.partial, left by earlier killed runs
 * with this prefix.  A missing @dir is no error. */
gboolean extract_wds_remove_partial (const gchar * dir, const gchar * prefix,
    GError ** error);

G_END_DECLS
#endif
