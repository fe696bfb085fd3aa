/* cps — tools/extract-wds.c, the WebDataset-style tar shard writer of
 * cps-extract --format wds: members, order, sizes, reproducibility,
 * rollover at the target size, .partial handling, numbering, and a
 * shard read by Python's tarfile the way WebDataset readers group it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "extract-wds.h"

static const gchar *self_path;

/* A directory removed with its files at the end of the test. */
static gchar *
make_tmp (void)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("cps-wds-XXXXXX", &err);

  g_assert_no_error (err);
  return dir;
}

static void
rm_rf (const gchar * path)
{
  gchar *argv[] = { (gchar *) "rm", (gchar *) "-rf", (gchar *) path, NULL };

  g_assert_true (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, NULL, NULL, NULL, NULL));
}

/* Window @i's stand-in safetensors file: @size deterministic bytes. */
static gchar *
make_window_file (const gchar * dir, guint i, gsize size)
{
  gchar *name = g_strdup_printf ("in-%u.safetensors", i);
  gchar *path = g_build_filename (dir, name, NULL);
  guint8 *data = g_malloc (size ? size : 1);
  GError *err = NULL;

  for (gsize k = 0; k < size; k++)
    data[k] = (guint8) ((k * 131 + i * 7 + (k >> 8)) & 0xff);
  g_file_set_contents (path, (const gchar *) data, size, &err);
  g_assert_no_error (err);
  g_free (data);
  g_free (name);
  return path;
}

static gchar *
window_json (const gchar * key, guint i)
{
  return g_strdup_printf ("{\"key\": \"%s\", \"window\": %u, \"file\": null}",
      key, i);
}

typedef struct {
  gchar *name;
  gint64 size;
  GBytes *data;
} Member;

static void
member_free (gpointer p)
{
  Member *m = p;

  g_free (m->name);
  g_bytes_unref (m->data);
  g_free (m);
}

/* The members of the tar at @path, read with libarchive, their headers
 * checked: regular, 0644, mtime 0, uid/gid 0. */
static GPtrArray *
read_members (const gchar * path)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *e;
  GPtrArray *members = g_ptr_array_new_with_free_func (member_free);
  gint r;

  archive_read_support_format_tar (a);
  g_assert_cmpint (archive_read_open_filename (a, path, 65536), ==,
      ARCHIVE_OK);
  while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK) {
    Member *m = g_new0 (Member, 1);
    gint64 size = archive_entry_size (e);
    guint8 *buf = g_malloc (size ? size : 1);

    m->name = g_strdup (archive_entry_pathname (e));
    m->size = size;
    g_assert_cmpint (archive_entry_filetype (e), ==, AE_IFREG);
    g_assert_cmpint (archive_entry_perm (e), ==, 0644);
    g_assert_cmpint (archive_entry_mtime (e), ==, 0);
    g_assert_cmpint (archive_entry_uid (e), ==, 0);
    g_assert_cmpint (archive_entry_gid (e), ==, 0);
    g_assert_cmpint (archive_read_data (a, buf, size), ==, size);
    m->data = g_bytes_new_take (buf, size);
    g_ptr_array_add (members, m);
  }
  g_assert_cmpint (r, ==, ARCHIVE_EOF);
  archive_read_free (a);
  return members;
}

static void
assert_file_equals (const gchar * path, GBytes * data)
{
  gchar *contents;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (data, NULL),
      g_bytes_get_size (data));
  g_free (contents);
}

static gboolean
exists_in (const gchar * dir, const gchar * name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gboolean e = g_file_test (path, G_FILE_TEST_EXISTS);

  g_free (path);
  return e;
}

static gchar *
read_file (const gchar * dir, const gchar * name, gsize * len)
{
  gchar *path = g_build_filename (dir, name, NULL), *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, len, NULL));
  g_free (path);
  return contents;
}

/* ---- the sequence the reproducibility checks write -------------------- */

static const gsize fixed_sizes[] = { 0, 1, 511, 512, 513, 70000, 5 };

/* Keys longer than ustar's 100-byte name field: one the prefix field
 * carries, one (over 255 bytes) only a pax header does; reproducibly
 * too. */
#define LONG_ID "a-very-long-input-stem-that-goes-on-and-on-for-sixty-bytes" \
  "-0123456789abcdef0123"

static gchar *
fixed_key (guint i)
{
  if (i == G_N_ELEMENTS (fixed_sizes) - 1) {
    gchar *dirs = g_strnfill (250, 'd');
    gchar *key = g_strdup_printf ("%s/%s/window-%05u", LONG_ID, dirs, i);

    g_free (dirs);
    return key;
  }
  if (i == G_N_ELEMENTS (fixed_sizes) - 2)
    return g_strdup_printf ("%s/and/deeper/than/that/window-%05u", LONG_ID,
        i);
  return g_strdup_printf ("clip.v2-0123456789abcdef0123/window-%05u", i);
}

/* Writes the fixed sequence into @tmp/wds; returns its shard's name. */
static gchar *
write_fixed (const gchar * tmp)
{
  gchar *wds = g_build_filename (tmp, "wds", NULL), *shard = NULL;
  GError *err = NULL;
  ExtractWds *w = extract_wds_open (wds, "s0of1", G_GUINT64_CONSTANT (1) << 30,
      &err);
  GPtrArray *keys;

  g_assert_no_error (err);
  for (guint i = 0; i < G_N_ELEMENTS (fixed_sizes); i++) {
    gchar *key = fixed_key (i), *path = make_window_file (tmp, i,
        fixed_sizes[i]), *json = window_json (key, i), *name = NULL;

    g_assert_true (extract_wds_add (w, key, path, json, &name, &keys, &err));
    g_assert_no_error (err);
    g_assert_null (keys);
    g_assert_cmpstr (name, ==, "wds/s0of1-000000.tar");
    g_free (shard);
    shard = name;
    g_free (key);
    g_free (path);
    g_free (json);
  }
  extract_wds_close (w);
  g_free (wds);
  return shard;
}

/* ---- tests ----------------------------------------------------------- */

static void
test_members_and_order (void)
{
  gchar *tmp = make_tmp (), *wds = g_build_filename (tmp, "wds", NULL);
  gchar *shard_path = g_build_filename (wds, "s0of1-000000.tar", NULL);
  GError *err = NULL;
  ExtractWds *w = extract_wds_open (wds, "s0of1", 1 << 20, &err);
  GPtrArray *keys, *members;
  gchar *paths[3], *jsons[3], *shard;
  const gchar *key_names[3] = { "clip-0123/window-00000",
    "clip-0123/window-00001", "other.stem-4567/window-00000"
  };
  gsize sizes[3] = { 100, 3000, 513 };
  gsize len;

  g_assert_no_error (err);
  g_assert_true (g_file_test (wds, G_FILE_TEST_IS_DIR));
  g_assert_false (exists_in (wds, "s0of1-000000.tar.partial"));
  for (guint i = 0; i < 3; i++) {
    paths[i] = make_window_file (tmp, i, sizes[i]);
    jsons[i] = window_json (key_names[i], i);
    g_assert_true (extract_wds_add (w, key_names[i], paths[i], jsons[i],
            &shard, &keys, &err));
    g_assert_no_error (err);
    g_assert_null (keys);
    g_assert_cmpstr (shard, ==, "wds/s0of1-000000.tar");
    g_free (shard);
    /* written as .partial until sealed */
    g_assert_true (exists_in (wds, "s0of1-000000.tar.partial"));
    g_assert_false (exists_in (wds, "s0of1-000000.tar"));
  }
  g_assert_true (extract_wds_seal (w, &keys, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (keys->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (g_ptr_array_index (keys, i), ==, key_names[i]);
  g_ptr_array_unref (keys);
  g_assert_false (exists_in (wds, "s0of1-000000.tar.partial"));
  g_assert_true (exists_in (wds, "s0of1-000000.tar"));

  /* sealing with nothing open: no keys, no file */
  g_assert_true (extract_wds_seal (w, &keys, &err));
  g_assert_cmpuint (keys->len, ==, 0);
  g_ptr_array_unref (keys);
  extract_wds_close (w);
  g_assert_false (exists_in (wds, "s0of1-000001.tar"));
  g_assert_false (exists_in (wds, "s0of1-000001.tar.partial"));

  /* members in order, each window's two adjacent, sizes and bytes */
  members = read_members (shard_path);
  g_assert_cmpuint (members->len, ==, 6);
  for (guint i = 0; i < 3; i++) {
    Member *st = g_ptr_array_index (members, 2 * i);
    Member *js = g_ptr_array_index (members, 2 * i + 1);
    gchar *st_name = g_strconcat (key_names[i], ".safetensors", NULL);
    gchar *js_name = g_strconcat (key_names[i], ".json", NULL);

    g_assert_cmpstr (st->name, ==, st_name);
    g_assert_cmpstr (js->name, ==, js_name);
    g_assert_cmpint (st->size, ==, sizes[i]);
    g_assert_cmpint (js->size, ==, strlen (jsons[i]));
    assert_file_equals (paths[i], st->data);
    g_assert_cmpmem (g_bytes_get_data (js->data, NULL), js->size, jsons[i],
        strlen (jsons[i]));
    g_free (st_name);
    g_free (js_name);
  }
  g_ptr_array_unref (members);

  /* plain ustar headers (names < 100 bytes), no record padding: the
   * size is the headers, the data in 512-byte blocks, and the 1024-byte
   * end */
  g_free (read_file (wds, "s0of1-000000.tar", &len));
  g_assert_cmpuint (len, ==, 6 * 512 + 512 + 3072 + 1024 + 3 * 512 + 1024);

  for (guint i = 0; i < 3; i++) {
    g_free (paths[i]);
    g_free (jsons[i]);
  }
  g_free (shard_path);
  g_free (wds);
  rm_rf (tmp);
  g_free (tmp);
}

/* The same adds give byte-identical shards, in this process and in
 * another one (so nothing of the process, like its id, is in them). */
static void
test_reproducible (void)
{
  gchar *a = make_tmp (), *b = make_tmp (), *c = make_tmp ();
  gchar *sa = write_fixed (a), *sb = write_fixed (b);
  gchar *argv[] = { (gchar *) self_path, (gchar *) "--write-fixed", c, NULL };
  gchar *da, *db, *dc;
  gsize la, lb, lc;
  gint status;
  GPtrArray *members;
  gchar *path, *key;
  GError *err = NULL;

  g_assert_cmpstr (sa, ==, sb);
  da = read_file (a, sa, &la);
  db = read_file (b, sb, &lb);
  g_assert_cmpmem (da, la, db, lb);
  g_assert_true (g_spawn_sync (NULL, argv, NULL, 0, NULL, NULL, NULL, NULL,
          &status, &err));
  g_assert_no_error (err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  dc = read_file (c, sa, &lc);
  g_assert_cmpmem (da, la, dc, lc);

  /* the long keys come back whole */
  path = g_build_filename (a, sa, NULL);
  members = read_members (path);
  g_assert_cmpuint (members->len, ==, 2 * G_N_ELEMENTS (fixed_sizes));
  for (guint i = 0; i < G_N_ELEMENTS (fixed_sizes); i++) {
    Member *m = g_ptr_array_index (members, 2 * i);

    key = fixed_key (i);
    g_assert_true (g_str_has_prefix (m->name, key));
    g_assert_cmpstr (m->name + strlen (key), ==, ".safetensors");
    g_assert_cmpint (m->size, ==, fixed_sizes[i]);
    g_free (key);
  }
  key = fixed_key (G_N_ELEMENTS (fixed_sizes) - 1);
  g_assert_cmpuint (strlen (key), >, 255);
  g_free (key);
  g_ptr_array_unref (members);
  g_free (path);

  g_free (da);
  g_free (db);
  g_free (dc);
  g_free (sa);
  g_free (sb);
  rm_rf (a);
  rm_rf (b);
  rm_rf (c);
  g_free (a);
  g_free (b);
  g_free (c);
}

/* A window costs 512 (header) + its data in 512-byte blocks + 512 + the
 * json in blocks: 1500-byte windows with short json, 3072 bytes.  With a
 * 4096-byte target, a shard is sealed by its second window. */
static void
test_rollover (void)
{
  gchar *tmp = make_tmp (), *wds = g_build_filename (tmp, "wds", NULL);
  GError *err = NULL;
  ExtractWds *w = extract_wds_open (wds, "s1of4", 4096, &err);
  const gchar *expect_shard[6] = { "wds/s1of4-000000.tar",
    "wds/s1of4-000000.tar", "wds/s1of4-000001.tar", "wds/s1of4-000001.tar",
    "wds/s1of4-000002.tar", "wds/s1of4-000003.tar"
  };
  /* window 4 alone is bigger than the target: a shard of its own */
  gsize sizes[6] = { 1500, 1500, 1500, 1500, 10000, 1500 };
  guint sealed_after[6] = { 0, 2, 0, 2, 1, 0 };
  GPtrArray *keys;

  g_assert_no_error (err);
  for (guint i = 0; i < 6; i++) {
    gchar *key = g_strdup_printf ("vid-%u/window-%05u", i / 3, i % 3);
    gchar *path = make_window_file (tmp, i, sizes[i]), *json = g_strdup ("{}");
    gchar *shard;

    g_assert_true (extract_wds_add (w, key, path, json, &shard, &keys, &err));
    g_assert_no_error (err);
    g_assert_cmpstr (shard, ==, expect_shard[i]);
    if (sealed_after[i]) {
      gchar *sealed = g_path_get_basename (shard);

      g_assert_nonnull (keys);
      g_assert_cmpuint (keys->len, ==, sealed_after[i]);
      g_assert_cmpstr (g_ptr_array_index (keys, keys->len - 1), ==, key);
      g_assert_true (exists_in (wds, sealed));
      g_ptr_array_unref (keys);
      g_free (sealed);
    } else {
      g_assert_null (keys);
    }
    g_free (shard);
    g_free (key);
    g_free (path);
    g_free (json);
  }
  /* the last window is in an open shard until sealed */
  g_assert_true (exists_in (wds, "s1of4-000003.tar.partial"));
  g_assert_true (extract_wds_seal (w, &keys, &err));
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (keys, 0), ==, "vid-1/window-00002");
  g_ptr_array_unref (keys);
  extract_wds_close (w);

  /* every shard holds whole windows, its two members adjacent */
  for (guint s = 0; s < 4; s++) {
    gchar *name = g_strdup_printf ("s1of4-%06u.tar", s);
    gchar *path = g_build_filename (wds, name, NULL);
    GPtrArray *members = read_members (path);
    gsize len;

    g_assert_cmpuint (members->len, ==, s == 0 || s == 1 ? 4 : 2);
    for (guint m = 0; m < members->len; m += 2) {
      const gchar *st = ((Member *) g_ptr_array_index (members, m))->name;
      const gchar *js = ((Member *) g_ptr_array_index (members, m + 1))->name;
      gchar *key = g_strndup (st, strlen (st) - strlen (".safetensors"));
      gchar *want = g_strconcat (key, ".json", NULL);

      g_assert_true (g_str_has_suffix (st, ".safetensors"));
      g_assert_cmpstr (js, ==, want);
      g_free (key);
      g_free (want);
    }
    g_free (read_file (wds, name, &len));
    if (s < 2)
      g_assert_cmpuint (len, ==, 2 * 3072 + 1024);
    g_ptr_array_unref (members);
    g_free (path);
    g_free (name);
  }
  g_assert_false (exists_in (wds, "s1of4-000004.tar"));
  g_free (wds);
  rm_rf (tmp);
  g_free (tmp);
}

static void
touch (const gchar * dir, const gchar * name, const gchar * text)
{
  gchar *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

/* A run killed with a shard open leaves only its .partial; the next run
 * removes its prefix's partials (no other file), continues the numbering
 * after the sealed shards, and never overwrites one. */
static void
test_partial_and_numbering (void)
{
  gchar *tmp = make_tmp (), *wds = g_build_filename (tmp, "wds", NULL);
  gchar *path = make_window_file (tmp, 0, 2000), *before, *after, *shard;
  GError *err = NULL;
  ExtractWds *w;
  GPtrArray *keys;
  gsize lb, la;
  gint status;
  gchar *kill_argv[] = { (gchar *) self_path, (gchar *) "--add-and-die", wds,
    path, NULL
  };

  /* a first run seals shards 0 and 1 (target 0: a window each) */
  w = extract_wds_open (wds, "s0of2", 0, &err);
  g_assert_no_error (err);
  for (guint i = 0; i < 2; i++) {
    gchar *key = g_strdup_printf ("v/window-%05u", i);

    g_assert_true (extract_wds_add (w, key, path, "{}", NULL, &keys, &err));
    g_assert_cmpuint (keys->len, ==, 1);
    g_ptr_array_unref (keys);
    g_free (key);
  }
  extract_wds_close (w);
  before = read_file (wds, "s0of2-000001.tar", &lb);

  /* a second one is killed with shard 2 open (another process: this
   * one's tests go on) */
  g_assert_true (g_spawn_sync (NULL, kill_argv, NULL, 0, NULL, NULL, NULL,
          NULL, &status, &err));
  g_assert_no_error (err);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  g_assert_true (exists_in (wds, "s0of2-000002.tar.partial"));
  g_assert_false (exists_in (wds, "s0of2-000002.tar"));

  /* others' files, which the removal must leave */
  touch (wds, "s0of20-000000.tar.partial", "x");
  touch (wds, "other-000000.tar.partial", "x");
  touch (wds, "s0of2-000009.tar.partial.keep", "x");
  touch (wds, "s0of2-12.tar.partial", "x");

  /* without the removal, the leftover is refused, not truncated, and
   * the writer goes on once it is gone */
  w = extract_wds_open (wds, "s0of2", 1 << 20, &err);
  g_assert_no_error (err);
  g_assert_false (extract_wds_add (w, "v/window-00002", path, "{}", &shard,
          &keys, &err));
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err->message, "s0of2-000002.tar.partial"));
  g_clear_error (&err);

  g_assert_true (extract_wds_remove_partial (wds, "s0of2", &err));
  g_assert_no_error (err);
  g_assert_false (exists_in (wds, "s0of2-000002.tar.partial"));
  g_assert_true (exists_in (wds, "s0of20-000000.tar.partial"));
  g_assert_true (exists_in (wds, "other-000000.tar.partial"));
  g_assert_true (exists_in (wds, "s0of2-000009.tar.partial.keep"));
  g_assert_true (exists_in (wds, "s0of2-12.tar.partial"));

  g_assert_true (extract_wds_add (w, "v/window-00002", path, "{}", &shard,
          &keys, &err));
  g_assert_no_error (err);
  g_assert_cmpstr (shard, ==, "wds/s0of2-000002.tar");
  g_free (shard);
  extract_wds_close (w);
  g_assert_true (exists_in (wds, "s0of2-000002.tar"));

  /* a rerun numbers after the highest sealed shard, leaving them be */
  touch (wds, "s0of2-000007.tar", "not ours to touch");
  w = extract_wds_open (wds, "s0of2", 1 << 20, &err);
  g_assert_true (extract_wds_add (w, "v/window-00003", path, "{}", &shard,
          &keys, &err));
  g_assert_cmpstr (shard, ==, "wds/s0of2-000008.tar");
  g_free (shard);
  extract_wds_close (w);
  after = read_file (wds, "s0of2-000001.tar", &la);
  g_assert_cmpmem (before, lb, after, la);
  g_free (after);
  after = read_file (wds, "s0of2-000007.tar", &la);
  g_assert_cmpstr (after, ==, "not ours to touch");
  g_free (after);

  /* a missing directory has no partials */
  g_assert_true (extract_wds_remove_partial ("/nonexistent/cps-wds", "s0of2",
          &err));
  g_assert_no_error (err);

  g_free (before);
  g_free (path);
  g_free (wds);
  rm_rf (tmp);
  g_free (tmp);
}

/* Refused keys, files and prefixes change nothing; the writer goes on. */
static void
test_refusals (void)
{
  gchar *tmp = make_tmp (), *wds = g_build_filename (tmp, "wds", NULL);
  gchar *path = make_window_file (tmp, 0, 10), *missing;
  const gchar *bad_keys[] = { "", "/abs/window-00000", "a/../window-00000",
    "a//window-00000", "a/./window-00000", "a/window-00000.x", "a/",
    "a/window\n0", "a\\b/window-00000"
  };
  GError *err = NULL;
  ExtractWds *w;
  GPtrArray *keys, *members;
  gchar *shard_path;

  g_assert_null (extract_wds_open (wds, "", 0, &err));
  g_clear_error (&err);
  g_assert_null (extract_wds_open (wds, "a/b", 0, &err));
  g_clear_error (&err);
  g_assert_false (extract_wds_remove_partial (wds, "*", &err));
  g_clear_error (&err);
  g_assert_null (extract_wds_open (path, "s0of1", 0, &err));  /* a file */
  g_clear_error (&err);

  w = extract_wds_open (wds, "s0of1", 1 << 20, &err);
  g_assert_no_error (err);
  for (guint i = 0; i < G_N_ELEMENTS (bad_keys); i++) {
    g_assert_false (extract_wds_add (w, bad_keys[i], path, "{}", NULL, NULL,
            &err));
    g_assert_nonnull (err);
    g_clear_error (&err);
  }
  missing = g_build_filename (tmp, "missing.safetensors", NULL);
  g_assert_false (extract_wds_add (w, "k/window-00000", missing, "{}", NULL,
          NULL, &err));
  g_assert_nonnull (strstr (err->message, "missing.safetensors"));
  g_clear_error (&err);
  g_assert_false (extract_wds_add (w, "k/window-00000", tmp, "{}", NULL,
          NULL, &err));           /* a directory */
  g_clear_error (&err);
  /* nothing written yet: no shard started */
  g_assert_false (exists_in (wds, "s0of1-000000.tar.partial"));

  g_assert_true (extract_wds_add (w, "k/window-00000", path, "{}", NULL,
          NULL, &err));
  g_assert_false (extract_wds_add (w, "k/window-00000", path, "{}", NULL,
          NULL, &err));         /* twice in one shard */
  g_assert_nonnull (strstr (err->message, "already"));
  g_clear_error (&err);
  g_assert_true (extract_wds_add (w, "k/window-00001", path, "", NULL, NULL,
          &err));
  g_assert_true (extract_wds_seal (w, &keys, &err));
  g_assert_cmpuint (keys->len, ==, 2);
  g_ptr_array_unref (keys);
  extract_wds_close (w);

  shard_path = g_build_filename (wds, "s0of1-000000.tar", NULL);
  members = read_members (shard_path);
  g_assert_cmpuint (members->len, ==, 4);
  g_assert_cmpint (((Member *) g_ptr_array_index (members, 3))->size, ==, 0);
  g_ptr_array_unref (members);
  g_free (shard_path);
  g_free (missing);
  g_free (path);
  g_free (wds);
  rm_rf (tmp);
  g_free (tmp);
}

/* Python's tarfile, streaming (mode "r|", as WebDataset opens shards),
 * grouping members the way WebDataset does (key: the name up to the
 * first dot of its last component; a sample is a run of members with one
 * key). */
static const gchar reader_py[] =
    "import json, re, sys, tarfile\n"
    "samples = []\n"
    "for shard in sys.argv[1:]:\n"
    "    with open(shard, 'rb') as f, tarfile.open(fileobj=f, mode='r|') as t:\n"
    "        for m in t:\n"
    "            if not m.isreg(): continue\n"
    "            key, ext = re.match(r'^((?:.*/|)[^.]+)[.]([^/]*)$', m.name).groups()\n"
    "            data = t.extractfile(m).read()\n"
    "            if not samples or samples[-1]['__key__'] != key:\n"
    "                samples.append({'__key__': key})\n"
    "            assert ext not in samples[-1], (key, ext)\n"
    "            samples[-1][ext] = len(data)\n"
    "            if ext == 'json': samples[-1]['window'] = json.loads(data)['window']\n"
    "print(json.dumps(samples, sort_keys=True))\n";

static void
test_python_reader (void)
{
  gchar *tmp = make_tmp (), *wds = g_build_filename (tmp, "wds", NULL);
  gchar *argv[16] = { (gchar *) "/usr/bin/python3", (gchar *) "-c",
    (gchar *) reader_py
  };
  GString *expect = g_string_new ("[");
  GError *err = NULL;
  ExtractWds *w;
  gchar *out = NULL, *errout = NULL, *shard, *last = NULL;
  gint status, argc = 3;

  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip ("no /usr/bin/python3");
    goto done;
  }
  /* 5 windows of two inputs over shards of about 8 KiB */
  w = extract_wds_open (wds, "s0of1", 8192, &err);
  g_assert_no_error (err);
  for (guint i = 0; i < 5; i++) {
    gchar *key = g_strdup_printf ("clip.a-%u/window-%05u", i / 3, i % 3);
    gchar *path = make_window_file (tmp, i, 1000 + 1500 * i);
    gchar *json = window_json (key, i % 3);

    g_assert_true (extract_wds_add (w, key, path, json, &shard, NULL, &err));
    g_assert_no_error (err);
    if (g_strcmp0 (shard, last) != 0)
      argv[argc++] = g_build_filename (tmp, shard, NULL);
    g_free (last);
    last = shard;
    g_string_append_printf (expect, "%s{\"__key__\": \"%s\", \"json\": %zu, "
        "\"safetensors\": %u, \"window\": %u}", i ? ", " : "", key,
        strlen (json), 1000 + 1500 * i, i % 3);
    g_free (key);
    g_free (path);
    g_free (json);
  }
  g_string_append (expect, "]\n");
  extract_wds_close (w);
  g_assert_cmpint (argc, >, 4); /* more than one shard */

  g_assert_true (g_spawn_sync (NULL, argv, NULL, 0, NULL, NULL, &out,
          &errout, &status, &err));
  g_assert_no_error (err);
  if (!g_spawn_check_wait_status (status, NULL))
    g_printerr ("%s", errout);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, expect->str);
  for (gint i = 3; i < argc; i++)
    g_free (argv[i]);
  g_free (out);
  g_free (errout);
  g_free (last);

  /* the reproducibility sequence: empty members, names in ustar's prefix
   * field and in pax headers */
  {
    gchar *fixed = make_tmp (), *name = write_fixed (fixed);
    gchar *key, *want;
    guint n = 0;

    argv[3] = g_build_filename (fixed, name, NULL);
    argv[4] = NULL;
    g_assert_true (g_spawn_sync (NULL, argv, NULL, 0, NULL, NULL, &out,
            &errout, &status, &err));
    g_assert_no_error (err);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    for (const gchar * p = out; (p = strstr (p, "__key__")); p++)
      n++;
    g_assert_cmpuint (n, ==, G_N_ELEMENTS (fixed_sizes));
    for (guint i = 0; i < G_N_ELEMENTS (fixed_sizes); i++) {
      key = fixed_key (i);
      want = g_strdup_printf ("\"__key__\": \"%s\", \"json\": ", key);
      g_assert_nonnull (strstr (out, want));
      g_free (want);
      g_free (key);
    }
    g_free (argv[3]);
    g_free (out);
    g_free (errout);
    g_free (name);
    rm_rf (fixed);
    g_free (fixed);
  }
done:
  g_string_free (expect, TRUE);
  g_free (wds);
  rm_rf (tmp);
  g_free (tmp);
}

/* In a process whose files may not grow past 8 KiB: adding a 64 KiB
 * window fails, the shard is discarded, and the writer refuses more. */
static int
write_limited (const gchar * dir, const gchar * tmp)
{
  struct rlimit limit = { 8192, 8192 };
  gchar *small = make_window_file (tmp, 0, 100);
  gchar *big = make_window_file (tmp, 1, 65536);
  GError *err = NULL;
  ExtractWds *w;
  GPtrArray *keys;

  signal (SIGXFSZ, SIG_IGN);
  if (setrlimit (RLIMIT_FSIZE, &limit) != 0)
    return 2;
  w = extract_wds_open (dir, "s0of1", 1 << 20, &err);
  g_assert_no_error (err);
  g_assert_true (extract_wds_add (w, "v/window-00000", small, "{}", NULL,
          NULL, &err));
  g_assert_false (extract_wds_add (w, "v/window-00001", big, "{}", NULL,
          NULL, &err));
  g_assert_nonnull (err);
  g_printerr ("# the write failure: %s\n", err->message);
  g_clear_error (&err);
  g_assert_false (exists_in (dir, "s0of1-000000.tar.partial"));
  g_assert_false (extract_wds_add (w, "v/window-00002", small, "{}", NULL,
          NULL, &err));
  g_assert_nonnull (strstr (err->message, "earlier write"));
  g_clear_error (&err);
  g_assert_true (extract_wds_seal (w, &keys, &err));
  g_assert_cmpuint (keys->len, ==, 0);  /* the discarded keys never come */
  g_ptr_array_unref (keys);
  extract_wds_close (w);
  g_assert_false (exists_in (dir, "s0of1-000000.tar"));
  g_free (small);
  g_free (big);
  return 0;
}

static void
test_write_failure (void)
{
  gchar *tmp = make_tmp (), *wds = g_build_filename (tmp, "wds", NULL);
  gchar *argv[] = { (gchar *) self_path, (gchar *) "--write-limited", wds,
    tmp, NULL
  };
  GError *err = NULL;
  gint status;

  g_assert_true (g_spawn_sync (NULL, argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN,
          NULL, NULL, NULL, NULL, &status, &err));
  g_assert_no_error (err);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_free (wds);
  rm_rf (tmp);
  g_free (tmp);
}

int
main (int argc, char **argv)
{
  self_path = argv[0];
  if (argc == 3 && g_str_equal (argv[1], "--write-fixed")) {
    g_free (write_fixed (argv[2]));
    return 0;
  }
  if (argc == 4 && g_str_equal (argv[1], "--write-limited"))
    return write_limited (argv[2], argv[3]);
  if (argc == 4 && g_str_equal (argv[1], "--add-and-die")) {
    /* a run killed with a shard open: no seal, no close */
    ExtractWds *w = extract_wds_open (argv[2], "s0of2", 1 << 20, NULL);

    if (!w || !extract_wds_add (w, "v/window-00002", argv[3], "{}", NULL,
            NULL, NULL))
      return 1;
    kill (getpid (), SIGKILL);
    return 1;
  }
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wds/members-and-order", test_members_and_order);
  g_test_add_func ("/wds/reproducible", test_reproducible);
  g_test_add_func ("/wds/rollover", test_rollover);
  g_test_add_func ("/wds/partial-and-numbering", test_partial_and_numbering);
  g_test_add_func ("/wds/refusals", test_refusals);
  g_test_add_func ("/wds/write-failure", test_write_failure);
  g_test_add_func ("/wds/python-reader", test_python_reader);
  return g_test_run ();
}
