/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The dataset supervisor.  Each input is extracted by a child cps-extract
 * (this executable again, with the one input, -o OUT/<id> and the user's
 * selection options), so that a decoder crash is one input's failure and
 * the children's memory is returned after each input.  The supervisor
 * decides what to do (skip complete inputs, redo the rest from scratch),
 * collects the children's reports and records the outcome: the marker and
 * index lines of a complete input (extract-catalog.c), or a failure.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "extract-catalog.h"
#include "extract-dataset.h"
#include "extract-dataset-wds.h"
#include "extract-report.h"

#define ID_STEM_BYTES 48
#define ID_HASH_DIGITS 20

typedef struct {
  gchar *input, *id;
} Input;

typedef struct _Dataset Dataset;

/* A running child and what it reported. */
typedef struct {
  Dataset *dataset;
  Input *input;
  GPid pid;
  gint fds[2];                  /* its stdout and stderr, -1 once at EOF */
  GString *lines[2];            /* an incomplete last line of each */
  gboolean exited, linked;
  gint wait_status;
  guint64 frames;               /* decoded so far */
  gchar *error;                 /* its last error message */
} Child;

struct _Dataset {
  const ExtractDatasetConfig *config;
  gint jobs;
  guint shard_index, shard_count;
  ExtractCatalog *catalog;
  ExtractDatasetWds *wds;       /* --format wds, or NULL */
  GPtrArray *inputs;            /* Input: this shard's, in manifest order */
  GPtrArray *todo;              /* Input: those to extract */
  guint next;                   /* in todo */
  GPtrArray *running;           /* Child */
  guint complete, extracted, failed, failed_before;
  guint64 frames;               /* decoded by the children that ended */
  gint64 start_us;
  gboolean interrupted;         /* no more children start; exit 130 */
  gint signals;                 /* ^C or SIGTERM received */
  GMainLoop *loop;
};

static void
input_free (Input * in)
{
  g_free (in->input);
  g_free (in->id);
  g_free (in);
}

/* ---- inputs --------------------------------------------------------- */

gboolean
extract_dataset_parse_shard (const gchar * shard, guint * index,
    guint * count, gchar ** error)
{
  gchar **parts = g_strsplit (shard, "/", -1);
  guint64 i = 0, n = 0;
  gboolean ok = g_strv_length (parts) == 2 &&
      g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT, &i, NULL) &&
      g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT, &n, NULL) &&
      i < n;

  g_strfreev (parts);
  if (!ok) {
    *error = g_strdup_printf ("--shard %s: expected I/N with 0 <= I < N "
        "(the I-th of N parts, counting from 0)", shard);
    return FALSE;
  }
  *index = i;
  *count = n;
  return TRUE;
}

gchar *
extract_dataset_input_id (const gchar * input)
{
  const gchar *slash = strrchr (input, '/');
  const gchar *base = slash ? slash + 1 : input;
  const gchar *dot = strrchr (base, '.');
  gsize len = MIN (dot && dot > base ? (gsize) (dot - base) : strlen (base),
      ID_STEM_BYTES);
  gchar *stem = g_strndup (base, len);
  gchar *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, input, -1);
  gchar *id;

  /* a name any file system and shell takes as it is */
  for (gchar * c = stem; *c; c++)
    if (!g_ascii_isalnum (*c) && !strchr ("._-", *c))
      *c = '_';
  hash[ID_HASH_DIGITS] = '\0';
  id = g_strdup_printf ("%s-%s", *stem ? stem : "input", hash);
  g_free (stem);
  g_free (hash);
  return id;
}

static gchar *
read_stdin (GError ** error)
{
  GString *text = g_string_new (NULL);
  gchar buf[65536];
  gsize n;

  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    g_string_append_len (text, buf, n);
  if (ferror (stdin)) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s", g_strerror (errno));
    g_string_free (text, TRUE);
    return NULL;
  }
  return g_string_free (text, FALSE);
}

/* Adds @input unless it was listed before (one output per input). */
static void
add_input (GPtrArray * inputs, GHashTable * seen, const gchar * input)
{
  Input *in;

  if (g_hash_table_contains (seen, input)) {
    fprintf (stderr, "cps-extract: warning: %s is listed more than once; "
        "it is extracted once\n", input);
    return;
  }
  in = g_new0 (Input, 1);
  in->input = g_strdup (input);
  in->id = extract_dataset_input_id (input);
  g_hash_table_add (seen, in->input);
  g_ptr_array_add (inputs, in);
}

static gboolean
add_manifest (GPtrArray * inputs, GHashTable * seen, const gchar * manifest,
    gchar ** error)
{
  GError *err = NULL;
  gchar *text = NULL, **lines;

  if (g_str_equal (manifest, "-"))
    text = read_stdin (&err);
  else
    g_file_get_contents (manifest, &text, NULL, &err);
  if (!text) {
    *error = g_strdup_printf ("--manifest %s: %s", manifest, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  lines = g_strsplit (text, "\n", -1);
  for (gchar ** l = lines; *l; l++) {
    const gchar *line = g_strstrip (*l);

    if (*line && *line != '#')
      add_input (inputs, seen, line);
  }
  g_strfreev (lines);
  g_free (text);
  return TRUE;
}

/* The arguments, then the manifest's lines, de-duplicated; of those, the
 * shard's: the positions p with p mod N == I. */
static GPtrArray *
collect_inputs (const ExtractDatasetConfig * c, guint * index, guint * count,
    gchar ** error)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify)
      input_free);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *shard;

  for (gchar ** i = c->inputs; i && *i; i++)
    add_input (all, seen, *i);
  if ((c->manifest && !add_manifest (all, seen, c->manifest, error)) ||
      (c->shard && !extract_dataset_parse_shard (c->shard, index, count,
              error))) {
    g_hash_table_unref (seen);
    g_ptr_array_unref (all);
    return NULL;
  }
  g_hash_table_unref (seen);
  shard = g_ptr_array_new_with_free_func ((GDestroyNotify) input_free);
  g_ptr_array_set_free_func (all, NULL);
  for (guint p = 0; p < all->len; p++) {
    if (p % *count == *index)
      g_ptr_array_add (shard, all->pdata[p]);
    else
      input_free (all->pdata[p]);
  }
  g_ptr_array_unref (all);
  return shard;
}

/* ---- what is done already ------------------------------------------- */

/* "k: 64 then, 128 now" for each setting that differs between two
 * canonical option strings. */
static gchar *
describe_difference (const gchar * then, const gchar * now)
{
  gchar **a = g_strsplit (then, " ", -1), **b = g_strsplit (now, " ", -1);
  GHashTable *values = g_hash_table_new (g_str_hash, g_str_equal);
  GString *d = g_string_new (NULL);

  /* name -> value then; names only set now are added with NULL */
  for (gchar ** w = a; *w; w++) {
    gchar *eq = strchr (*w, '=');

    if (eq) {
      *eq = '\0';
      g_hash_table_insert (values, *w, eq + 1);
    }
  }
  for (gchar ** w = b; *w; w++) {
    gchar *eq = strchr (*w, '=');
    const gchar *was;

    if (!eq)
      continue;
    *eq = '\0';
    was = g_hash_table_lookup (values, *w);
    if (g_strcmp0 (was, eq + 1) != 0)
      g_string_append_printf (d, "%s--%s: %s then, %s now", d->len ? "; " :
          "", *w, was ? was : "the default", eq + 1);
    g_hash_table_replace (values, *w, NULL);
  }
  for (gchar ** w = a; *w; w++)
    if (g_hash_table_lookup (values, *w))
      g_string_append_printf (d, "%s--%s: %s then, the default now",
          d->len ? "; " : "", *w, (gchar *) g_hash_table_lookup (values, *w));
  g_hash_table_unref (values);
  g_strfreev (a);
  g_strfreev (b);
  return g_string_free (d, FALSE);
}

/* Whether @in is complete; FALSE with @error set when its directory may
 * not be used: another input's, or made with other options (without
 * --overwrite). */
static gboolean
is_complete (Dataset * d, Input * in, gboolean * complete, gchar ** error)
{
  ExtractMarker *m = extract_catalog_read_marker (d->catalog, in->id);
  gboolean ok = TRUE;

  *complete = FALSE;
  if (!m)
    return TRUE;
  if (!g_str_equal (m->input, in->input)) {
    *error = g_strdup_printf ("%s/%s holds the output of %s, not of %s "
        "(two inputs with the same id); move one of them", d->config->
        output_dir, in->id, m->input, in->input);
    ok = FALSE;
  } else if (!g_str_equal (m->options, d->config->options)) {
    gchar *diff = describe_difference (m->options, d->config->options);

    if (!d->config->overwrite) {
      *error = g_strdup_printf ("%s/%s: %s was extracted with other "
          "options (%s); pass --overwrite to redo it with these",
          d->config->output_dir, in->id, in->input, diff);
      ok = FALSE;
    }
    g_free (diff);
  } else {
    *complete = TRUE;
  }
  extract_marker_free (m);
  return ok;
}

/* Sorts the inputs into complete ones (skipped), earlier failures
 * (skipped unless --retry-failed) and those to extract; the index gets the
 * lines of complete inputs a kill left out. */
static gboolean
plan (Dataset * d, gchar ** error)
{
  GHashTable *failed = extract_catalog_failed (d->catalog);
  GHashTable *complete = g_hash_table_new (g_str_hash, g_str_equal);
  GError *err = NULL;
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < d->inputs->len; i++) {
    Input *in = d->inputs->pdata[i];
    gboolean done;

    ok = is_complete (d, in, &done, error);
    if (done) {
      g_hash_table_insert (complete, in->id, in->input);
      /* a kill between its marker and the removal of its failure */
      if (g_hash_table_contains (failed, in->id))
        ok = extract_catalog_set_failure (d->catalog, in->input, in->id,
            NULL, NULL, &err);
    } else if (g_hash_table_contains (failed, in->id) &&
        !d->config->retry_failed)
      d->failed_before++;
    else
      g_ptr_array_add (d->todo, in);
  }
  d->complete = g_hash_table_size (complete);
  if (ok)
    ok = extract_catalog_repair (d->catalog, complete, &err);
  if (err) {
    *error = g_strdup (err->message);
    g_clear_error (&err);
    ok = FALSE;
  }
  g_hash_table_unref (complete);
  g_hash_table_unref (failed);
  return ok;
}

/* ---- children ------------------------------------------------------- */

static void launch_next (Dataset * d);

/* After fork(), before exec(): the child dies with the supervisor, so a
 * killed run leaves no process writing into the dataset. */
static void
die_with_parent (gpointer parent_pid)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != GPOINTER_TO_INT (parent_pid))
    _exit (EXIT_INTERRUPTED);   /* the parent died before prctl() */
}

/* What a child line on stdout says. */
static void
on_report (Child * ch, const gchar * line)
{
  guint64 frames;

  if (g_str_equal (line, "linked"))
    ch->linked = TRUE;
  else if (g_str_has_prefix (line, "frames ") &&
      g_ascii_string_to_unsigned (line + 7, 10, 0, G_MAXUINT64, &frames,
          NULL))
    ch->frames = frames;
}

/* A child's stderr: its error is kept for failures.jsonl (the supervisor
 * reports it in its own words), its warnings are passed on (not its
 * "interrupted": the supervisor says that once for the run). */
static void
on_stderr_line (Child * ch, const gchar * line)
{
  const gchar *error = "cps-extract: error: ";

  if (g_str_has_prefix (line, error)) {
    g_free (ch->error);
    ch->error = g_strdup (line + strlen (error));
  } else if (!ch->dataset->config->quiet && !ch->dataset->interrupted &&
      !g_str_equal (line, "cps-extract: interrupted")) {
    fprintf (stderr, "%s%s\n", line_start (), line);
  }
}

static void
finish_child (Child * ch);

/* Splits what came on pipe @which into lines. */
static gboolean
on_child_output (gint fd, GIOCondition condition, Child * ch)
{
  gint which = fd == ch->fds[0] ? 0 : 1;
  gchar buf[4096], *nl;
  gssize n = read (fd, buf, sizeof buf);

  if (n < 0 && errno == EINTR)
    return G_SOURCE_CONTINUE;
  if (n > 0) {
    g_string_append_len (ch->lines[which], buf, n);
    while ((nl = strchr (ch->lines[which]->str, '\n'))) {
      *nl = '\0';
      if (which == 0)
        on_report (ch, ch->lines[which]->str);
      else
        on_stderr_line (ch, ch->lines[which]->str);
      g_string_erase (ch->lines[which], 0, nl - ch->lines[which]->str + 1);
    }
    return G_SOURCE_CONTINUE;
  }
  close (fd);
  ch->fds[which] = -1;
  finish_child (ch);
  return G_SOURCE_REMOVE;
}

static void
on_child_exit (GPid pid, gint wait_status, Child * ch)
{
  ch->exited = TRUE;
  ch->wait_status = wait_status;
  g_spawn_close_pid (pid);
  finish_child (ch);
}

/* The exit class of a failed child (docs/formats.md) and its message. */
static const gchar *
exit_class (Child * ch, gchar ** message)
{
  gint status = ch->wait_status;

  if (WIFSIGNALED (status)) {
    *message = g_strdup_printf ("%s: cps-extract was killed by signal %d "
        "(%s)", ch->input->input, WTERMSIG (status),
        g_strsignal (WTERMSIG (status)));
    return "crash";
  }
  *message = g_strdup (ch->error ? ch->error : "cps-extract failed without "
      "a message");
  if (WEXITSTATUS (status) == EXIT_USAGE)
    return "options";
  return ch->linked ? "decode" : "open";
}

/* Whether a child was stopped by ^C or SIGTERM from outside, before or
 * after its handlers were in place.  That is the run being stopped, not
 * the input failing: a terminal's ^C reaches the whole process group and
 * scancel or a preemption every process of the job, often the child before
 * the supervisor. */
static gboolean
interrupted_from_outside (gint status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status) == EXIT_INTERRUPTED;
  return WIFSIGNALED (status) && (WTERMSIG (status) == SIGINT ||
      WTERMSIG (status) == SIGTERM || WTERMSIG (status) == SIGHUP);
}

static void
record_failure (Dataset * d, Input * in, const gchar * message,
    const gchar * class)
{
  GError *err = NULL;

  d->failed++;
  fprintf (stderr, "%scps-extract: error: %s (%s; recorded in %s/"
      "failures.jsonl)\n", line_start (), message, class,
      d->config->output_dir);
  if (!extract_catalog_set_failure (d->catalog, in->input, in->id, message,
          class, &err)) {
    fprintf (stderr, "cps-extract: error: %s\n", err->message);
    g_clear_error (&err);
  }
}

static void
record_success (Dataset * d, Input * in)
{
  GError *err = NULL;
  gboolean ok = d->wds ?
      extract_dataset_wds_add (d->wds, in->input, in->id, &err) :
      extract_catalog_complete (d->catalog, in->input, in->id,
      d->config->options, &err);

  if (!ok ||
      !extract_catalog_set_failure (d->catalog, in->input, in->id, NULL,
          NULL, &err)) {
    record_failure (d, in, err->message, "decode");
    g_clear_error (&err);
    return;
  }
  d->extracted++;
}

static void
signal_children (Dataset * d, gint sig)
{
  for (guint i = 0; i < d->running->len; i++)
    kill (((Child *) d->running->pdata[i])->pid, sig);
}

/* The run stops: no more children start and those running stop at once
 * (their inputs are redone on the next run). */
static void
interrupt_run (Dataset * d)
{
  if (!d->interrupted)
    fprintf (stderr, "%scps-extract: interrupted; a rerun continues the "
        "dataset\n", line_start ());
  d->interrupted = TRUE;
  signal_children (d, SIGTERM);
}

/* Once the child exited and its pipes are drained: its outcome.  A child
 * stopped because the run was interrupted is neither: it is redone on the
 * next run. */
static void
finish_child (Child * ch)
{
  Dataset *d = ch->dataset;
  gchar *message = NULL;

  if (!ch->exited || ch->fds[0] >= 0 || ch->fds[1] >= 0)
    return;
  g_ptr_array_remove (d->running, ch);
  d->frames += ch->frames;
  if (WIFEXITED (ch->wait_status) && WEXITSTATUS (ch->wait_status) == 0) {
    record_success (d, ch->input);
  } else if (interrupted_from_outside (ch->wait_status)) {
    interrupt_run (d);
  } else if (!d->interrupted) {
    const gchar *class = exit_class (ch, &message);

    record_failure (d, ch->input, message, class);
  }
  g_free (message);
  g_free (ch->error);
  g_string_free (ch->lines[0], TRUE);
  g_string_free (ch->lines[1], TRUE);
  g_free (ch);
  launch_next (d);
}

/* exe --dataset-child --overwrite -o OUT/<id> OPTIONS [--] INPUT.  The
 * child overwrites what an interrupted earlier attempt wrote (its
 * directory's manifest says which files those are). */
static gchar **
child_argv (Dataset * d, Input * in)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, g_file_read_link ("/proc/self/exe", NULL));
  g_ptr_array_add (argv, g_strdup ("--" EXTRACT_DATASET_CHILD_OPTION));
  g_ptr_array_add (argv, g_strdup ("--overwrite"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_build_filename (d->config->output_dir, in->id,
          NULL));
  for (guint i = 0; i < d->config->child_args->len; i++)
    g_ptr_array_add (argv, g_strdup (d->config->child_args->pdata[i]));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (in->input));
  g_ptr_array_add (argv, NULL);
  return (gchar **) g_ptr_array_free (argv, FALSE);
}

static gboolean
launch (Dataset * d, Input * in)
{
  Child *ch = g_new0 (Child, 1);
  gchar **argv = child_argv (d, in);
  GError *err = NULL;
  gboolean ok;

  ch->dataset = d;
  ch->input = in;
  /* an earlier attempt's marker and index lines go first */
  ok = extract_catalog_forget (d->catalog, in->id, &err) &&
      g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
      die_with_parent, GINT_TO_POINTER (getpid ()), &ch->pid, NULL,
      &ch->fds[0], &ch->fds[1], &err);
  g_strfreev (argv);
  if (!ok) {
    record_failure (d, in, err->message, "open");
    g_clear_error (&err);
    g_free (ch);
    return FALSE;
  }
  ch->lines[0] = g_string_new (NULL);
  ch->lines[1] = g_string_new (NULL);
  for (gint i = 0; i < 2; i++)
    g_unix_fd_add (ch->fds[i], G_IO_IN | G_IO_HUP |
        G_IO_ERR, (GUnixFDSourceFunc) on_child_output, ch);
  g_child_watch_add (ch->pid, (GChildWatchFunc) on_child_exit, ch);
  g_ptr_array_add (d->running, ch);
  return TRUE;
}

/* Starts children up to --jobs; quits when there is nothing left. */
static void
launch_next (Dataset * d)
{
  while (!d->interrupted && d->running->len < (guint) d->jobs &&
      d->next < d->todo->len)
    launch (d, d->todo->pdata[d->next++]);
  if (d->running->len == 0)
    g_main_loop_quit (d->loop);
}

/* ^C or SIGTERM.  A second one does not wait for the children. */
static gboolean
on_interrupt (Dataset * d)
{
  interrupt_run (d);
  if (d->signals++ > 0)
    signal_children (d, SIGKILL);
  if (d->signals > 1 || d->running->len == 0)
    g_main_loop_quit (d->loop);
  return G_SOURCE_CONTINUE;
}

/* ---- progress ------------------------------------------------------- */

static guint64
frames_decoded (Dataset * d)
{
  guint64 frames = d->frames;

  for (guint i = 0; i < d->running->len; i++)
    frames += ((Child *) d->running->pdata[i])->frames;
  return frames;
}

static gdouble
elapsed_s (Dataset * d)
{
  return (g_get_monotonic_time () - d->start_us) / 1e6;
}

/* The inputs ended so far predict the rest: "ETA 1:02:03". */
static gchar *
eta (Dataset * d, gdouble t)
{
  guint ended = d->extracted + d->failed;
  gdouble left;

  if (ended == 0)
    return g_strdup ("");
  left = t * (d->todo->len - ended) / ended;
  return g_strdup_printf (", ETA %d:%02d:%02d", (gint) left / 3600,
      (gint) left / 60 % 60, (gint) left % 60);
}

static gboolean
print_progress (Dataset * d)
{
  guint64 frames = frames_decoded (d);
  gdouble t = elapsed_s (d);
  guint done = d->complete + d->extracted;
  gchar *left = eta (d, t);

  /* a terminal gets one line rewritten in place, a log plain lines */
  fprintf (stderr, "%scps-extract: %u/%u inputs done, %u failed, %u "
      "running, %" G_GUINT64_FORMAT " frames, %.1f fps%s%s", line_start (),
      done, d->inputs->len, d->failed + d->failed_before, d->running->len,
      frames, t > 0 ? frames / t : 0.0, left, isatty (2) ? "" : "\n");
  fflush (stderr);
  g_free (left);
  return G_SOURCE_CONTINUE;
}

static void
print_summary (Dataset * d)
{
  guint64 frames = frames_decoded (d);
  gdouble t = elapsed_s (d);

  fprintf (stderr, "%scps-extract: %u %s: %u extracted, %u already "
      "complete, %u failed", line_start (), d->inputs->len,
      plural (d->inputs->len, "input", "inputs"), d->extracted, d->complete,
      d->failed);
  if (d->failed_before)
    fprintf (stderr, ", %u skipped as failed before (--retry-failed redoes "
        "them)", d->failed_before);
  fprintf (stderr, "; %" G_GUINT64_FORMAT " %s decoded in %.2f s (%.1f "
      "fps)\n", frames, plural (frames, "frame", "frames"), t,
      t > 0 ? frames / t : 0.0);
  if (d->failed + d->failed_before)
    fprintf (stderr, "cps-extract: failures in %s/failures.jsonl\n",
        d->config->output_dir);
  fprintf (stderr, "cps-extract: dataset index in %s/index.jsonl\n",
      d->config->output_dir);
}

/* ---- the run -------------------------------------------------------- */

/* The default --jobs: one child per core.  Each child's decoder runs
 * threads of its own (avdec_h264 threads=auto) and cps measures one frame
 * while the decoder decodes the next, but an input's start (demuxing, the
 * packet index) is serial, so inputs side by side fill the cores better.
 * On 2 cores, 64 inputs: 47.2 s with one job, 39.6 s with two, 39.0 s
 * with four (docs/formats.md, "Datasets", gives the command). */
static gint
default_jobs (void)
{
  return MAX (1, (gint) g_get_num_processors ());
}

static void
extract_all (Dataset * d)
{
  guint sigint, sigterm, progress = 0;

  d->loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, (GSourceFunc) on_interrupt, d);
  sigterm = g_unix_signal_add (SIGTERM, (GSourceFunc) on_interrupt, d);
  if (!d->config->quiet)
    progress = g_timeout_add (MAX (1, d->config->progress_interval * 1000),
        (GSourceFunc) print_progress, d);
  d->start_us = g_get_monotonic_time ();
  launch_next (d);
  if (d->running->len)
    g_main_loop_run (d->loop);
  if (progress)
    g_source_remove (progress);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_main_loop_unref (d->loop);
}

gint
extract_dataset_run (const ExtractDatasetConfig * config)
{
  Dataset d = { 0 };
  GError *err = NULL;
  gchar *error = NULL;
  gint status;

  d.config = config;
  d.jobs = config->jobs > 0 ? config->jobs : default_jobs ();
  d.shard_count = 1;
  if (!(d.inputs = collect_inputs (config, &d.shard_index, &d.shard_count,
              &error))) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    return EXIT_USAGE;
  }
  if (!(d.catalog = extract_catalog_open (config->output_dir, &err))) {
    fprintf (stderr, "cps-extract: error: %s\n", err->message);
    g_clear_error (&err);
    g_ptr_array_unref (d.inputs);
    return 1;
  }
  d.todo = g_ptr_array_new ();
  d.running = g_ptr_array_new ();
  if (!plan (&d, &error)) {
    fprintf (stderr, "cps-extract: error: %s\n", error);
    g_free (error);
    status = EXIT_USAGE;
  } else if (config->wds && !(d.wds = extract_dataset_wds_open (d.catalog,
              config->output_dir, d.shard_index, d.shard_count,
              config->tar_bytes, config->options, &err))) {
    fprintf (stderr, "cps-extract: error: %s\n", err->message);
    g_clear_error (&err);
    status = 1;
  } else {
    extract_all (&d);
    status = d.interrupted ? EXIT_INTERRUPTED :
        d.failed + d.failed_before ? 1 : 0;
    /* the last shard is sealed even when interrupted: what it holds is
     * complete */
    if (d.wds && !extract_dataset_wds_finish (d.wds, &err)) {
      fprintf (stderr, "cps-extract: error: %s\n", err->message);
      g_clear_error (&err);
      status = d.interrupted ? EXIT_INTERRUPTED : 1;
    }
    print_summary (&d);
  }
  g_ptr_array_unref (d.running);
  g_ptr_array_unref (d.todo);
  g_ptr_array_unref (d.inputs);
  extract_catalog_free (d.catalog);
  return status;
}
