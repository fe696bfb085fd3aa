/* cps — fuzz target: the safetensors header writer (JSON escaping,
 * UTF-8, offsets, padding) read back by an independent minimal JSON parser.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is split at NUL bytes into metadata keys and values (any
 * bytes: quotes, backslashes, control characters, invalid UTF-8) and a
 * tensor name; a shape comes from the first bytes.  The header must be
 * UTF-8, parse as JSON, be padded to 8 bytes, and give back every string
 * as its UTF-8 form (g_utf8_make_valid: invalid bytes become U+FFFD), the
 * later value of a repeated key. */
#include <assert.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cps_safetensors.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* Appends the UTF-8 encoding of @v (below 0x10000, no surrogates). */
static size_t
put_utf8 (char *out, unsigned v)
{
  if (v < 0x80) {
    out[0] = (char) v;
    return 1;
  }
  if (v < 0x800) {
    out[0] = (char) (0xc0 | v >> 6);
    out[1] = (char) (0x80 | (v & 0x3f));
    return 2;
  }
  out[0] = (char) (0xe0 | v >> 12);
  out[1] = (char) (0x80 | ((v >> 6) & 0x3f));
  out[2] = (char) (0x80 | (v & 0x3f));
  return 3;
}

/* A JSON string at *p (after the opening quote): writes its decoded bytes
 * to @out (may be NULL, else room for strlen(*p) bytes) and returns 1 if
 * well formed. */
static int
json_string (const char **p, char *out, size_t *len)
{
  static const char short_in[] = "\"\\/bfnrt", short_out[] = "\"\\/\b\f\n\r\t";
  char tmp[4];
  size_t n = 0;

  for (;;) {
    unsigned char c = (unsigned char) *(*p)++;
    size_t k = 1;

    tmp[0] = (char) c;
    if (c == '"')
      break;
    if (c == '\0' || c < 0x20)
      return 0;
    if (c == '\\') {
      char e = *(*p)++;
      const char *s = e ? strchr (short_in, e) : NULL;

      if (e == 'u') {
        unsigned v = 0;

        for (int i = 0; i < 4; i++) {
          char h = *(*p)++;

          if (!g_ascii_isxdigit (h))
            return 0;
          v = v * 16 + (unsigned) g_ascii_xdigit_value (h);
        }
        if (v >= 0xd800 && v < 0xe000)
          return 0;             /* the writer has no surrogates to escape */
        k = put_utf8 (tmp, v);
      } else if (s) {
        tmp[0] = short_out[s - short_in];
      } else {
        return 0;
      }
    }
    if (out)
      memcpy (out + n, tmp, k);
    n += k;
  }
  *len = n;
  return 1;
}

/* Skips a JSON value of the shapes the writer emits. */
static int
json_value (const char **p)
{
  size_t len;

  if (**p == '"') {
    (*p)++;
    return json_string (p, NULL, &len);
  }
  if (**p == '[' || **p == '{') {
    char close = **p == '[' ? ']' : '}';
    int object = close == '}';

    (*p)++;
    if (**p == close) {
      (*p)++;
      return 1;
    }
    for (;;) {
      if (object) {
        if (*(*p)++ != '"' || !json_string (p, NULL, &len) || *(*p)++ != ':')
          return 0;
      }
      if (!json_value (p))
        return 0;
      if (**p == ',') {
        (*p)++;
        continue;
      }
      return *(*p)++ == close;
    }
  }
  if (**p == '-' || (**p >= '0' && **p <= '9')) {
    (*p)++;
    while (**p >= '0' && **p <= '9')
      (*p)++;
    return 1;
  }
  return 0;
}

/* Reads the next "string" at *q (at its quote) and compares it. */
static void
expect_string (const char **q, const char *want)
{
  char *buf = malloc (strlen (*q) + 1);
  size_t len;

  assert (*(*q)++ == '"');
  assert (json_string (q, buf, &len));
  assert (len == strlen (want) && memcmp (buf, want, len) == 0);
  free (buf);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  char *copy = malloc (size + 1), *parts[5] = { "", "", "", "", "t" };
  char *valid[4];
  CpsStMetadata md[2];
  CpsStTensor t = { 0 };
  uint8_t bytes[64] = { 0 };
  size_t header_len, np = 0;
  char *header;
  const char *p;

  memcpy (copy, data, size);
  copy[size] = '\0';
  for (char *s = copy; np < 5 && s <= copy + size; s += strlen (s) + 1)
    parts[np++] = s;
  md[0] = (CpsStMetadata) { parts[0], parts[1] };
  md[1] = (CpsStMetadata) { parts[2], parts[3] };
  t.name = parts[4][0] ? parts[4] : "t";
  t.dtype = "U8";
  t.n_dims = size ? data[0] % (CPS_ST_MAX_DIMS + 1) : 1;
  t.n_bytes = 1;
  for (int d = 0; d < t.n_dims; d++) {
    t.shape[d] = size > (size_t) d + 1 ? data[d + 1] % 4 : 1;
    t.n_bytes *= (size_t) t.shape[d];
  }
  t.data = bytes;

  header = cps_safetensors_header (&t, 1, md, 2, &header_len);
  if (strcmp (t.name, "__metadata__") == 0) {
    /* it would replace the metadata */
    assert (header == NULL);
    free (copy);
    return 0;
  }
  assert (header != NULL);
  assert (header_len % 8 == 0 && strlen (header) == header_len);
  assert (g_utf8_validate (header, -1, NULL));
  /* {"__metadata__":{k0:v0,k1:v1},name:{...}} parses, strings intact */
  p = header;
  assert (json_value (&p));
  while (*p == ' ')
    p++;
  assert (*p == '\0');
  for (int i = 0; i < 4; i++)
    valid[i] = g_utf8_make_valid (parts[i], -1);
  {
    const char *q = header + strlen ("{\"__metadata__\":{");

    expect_string (&q, valid[0]);
    assert (*q++ == ':');
    if (strcmp (valid[0], valid[2]) == 0) {
      /* one member, where the key first was, with the later value */
      expect_string (&q, valid[3]);
    } else {
      expect_string (&q, valid[1]);
      assert (*q++ == ',');
      expect_string (&q, valid[2]);
      assert (*q++ == ':');
      expect_string (&q, valid[3]);
    }
    assert (*q == '}');
  }
  for (int i = 0; i < 4; i++)
    g_free (valid[i]);
  g_free (header);
  free (copy);
  return 0;
}
