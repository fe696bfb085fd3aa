/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Options generated from the elements' own GParamSpecs, so names, ranges
 * and defaults cannot drift from the elements.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "extract-options.h"

/* One option: a property name, shared by one or more elements. */
typedef struct {
  gchar *name;                  /* prefix + property name */
  GPtrArray *pspecs;            /* the property, in each element having it */
  GPtrArray *elements;          /* the factory names of those elements */
  gchar *value;                 /* as given on the command line, or NULL */
  gchar *preset_value;          /* set by --preset, or NULL; value wins */
  gchar *description, *arg_description;
} Option;

struct _ExtractOptions {
  GPtrArray *options;           /* Option */
  gchar *preset;                /* the preset's name, for messages */
  GOptionEntry *entries;        /* owned here: GOptionGroup copies them */
};

/* The names the reference library uses for its dtypes, accepted too. */
static const struct {
  const gchar *alias, *nick;
} dtype_aliases[] = {
  {"float32", "fp32"}, {"bfloat16", "bf16"}, {"float16", "fp16"},
  {"uint8", "u8"},
};

static const gchar *
property_name (const Option * o)
{
  return ((GParamSpec *) o->pspecs->pdata[0])->name;
}

static gboolean
is_boolean (const Option * o)
{
  return G_IS_PARAM_SPEC_BOOLEAN (o->pspecs->pdata[0]);
}

static gchar *
describe_range (GParamSpec * p)
{
  if (G_IS_PARAM_SPEC_UINT (p))
    return g_strdup_printf ("%u-%u", G_PARAM_SPEC_UINT (p)->minimum,
        G_PARAM_SPEC_UINT (p)->maximum);
  if (G_IS_PARAM_SPEC_INT (p))
    return g_strdup_printf ("%d-%d", G_PARAM_SPEC_INT (p)->minimum,
        G_PARAM_SPEC_INT (p)->maximum);
  if (G_IS_PARAM_SPEC_DOUBLE (p))
    return g_strdup_printf ("%g-%g", G_PARAM_SPEC_DOUBLE (p)->minimum,
        G_PARAM_SPEC_DOUBLE (p)->maximum);
  if (G_IS_PARAM_SPEC_BOOLEAN (p))
    return g_strdup ("true|false");
  if (G_IS_PARAM_SPEC_ENUM (p)) {
    GEnumClass *e = G_PARAM_SPEC_ENUM (p)->enum_class;
    GString *s = g_string_new (NULL);

    for (guint i = 0; i < e->n_values; i++)
      g_string_append_printf (s, "%s%s", i ? "|" : "", e->values[i].value_nick);
    return g_string_free (s, FALSE);
  }
  return g_strdup ("VALUE");
}

static gchar *
describe_default (GParamSpec * p)
{
  const GValue *def = g_param_spec_get_default_value (p);

  if (G_IS_PARAM_SPEC_ENUM (p))
    return g_strdup (g_enum_get_value (G_PARAM_SPEC_ENUM (p)->enum_class,
            g_value_get_enum (def))->value_nick);
  if (G_IS_PARAM_SPEC_DOUBLE (p))
    return g_strdup_printf ("%g", g_value_get_double (def));
  if (G_IS_PARAM_SPEC_STRING (p) && !g_value_get_string (def))
    return g_strdup ("none");
  return gst_value_serialize (def);
}

static void
option_free (Option * o)
{
  g_free (o->name);
  g_ptr_array_unref (o->pspecs);
  g_ptr_array_unref (o->elements);
  g_free (o->value);
  g_free (o->preset_value);
  g_free (o->description);
  g_free (o->arg_description);
  g_free (o);
}

static Option *
find_option (ExtractOptions * options, const gchar * property)
{
  for (guint i = 0; i < options->options->len; i++) {
    Option *o = options->options->pdata[i];

    if (g_str_equal (property_name (o), property))
      return o;
  }
  return NULL;
}

static void
add_property (ExtractOptions * options, const gchar * factory,
    const gchar * prefix, GParamSpec * pspec)
{
  Option *o = find_option (options, pspec->name);

  if (!o) {
    o = g_new0 (Option, 1);
    o->name = g_strconcat (prefix, pspec->name, NULL);
    o->pspecs = g_ptr_array_new_with_free_func ((GDestroyNotify)
        g_param_spec_unref);
    o->elements = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (options->options, o);
  }
  g_ptr_array_add (o->pspecs, g_param_spec_ref (pspec));
  g_ptr_array_add (o->elements, g_strdup (factory));
}

/* Adds the writable properties @factory's element type declares itself
 * (not those of its parent classes: name, parent, appsink's …). */
static gboolean
add_element (ExtractOptions * options, const gchar * factory,
    const gchar * prefix)
{
  GstElementFactory *f = gst_element_factory_find (factory);
  GstPluginFeature *loaded;
  GObjectClass *klass;
  GParamSpec **props;
  guint n;

  if (!f)
    return FALSE;
  loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (f));
  gst_object_unref (f);
  if (!loaded)
    return FALSE;
  klass = g_type_class_ref (gst_element_factory_get_element_type
      (GST_ELEMENT_FACTORY (loaded)));
  props = g_object_class_list_properties (klass, &n);
  for (guint i = 0; i < n; i++)
    if (props[i]->owner_type == G_OBJECT_CLASS_TYPE (klass) &&
        (props[i]->flags & G_PARAM_WRITABLE))
      add_property (options, factory, prefix, props[i]);
  g_free (props);
  g_type_class_unref (klass);
  gst_object_unref (loaded);
  return TRUE;
}

static void
describe_option (Option * o)
{
  GParamSpec *p = o->pspecs->pdata[0];
  gchar *elements, *def;

  g_ptr_array_add (o->elements, NULL);
  elements = g_strjoinv (", ", (gchar **) o->elements->pdata);
  g_ptr_array_remove_index (o->elements, o->elements->len - 1);
  def = describe_default (p);
  o->description = g_strdup_printf ("%s: %s (default: %s%s)", elements,
      g_param_spec_get_blurb (p), def, g_str_equal (p->name, "dtype") ?
      "; float32, bfloat16, float16 and uint8 are accepted too" : "");
  o->arg_description = describe_range (p);
  g_free (def);
  g_free (elements);
}

ExtractOptions *
extract_options_new (const gchar * const *factories, const gchar * prefix)
{
  ExtractOptions *options = g_new0 (ExtractOptions, 1);

  options->options = g_ptr_array_new_with_free_func ((GDestroyNotify)
      option_free);
  for (guint i = 0; factories[i]; i++)
    if (!add_element (options, factories[i], prefix)) {
      extract_options_free (options);
      return NULL;
    }
  for (guint i = 0; i < options->options->len; i++)
    describe_option (options->options->pdata[i]);
  return options;
}

void
extract_options_free (ExtractOptions * options)
{
  g_ptr_array_unref (options->options);
  g_free (options->preset);
  g_free (options->entries);
  g_free (options);
}

/* A boolean option given alone means true. */
static gboolean
on_boolean_option (const gchar * option_name, const gchar * value,
    ExtractOptions * options, GError ** error)
{
  for (guint i = 0; i < options->options->len; i++) {
    Option *o = options->options->pdata[i];

    if (g_str_equal (option_name + 2, o->name)) {
      g_free (o->value);
      o->value = g_strdup (value ? value : "true");
      return TRUE;
    }
  }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
      "unknown option %s", option_name);
  return FALSE;
}

GOptionGroup *
extract_options_group (ExtractOptions * options, const gchar * name,
    const gchar * description, const gchar * help_description)
{
  GOptionGroup *group = g_option_group_new (name, description,
      help_description, options, NULL);
  guint n = options->options->len;

  g_free (options->entries);
  options->entries = g_new0 (GOptionEntry, n + 1);
  for (guint i = 0; i < n; i++) {
    Option *o = options->options->pdata[i];
    GOptionEntry *e = &options->entries[i];

    e->long_name = o->name;
    e->description = o->description;
    e->arg_description = o->arg_description;
    if (is_boolean (o)) {
      e->flags = G_OPTION_FLAG_OPTIONAL_ARG;
      e->arg = G_OPTION_ARG_CALLBACK;
      e->arg_data = on_boolean_option;
    } else {
      e->arg = G_OPTION_ARG_STRING;
      e->arg_data = &o->value;
    }
  }
  g_option_group_add_entries (group, options->entries);
  return group;
}

static gboolean
is_boolean_word (const gchar * s)
{
  return s && (g_ascii_strcasecmp (s, "true") == 0 ||
      g_ascii_strcasecmp (s, "false") == 0);
}

static gboolean
is_boolean_option (ExtractOptions * options, const gchar * arg)
{
  if (!g_str_has_prefix (arg, "--"))
    return FALSE;
  for (guint i = 0; i < options->options->len; i++) {
    Option *o = options->options->pdata[i];

    if (is_boolean (o) && g_str_equal (arg + 2, o->name))
      return TRUE;
  }
  return FALSE;
}

gchar **
extract_options_join_boolean_values (ExtractOptions * options, gchar ** argv)
{
  GPtrArray *out = g_ptr_array_new ();
  gboolean options_ended = FALSE;

  for (guint i = 0; argv[i]; i++) {
    options_ended |= g_str_equal (argv[i], "--");
    if (!options_ended && is_boolean_option (options, argv[i]) &&
        is_boolean_word (argv[i + 1])) {
      g_ptr_array_add (out, g_strconcat (argv[i], "=", argv[i + 1], NULL));
      i++;
    } else {
      g_ptr_array_add (out, g_strdup (argv[i]));
    }
  }
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

static const gchar *
resolve_alias (const Option * o, const gchar * value)
{
  if (!g_str_equal (property_name (o), "dtype"))
    return value;
  for (guint i = 0; i < G_N_ELEMENTS (dtype_aliases); i++)
    if (g_ascii_strcasecmp (value, dtype_aliases[i].alias) == 0)
      return dtype_aliases[i].nick;
  return value;
}

/* The value in force: given on the command line, else set by the preset,
 * else NULL (the element's default). */
static const gchar *
given_value (const Option * o)
{
  return o->value ? o->value : o->preset_value;
}

static gboolean
in_range (GParamSpec * pspec, const GValue * v)
{
  GValue checked = G_VALUE_INIT;
  gboolean out_of_range;

  g_value_init (&checked, pspec->value_type);
  g_value_copy (v, &checked);
  out_of_range = g_param_value_validate (pspec, &checked);
  g_value_unset (&checked);
  return !out_of_range;
}

/* How an error names the value's origin: "--k" for the command line,
 * "--preset NAME: k" for a preset's setting. */
static gchar *
value_origin (const ExtractOptions * options, const Option * o)
{
  if (o->value || !options->preset)
    return g_strdup_printf ("--%s", o->name);
  return g_strdup_printf ("--preset %s: %s", options->preset, o->name);
}

/* Parses the value in force of @o, refusing out-of-range values instead
 * of letting GObject clamp them. */
static gboolean
option_value (const ExtractOptions * options, const Option * o, GValue * v,
    gchar ** error)
{
  GParamSpec *first = o->pspecs->pdata[0];
  const gchar *value = given_value (o);

  g_value_init (v, first->value_type);
  if (!gst_value_deserialize (v, resolve_alias (o, value))) {
    gchar *range = describe_range (first);
    gchar *origin = value_origin (options, o);

    *error = g_strdup_printf ("%s: \"%s\" is not valid (expected %s)",
        origin, value, range);
    g_free (origin);
    g_free (range);
    g_value_unset (v);
    return FALSE;
  }
  for (guint i = 0; i < o->pspecs->len; i++) {
    GParamSpec *p = o->pspecs->pdata[i];
    gchar *range, *origin;

    if (in_range (p, v))
      continue;
    range = describe_range (p);
    origin = value_origin (options, o);
    *error = g_strdup_printf ("%s: %s is out of range (%s)", origin, value,
        range);
    g_free (origin);
    g_free (range);
    g_value_unset (v);
    return FALSE;
  }
  return TRUE;
}

gboolean
extract_options_check (ExtractOptions * options, gchar ** error)
{
  for (guint i = 0; i < options->options->len; i++) {
    Option *o = options->options->pdata[i];
    GValue v = G_VALUE_INIT;

    if (!given_value (o))
      continue;
    if (!option_value (options, o, &v, error))
      return FALSE;
    g_value_unset (&v);
  }
  return TRUE;
}

gboolean
extract_options_is_set (ExtractOptions * options, const gchar * name)
{
  Option *o = find_option (options, name);

  return o && o->value;
}

gboolean
extract_options_any_set (ExtractOptions * options)
{
  for (guint i = 0; i < options->options->len; i++)
    if (((Option *) options->options->pdata[i])->value)
      return TRUE;
  return FALSE;
}

const gchar *
extract_options_element (ExtractOptions * options, const gchar * name)
{
  Option *o = find_option (options, name);

  return o ? o->elements->pdata[0] : NULL;
}

void
extract_options_set_preset (ExtractOptions * options, const gchar * preset)
{
  g_free (options->preset);
  options->preset = g_strdup (preset);
}

gboolean
extract_options_preset_value (ExtractOptions * options, const gchar * name,
    const gchar * value)
{
  Option *o = find_option (options, name);

  if (!o)
    return FALSE;
  g_free (o->preset_value);
  o->preset_value = g_strdup (value);
  return TRUE;
}

void
extract_options_get (ExtractOptions * options, const gchar * name,
    GValue * value)
{
  Option *o = find_option (options, name);
  GParamSpec *p;
  gchar *unused = NULL;

  g_return_if_fail (o != NULL);
  if (given_value (o) && option_value (options, o, value, &unused))
    return;
  g_free (unused);
  p = o->pspecs->pdata[0];
  g_value_init (value, p->value_type);
  g_value_copy (g_param_spec_get_default_value (p), value);
}

void
extract_options_append_given (ExtractOptions * options, GPtrArray * args)
{
  for (guint i = 0; i < options->options->len; i++) {
    Option *o = options->options->pdata[i];

    if (o->value)
      g_ptr_array_add (args, g_strdup_printf ("--%s=%s", o->name, o->value));
  }
}

gchar *
extract_options_canonical (ExtractOptions * options)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < options->options->len; i++) {
    Option *o = options->options->pdata[i];
    GParamSpec *p = o->pspecs->pdata[0];
    GValue v = G_VALUE_INIT;
    gchar *unused = NULL, *value;

    if (!given_value (o) || !option_value (options, o, &v, &unused)) {
      g_free (unused);
      continue;
    }
    if (g_param_values_cmp (p, &v, g_param_spec_get_default_value (p)) != 0) {
      value = gst_value_serialize (&v);
      g_string_append_printf (s, "%s%s=%s", s->len ? " " : "", o->name,
          value);
      g_free (value);
    }
    g_value_unset (&v);
  }
  return g_string_free (s, FALSE);
}

void
extract_options_apply (ExtractOptions * options, GstBin * bin)
{
  for (guint i = 0; i < options->options->len; i++) {
    Option *o = options->options->pdata[i];
    GValue v = G_VALUE_INIT;
    gchar *unused = NULL;

    if (!given_value (o) || !option_value (options, o, &v, &unused)) {
      g_free (unused);
      continue;
    }
    for (guint e = 0; e < o->elements->len; e++) {
      GstElement *element = gst_bin_get_by_name (bin, o->elements->pdata[e]);

      if (!element)
        continue;
      g_object_set_property (G_OBJECT (element), property_name (o), &v);
      gst_object_unref (element);
    }
    g_value_unset (&v);
  }
}
