/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A growable string; on allocation failure it turns NULL and stays so. */
typedef struct {
  char *s;
  size_t len, cap;
} Text;

static void
text_reserve (Text * t, size_t more)
{
  char *grown;

  if (!t->s || t->len + more + 1 <= t->cap)
    return;
  t->cap = (t->len + more + 1) * 2;
  grown = realloc (t->s, t->cap);
  if (!grown)
    free (t->s);
  t->s = grown;
}

static void
text_append (Text * t, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  text_reserve (t, (size_t) n);
  if (!t->s)
    return;
  va_start (ap, fmt);
  vsnprintf (t->s + t->len, t->cap - t->len, fmt, ap);
  va_end (ap);
  t->len += (size_t) n;
}

/* A JSON string literal: quotes, backslashes and control bytes escaped;
 * other bytes (UTF-8) pass through. */
static void
text_append_json_string (Text * t, const char *s)
{
  text_append (t, "\"");
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    if (*p == '"' || *p == '\\')
      text_append (t, "\\%c", *p);
    else if (*p < 0x20)
      text_append (t, "\\u%04x", *p);
    else
      text_append (t, "%c", *p);
  }
  text_append (t, "\"");
}

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

  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (strcmp (dtype, sizes[i].name) == 0)
      return sizes[i].size;
  return 0;
}

static int
tensor_is_consistent (const CpsStTensor * t)
{
  size_t elems = 1, size = dtype_size (t->dtype);

  if (size == 0 || t->n_dims < 0 || t->n_dims > CPS_ST_MAX_DIMS)
    return 0;
  for (int d = 0; d < t->n_dims; d++) {
    if (t->shape[d] < 0)
      return 0;
    elems *= (size_t) t->shape[d];
  }
  return elems * size == t->n_bytes;
}

char *
cps_safetensors_header (const CpsStTensor * tensors, size_t n_tensors,
    const CpsStMetadata * metadata, size_t n_metadata, size_t *length)
{
  Text t = { malloc (256), 0, 256 };
  size_t offset = 0;

  for (size_t i = 0; i < n_tensors; i++)
    if (!tensor_is_consistent (&tensors[i])) {
      free (t.s);
      return NULL;
    }

  text_append (&t, "{\"__metadata__\":{");
  for (size_t i = 0; i < n_metadata; i++) {
    text_append (&t, i ? "," : "");
    text_append_json_string (&t, metadata[i].key);
    text_append (&t, ":");
    text_append_json_string (&t, metadata[i].value);
  }
  text_append (&t, "}");
  for (size_t i = 0; i < n_tensors; i++) {
    const CpsStTensor *ten = &tensors[i];

    text_append (&t, ",");
    text_append_json_string (&t, ten->name);
    text_append (&t, ":{\"dtype\":\"%s\",\"shape\":[", ten->dtype);
    for (int d = 0; d < ten->n_dims; d++)
      text_append (&t, "%s%" PRId64, d ? "," : "", ten->shape[d]);
    text_append (&t, "],\"data_offsets\":[%zu,%zu]}", offset,
        offset + ten->n_bytes);
    offset += ten->n_bytes;
  }
  text_append (&t, "}");
  /* the format allows trailing spaces; they align the data to 8 bytes */
  while (t.s && t.len % 8 != 0)
    text_append (&t, " ");
  if (t.s)
    *length = t.len;
  return t.s;
}

static int
write_all (FILE * f, const void *data, size_t n)
{
  return n == 0 || fwrite (data, 1, n, f) == n ? 0 : (errno ? errno : EIO);
}

static int
write_stream (FILE * f, const char *header, size_t header_len,
    const CpsStTensor * tensors, size_t n_tensors)
{
  uint8_t len_le[8];
  int err;

  for (int i = 0; i < 8; i++)
    len_le[i] = (uint8_t) ((uint64_t) header_len >> (8 * i));
  if ((err = write_all (f, len_le, 8)) || (err = write_all (f, header,
              header_len)))
    return err;
  for (size_t i = 0; i < n_tensors; i++)
    if ((err = write_all (f, tensors[i].data, tensors[i].n_bytes)))
      return err;
  if (fflush (f) != 0 || fsync (fileno (f)) != 0)
    return errno ? errno : EIO;
  return 0;
}

int
cps_safetensors_write_file (const char *path, const CpsStTensor * tensors,
    size_t n_tensors, const CpsStMetadata * metadata, size_t n_metadata)
{
  size_t header_len;
  char *header, *tmp;
  FILE *f;
  int err;

  header = cps_safetensors_header (tensors, n_tensors, metadata, n_metadata,
      &header_len);
  if (!header)
    return EINVAL;
  /* same directory, so rename() is atomic; the ".partial" suffix says what
   * a leftover is if the process dies mid-write */
  tmp = malloc (strlen (path) + 32);
  if (!tmp) {
    free (header);
    return ENOMEM;
  }
  sprintf (tmp, "%s.%ld.partial", path, (long) getpid ());
  f = fopen (tmp, "wb");
  if (!f) {
    err = errno;
    free (header);
    free (tmp);
    return err;
  }
  errno = 0;
  err = write_stream (f, header, header_len, tensors, n_tensors);
  if (fclose (f) != 0 && !err)
    err = errno ? errno : EIO;
  if (!err && rename (tmp, path) != 0)
    err = errno;
  if (err)
    unlink (tmp);
  free (header);
  free (tmp);
  return err;
}

/* Parses an integer conversion at @p (just after '%'): flags and width,
 * an optional l or ll, then d, i, u, x or X.  Returns the conversion
 * character (0 if none) and the lengths of the flags-and-width part and of
 * the whole conversion. */
static char
parse_conversion (const char *p, size_t *flags_width, size_t *total)
{
  size_t n = strspn (p, "0-+ #");

  n += strspn (p + n, "0123456789");
  *flags_width = n;
  n += strspn (p + n, "l") <= 2 ? strspn (p + n, "l") : 3;
  if (!p[n] || !strchr ("diuxX", p[n]) || n - *flags_width > 2)
    return 0;
  *total = n + 1;
  return p[n];
}

char *
cps_format_location (const char *pattern, uint64_t index)
{
  Text t = { malloc (64), 0, 64 };
  int conversions = 0;

  for (const char *p = pattern; *p && t.s; p++) {
    size_t flags_width, total;
    char conv, spec[32];

    if (*p != '%') {
      text_append (&t, "%c", *p);
      continue;
    }
    if (p[1] == '%') {
      text_append (&t, "%%");
      p++;
      continue;
    }
    conv = parse_conversion (p + 1, &flags_width, &total);
    /* a field width is for zero padding: more than 32 is a mistake, and a
     * huge one would allocate as much */
    if (!conv || flags_width > 8 || ++conversions > 1 ||
        strtoul (p + 1 + strspn (p + 1, "0-+ #"), NULL, 10) > 32) {
      free (t.s);
      return NULL;
    }
    /* the same flags and width, widened to 64 bits; the index is unsigned */
    if (conv == 'd' || conv == 'i')
      conv = 'u';
    snprintf (spec, sizeof spec, "%%%.*sll%c", (int) flags_width, p + 1, conv);
    text_append (&t, spec, (unsigned long long) index);
    p += total;
  }
  if (t.s && conversions == 0) {
    free (t.s);
    return NULL;
  }
  return t.s;
}
