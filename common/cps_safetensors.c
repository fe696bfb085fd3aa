/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_safetensors.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t
dtype_size (const char *dtype)
{
  static const struct {
    const char *name;
    size_t size;
  } sizes[] = {
    {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"BF16", 2}, {"F16", 2}, {"I16", 2},
    {"U16", 2}, {"F32", 4}, {"I32", 4}, {"U32", 4}, {"F64", 8}, {"I64", 8},
    {"U64", 8},
  };

  for (size_t i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (strcmp (dtype, sizes[i].name) == 0)
      return sizes[i].size;
  return 0;
}

static gboolean
tensor_is_consistent (const CpsStTensor * t)
{
  size_t elems = 1, size = dtype_size (t->dtype);

  if (size == 0 || t->n_dims < 0 || t->n_dims > CPS_ST_MAX_DIMS)
    return FALSE;
  for (int d = 0; d < t->n_dims; d++) {
    if (t->shape[d] < 0)
      return FALSE;
    elems *= (size_t) t->shape[d];
  }
  return elems * size == t->n_bytes;
}

/* json-glib writes strings as given; the format wants UTF-8. */
static void
set_member_name (JsonBuilder * b, const char *name)
{
  gchar *valid = g_utf8_make_valid (name, -1);

  json_builder_set_member_name (b, valid);
  g_free (valid);
}

static void
add_string (JsonBuilder * b, const char *value)
{
  gchar *valid = g_utf8_make_valid (value, -1);

  json_builder_add_string_value (b, valid);
  g_free (valid);
}

static void
add_tensor (JsonBuilder * b, const CpsStTensor * t, size_t offset)
{
  set_member_name (b, t->name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dtype");
  json_builder_add_string_value (b, t->dtype);
  json_builder_set_member_name (b, "shape");
  json_builder_begin_array (b);
  for (int d = 0; d < t->n_dims; d++)
    json_builder_add_int_value (b, t->shape[d]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "data_offsets");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, (gint64) offset);
  json_builder_add_int_value (b, (gint64) (offset + t->n_bytes));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* json-glib 1.6 escapes every control character but U+001F, which JSON
 * forbids raw too (found by tests/fuzz).  The generator writes control
 * bytes only inside strings, so every one is escaped here. */
static void
escape_unit_separator (GString * json)
{
  for (gsize i = 0; i < json->len; i++)
    if (json->str[i] == '\x1f') {
      g_string_erase (json, i, 1);
      g_string_insert (json, i, "\\u001f");
    }
}

/* A JSON object keeps one member per name: a tensor named like the
 * metadata or like another tensor would replace it. */
static gboolean
names_are_unique (const CpsStTensor * tensors, size_t n_tensors)
{
  for (size_t i = 0; i < n_tensors; i++) {
    if (strcmp (tensors[i].name, "__metadata__") == 0)
      return FALSE;
    for (size_t j = 0; j < i; j++)
      if (strcmp (tensors[i].name, tensors[j].name) == 0)
        return FALSE;
  }
  return TRUE;
}

char *
cps_safetensors_header (const CpsStTensor * tensors, size_t n_tensors,
    const CpsStMetadata * metadata, size_t n_metadata, size_t *length)
{
  JsonBuilder *b;
  JsonGenerator *gen;
  JsonNode *root;
  GString *header;
  gchar *json;
  size_t offset = 0;

  if (!names_are_unique (tensors, n_tensors))
    return NULL;
  for (size_t i = 0; i < n_tensors; i++)
    if (!tensor_is_consistent (&tensors[i]))
      return NULL;

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "__metadata__");
  json_builder_begin_object (b);
  for (size_t i = 0; i < n_metadata; i++) {
    set_member_name (b, metadata[i].key);
    add_string (b, metadata[i].value);
  }
  json_builder_end_object (b);
  for (size_t i = 0; i < n_tensors; i++) {
    add_tensor (b, &tensors[i], offset);
    offset += tensors[i].n_bytes;
  }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);

  header = g_string_new (json);
  g_free (json);
  escape_unit_separator (header);
  /* the format allows trailing spaces; they align the data to 8 bytes */
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  *length = header->len;
  return g_string_free (header, FALSE);
}

gboolean
cps_safetensors_write_file (const char *path, const CpsStTensor * tensors,
    size_t n_tensors, const CpsStMetadata * metadata, size_t n_metadata,
    GError ** error)
{
  size_t header_len;
  char *header;
  GByteArray *file;
  guint8 len_le[8];
  gboolean ok;

  header = cps_safetensors_header (tensors, n_tensors, metadata, n_metadata,
      &header_len);
  if (!header) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "a tensor does not match its shape");
    return FALSE;
  }
  for (int i = 0; i < 8; i++)
    len_le[i] = (guint8) ((guint64) header_len >> (8 * i));
  file = g_byte_array_new ();
  g_byte_array_append (file, len_le, 8);
  g_byte_array_append (file, (const guint8 *) header, header_len);
  for (size_t i = 0; i < n_tensors; i++)
    g_byte_array_append (file, tensors[i].data, tensors[i].n_bytes);
  /* CONSISTENT: a temporary file synced and renamed over @path; DURABLE
   * is implied for a new file, so a crash never leaves a truncated file
   * under the final name */
  ok = g_file_set_contents_full (path, (const gchar *) file->data, file->len,
      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0666,
      error);
  g_byte_array_unref (file);
  g_free (header);
  return ok;
}

/* Parses an integer conversion at @p (just after '%'): flags, width, an
 * optional l or ll, then d, i, u, x or X.  Returns the conversion
 * character, or 0 with @why set; sets the lengths of the flags-and-width
 * part and of the whole conversion. */
static char
parse_conversion (const char *p, size_t *flags_width, size_t *total,
    const char **why)
{
  size_t flags = strspn (p, "0-+ #"), digits, n, ls;

  digits = strspn (p + flags, "0123456789");
  n = flags + digits;
  *flags_width = n;
  /* a field width is for zero padding: more than 32 is a mistake, and a
   * huge one would allocate as much */
  if (flags > 5) {
    *why = "it repeats flags (at most five of 0-+ # are allowed)";
    return 0;
  }
  if (digits > 2 || strtoul (p + flags, NULL, 10) > 32) {
    *why = "its field width is above 32, the most it allows";
    return 0;
  }
  if (p[n] == '.') {
    *why = "a precision (as in %.3d) is not supported: use a zero-padded "
        "width such as %03d";
    return 0;
  }
  ls = strspn (p + n, "l");
  n += ls;
  if (ls > 2 || !p[n] || !strchr ("diuxX", p[n])) {
    *why = "only the integer conversions d, i, u, x and X (with an optional "
        "l or ll) are supported";
    return 0;
  }
  *total = n + 1;
  return p[n];
}

static char *
format_location (const char *pattern, uint64_t index, const char **why)
{
  GString *out = g_string_new (NULL);
  int conversions = 0;

  *why = NULL;
  for (const char *p = pattern; *p; p++) {
    size_t flags_width, total;
    char conv, spec[32];

    if (*p != '%') {
      g_string_append_c (out, *p);
      continue;
    }
    if (p[1] == '%') {
      g_string_append_c (out, '%');
      p++;
      continue;
    }
    conv = parse_conversion (p + 1, &flags_width, &total, why);
    if (conv && ++conversions > 1)
      *why = "it holds more than one conversion";
    if (*why) {
      g_string_free (out, TRUE);
      return NULL;
    }
    /* the same flags and width, widened to 64 bits; the index is unsigned */
    if (conv == 'd' || conv == 'i')
      conv = 'u';
    snprintf (spec, sizeof spec, "%%%.*sll%c", (int) flags_width, p + 1, conv);
    g_string_append_printf (out, spec, (unsigned long long) index);
    p += total;
  }
  if (conversions == 0) {
    *why = "it holds no integer conversion for the window index";
    g_string_free (out, TRUE);
    return NULL;
  }
  return g_string_free (out, FALSE);
}

char *
cps_format_location (const char *pattern, uint64_t index)
{
  const char *why;

  return format_location (pattern, index, &why);
}

const char *
cps_location_problem (const char *pattern)
{
  const char *why;

  g_free (format_location (pattern, 0, &why));
  return why;
}
