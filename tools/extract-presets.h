/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Model presets: named sets of option values, applied as if given on the
 * command line before the user's own options (which win).
 */
#ifndef __EXTRACT_PRESETS_H__
#define __EXTRACT_PRESETS_H__

#include <stdio.h>

#include "extract-options.h"

G_BEGIN_DECLS

/* The presets' names, comma-separated ("reference, qwen2.5-vl, …"). */
gchar *extract_preset_names (void);

/* Gives @options the values of preset @name.  FALSE with a message
 * listing the valid names when there is no such preset.  @applied, when
 * not NULL, receives the settings applied, as "--option value" words. */
gboolean extract_preset_apply (ExtractOptions * options, const gchar * name,
    gchar ** applied, gchar ** error);

/* Every preset: its purpose, its settings as cps-extract options and as
 * element properties (for gst-launch, Gst.parse_launch), its source. */
void extract_presets_print (ExtractOptions * options, FILE * out);

G_END_DECLS
#endif
