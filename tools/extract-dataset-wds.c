/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An input's windows may span shards: it is committed when the last shard
 * holding one of them is sealed.  Until then a kill loses nothing that
 * counts: the .partial shard is removed on the next start and the input,
 * without a marker, is redone.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "extract-dataset-wds.h"
#include "extract-wds.h"

#define WDS_DIR "wds"

/* A complete input whose windows are not all in sealed shards yet. */
typedef struct {
  gchar *input, *id;
  GArray *windows;              /* ExtractWindowInfo */
  GPtrArray *shards;            /* each window's shard */
  guint unsealed;
  gboolean failed;              /* a window could not be added: never
                                 * committed, redone by the next run */
} Pending;

struct _ExtractDatasetWds {
  ExtractCatalog *catalog;
  gchar *out_dir, *options;
  ExtractWds *writer;
  GPtrArray *inputs;            /* Pending, owned */
  GHashTable *pending;          /* key -> Pending, for unsealed keys */
  gint lock_fd;
};

static void
pending_free (Pending * p)
{
  g_free (p->input);
  g_free (p->id);
  g_array_unref (p->windows);
  g_ptr_array_unref (p->shards);
  g_free (p);
}

gboolean
extract_dataset_wds_parse_size (const gchar * arg, guint64 * bytes,
    gchar ** error)
{
  static const gchar units[] = "KMG";
  gchar *end;
  guint64 n = g_ascii_strtoull (arg, &end, 10);
  const gchar *unit = *end ? strchr (units, g_ascii_toupper (*end)) : NULL;
  guint shift = unit ? 10 * (unit - units + 1) : 0;

  if (!g_ascii_isdigit (*arg) || n == 0 || (*end && (!unit || end[1])) ||
      n > (G_MAXUINT64 >> shift)) {
    *error = g_strdup_printf ("--tar-size %s: expected a positive number of "
        "bytes, with an optional K, M or G (1G = 1024M)", arg);
    return FALSE;
  }
  *bytes = n << shift;
  return TRUE;
}

/* One writer per prefix: two would write the same .partial file. */
static gboolean
lock_prefix (ExtractDatasetWds * wds, const gchar * dir, const gchar * prefix,
    GError ** error)
{
  gchar *name = g_strdup_printf (".%s.lock", prefix);
  gchar *path = g_build_filename (dir, name, NULL);
  gboolean ok = FALSE;

  wds->lock_fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (wds->lock_fd < 0)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s: %s", path, g_strerror (errno));
  else if (flock (wds->lock_fd, LOCK_EX | LOCK_NB) != 0)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "%s: another "
        "cps-extract run writes the %s shards; runs writing into one "
        "dataset at once need different --shard values", dir, prefix);
  else
    ok = TRUE;
  g_free (path);
  g_free (name);
  return ok;
}

static void
wds_free (ExtractDatasetWds * wds)
{
  if (wds->writer)
    extract_wds_close (wds->writer);
  if (wds->lock_fd >= 0)
    close (wds->lock_fd);
  g_hash_table_unref (wds->pending);
  g_ptr_array_unref (wds->inputs);
  g_free (wds->out_dir);
  g_free (wds->options);
  g_free (wds);
}

ExtractDatasetWds *
extract_dataset_wds_open (ExtractCatalog * catalog, const gchar * out_dir,
    guint shard_index, guint shard_count, guint64 tar_bytes,
    const gchar * options, GError ** error)
{
  ExtractDatasetWds *wds = g_new0 (ExtractDatasetWds, 1);
  gchar *dir = g_build_filename (out_dir, WDS_DIR, NULL);
  gchar *prefix = g_strdup_printf ("s%uof%u", shard_index, shard_count);
  GError *err = NULL;

  wds->catalog = catalog;
  wds->out_dir = g_strdup (out_dir);
  wds->options = g_strdup (options);
  wds->lock_fd = -1;
  wds->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      pending_free);
  wds->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_set_error (&err, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s: %s", dir, g_strerror (errno));
  if (!err && lock_prefix (wds, dir, prefix, &err) &&
      extract_wds_remove_partial (dir, prefix, &err))
    wds->writer = extract_wds_open (dir, prefix, tar_bytes, &err);
  g_free (prefix);
  g_free (dir);
  if (err) {
    g_propagate_error (error, err);
    wds_free (wds);
    return NULL;
  }
  return wds;
}

/* Marker and index lines of @p, then its window files go: the shards hold
 * them now. */
static gboolean
commit (ExtractDatasetWds * wds, Pending * p, GError ** error)
{
  GString *lines = g_string_new (NULL);
  gboolean ok;

  for (guint i = 0; i < p->windows->len; i++) {
    gchar *line = extract_catalog_index_line (p->input, p->id,
        &g_array_index (p->windows, ExtractWindowInfo, i), TRUE,
        p->shards->pdata[i]);

    g_string_append (lines, line);
    g_free (line);
  }
  ok = extract_catalog_commit (wds->catalog, p->input, p->id, wds->options,
      p->windows, lines->str, error);
  for (guint i = 0; ok && i < p->windows->len; i++) {
    gchar *file = extract_catalog_window_file (p->id, i);
    gchar *path = g_build_filename (wds->out_dir, file, NULL);

    g_unlink (path);
    g_free (path);
    g_free (file);
  }
  g_string_free (lines, TRUE);
  return ok;
}

/* The keys of a sealed shard: the inputs whose last unsealed window they
 * were are committed. */
static gboolean
on_sealed (ExtractDatasetWds * wds, GPtrArray * keys, GError ** error)
{
  gboolean ok = TRUE;

  for (guint i = 0; keys && i < keys->len; i++) {
    Pending *p = g_hash_table_lookup (wds->pending, keys->pdata[i]);

    g_hash_table_remove (wds->pending, keys->pdata[i]);
    if (p && --p->unsealed == 0 && !p->failed)
      ok = commit (wds, p, ok ? error : NULL) && ok;
  }
  if (keys)
    g_ptr_array_unref (keys);
  return ok;
}

static gchar *
window_key (const gchar * id, guint64 index)
{
  return g_strdup_printf ("%s/window-%05" G_GUINT64_FORMAT, id, index);
}

/* Adds window @i of @p; @p is registered under its key first, since the
 * add may seal the shard with it. */
static gboolean
add_window (ExtractDatasetWds * wds, Pending * p, guint i, GError ** error)
{
  ExtractWindowInfo *w = &g_array_index (p->windows, ExtractWindowInfo, i);
  gchar *key = window_key (p->id, w->window);
  gchar *file = extract_catalog_window_file (p->id, w->window);
  gchar *path = g_build_filename (wds->out_dir, file, NULL);
  gchar *json = extract_catalog_index_line (p->input, p->id, w, TRUE, NULL);
  gchar *shard = NULL;
  GPtrArray *sealed = NULL;
  gboolean ok;

  g_hash_table_insert (wds->pending, g_strdup (key), p);
  p->unsealed++;
  ok = extract_wds_add (wds->writer, key, path, json, &shard, &sealed,
      error);
  if (ok) {
    g_ptr_array_add (p->shards, shard);
    ok = on_sealed (wds, sealed, error);
  } else {
    g_hash_table_remove (wds->pending, key);
    p->unsealed--;
  }
  g_free (json);
  g_free (path);
  g_free (file);
  g_free (key);
  return ok;
}

gboolean
extract_dataset_wds_add (ExtractDatasetWds * wds, const gchar * input,
    const gchar * id, GError ** error)
{
  GArray *windows = extract_catalog_read_windows (wds->catalog, id, error);
  Pending *p;
  gboolean ok = TRUE;

  if (!windows)
    return FALSE;
  p = g_new0 (Pending, 1);
  g_ptr_array_add (wds->inputs, p);
  p->input = g_strdup (input);
  p->id = g_strdup (id);
  p->windows = windows;
  p->shards = g_ptr_array_new_with_free_func (g_free);
  /* held until the loop is over: its last window may commit it */
  p->unsealed = 1;
  for (guint i = 0; ok && i < windows->len; i++)
    ok = add_window (wds, p, i, error);
  p->failed = !ok;
  if (--p->unsealed == 0 && ok)
    ok = commit (wds, p, error);
  return ok;
}

gboolean
extract_dataset_wds_finish (ExtractDatasetWds * wds, GError ** error)
{
  GPtrArray *keys = NULL;
  gboolean ok = extract_wds_seal (wds->writer, &keys, error) &&
      on_sealed (wds, keys, error);

  wds_free (wds);
  return ok;
}
