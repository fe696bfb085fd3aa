/* cps — fuzz target: the location pattern parser (cps_format_location).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Properties: never a crash or an out-of-bounds access (ASan, libFuzzer);
 * a pattern without a single integer conversion is refused; an accepted
 * one expands to the pattern with "%%" halved and the conversion replaced
 * by the decimal or hexadecimal index, nothing else; cps_location_problem()
 * names a problem exactly for the refused ones. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cps_safetensors.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  uint64_t index = 0;
  char *pattern, *out;
  size_t percents = 0;

  if (size >= 8) {
    memcpy (&index, data, 8);
    data += 8;
    size -= 8;
  }
  pattern = malloc (size + 1);
  memcpy (pattern, data, size);
  pattern[size] = '\0';
  out = cps_format_location (pattern, index);
  assert ((out == NULL) == (cps_location_problem (pattern) != NULL));
  for (const char *p = pattern; *p; p++)
    percents += *p == '%';
  if (percents == 0)
    assert (out == NULL);
  if (out) {
    /* the output is the pattern's text around one number */
    size_t plen = strlen (pattern), olen = strlen (out);
    const char *a = pattern, *b = out;

    assert (olen <= plen + 64);
    /* the literal prefix matches, "%%" standing for "%" */
    while (*a && *b && !(a[0] == '%' && a[1] != '%')) {
      if (a[0] == '%')
        a++;
      assert (*a == *b);
      a++;
      b++;
    }
  }
  free (out);
  free (pattern);
  return 0;
}
