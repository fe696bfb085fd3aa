/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * WebDataset-style tar shards written with libarchive (extract-wds.h).
 */
#define _GNU_SOURCE             /* renameat2 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract-wds.h"

#define PARTIAL_SUFFIX ".partial"
#define COPY_CHUNK (1 << 20)

struct _ExtractWds {
  gchar *dir;
  gchar *dir_name;              /* last component of dir, for shard names */
  gchar *prefix;
  guint64 target;
  guint64 next_index;           /* number of the next shard to open */
  gboolean broken;              /* a write failed: no more adds */

  /* the shard being written, if any */
  struct archive *a;
  gint fd;
  guint64 index;
  guint64 bytes;                /* written to fd so far */
  gint write_errno;             /* of the last failed write(2) */
  gchar *partial;               /* its path while written */
  GPtrArray *keys;              /* gchar *, in order */
  GHashTable *key_set;          /* the same strings */
};

static GQuark
wds_quark (void)
{
  return g_quark_from_static_string ("cps-extract-wds");
}

static gboolean
fail (GError ** error, const gchar * format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError ** error, const gchar * format, ...)
{
  va_list args;
  gchar *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, wds_quark (), 0, msg);
  g_free (msg);
  return FALSE;
}

static gboolean
valid_prefix (const gchar * prefix)
{
  if (!prefix || !*prefix || g_str_equal (prefix, ".") ||
      g_str_equal (prefix, ".."))
    return FALSE;
  for (const gchar * c = prefix; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '_' && *c != '-')
      return FALSE;
  return TRUE;
}

/* @name is PREFIX-NNNNNN@suffix (six digits or more): @index is set. */
static gboolean
parse_shard_name (const gchar * name, const gchar * prefix,
    const gchar * suffix, guint64 * index)
{
  gsize plen = strlen (prefix);
  const gchar *digits = name + plen + 1;
  gchar *end;

  if (strncmp (name, prefix, plen) != 0 || name[plen] != '-' ||
      !g_ascii_isdigit (*digits))
    return FALSE;
  for (end = (gchar *) digits; g_ascii_isdigit (*end); end++);
  if (end - digits < 6 || end - digits > 19 || !g_str_equal (end, suffix))
    return FALSE;
  *index = g_ascii_strtoull (digits, NULL, 10);
  return TRUE;
}

static gchar *
shard_name (ExtractWds * w, guint64 index)
{
  return g_strdup_printf ("%s-%06" G_GUINT64_FORMAT ".tar", w->prefix,
      index);
}

/* The number after the highest sealed shard of the prefix in the dir. */
static gboolean
scan_next_index (ExtractWds * w, GError ** error)
{
  GError *err = NULL;
  GDir *dir = g_dir_open (w->dir, 0, &err);
  const gchar *name;
  guint64 index;

  if (!dir) {
    fail (error, "%s: %s", w->dir, err->message);
    g_error_free (err);
    return FALSE;
  }
  w->next_index = 0;
  while ((name = g_dir_read_name (dir)))
    if (parse_shard_name (name, w->prefix, ".tar", &index) &&
        index + 1 > w->next_index)
      w->next_index = index + 1;
  g_dir_close (dir);
  return TRUE;
}

ExtractWds *
extract_wds_open (const gchar * dir, const gchar * prefix,
    guint64 target_bytes, GError ** error)
{
  ExtractWds *w;

  if (!valid_prefix (prefix)) {
    fail (error, "wds shard prefix \"%s\": empty, or a byte outside "
        "[A-Za-z0-9._-]", prefix ? prefix : "");
    return NULL;
  }
  if (g_file_test (dir, G_FILE_TEST_EXISTS) &&
      !g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    fail (error, "%s: exists and is not a directory", dir);
    return NULL;
  }
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    fail (error, "%s: %s", dir, g_strerror (errno));
    return NULL;
  }
  w = g_new0 (ExtractWds, 1);
  w->dir = g_strdup (dir);
  w->dir_name = g_path_get_basename (dir);
  w->prefix = g_strdup (prefix);
  w->target = target_bytes;
  w->fd = -1;
  if (!scan_next_index (w, error)) {
    extract_wds_close (w);
    return NULL;
  }
  return w;
}

/* ---- writing a shard ------------------------------------------------ */

static la_ssize_t
write_cb (struct archive *a, void *data, const void *buf, size_t len)
{
  ExtractWds *w = data;
  const guint8 *p = buf;
  size_t left = len;

  while (left > 0) {
    ssize_t n = write (w->fd, p, left);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      w->write_errno = errno;
      archive_set_error (a, errno, "%s", g_strerror (errno));
      return -1;
    }
    p += n;
    left -= n;
    w->bytes += n;
  }
  return len;
}

static gboolean
archive_fail (ExtractWds * w, GError ** error, const gchar * what)
{
  const gchar *msg = w->a ? archive_error_string (w->a) : NULL;

  return fail (error, "%s: %s: %s", w->partial, what,
      msg ? msg : (w->write_errno ? g_strerror (w->write_errno) :
          "libarchive failed"));
}

/* Closes and removes the shard being written: its keys were never given
 * out. */
static void
discard_shard (ExtractWds * w)
{
  if (w->a) {
    archive_write_free (w->a);  /* may try to finish: the file goes anyway */
    w->a = NULL;
  }
  if (w->fd >= 0) {
    close (w->fd);
    w->fd = -1;
  }
  if (w->partial) {
    g_unlink (w->partial);
    g_clear_pointer (&w->partial, g_free);
  }
  g_clear_pointer (&w->keys, g_ptr_array_unref);
  g_clear_pointer (&w->key_set, g_hash_table_unref);
}

static gboolean
open_shard (ExtractWds * w, GError ** error)
{
  gchar *name = shard_name (w, w->next_index);

  w->index = w->next_index;
  w->partial = g_strconcat (w->dir, G_DIR_SEPARATOR_S, name, PARTIAL_SUFFIX,
      NULL);
  g_free (name);
  /* O_EXCL: a .partial there is another writer's with our prefix, or a
   * killed run's that extract_wds_remove_partial() was not asked to
   * remove; neither is ours to truncate. */
  w->fd = g_open (w->partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    gint e = errno;

    fail (error, "%s: %s%s", w->partial, g_strerror (e), e == EEXIST ?
        " (left by an earlier run with this prefix, or being written by "
        "another: remove the .partial files before writing)" : "");
    g_clear_pointer (&w->partial, g_free);
    return FALSE;
  }
  w->next_index++;
  w->bytes = 0;
  w->write_errno = 0;
  w->keys = g_ptr_array_new_with_free_func (g_free);
  w->key_set = g_hash_table_new (g_str_hash, g_str_equal);
  w->a = archive_write_new ();
  if (!w->a || archive_write_set_format_pax_restricted (w->a) != ARCHIVE_OK
      || archive_write_set_bytes_per_block (w->a, 0) != ARCHIVE_OK ||
      archive_write_open2 (w->a, w, NULL, write_cb, NULL, NULL) != ARCHIVE_OK) {
    archive_fail (w, error, "cannot start the tar");
    discard_shard (w);
    return FALSE;
  }
  return TRUE;
}

/* Relative, '/'-separated, no empty/"."/".." component, no dot in the
 * last one (where WebDataset readers split key and extension). */
static gboolean
valid_key (const gchar * key)
{
  gchar **parts;
  gboolean ok = TRUE;
  guint n;

  if (!key || !*key || !g_utf8_validate (key, -1, NULL))
    return FALSE;
  for (const gchar * c = key; *c; c++)
    if ((guchar) * c < 0x20 || *c == 0x7f || *c == '\\')
      return FALSE;
  parts = g_strsplit (key, "/", -1);
  n = g_strv_length (parts);
  for (guint i = 0; i < n && ok; i++)
    ok = *parts[i] && !g_str_equal (parts[i], ".") &&
        !g_str_equal (parts[i], "..");
  ok = ok && !strchr (parts[n - 1], '.');
  g_strfreev (parts);
  return ok;
}

static struct archive_entry *
new_entry (const gchar * name, gint64 size)
{
  struct archive_entry *e = archive_entry_new ();

  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, size);
  archive_entry_set_mtime (e, 0, 0);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  return e;
}

static gboolean
write_header (ExtractWds * w, const gchar * name, gint64 size,
    GError ** error)
{
  struct archive_entry *e = new_entry (name, size);
  gint r = archive_write_header (w->a, e);

  archive_entry_free (e);
  if (r != ARCHIVE_OK) {
    gchar *what = g_strdup_printf ("member %s", name);

    archive_fail (w, error, what);
    g_free (what);
    return FALSE;
  }
  return TRUE;
}

static gboolean
write_data (ExtractWds * w, const gchar * name, const void *buf, gsize len,
    GError ** error)
{
  const guint8 *p = buf;

  while (len > 0) {
    la_ssize_t n = archive_write_data (w->a, p, len);

    if (n <= 0) {
      gchar *what = g_strdup_printf ("member %s", name);

      archive_fail (w, error, what);
      g_free (what);
      return FALSE;
    }
    p += n;
    len -= n;
  }
  return TRUE;
}

/* The file at @fd (@size bytes, as fstat() said) as member @name. */
static gboolean
copy_file (ExtractWds * w, const gchar * name, gint fd, const gchar * path,
    gint64 size, GError ** error)
{
  guint8 *buf;
  gint64 left = size;
  gboolean ok;

  if (!write_header (w, name, size, error))
    return FALSE;
  buf = g_malloc (COPY_CHUNK);
  ok = TRUE;
  while (ok && left > 0) {
    ssize_t n = read (fd, buf, MIN (left, COPY_CHUNK));

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      ok = fail (error, "%s: %s", path, n < 0 ? g_strerror (errno) :
          "shorter than when it was opened");
    else {
      ok = write_data (w, name, buf, n, error);
      left -= n;
    }
  }
  g_free (buf);
  return ok && archive_write_finish_entry (w->a) == ARCHIVE_OK;
}

static gchar *
relative_shard_name (ExtractWds * w, guint64 index)
{
  gchar *name = shard_name (w, index);
  gchar *rel = g_strconcat (w->dir_name, "/", name, NULL);

  g_free (name);
  return rel;
}

gboolean
extract_wds_add (ExtractWds * w, const gchar * key,
    const gchar * safetensors_path, const gchar * json, gchar ** shard,
    GPtrArray ** sealed_keys, GError ** error)
{
  gchar *st_name = NULL, *json_name = NULL;
  struct stat st;
  gint fd;
  gboolean ok;

  if (sealed_keys)
    *sealed_keys = NULL;
  if (w->broken)
    return fail (error, "%s: an earlier write into a %s shard failed",
        w->dir, w->prefix);
  if (!valid_key (key))
    return fail (error, "wds key \"%s\": not a relative path of non-empty "
        "components without \".\", \"..\" or a dot in its last component",
        key ? key : "");
  if (w->key_set && g_hash_table_contains (w->key_set, key))
    return fail (error, "wds key \"%s\": already in the shard", key);
  fd = g_open (safetensors_path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return fail (error, "%s: %s", safetensors_path, g_strerror (errno));
  if (fstat (fd, &st) != 0) {
    gint e = errno;

    close (fd);
    return fail (error, "%s: %s", safetensors_path, g_strerror (e));
  }
  if (!S_ISREG (st.st_mode)) {
    close (fd);
    return fail (error, "%s: not a regular file", safetensors_path);
  }
  if (!w->a && !open_shard (w, error)) {
    close (fd);
    return FALSE;
  }

  st_name = g_strconcat (key, ".safetensors", NULL);
  json_name = g_strconcat (key, ".json", NULL);
  ok = copy_file (w, st_name, fd, safetensors_path, st.st_size, error) &&
      write_header (w, json_name, strlen (json), error) &&
      write_data (w, json_name, json, strlen (json), error) &&
      archive_write_finish_entry (w->a) == ARCHIVE_OK;
  close (fd);
  g_free (st_name);
  g_free (json_name);
  if (!ok) {
    if (error && !*error)
      archive_fail (w, error, "finishing a member");
    discard_shard (w);
    w->broken = TRUE;
    return FALSE;
  }

  g_ptr_array_add (w->keys, g_strdup (key));
  g_hash_table_add (w->key_set, g_ptr_array_index (w->keys,
          w->keys->len - 1));
  if (shard)
    *shard = relative_shard_name (w, w->index);
  if (w->bytes >= w->target) {
    GPtrArray *keys = NULL;

    if (!extract_wds_seal (w, &keys, error)) {
      if (shard)
        g_clear_pointer (shard, g_free);
      return FALSE;
    }
    if (sealed_keys)
      *sealed_keys = keys;
    else
      g_ptr_array_unref (keys);
  }
  return TRUE;
}

/* ---- sealing -------------------------------------------------------- */

static gboolean
fsync_dir (const gchar * dir, GError ** error)
{
  gint fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return fail (error, "%s: %s", dir, g_strerror (errno));
  ok = fsync (fd) == 0 || errno == EINVAL;      /* not syncable: no error */
  if (!ok)
    fail (error, "%s: fsync: %s", dir, g_strerror (errno));
  close (fd);
  return ok;
}

/* Renames @from to @to unless @to exists. */
static gboolean
rename_noreplace (const gchar * from, const gchar * to, GError ** error)
{
  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return TRUE;
  if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
    /* a file system without RENAME_NOREPLACE: the check is not atomic,
     * but the prefix is this writer's alone */
    if (!g_file_test (to, G_FILE_TEST_EXISTS) && g_rename (from, to) == 0)
      return TRUE;
    if (g_file_test (to, G_FILE_TEST_EXISTS))
      errno = EEXIST;
  }
  return fail (error, "%s: cannot rename to %s: %s", from, to,
      g_strerror (errno));
}

gboolean
extract_wds_seal (ExtractWds * w, GPtrArray ** sealed_keys, GError ** error)
{
  gchar *final;
  gboolean ok;

  *sealed_keys = NULL;
  if (!w->a) {
    *sealed_keys = g_ptr_array_new_with_free_func (g_free);
    return TRUE;
  }
  if (archive_write_close (w->a) != ARCHIVE_OK) {
    archive_fail (w, error, "finishing the tar");
    goto broken;
  }
  archive_write_free (w->a);
  w->a = NULL;
  if (fsync (w->fd) != 0) {
    fail (error, "%s: fsync: %s", w->partial, g_strerror (errno));
    goto broken;
  }
  if (close (w->fd) != 0) {
    w->fd = -1;
    fail (error, "%s: %s", w->partial, g_strerror (errno));
    goto broken;
  }
  w->fd = -1;
  final = g_strndup (w->partial, strlen (w->partial) -
      strlen (PARTIAL_SUFFIX));
  ok = rename_noreplace (w->partial, final, error);
  g_free (final);
  if (!ok)
    goto broken;
  g_clear_pointer (&w->partial, g_free);
  if (!fsync_dir (w->dir, error)) {
    /* renamed, but maybe not durably: the keys are not given out */
    discard_shard (w);
    w->broken = TRUE;
    return FALSE;
  }
  *sealed_keys = g_steal_pointer (&w->keys);
  g_clear_pointer (&w->key_set, g_hash_table_unref);
  return TRUE;

broken:
  discard_shard (w);
  w->broken = TRUE;
  return FALSE;
}

void
extract_wds_close (ExtractWds * w)
{
  GError *err = NULL;
  GPtrArray *keys = NULL;

  if (!w)
    return;
  if (w->a && !extract_wds_seal (w, &keys, &err)) {
    g_warning ("%s", err->message);
    g_error_free (err);
  }
  if (keys)
    g_ptr_array_unref (keys);
  discard_shard (w);
  g_free (w->dir);
  g_free (w->dir_name);
  g_free (w->prefix);
  g_free (w);
}

gboolean
extract_wds_remove_partial (const gchar * dir, const gchar * prefix,
    GError ** error)
{
  GError *err = NULL;
  GDir *d;
  const gchar *name;
  guint64 index;
  gboolean ok = TRUE;

  if (!valid_prefix (prefix))
    return fail (error, "wds shard prefix \"%s\": empty, or a byte outside "
        "[A-Za-z0-9._-]", prefix ? prefix : "");
  d = g_dir_open (dir, 0, &err);
  if (!d) {
    gboolean missing = g_error_matches (err, G_FILE_ERROR,
        G_FILE_ERROR_NOENT);

    if (!missing)
      fail (error, "%s: %s", dir, err->message);
    g_error_free (err);
    return missing;
  }
  while ((name = g_dir_read_name (d))) {
    gchar *path;

    if (!parse_shard_name (name, prefix, ".tar" PARTIAL_SUFFIX, &index))
      continue;
    path = g_build_filename (dir, name, NULL);
    if (g_unlink (path) != 0 && errno != ENOENT && ok)
      ok = fail (error, "%s: %s", path, g_strerror (errno));
    g_free (path);
  }
  g_dir_close (d);
  return ok;
}
