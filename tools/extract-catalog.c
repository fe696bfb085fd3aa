/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The marker, the index and the failures of a dataset run.  The index lines
 * are made from the window files themselves (their header and two tensors),
 * so that a run killed between an input's marker and its index lines can
 * add them on the next start without redoing the input.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "extract-catalog.h"

#define MARKER_NAME ".cps-extract-done"
#define LINES_NAME ".cps-extract-index.jsonl"
#define LOCK_NAME ".cps-index.lock"
#define INDEX_NAME "index.jsonl"
#define FAILURES_NAME "failures.jsonl"

/* safetensors headers are a few kilobytes; more is not a window file */
#define MAX_HEADER_BYTES (16 << 20)

struct _ExtractCatalog {
  gchar *dir;
  gint lock_fd;
};

typedef ExtractWindowInfo WindowInfo;

gchar *
extract_catalog_window_file (const gchar * id, guint64 index)
{
  return g_strdup_printf ("%s/window-%05" G_GUINT64_FORMAT ".safetensors",
      id, index);
}

static gchar *
in_dir (ExtractCatalog * catalog, const gchar * name)
{
  return g_build_filename (catalog->dir, name, NULL);
}

/* ---- the lock ------------------------------------------------------- */

static void
lock (ExtractCatalog * catalog)
{
  while (flock (catalog->lock_fd, LOCK_EX) != 0 && errno == EINTR);
}

static void
unlock (ExtractCatalog * catalog)
{
  flock (catalog->lock_fd, LOCK_UN);
}

ExtractCatalog *
extract_catalog_open (const gchar * out, GError ** error)
{
  ExtractCatalog *catalog = g_new0 (ExtractCatalog, 1);
  gchar *path;

  catalog->dir = g_strdup (out);
  catalog->lock_fd = -1;
  if (g_mkdir_with_parents (out, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "-o %s: %s", out, g_strerror (errno));
    extract_catalog_free (catalog);
    return NULL;
  }
  path = in_dir (catalog, LOCK_NAME);
  catalog->lock_fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (catalog->lock_fd < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s: %s", path, g_strerror (errno));
    extract_catalog_free (catalog);
    catalog = NULL;
  }
  g_free (path);
  return catalog;
}

void
extract_catalog_free (ExtractCatalog * catalog)
{
  if (catalog->lock_fd >= 0)
    close (catalog->lock_fd);
  g_free (catalog->dir);
  g_free (catalog);
}

/* ---- JSON lines ----------------------------------------------------- */

static gchar *
to_line (JsonBuilder * b)
{
  JsonNode *root = json_builder_get_root (b);
  gchar *json = json_to_string (root, FALSE);
  gchar *line = g_strconcat (json, "\n", NULL);

  json_node_unref (root);
  g_free (json);
  return line;
}

/* The object of one line, or NULL when it is not one (a line cut off). */
static JsonObject *
parse_line (const gchar * line)
{
  JsonNode *node = json_from_string (line, NULL);
  JsonObject *object;

  if (!node || !JSON_NODE_HOLDS_OBJECT (node)) {
    if (node)
      json_node_unref (node);
    return NULL;
  }
  object = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  return object;
}

typedef gboolean (*LineFilter) (JsonObject * line, gpointer data);

/* Rewrites @name without the lines @drop selects and without lines that
 * are not JSON objects (a write cut off by a kill): a new file renamed
 * over the old one, so that a reader sees either.  Unchanged files are not
 * rewritten.  Call with the lock held. */
static gboolean
filter_lines (ExtractCatalog * catalog, const gchar * name, LineFilter drop,
    gpointer data, GError ** error)
{
  gchar *path = in_dir (catalog, name), *contents = NULL;
  GString *kept = g_string_new (NULL);
  gboolean changed = FALSE, ok = TRUE;
  gchar **lines;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    goto done;                  /* none yet */
  lines = g_strsplit (contents, "\n", -1);
  for (gchar ** l = lines; *l; l++) {
    JsonObject *object = **l ? parse_line (*l) : NULL;

    if (object && !(drop && drop (object, data)))
      g_string_append_printf (kept, "%s\n", *l);
    else if (**l || l[1])       /* the empty string after the last \n */
      changed = TRUE;
    if (object)
      json_object_unref (object);
  }
  g_strfreev (lines);
  if (changed)
    ok = g_file_set_contents_full (path, kept->str, kept->len,
        G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
done:
  g_free (contents);
  g_free (path);
  g_string_free (kept, TRUE);
  return ok;
}

/* Appends @text in one write(), so that concurrent readers and a kill see
 * all of an input's lines or none (a cut-off write is dropped by the next
 * filter_lines()).  Call with the lock held. */
static gboolean
append (ExtractCatalog * catalog, const gchar * name, const gchar * text,
    GError ** error)
{
  gchar *path = in_dir (catalog, name);
  gint fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  gssize len = strlen (text), n = -1;

  if (fd >= 0) {
    n = write (fd, text, len);
    if (n == len && fsync (fd) != 0)
      n = -1;
  }
  if (n != len)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s: %s", path, n < 0 ? g_strerror (errno) : "short write");
  if (fd >= 0)
    close (fd);
  g_free (path);
  return n == len;
}

static gboolean
has_id (JsonObject * line, const gchar * id)
{
  return g_strcmp0 (json_object_get_string_member_with_default (line, "id",
          NULL), id) == 0;
}

/* ---- window files --------------------------------------------------- */

static guint64
metadata_uint (JsonObject * metadata, const gchar * key)
{
  const gchar *s = json_object_get_string_member_with_default (metadata,
      key, "");

  return g_ascii_strtoull (s, NULL, 10);
}

/* The first and last int64 of tensor @name, whose bytes start at @base. */
static gboolean
read_ends (FILE * f, JsonObject * header, const gchar * name, gsize base,
    gint64 ends[2])
{
  JsonObject *tensor = json_object_get_object_member (header, name);
  JsonArray *offsets = tensor ?
      json_object_get_array_member (tensor, "data_offsets") : NULL;
  gint64 begin, end;

  if (!offsets || json_array_get_length (offsets) != 2)
    return FALSE;
  begin = json_array_get_int_element (offsets, 0);
  end = json_array_get_int_element (offsets, 1);
  if (end - begin < 8)
    return FALSE;
  if (fseek (f, base + begin, SEEK_SET) != 0 ||
      fread (&ends[0], 8, 1, f) != 1 ||
      fseek (f, base + end - 8, SEEK_SET) != 0 ||
      fread (&ends[1], 8, 1, f) != 1)
    return FALSE;
  ends[0] = GINT64_FROM_LE (ends[0]);
  ends[1] = GINT64_FROM_LE (ends[1]);
  return TRUE;
}

static gboolean
parse_window (FILE * f, WindowInfo * w)
{
  guint64 length;
  gchar *text;
  JsonNode *node = NULL;
  JsonObject *header, *metadata;
  gboolean ok = FALSE;

  if (fread (&length, 8, 1, f) != 1)
    return FALSE;
  length = GUINT64_FROM_LE (length);
  if (length == 0 || length > MAX_HEADER_BYTES)
    return FALSE;
  text = g_malloc (length + 1);
  text[length] = '\0';
  if (fread (text, 1, length, f) == length)
    node = json_from_string (text, NULL);
  g_free (text);
  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    goto done;
  header = json_node_get_object (node);
  metadata = json_object_get_object_member (header, "__metadata__");
  if (!metadata)
    goto done;
  w->window = metadata_uint (metadata, "window_index");
  w->frames = metadata_uint (metadata, "n_frames");
  w->patches = metadata_uint (metadata, "n_patches");
  w->tokens = metadata_uint (metadata, "n_tokens");
  ok = read_ends (f, header, "frame_ids", 8 + length, w->frame_ids) &&
      read_ends (f, header, "frame_pts_ns", 8 + length, w->pts_ns);
done:
  if (node)
    json_node_unref (node);
  return ok;
}

/* Reads window file @file (relative to the dataset directory). */
static gboolean
read_window (ExtractCatalog * catalog, const gchar * file, WindowInfo * w,
    GError ** error)
{
  gchar *path = in_dir (catalog, file);
  FILE *f = g_fopen (path, "rb");
  gboolean ok = f && parse_window (f, w);

  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: %s", path, f ? "not a cps window file" : g_strerror (errno));
  if (f)
    fclose (f);
  g_free (path);
  return ok;
}

static void
add_pair (JsonBuilder * b, const gchar * name, const gint64 pair[2])
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  json_builder_add_int_value (b, pair[0]);
  json_builder_add_int_value (b, pair[1]);
  json_builder_end_array (b);
}

static void
add_string_member (JsonBuilder * b, const gchar * name, const gchar * value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
add_int_member (JsonBuilder * b, const gchar * name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

gchar *
extract_catalog_index_line (const gchar * input, const gchar * id,
    const ExtractWindowInfo * w, gboolean in_shard, const gchar * shard)
{
  JsonBuilder *b = json_builder_new ();
  gchar *file = extract_catalog_window_file (id, w->window), *line;

  json_builder_begin_object (b);
  add_string_member (b, "input", input);
  add_string_member (b, "id", id);
  json_builder_set_member_name (b, "file");
  if (in_shard)
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, file);
  add_int_member (b, "window", w->window);
  add_int_member (b, "frames", w->frames);
  add_pair (b, "frame_ids", w->frame_ids);
  add_pair (b, "pts_ns", w->pts_ns);
  add_int_member (b, "patches", w->patches);
  add_int_member (b, "tokens", w->tokens);
  if (shard)
    add_string_member (b, "shard", shard);
  if (in_shard) {
    /* the key of the window's members in the shard: the file name
     * without its extension */
    file[strlen (file) - strlen (".safetensors")] = '\0';
    add_string_member (b, "key", file);
  }
  json_builder_end_object (b);
  line = to_line (b);
  g_object_unref (b);
  g_free (file);
  return line;
}

GArray *
extract_catalog_read_windows (ExtractCatalog * catalog, const gchar * id,
    GError ** error)
{
  GArray *windows = g_array_new (FALSE, FALSE, sizeof (WindowInfo));

  for (guint64 i = 0;; i++) {
    gchar *file = extract_catalog_window_file (id, i);
    gchar *path = in_dir (catalog, file);
    gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS), ok = FALSE;
    WindowInfo w;

    if (exists && (ok = read_window (catalog, file, &w, error)))
      g_array_append_val (windows, w);
    g_free (path);
    g_free (file);
    if (!ok) {
      if (!exists)
        return windows;
      g_array_unref (windows);
      return NULL;
    }
  }
}

/* The index lines of input @id's window files. */
static gchar *
dir_lines (const gchar * input, const gchar * id, GArray * windows)
{
  GString *lines = g_string_new (NULL);

  for (guint i = 0; i < windows->len; i++) {
    gchar *line = extract_catalog_index_line (input, id,
        &g_array_index (windows, WindowInfo, i), FALSE, NULL);

    g_string_append (lines, line);
    g_free (line);
  }
  return g_string_free (lines, FALSE);
}

/* ---- markers -------------------------------------------------------- */

static gchar *
marker_path (ExtractCatalog * catalog, const gchar * id)
{
  return g_build_filename (catalog->dir, id, MARKER_NAME, NULL);
}

static gchar *
lines_path (ExtractCatalog * catalog, const gchar * id)
{
  return g_build_filename (catalog->dir, id, LINES_NAME, NULL);
}

static gboolean
write_marker (ExtractCatalog * catalog, const gchar * input, const gchar * id,
    const gchar * options, GArray * windows, GError ** error)
{
  JsonBuilder *b = json_builder_new ();
  gchar *path = marker_path (catalog, id), *text, *dir;
  WindowInfo sum = { 0 };
  gboolean ok;

  for (guint i = 0; i < windows->len; i++) {
    WindowInfo *w = &g_array_index (windows, WindowInfo, i);

    sum.frames += w->frames;
    sum.patches += w->patches;
    sum.tokens += w->tokens;
  }

  json_builder_begin_object (b);
  add_string_member (b, "input", input);
  add_string_member (b, "id", id);
  add_string_member (b, "options", options);
  add_int_member (b, "windows", windows->len);
  add_int_member (b, "patches", sum.patches);
  add_int_member (b, "tokens", sum.tokens);
  add_int_member (b, "frames", sum.frames);
  add_string_member (b, "cps_version", VERSION);
  json_builder_end_object (b);
  text = to_line (b);
  /* a child that wrote no window removed the directory it made */
  dir = g_build_filename (catalog->dir, id, NULL);
  g_mkdir_with_parents (dir, 0755);
  g_free (dir);
  ok = g_file_set_contents_full (path, text, -1,
      G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
  g_free (text);
  g_free (path);
  g_object_unref (b);
  return ok;
}

ExtractMarker *
extract_catalog_read_marker (ExtractCatalog * catalog, const gchar * id)
{
  gchar *path = marker_path (catalog, id), *text = NULL;
  JsonObject *object = NULL;
  ExtractMarker *marker = NULL;

  if (g_file_get_contents (path, &text, NULL, NULL))
    object = parse_line (text);
  if (object && json_object_has_member (object, "input")) {
    marker = g_new0 (ExtractMarker, 1);
    marker->input = g_strdup (json_object_get_string_member_with_default
        (object, "input", ""));
    marker->options = g_strdup (json_object_get_string_member_with_default
        (object, "options", ""));
  }
  if (object)
    json_object_unref (object);
  g_free (text);
  g_free (path);
  return marker;
}

void
extract_marker_free (ExtractMarker * marker)
{
  g_free (marker->input);
  g_free (marker->options);
  g_free (marker);
}

/* ---- the index ------------------------------------------------------ */

gboolean
extract_catalog_forget (ExtractCatalog * catalog, const gchar * id,
    GError ** error)
{
  gchar *paths[] = { marker_path (catalog, id), lines_path (catalog, id) };
  gboolean ok = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++) {
    if (ok && g_unlink (paths[i]) != 0 && errno != ENOENT) {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "%s: %s", paths[i], g_strerror (errno));
      ok = FALSE;
    }
    g_free (paths[i]);
  }
  if (!ok)
    return FALSE;
  lock (catalog);
  ok = filter_lines (catalog, INDEX_NAME, (LineFilter) has_id, (gpointer) id,
      error);
  unlock (catalog);
  return ok;
}

gboolean
extract_catalog_commit (ExtractCatalog * catalog, const gchar * input,
    const gchar * id, const gchar * options, GArray * windows,
    const gchar * lines, GError ** error)
{
  gchar *path = lines_path (catalog, id);
  gboolean ok;

  /* the marker first: an index line always has its complete input */
  ok = (!lines || g_file_set_contents_full (path, lines, -1,
          G_FILE_SET_CONTENTS_CONSISTENT, 0644, error)) &&
      write_marker (catalog, input, id, options, windows, error);
  g_free (path);
  if (!ok)
    return FALSE;
  lock (catalog);
  if (lines) {
    ok = append (catalog, INDEX_NAME, lines, error);
  } else {
    gchar *made = dir_lines (input, id, windows);

    ok = append (catalog, INDEX_NAME, made, error);
    g_free (made);
  }
  unlock (catalog);
  return ok;
}

gboolean
extract_catalog_complete (ExtractCatalog * catalog, const gchar * input,
    const gchar * id, const gchar * options, GError ** error)
{
  GArray *windows = extract_catalog_read_windows (catalog, id, error);
  gboolean ok;

  if (!windows)
    return FALSE;
  ok = extract_catalog_commit (catalog, input, id, options, windows, NULL,
      error);
  g_array_unref (windows);
  return ok;
}

/* The index lines of complete input @id: those kept beside its marker
 * (tar shards), else made from its window files. */
static gchar *
complete_lines (ExtractCatalog * catalog, const gchar * input,
    const gchar * id, GError ** error)
{
  gchar *path = lines_path (catalog, id), *lines = NULL;
  GArray *windows;

  if (g_file_get_contents (path, &lines, NULL, NULL) ||
      !(windows = extract_catalog_read_windows (catalog, id, error))) {
    g_free (path);
    return lines;
  }
  g_free (path);
  lines = dir_lines (input, id, windows);
  g_array_unref (windows);
  return lines;
}

/* Collects the ids of a file's lines into the set @ids. */
static gboolean
note_id (JsonObject * line, GHashTable * ids)
{
  const gchar *id = json_object_get_string_member_with_default (line, "id",
      NULL);

  if (id)
    g_hash_table_add (ids, g_strdup (id));
  return FALSE;
}

gboolean
extract_catalog_repair (ExtractCatalog * catalog, GHashTable * complete,
    GError ** error)
{
  GHashTable *indexed = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  GHashTableIter iter;
  gpointer id, input;
  gboolean ok;

  lock (catalog);
  ok = filter_lines (catalog, INDEX_NAME, (LineFilter) note_id, indexed,
      error);
  g_hash_table_iter_init (&iter, complete);
  while (ok && g_hash_table_iter_next (&iter, &id, &input)) {
    gchar *lines;

    if (g_hash_table_contains (indexed, id))
      continue;
    lines = complete_lines (catalog, input, id, error);
    ok = lines && append (catalog, INDEX_NAME, lines, error);
    g_free (lines);
  }
  unlock (catalog);
  g_hash_table_unref (indexed);
  return ok;
}

/* ---- failures ------------------------------------------------------- */

GHashTable *
extract_catalog_failed (ExtractCatalog * catalog)
{
  GHashTable *failed = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);

  lock (catalog);
  filter_lines (catalog, FAILURES_NAME, (LineFilter) note_id, failed, NULL);
  unlock (catalog);
  return failed;
}

static gchar *
failure_line (const gchar * input, const gchar * id, const gchar * message,
    const gchar * exit_class)
{
  JsonBuilder *b = json_builder_new ();
  gchar *line;

  json_builder_begin_object (b);
  add_string_member (b, "input", input);
  add_string_member (b, "id", id);
  add_string_member (b, "error", message);
  add_string_member (b, "exit_class", exit_class);
  json_builder_end_object (b);
  line = to_line (b);
  g_object_unref (b);
  return line;
}

gboolean
extract_catalog_set_failure (ExtractCatalog * catalog, const gchar * input,
    const gchar * id, const gchar * message, const gchar * exit_class,
    GError ** error)
{
  gboolean ok;

  lock (catalog);
  ok = filter_lines (catalog, FAILURES_NAME, (LineFilter) has_id,
      (gpointer) id, error);
  if (ok && exit_class) {
    gchar *line = failure_line (input, id, message, exit_class);

    ok = append (catalog, FAILURES_NAME, line, error);
    g_free (line);
  }
  unlock (catalog);
  return ok;
}
