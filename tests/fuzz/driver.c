/* cps — runs a libFuzzer target without libFuzzer: over the files given
 * on the command line (a corpus, crash reproducers), then over N inputs
 * from a seeded generator biased towards the characters the parsers care
 * about.  This is what the test suite runs, bounded; tests/fuzz/run-fuzz.sh
 * runs the real coverage-guided fuzzer where clang is installed.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static uint64_t state = 0x9e3779b97f4a7c15u;

static uint64_t
next (void)
{
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

int
main (int argc, char **argv)
{
  static const char alphabet[] = "%%%%dulxX0123456789-+ #.\\\"\n\x01\0abc/";
  uint8_t buf[512];
  long runs = 20000;

  for (int i = 1; i < argc; i++) {
    FILE *f;
    size_t n;

    if (strncmp (argv[i], "-runs=", 6) == 0) {
      runs = atol (argv[i] + 6);
      continue;
    }
    f = fopen (argv[i], "rb");
    if (!f) {
      perror (argv[i]);
      return 1;
    }
    n = fread (buf, 1, sizeof buf, f);
    fclose (f);
    LLVMFuzzerTestOneInput (buf, n);
  }
  for (long r = 0; r < runs; r++) {
    size_t n = next () % sizeof buf;

    for (size_t i = 0; i < n; i++)
      buf[i] = next () % 4 ? (uint8_t) alphabet[next () % (sizeof alphabet - 1)]
          : (uint8_t) next ();
    LLVMFuzzerTestOneInput (buf, n);
  }
  printf ("%ld generated inputs, %d files: no failure\n", runs, argc - 1);
  return 0;
}
