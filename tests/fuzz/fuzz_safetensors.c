/* cps — fuzz target: the safetensors header writer (JSON escaping,
 * offsets, padding) read back by an independent minimal JSON parser.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is split at NUL bytes into metadata keys and values (any
 * bytes: quotes, backslashes, control characters, invalid UTF-8) and a
 * tensor name; a shape comes from the first bytes.  The header must parse
 * as JSON, be padded to 8 bytes, and give back every string exactly. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cps_safetensors.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* A JSON string at *p (after the opening quote): appends its decoded
 * bytes to @out (may be NULL) and returns 1 if well formed. */
static int
json_string (const char **p, char *out, size_t *len)
{
  size_t n = 0;

  for (;;) {
    unsigned char c = (unsigned char) *(*p)++;

    if (c == '"')
      break;
    if (c == '\0' || c < 0x20)
      return 0;
    if (c == '\\') {
      char e = *(*p)++;

      if (e == 'u') {
        unsigned v = 0;

        for (int i = 0; i < 4; i++) {
          char h = *(*p)++;

          if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f')))
            return 0;
          v = v * 16 + (unsigned) (h <= '9' ? h - '0' : h - 'a' + 10);
        }
        if (v >= 0x20)
          return 0;             /* the writer escapes control bytes only */
        c = (unsigned char) v;
      } else if (e == '"' || e == '\\') {
        c = (unsigned char) e;
      } else {
        return 0;
      }
    }
    if (out)
      out[n] = (char) c;
    n++;
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

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  char *copy = malloc (size + 1), *parts[5] = { "", "", "", "", "t" };
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
  assert (header != NULL);
  assert (header_len % 8 == 0 && strlen (header) == header_len);
  /* {"__metadata__":{k0:v0,k1:v1},name:{...}} parses, strings intact */
  p = header;
  assert (json_value (&p));
  while (*p == ' ')
    p++;
  assert (*p == '\0');
  {
    const char *q = header + strlen ("{\"__metadata__\":{\"");
    char buf[4096];
    size_t len;

    for (int i = 0; i < 4; i++) {
      assert (json_string (&q, buf, &len));
      assert (len == strlen (parts[i]) && memcmp (buf, parts[i], len) == 0);
      q += 2;                   /* ':"' or ',"' */
    }
  }
  free (header);
  free (copy);
  return 0;
}
