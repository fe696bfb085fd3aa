/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The output directory holds, besides the window files:
 *
 *   .cps-extract.lock      flock()ed by the run writing into it (removed at
 *                          the end; it holds that run's process id)
 *   .cps-extract-manifest  what the last run wrote (GKeyFile, replaced
 *                          atomically): when it started, the number of
 *                          windows it began to write, its preview when that
 *                          lies in the directory
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract-output.h"

#define LOCK_NAME ".cps-extract.lock"
#define MANIFEST_NAME ".cps-extract-manifest"
#define MANIFEST_GROUP "cps-extract"

/* What one run wrote into the directory. */
typedef struct {
  gint64 started;               /* seconds since the epoch */
  guint64 windows;              /* indices 0 … windows - 1 */
  gchar *preview;               /* a file name in the directory, or NULL */
} Manifest;

struct _ExtractOutput {
  gchar *dir;
  gchar *created;               /* topmost directory this run made, or NULL */
  gint lock_fd;
  gboolean overwrite;
  Manifest earlier, ours;
  gboolean earlier_removed;
  GArray *patches;              /* guint, per window of this run */
  GArray *tokens;               /* guint, per window of this run */
  GMutex lock;                  /* windows are begun in a streaming thread */
};

static gchar *
window_name (guint64 index)
{
  return g_strdup_printf ("window-%05" G_GUINT64_FORMAT ".safetensors",
      index);
}

/* window-NNNNN.safetensors, as our pattern writes them: @index is set. */
static gboolean
parse_window_name (const gchar * name, guint64 * index)
{
  const gchar *digits = name + strlen ("window-");
  gchar *end;

  if (!g_str_has_prefix (name, "window-") || !g_ascii_isdigit (*digits))
    return FALSE;
  *index = g_ascii_strtoull (digits, &end, 10);
  return end - digits >= 5 && g_str_equal (end, ".safetensors");
}

static gchar *
in_dir (ExtractOutput * out, const gchar * name)
{
  return g_build_filename (out->dir, name, NULL);
}

/* ---- the name given ------------------------------------------------- */

gboolean
extract_output_check_name (const gchar * dir, gchar ** error)
{
  if (!*dir) {
    *error = g_strdup ("-o: the output directory name is empty");
    return FALSE;
  }
  if (g_str_has_suffix (dir, ".safetensors")) {
    *error = g_strdup_printf ("-o %s: names a file, but -o takes the "
        "directory the window files (window-NNNNN.safetensors) are written "
        "into", dir);
    return FALSE;
  }
  return TRUE;
}

/* The topmost of @dir and its parents that does not exist yet. */
static gchar *
first_missing (const gchar * dir)
{
  gchar *missing = NULL, *path = g_strdup (dir);

  while (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    gchar *parent = g_path_get_dirname (path);

    g_free (missing);
    missing = path;
    path = parent;
  }
  g_free (path);
  return missing;
}

static gboolean
make_dir (ExtractOutput * out, gchar ** error)
{
  if (g_file_test (out->dir, G_FILE_TEST_EXISTS) &&
      !g_file_test (out->dir, G_FILE_TEST_IS_DIR)) {
    *error = g_strdup_printf ("-o %s: exists and is not a directory",
        out->dir);
    return FALSE;
  }
  out->created = first_missing (out->dir);
  if (g_mkdir_with_parents (out->dir, 0755) != 0) {
    *error = g_strdup_printf ("-o %s: %s", out->dir, g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

/* ---- the lock ------------------------------------------------------- */

static gchar *
lock_holder (gint fd)
{
  gchar buf[32] = { 0 };

  if (pread (fd, buf, sizeof buf - 1, 0) > 0 && g_ascii_isdigit (buf[0]))
    return g_strdup_printf (" (process %s)", g_strstrip (buf));
  return g_strdup ("");
}

/* A run removes the lock file when it ends: a lock taken on a file that
 * was removed meanwhile locks nothing, so the file is checked to be the
 * one in the directory. */
static gboolean
is_current (gint fd, const gchar * path)
{
  struct stat a, b;

  return fstat (fd, &a) == 0 && g_stat (path, &b) == 0 &&
      a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static gboolean
take_lock (ExtractOutput * out, gchar ** error)
{
  gchar *path = in_dir (out, LOCK_NAME), *pid;

  for (;;) {
    gint fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0) {
      *error = g_strdup_printf ("-o %s: %s", out->dir, g_strerror (errno));
      break;
    }
    if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
      gchar *holder = lock_holder (fd);

      *error = g_strdup_printf ("-o %s: another cps-extract run%s is "
          "writing into this directory; wait for it to end or choose "
          "another one", out->dir, holder);
      g_free (holder);
      close (fd);
      break;
    }
    if (!is_current (fd, path)) {
      close (fd);
      continue;
    }
    out->lock_fd = fd;
    pid = g_strdup_printf ("%ld\n", (long) getpid ());
    if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) < 0)
      g_warning ("%s: %s", path, g_strerror (errno));
    g_free (pid);
    break;
  }
  g_free (path);
  return out->lock_fd >= 0;
}

/* ---- the manifest --------------------------------------------------- */

static void
read_manifest (ExtractOutput * out)
{
  GKeyFile *kf = g_key_file_new ();
  gchar *path = in_dir (out, MANIFEST_NAME);

  if (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL)) {
    out->earlier.started = g_key_file_get_int64 (kf, MANIFEST_GROUP,
        "started", NULL);
    out->earlier.windows = g_key_file_get_uint64 (kf, MANIFEST_GROUP,
        "windows", NULL);
    out->earlier.preview = g_key_file_get_string (kf, MANIFEST_GROUP,
        "preview", NULL);
  }
  g_key_file_unref (kf);
  g_free (path);
}

static gboolean
write_manifest (ExtractOutput * out, GError ** error)
{
  GKeyFile *kf = g_key_file_new ();
  gchar *path = in_dir (out, MANIFEST_NAME), *data;
  gsize len;
  gboolean ok;

  g_key_file_set_int64 (kf, MANIFEST_GROUP, "started", out->ours.started);
  g_key_file_set_uint64 (kf, MANIFEST_GROUP, "windows", out->ours.windows);
  if (out->ours.preview)
    g_key_file_set_string (kf, MANIFEST_GROUP, "preview", out->ours.preview);
  data = g_key_file_to_data (kf, &len, NULL);
  ok = g_file_set_contents_full (path, data, len,
      G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
  g_free (data);
  g_free (path);
  g_key_file_unref (kf);
  return ok;
}

/* ---- what the directory holds --------------------------------------- */

static gboolean
check_window_files (ExtractOutput * out, gchar ** error)
{
  GError *err = NULL;
  GDir *dir = g_dir_open (out->dir, 0, &err);
  const gchar *name;
  guint64 index;
  gboolean ok = TRUE;

  if (!dir) {
    *error = g_strdup_printf ("-o %s: %s", out->dir, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  while (ok && (name = g_dir_read_name (dir))) {
    if (!parse_window_name (name, &index))
      continue;
    if (index >= out->earlier.windows) {
      *error = g_strdup_printf ("-o %s: holds %s, which no cps-extract run "
          "recorded writing; move it away or choose another directory",
          out->dir, name);
      ok = FALSE;
    } else if (!out->overwrite) {
      *error = g_strdup_printf ("%s already holds window files from an "
          "earlier run; pass --overwrite to replace them", out->dir);
      ok = FALSE;
    }
  }
  g_dir_close (dir);
  return ok;
}

/* The file name of @preview when it lies in the output directory itself. */
static gchar *
name_in_dir (ExtractOutput * out, const gchar * preview)
{
  gchar *parent = g_path_get_dirname (preview);
  struct stat a, b;
  gboolean inside = g_stat (parent, &a) == 0 && g_stat (out->dir, &b) == 0
      && a.st_dev == b.st_dev && a.st_ino == b.st_ino;

  g_free (parent);
  return inside ? g_path_get_basename (preview) : NULL;
}

ExtractOutput *
extract_output_open (const gchar * dir, gboolean overwrite,
    const gchar * preview, gchar ** error)
{
  ExtractOutput *out;

  out = g_new0 (ExtractOutput, 1);
  out->dir = g_strdup (dir);
  out->lock_fd = -1;
  out->overwrite = overwrite;
  out->ours.started = g_get_real_time () / G_USEC_PER_SEC;
  out->patches = g_array_new (FALSE, TRUE, sizeof (guint));
  out->tokens = g_array_new (FALSE, TRUE, sizeof (guint));
  g_mutex_init (&out->lock);
  if (!make_dir (out, error) || !take_lock (out, error)) {
    extract_output_close (out);
    return NULL;
  }
  read_manifest (out);
  if (!check_window_files (out, error)) {
    extract_output_close (out);
    return NULL;
  }
  if (preview)
    out->ours.preview = name_in_dir (out, preview);
  return out;
}

gchar *
extract_output_location (ExtractOutput * out)
{
  gchar **parts = g_strsplit (out->dir, "%", -1);
  gchar *escaped = g_strjoinv ("%%", parts);
  gchar *location = g_build_filename (escaped, "window-%05d.safetensors",
      NULL);

  g_strfreev (parts);
  g_free (escaped);
  return location;
}

static void
remove_file (ExtractOutput * out, const gchar * name)
{
  gchar *path = in_dir (out, name);

  g_unlink (path);
  g_free (path);
}

/* A temporary file of g_file_set_contents_full(), which writes the window
 * files (common/cps_safetensors.c): NAME.XXXXXX (six letters or digits),
 * renamed to NAME once complete.  @index is that of NAME. */
static gboolean
parse_temporary_name (const gchar * name, guint64 * index)
{
  const gchar *dot = strrchr (name, '.');
  gchar *window;
  gboolean ok;

  if (!dot || strlen (dot + 1) != 6)
    return FALSE;
  for (const gchar * c = dot + 1; *c; c++)
    if (!g_ascii_isalnum (*c))
      return FALSE;
  window = g_strndup (name, dot - name);
  ok = parse_window_name (window, index);
  g_free (window);
  return ok;
}

static gboolean
modified_since (const gchar * path, gint64 seconds)
{
  struct stat st;

  return g_stat (path, &st) == 0 && st.st_mtime >= seconds;
}

/* Whether @name is a file of the run @m recorded: one of its windows, or
 * a temporary file of one of them made after the run started.  Asked of
 * the directory's entries, so that a damaged manifest cannot make it
 * enumerate billions of names. */
static gboolean
is_recorded (ExtractOutput * out, const Manifest * m, const gchar * name)
{
  guint64 index;
  gchar *path;
  gboolean recorded;

  if (parse_window_name (name, &index))
    return index < m->windows;
  if (!parse_temporary_name (name, &index) || index >= m->windows)
    return FALSE;
  path = in_dir (out, name);
  recorded = modified_since (path, m->started);
  g_free (path);
  return recorded;
}

/* Removes what the earlier run recorded: its windows and their temporary
 * files, its preview and the preview's .partial, but not the .partial this
 * run's preview is being written to. */
static void
remove_earlier_run (ExtractOutput * out)
{
  Manifest *m = &out->earlier;
  GDir *dir = g_dir_open (out->dir, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (is_recorded (out, m, name))
      remove_file (out, name);
  if (dir)
    g_dir_close (dir);
  if (m->preview && !strchr (m->preview, G_DIR_SEPARATOR)) {
    gchar *partial = g_strconcat (m->preview, ".partial", NULL);

    remove_file (out, m->preview);
    if (g_strcmp0 (m->preview, out->ours.preview) != 0)
      remove_file (out, partial);
    g_free (partial);
  }
}

static gboolean
is_file (const gchar * path, const struct stat *st)
{
  struct stat other;

  return g_stat (path, &other) == 0 && other.st_dev == st->st_dev &&
      other.st_ino == st->st_ino;
}

gboolean
extract_output_would_remove (ExtractOutput * out, const gchar * path)
{
  struct stat st;
  GDir *dir;
  const gchar *name;
  gboolean found = FALSE;

  if (!out->overwrite || !path || g_stat (path, &st) != 0)
    return FALSE;
  dir = g_dir_open (out->dir, 0, NULL);
  while (!found && dir && (name = g_dir_read_name (dir))) {
    gchar *file = in_dir (out, name);

    found = (is_recorded (out, &out->earlier, name) ||
        g_strcmp0 (name, out->earlier.preview) == 0) && is_file (file, &st);
    g_free (file);
  }
  if (dir)
    g_dir_close (dir);
  return found;
}

gboolean
extract_output_begin_window (ExtractOutput * out, guint64 index,
    guint n_patches, guint n_tokens, GError ** error)
{
  gboolean ok;

  g_mutex_lock (&out->lock);
  if (!out->earlier_removed && out->overwrite)
    remove_earlier_run (out);
  out->earlier_removed = TRUE;
  if (index >= out->patches->len) {
    g_array_set_size (out->patches, index + 1);
    g_array_set_size (out->tokens, index + 1);
  }
  g_array_index (out->patches, guint, index) = n_patches;
  g_array_index (out->tokens, guint, index) = n_tokens;
  out->ours.windows = MAX (out->ours.windows, index + 1);
  ok = write_manifest (out, error);
  g_mutex_unlock (&out->lock);
  return ok;
}

guint
extract_output_windows_on_disk (ExtractOutput * out, guint64 * patches,
    guint64 * tokens)
{
  guint n = 0;

  *patches = *tokens = 0;
  g_mutex_lock (&out->lock);
  for (guint64 i = 0; i < out->ours.windows; i++) {
    gchar *name = window_name (i), *path = in_dir (out, name);

    if (g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      n++;
      *patches += g_array_index (out->patches, guint, i);
      *tokens += g_array_index (out->tokens, guint, i);
    }
    g_free (path);
    g_free (name);
  }
  g_mutex_unlock (&out->lock);
  return n;
}

/* Removes the directories this run created, from @dir up, while empty. */
static void
remove_created_dirs (ExtractOutput * out)
{
  gchar *path = g_strdup (out->dir);

  while (g_rmdir (path) == 0 && !g_str_equal (path, out->created)) {
    gchar *parent = g_path_get_dirname (path);

    g_free (path);
    path = parent;
  }
  g_free (path);
}

void
extract_output_close (ExtractOutput * out)
{
  if (out->lock_fd >= 0) {
    remove_file (out, LOCK_NAME);
    close (out->lock_fd);
  }
  if (out->created && out->ours.windows == 0)
    remove_created_dirs (out);
  g_free (out->dir);
  g_free (out->created);
  g_free (out->earlier.preview);
  g_free (out->ours.preview);
  g_array_unref (out->patches);
  g_array_unref (out->tokens);
  g_mutex_clear (&out->lock);
  g_free (out);
}
