/* cps — the cost of each motion model per frame, on one core, through the
 * CPU compute table (luma resize included), as cpsmotion runs it.
 *
 *   cc -O2 -Icommon tests/bench/motion-model-cost.c \
 *     BUILD/common/libcpscommon.a -lm $(pkg-config --libs json-glib-1.0) \
 *     -o /tmp/motion-model-cost
 *   /tmp/motion-model-cost                       # synthetic 1080p pan
 *   ffmpeg -v error -i CLIP -f rawvideo -pix_fmt gray -frames:v 60 /tmp/y.raw
 *   /tmp/motion-model-cost /tmp/y.raw 1920 1080  # real frames (luma; chroma neutral)
 *   /tmp/motion-model-cost /tmp/y.raw 1920 1080 camera   # one model only
 *
 * Each line gives the wall and the CPU time (the process's, so a busy
 * machine shows in the first only) and a hash of the maps, to check that
 * a faster version gives the same ones.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_compute.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Two frames of a textured scene, the second panned by (6, 2) pixels. */
static uint8_t *
synthetic_frames (int w, int h, int *count)
{
  uint8_t *frames = malloc ((size_t) w * h * 2);

  srand (1);
  for (int f = 0; f < 2; f++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        double sx = x + 6.0 * f, sy = y + 2.0 * f;
        double v = 128 + 50 * sin (sx * 0.05) * cos (sy * 0.043) +
            30 * sin ((sx + sy) * 0.11) + rand () % 5;

        frames[(size_t) f * w * h + (size_t) y * w + x] = (uint8_t) v;
      }
  *count = 2;
  return frames;
}

static uint8_t *
read_frames (const char *path, int w, int h, int *count)
{
  FILE *f = fopen (path, "rb");
  size_t size = (size_t) w * h, cap = 0, n = 0;
  uint8_t *frames = NULL;

  if (!f)
    return NULL;
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 16;
      frames = realloc (frames, cap * size);
    }
    if (fread (frames + n * size, 1, size, f) != size)
      break;
    n++;
  }
  fclose (f);
  /* Read every page once: the first user access to a page fread filled
   * costs a fault on some VMs (4.5 ms per 1080p frame on the PVM test
   * machine), which a decoder's pool of recycled buffers never pays. */
  {
    volatile uint8_t sink = 0;

    for (size_t i = 0; i < n * size; i += 4096)
      sink ^= frames[i];
  }
  *count = (int) n;
  return frames;
}

static double
now_ms (clockid_t clock)
{
  struct timespec t;

  clock_gettime (clock, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* FNV-1a over the bytes of the maps */
static uint64_t
hash_maps (uint64_t hash, const float *maps, size_t n)
{
  const uint8_t *b = (const uint8_t *) maps;

  for (size_t i = 0; i < n * sizeof (float); i++)
    hash = (hash ^ b[i]) * 0x100000001b3ull;
  return hash;
}

int
main (int argc, char **argv)
{
  int w = argc > 3 ? atoi (argv[2]) : 1920, h = argc > 3 ? atoi (argv[3]) :
      1080, count = 0, lw, lh, rounds = 60;
  uint8_t *frames = argc > 3 ? read_frames (argv[1], w, h, &count) :
      synthetic_frames (w, h, &count);
  static const char *names[] = { "reference", "camera" };
  const char *only = argc > 4 ? argv[4] : NULL;

  if (!frames || count < 2 || (only && strcmp (only, names[0]) &&
          strcmp (only, names[1]))) {
    fprintf (stderr, "usage: %s [FILE.gray WIDTH HEIGHT [reference|camera]]\n",
        argv[0]);
    return 2;
  }
  cps_lowres_size (w, h, CPS_DEFAULT_DOWNSCALE, &lw, &lh);
  for (int model = 0; model < 2; model++) {
    if (only && strcmp (only, names[model]))
      continue;
    CpsMotionGeometry g = { w, h, lw, lh, cps_default_radius (lw, lh), NULL,
      (CpsMotionModel) model
    };
    CpsMotionState *s = cps_compute_cpu.motion_new (&g);
    float *maps = malloc (sizeof (float) * lw * lh * 2);
    /* neutral chroma: the reference model's luma reads U and V too */
    uint8_t *chroma = malloc ((size_t) (w / 2) * (h / 2));
    CpsImage img = { {frames, chroma, chroma}, {w, w / 2, w / 2}, w, h, 1, 1,
      0, 0, 0
    };
    int n = count > rounds ? count : rounds;
    double wall = 0, cpu = 0;
    uint64_t hash = 0xcbf29ce484222325ull;

    memset (chroma, 128, (size_t) (w / 2) * (h / 2));
    cps_compute_cpu.motion_process (s, &img, maps, maps + lw * lh);
    for (int i = 1; i <= n; i++) {
      double t0 = now_ms (CLOCK_MONOTONIC), c0 =
          now_ms (CLOCK_PROCESS_CPUTIME_ID);

      img.planes[0] = frames + (size_t) (i % count) * w * h;
      cps_compute_cpu.motion_process (s, &img, maps, maps + lw * lh);
      wall += now_ms (CLOCK_MONOTONIC) - t0;
      cpu += now_ms (CLOCK_PROCESS_CPUTIME_ID) - c0;
      /* outside the timing */
      hash = hash_maps (hash, maps, (size_t) lw * lh * 2);
    }
    printf ("%s: %.3f ms per %dx%d frame, %.3f ms CPU (%d frames) "
        "maps %016llx\n", names[model], wall / n, w, h, cpu / n, n,
        (unsigned long long) hash);
    cps_compute_cpu.motion_free (s);
    free (maps);
    free (chroma);
  }
  free (frames);
  return 0;
}
