/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * cps-extract's options generated from element properties: one option per
 * distinct writable property name of a list of elements, applied to every
 * element of the list that has it.
 */
#ifndef __EXTRACT_OPTIONS_H__
#define __EXTRACT_OPTIONS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _ExtractOptions ExtractOptions;

/* Options for the writable properties the elements of @factories declare
 * themselves, named @prefix + property name.  NULL when one of the
 * factories is missing. */
ExtractOptions *extract_options_new (const gchar * const *factories,
    const gchar * prefix);
void extract_options_free (ExtractOptions * options);

/* A GOptionGroup of the options; @options must outlive it. */
GOptionGroup *extract_options_group (ExtractOptions * options,
    const gchar * name, const gchar * description,
    const gchar * help_description);

/* Boolean options take an optional value ("--flag", "--flag=false"); this
 * joins "--flag true" into "--flag=true" so the spaced form keeps
 * working.  Returns a new vector for g_option_context_parse_strv(). */
gchar **extract_options_join_boolean_values (ExtractOptions * options,
    gchar ** argv);

/* Parses every given value; FALSE with a message naming the option. */
gboolean extract_options_check (ExtractOptions * options, gchar ** error);

/* The factory name of the first element having property @name, or NULL. */
const gchar *extract_options_element (ExtractOptions * options,
    const gchar * name);

/* A preset's values come before the command line's: a value given there
 * wins.  @preset names the preset in error messages.  Sets property
 * @name's preset value; FALSE when there is no such option. */
void extract_options_set_preset (ExtractOptions * options,
    const gchar * preset);
gboolean extract_options_preset_value (ExtractOptions * options,
    const gchar * name, const gchar * value);

/* Whether the option of property @name was given on the command line (a
 * preset's value does not count: the rules about options without effect
 * concern what the user asked for). */
gboolean extract_options_is_set (ExtractOptions * options, const gchar * name);

/* Whether any of the options was given on the command line. */
gboolean extract_options_any_set (ExtractOptions * options);

/* The value of property @name: given on the command line, else set by the
 * preset, else the default of the element.  @value is initialised here. */
void extract_options_get (ExtractOptions * options, const gchar * name,
    GValue * value);

/* Appends "--NAME=VALUE" for each option given on the command line, the
 * values as given (a preset's values are not included: passing the same
 * --preset along reproduces them). */
void extract_options_append_given (ExtractOptions * options, GPtrArray * args);

/* The values in force that differ from the elements' defaults, as
 * "NAME=VALUE" words in option order, each value normalised (parsed and
 * serialised again): two command lines selecting the same way give the
 * same string, whether a value came from a preset or the command line. */
gchar *extract_options_canonical (ExtractOptions * options);

/* Sets the given values (command line, then preset) on the elements of
 * @bin named like their factories. */
void extract_options_apply (ExtractOptions * options, GstBin * bin);

G_END_DECLS
#endif
