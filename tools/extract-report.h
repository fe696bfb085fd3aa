/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * cps-extract's exit statuses and small pieces of its messages on
 * stderr, shared by the single-input run and the dataset supervisor.
 */
#ifndef EXTRACT_REPORT_H
#define EXTRACT_REPORT_H

#include <glib.h>
#include <unistd.h>

/* Besides 0 and 1 (a failure): */
#define EXIT_USAGE 2            /* bad options */
#define EXIT_INTERRUPTED 130    /* ^C or SIGTERM */

/* "1 window", "2 windows" */
static inline const gchar *
plural (guint64 n, const gchar * one, const gchar * many)
{
  return n == 1 ? one : many;
}

/* What starts a line on stderr: on a terminal, the return and erase that
 * replace a progress line in place. */
static inline const gchar *
line_start (void)
{
  return isatty (2) ? "\r\033[K" : "";
}

#endif /* EXTRACT_REPORT_H */
