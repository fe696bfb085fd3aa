/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Options whose effect would be nil.  Each rule follows from how the
 * elements use their properties (gstcpsmotion.c, gstcpstopk.c and
 * cps_smart_resize() in common/cps_resize.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "extract-rules.h"

static guint
get_uint (ExtractOptions * options, const gchar * name)
{
  GValue v = G_VALUE_INIT;
  guint u;

  extract_options_get (options, name, &v);
  u = g_value_get_uint (&v);
  g_value_unset (&v);
  return u;
}

static gdouble
get_double (ExtractOptions * options, const gchar * name)
{
  GValue v = G_VALUE_INIT;
  gdouble d;

  extract_options_get (options, name, &v);
  d = g_value_get_double (&v);
  g_value_unset (&v);
  return d;
}

/* The value of option @name as GStreamer serialises it: an enum's nick,
 * "true" or "false" for a boolean. */
static gchar *
get_serialized (ExtractOptions * options, const gchar * name)
{
  GValue v = G_VALUE_INIT;
  gchar *text;

  extract_options_get (options, name, &v);
  text = gst_value_serialize (&v);
  g_value_unset (&v);
  return text;
}

/* Options used only with one value of another option. */
static gboolean
check_dependent_options (ExtractOptions * options, gchar ** error)
{
  static const struct {
    const gchar *option, *needs, *value;
  } rules[] = {
    {"sampling-frames", "sampling", "uniform"},
    {"sampling-rate", "sampling", "rate"},
    {"fps", "sampling", "fps"},
    {"min-frames", "sampling", "fps"},
    {"max-frames", "sampling", "fps"},
    {"frame-factor", "sampling", "fps"},
    {"static-abs-thresh", "static-fallback", "true"},
    {"static-rel-thresh", "static-fallback", "true"},
    {"static-uniform-frames", "static-fallback", "true"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++) {
    gchar *value;
    gboolean used;

    if (!extract_options_is_set (options, rules[i].option))
      continue;
    value = get_serialized (options, rules[i].needs);
    used = g_str_equal (value, rules[i].value);
    g_free (value);
    if (!used) {
      *error = g_strdup_printf ("--%s has no effect without --%s %s",
          rules[i].option, rules[i].needs, rules[i].value);
      return FALSE;
    }
  }
  return TRUE;
}

/* Smart resize scales frames above max-pixels down, else frames below
 * min-pixels up, 0 meaning input-size² for either: a bound given on one
 * side only must be compatible with input-size² on the other, and
 * input-size does nothing when both bounds are given. */
static gboolean
check_resize_options (ExtractOptions * options, gchar ** error)
{
  guint input_size = get_uint (options, "input-size");
  guint64 square = (guint64) input_size * input_size;
  guint min_pixels = get_uint (options, "min-pixels");
  guint max_pixels = get_uint (options, "max-pixels");

  if (min_pixels && max_pixels && extract_options_is_set (options,
          "input-size")) {
    gboolean given = extract_options_is_set (options, "min-pixels") &&
        extract_options_is_set (options, "max-pixels");

    *error = g_strdup_printf ("--input-size has no effect when --min-pixels "
        "and --max-pixels are both given%s", given ? "" :
        " (counting the preset's)");
    return FALSE;
  }
  if (min_pixels > square && !max_pixels) {
    *error = g_strdup_printf ("--min-pixels %u has no effect on frames "
        "larger than input-size² (%u² = %" G_GUINT64_FORMAT ", the "
        "max-pixels when it is 0): they are scaled down first; give "
        "--max-pixels too, or a larger --input-size", min_pixels, input_size,
        square);
    return FALSE;
  }
  if (max_pixels && max_pixels < square && !min_pixels) {
    *error = g_strdup_printf ("--max-pixels %u is below input-size² (%u² "
        "= %" G_GUINT64_FORMAT ", the min-pixels when it is 0): smaller "
        "frames would be scaled up past it; give --min-pixels too, or a "
        "smaller --input-size", max_pixels, input_size, square);
    return FALSE;
  }
  return TRUE;
}

gboolean
extract_check_option_effects (ExtractOptions * options, gboolean on_gpu,
    gchar ** error)
{
  if (!check_dependent_options (options, error) ||
      !check_resize_options (options, error))
    return FALSE;
  if (get_double (options, "motion-weight") == 0 &&
      get_double (options, "residual-weight") == 0) {
    *error = g_strdup ("--motion-weight and --residual-weight are both 0: "
        "every patch would score 0");
    return FALSE;
  }
  if (!on_gpu && extract_options_is_set (options, "cuda-device-id")) {
    *error = g_strdup ("--cuda-device-id has no effect: cps runs on the CPU "
        "here (see --process)");
    return FALSE;
  }
  return TRUE;
}
