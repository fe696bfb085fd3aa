/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * cps-extract's output directory: locked for one run at a time, with a
 * manifest of what each run wrote, so --overwrite removes exactly that.
 */
#ifndef __EXTRACT_OUTPUT_H__
#define __EXTRACT_OUTPUT_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ExtractOutput ExtractOutput;

/* Refuses a directory name that cannot be meant as one: empty, or named
 * like a window file. */
gboolean extract_output_check_name (const gchar * dir, gchar ** error);

/* Creates the directory if needed and locks it, and refuses it when it
 * holds window files of an earlier run (unless @overwrite) or of anything
 * else.  Nothing is removed yet.  @preview: the preview file, or NULL. */
ExtractOutput *extract_output_open (const gchar * dir, gboolean overwrite,
    const gchar * preview, gchar ** error);

/* Whether @path is a file of the earlier run that --overwrite removes. */
gboolean extract_output_would_remove (ExtractOutput * out,
    const gchar * path);

/* cpspatchsink's location pattern: '%' in the directory doubled. */
gchar *extract_output_location (ExtractOutput * out);

/* Called before window @index (@n_patches patches, @n_tokens model
 * tokens) is written.  The first
 * call removes what the earlier run wrote (with --overwrite): only once
 * the elements accepted their settings and made a window.  Then the
 * manifest records the window before it exists, so that a run killed while
 * writing it leaves nothing unaccounted for. */
gboolean extract_output_begin_window (ExtractOutput * out, guint64 index,
    guint n_patches, guint n_tokens, GError ** error);

/* The window files of this run that exist, and their patches and model
 * tokens. */
guint extract_output_windows_on_disk (ExtractOutput * out, guint64 * patches,
    guint64 * tokens);

/* Unlocks; removes the directory again if this run created it and wrote
 * nothing into it. */
void extract_output_close (ExtractOutput * out);

G_END_DECLS
#endif
